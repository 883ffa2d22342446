"""Offline guarantees and small pure helpers: no telemetry, loopback only, parameterised filters, units."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import queries, ui
from perpdex_lib.cli.dashboard import streamlit_command

ROOT = Path(__file__).resolve().parents[2]


def test_streamlit_config_has_no_telemetry_and_binds_loopback() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["headless"] is True
    assert config["client"]["showErrorDetails"] in ("type", "none", False)


def test_cli_repeats_the_offline_settings_on_the_command_line() -> None:
    cmd = streamlit_command(port=8765)
    flags = dict(zip(cmd[cmd.index("--server.port"):][::2], cmd[cmd.index("--server.port"):][1::2], strict=True))
    assert flags == {
        "--server.port": "8765",
        "--server.address": "127.0.0.1",
        "--server.headless": "true",
        "--browser.gatherUsageStats": "false",
        "--server.fileWatcherType": "none",
    }
    assert cmd[-len(flags) * 2 - 1].endswith("dashboards/app.py")


def test_opportunity_filters_bind_every_value() -> None:
    cols = queries.resolve_columns(["asset", "net_apr", "liquidity_cap_usd", "horizon_hours", "computed_at"])
    assert cols == {"apr": "net_apr", "liquidity": "liquidity_cap_usd", "horizon": "horizon_hours",
                    "computed_at": "computed_at", "rank": None}
    sql = str(queries.opportunities_statement(cols))
    for param in (":assets", ":asset_pattern", ":venues", ":min_apr", ":min_liquidity_usd", ":horizon_hours", ":limit"):
        assert param in sql
    assert "'" not in sql.replace("''", "").replace("'\\'", "")  # no literal besides '' and the ESCAPE char


def test_columns_missing_from_the_view_drop_their_filter() -> None:
    sql = str(queries.opportunities_statement(queries.resolve_columns(["asset", "apr"])))
    assert '"apr" >=' in sql and "liquidity" not in sql and "horizon" not in sql


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(None, ("gray", "no data")), (10, ("green", "fresh")), (600, ("orange", "ageing")), (7200, ("red", "stale"))],
)
def test_freshness_label(seconds: float | None, expected: tuple[str, str]) -> None:
    assert ui.freshness_label(seconds, fresh_s=60, stale_s=3600) == expected


def test_units_and_ages() -> None:
    assert ui.rate_scale(ui.UNIT_HOURLY) == 100
    assert ui.rate_scale(ui.UNIT_APR) == 100 * 8760
    assert [ui.human_age(s) for s in (None, 5, 600, 3 * 3600, 3 * 86400)] == ["never", "5 s", "10 min", "3.0 h",
                                                                               "3.0 d"]


def test_oidc_gate_asks_for_login_when_configured() -> None:
    at = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "id", "client_secret": "secret",
                          "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration"}
    at.run()
    assert [b.label for b in at.button] == ["Log in"]
    assert not at.dataframe and not at.metric  # nothing from the warehouse before login

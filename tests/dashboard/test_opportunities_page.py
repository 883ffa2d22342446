"""Opportunities page rendered by AppTest against seeded engine runs (read-only role), incl. an injection attempt."""

from __future__ import annotations

import psycopg
import pytest

from tests.dashboard.conftest import open_page

pytestmark = pytest.mark.integration


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_ranked_by_net_apr_with_freshness_badge(seeded: str) -> None:
    at = open_page()  # the default page
    assert at.title[0].value == "Opportunities"
    assert any("Opportunities: fresh" in m.value for m in at.markdown)
    metrics = _metrics(at)
    assert metrics["Opportunities"] == "3"
    assert metrics["Best net APR"] == "50.00 %"
    table = at.dataframe[0].value
    assert list(table["asset"]) == ["PEPE", "ETH", "BTC"]
    assert list(table.columns[:4]) == ["rank", "asset", "long_venue", "short_venue"]
    assert table["net_apr"].iloc[0] == pytest.approx(50.0)  # shown in %


@pytest.mark.parametrize(
    ("widget", "value", "assets"),
    [
        ("opp_min_apr", 20.0, ["PEPE"]),
        ("opp_min_liq", 100_000.0, ["ETH", "BTC"]),
        ("opp_horizon", 24.0, ["BTC"]),
        ("opp_venues", ["lighter", "hyperliquid", "paradex"], ["ETH", "BTC"]),  # no aster leg
        ("opp_assets", ["ETH"], ["ETH"]),
        ("opp_asset_search", "pe", ["PEPE"]),
    ],
)
def test_filters(seeded: str, widget: str, value: object, assets: list[str]) -> None:
    at = open_page()
    if widget == "opp_asset_search":
        at.text_input(key=widget).input(value).run()
    elif widget in ("opp_min_apr", "opp_min_liq"):
        at.number_input(key=widget).set_value(value).run()
    elif widget == "opp_horizon":
        at.selectbox(key=widget).set_value(value).run()
    else:
        at.multiselect(key=widget).set_value(value).run()
    assert not at.exception
    assert list(at.dataframe[0].value["asset"]) == assets


def test_drill_down_shows_both_legs_and_the_spread(seeded: str) -> None:
    at = open_page()
    at.selectbox(key="opp_pick").set_value(1).run()  # ETH: long lighter 0.0008 %/h, short hyperliquid 0.003 %/h
    metrics = _metrics(at)
    assert metrics["Mean spread (% / h)"] == "0.00220"
    assert metrics["Hours positive"] == "100 %"
    assert metrics["Spread APR"] == f"{0.0022 * 8760:.2f} %"


def test_sql_injection_through_the_search_filter_is_harmless(seeded: str, clean_db: str) -> None:
    with psycopg.connect(clean_db) as conn:
        before = conn.execute("SELECT count(*) FROM market.funding_rates").fetchone()[0]
    at = open_page()
    for attack in ("'; DROP TABLE market.funding_rates; --", "%' OR '1'='1", "%", "_"):
        at.text_input(key="opp_asset_search").input(attack).run()
        assert not at.exception, attack
        assert not at.dataframe, attack  # matched literally: no asset contains these characters
        assert any("No opportunity matches" in i.value for i in at.info)
    with psycopg.connect(clean_db) as conn:
        assert conn.execute("SELECT count(*) FROM market.funding_rates").fetchone()[0] == before


def test_dashboard_role_cannot_write_or_read_outside_reporting(seeded: str) -> None:
    with psycopg.connect(seeded) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT 1 FROM market.funding_rates LIMIT 1")
        conn.rollback()
        with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)):
            conn.execute("DELETE FROM reporting.funding_daily")


def test_no_engine_run_yet_is_an_empty_state(dashboard_url: str) -> None:
    at = open_page()
    assert not at.dataframe
    assert any("No opportunity matches" in i.value for i in at.info)

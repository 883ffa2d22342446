"""Funding explorer rendered by AppTest against a seeded warehouse (read-only role)."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import open_page

pytestmark = pytest.mark.integration


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _text(at) -> str:
    parts = [m.value for m in at.markdown] + [i.value for i in at.info] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


# --- funding explorer -------------------------------------------------------------------------------------------


def test_funding_heatmap_shows_current_predicted_rates_per_asset_and_venue(seeded: str) -> None:
    at = open_page("funding")
    assert at.title[0].value == "Funding explorer"
    assert "Current rates: fresh" in _text(at)
    heat = at.dataframe[0].value
    # seeded predicted rates, fraction per hour → % per hour
    assert heat.loc["BTC", "hyperliquid"] == pytest.approx(0.002)
    assert heat.loc["PEPE", "aster"] == pytest.approx(-0.001)
    assert set(heat.index) == {"BTC", "ETH", "PEPE"}


def test_funding_unit_toggle_annualises(seeded: str) -> None:
    at = open_page("funding")
    at.radio(key="funding_unit").set_value("APR %").run()
    heat = at.dataframe[0].value
    assert heat.loc["BTC", "hyperliquid"] == pytest.approx(0.00002 * 8760 * 100)  # 17.52 % APR


def test_funding_history_stats_per_venue(seeded: str) -> None:
    at = open_page("funding")
    stats = at.dataframe[1].value.set_index("venue")
    assert set(stats.index) == {"lighter", "hyperliquid", "paradex"}  # every BTC venue with settled history
    assert stats.loc["paradex", "mean"] == pytest.approx(-0.0005)
    assert stats.loc["paradex", "positive_share_%"] == 0
    assert stats.loc["lighter", "samples"] >= 24 * 7 - 2  # hourly over the 7-day default window


def test_funding_long_window_reads_the_daily_rollup(seeded: str) -> None:
    at = open_page("funding")
    at.selectbox(key="hist_asset").set_value("ETH")
    at.selectbox(key="hist_window").set_value("30 days").run()
    stats = at.dataframe[1].value.set_index("venue")
    assert stats.loc["hyperliquid", "mean"] == pytest.approx(0.003)
    assert stats.loc["hyperliquid", "samples"] in (10, 11)  # one row per UTC day of a 10-day history
    assert any("daily means" in c.value for c in at.caption)


def test_funding_empty_warehouse_shows_empty_states(dashboard_url: str) -> None:
    at = open_page("funding")
    assert "No predicted funding rates in the warehouse yet" in _text(at)
    assert "No instruments in the warehouse yet" in _text(at)



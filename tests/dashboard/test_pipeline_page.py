"""Pipeline health rendered by AppTest against a seeded warehouse (read-only role)."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import open_page

pytestmark = pytest.mark.integration


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _text(at) -> str:
    parts = [m.value for m in at.markdown] + [i.value for i in at.info] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


# --- pipeline health ---------------------------------------------------------------------------------------------


def test_pipeline_health_ages_and_quarantine(seeded: str) -> None:
    at = open_page("pipeline")
    metrics = _metrics(at)
    assert metrics["Venues without data"] == "3"  # backpack, edgex, grvt have nothing seeded
    assert metrics["Quarantined rows"] == "5"
    venues = at.dataframe[0].value.set_index("venue")
    assert venues.loc["hyperliquid", "status"] == "OK"
    assert venues.loc["grvt", "status"] == "NO DATA"
    assert venues.loc["lighter", "instruments"] == 2
    assert venues.loc["lighter", "last good ingest"] == "10 min ago"
    assert venues.loc["aster", "last good ingest"] == "70 min ago"
    assert venues.loc["grvt", "last good ingest"] == "never"
    assert metrics["Runs success"] == "2"
    assert metrics["Runs failed"] == "1"
    engine = at.dataframe[3].value
    assert set(engine["run_id"]) == {"seed-72h", "seed-24h"}
    assert "Last engine run: fresh" in _text(at)
    quarantine = at.dataframe[1].value
    assert dict(zip(quarantine["reason_code"], quarantine["rows_total"], strict=True)) == {
        "bad_json": 3, "negative_price": 2}


def test_pipeline_flags_a_venue_whose_settlements_stopped(seeded: str, clean_db: str) -> None:
    import psycopg

    with psycopg.connect(clean_db) as conn:  # lighter's last 3 hourly settlements never arrived
        conn.execute("DELETE FROM market.funding_rates WHERE venue = 'lighter' AND kind = 'settled'"
                     " AND funding_time > now() - interval '3 hours 30 minutes'")
    at = open_page("pipeline")
    venues = at.dataframe[0].value.set_index("venue")
    assert venues.loc["lighter", "status"] == "STALE"
    assert venues.loc["hyperliquid", "status"] == "OK"


def test_pipeline_empty_warehouse(dashboard_url: str) -> None:
    at = open_page("pipeline")
    text = _text(at)
    assert "No funding data has been ingested yet" in text
    assert "No quarantined rows" in text
    assert "The pipeline has not recorded any runs yet" in text
    assert "The opportunity engine has not run yet" in text



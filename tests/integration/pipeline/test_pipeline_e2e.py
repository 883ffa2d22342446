"""End to end through Airflow (dag.test): ingest all 7 venues from the shared simulator into PostgreSQL,
then opportunities; values against the simulator's model; NOTIFY received; a re-run changes nothing.

One module-scoped run is shared by the assertions (Airflow runs cost seconds each)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from perpdex_lib.domain import Venue
from tests.integration.pipeline.conftest import pipeline_env, run_dag, task_states, truncate_all

pytestmark = pytest.mark.integration

CHECKSUMS = {
    # Curated tables, every column but the bookkeeping of an observation: ingested_at, run_id, observed_at, and
    # the venue's timestamp of a *predicted* rate (venues stamp each answer; the loader refreshes it so the
    # executor can judge the estimate's age). Values, units, intervals and settled timestamps must not move.
    "market.funding_rates": "venue, venue_symbol, asset, kind, funding_time, raw_rate, raw_unit, interval_hours, "
                            "rate_per_hour, CASE WHEN kind = 'settled' THEN venue_ts END",
    "market.market_snapshots": "venue, venue_symbol, asset, ts, mark_price, index_price, open_interest_base, "
                               "open_interest_usd, volume_24h_usd, best_bid, best_ask, bid_depth_usd, ask_depth_usd, "
                               "next_funding_time",
    "market.order_books": "venue, venue_symbol, ts, bids, asks",
    "market.instruments": "venue, venue_symbol, asset, quote, multiplier, tick_size, lot_size, min_size, "
                          "min_notional_usd, max_leverage, funding_interval_hours, continuous_funding, status, "
                          "venue_market_id, first_seen_at, updated_at",
}  # fmt: skip


def checksums(url: str) -> dict[str, tuple[int, str]]:
    out = {}
    with psycopg.connect(url) as conn:
        for table, cols in CHECKSUMS.items():
            rows = conn.execute(f"SELECT {cols} FROM {table} ORDER BY 1, 2, 3, 4, 5").fetchall()
            out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


@pytest.fixture(scope="module")
def e2e(airflow_dags, pg_url: str, sim_urls) -> dict[str, Any]:
    truncate_all(pg_url)
    logical = datetime.now(UTC).replace(second=0, microsecond=0)
    out: dict[str, Any] = {"logical": logical}
    # hour-wide snapshot buckets: the re-run below lands in the first run's bucket (5-minute buckets could be
    # crossed between the two runs; the predicted rates themselves only change on the hour)
    # (so snapshots may be up to an hour old by the engine's clock: its age limits are widened to match)
    wide_ages = json.dumps({"max_snapshot_age_s": 7200, "max_book_age_s": 7200})
    with pipeline_env(pg_url, sim_urls, PERPDEX_PIPELINE_SNAPSHOT_BUCKET_S="3600",
                      PERPDEX_PIPELINE_OPPORTUNITY_PARAMS=wide_ages), \
            psycopg.connect(pg_url, autocommit=True) as listener:
        listener.execute("LISTEN perpdex_opportunities")
        out["ingest"] = run_dag(airflow_dags["perpdex_ingest"], logical)
        out["ingest_states"] = task_states(out["ingest"])
        out["checksums_1"] = checksums(pg_url)
        out["opps"] = run_dag(airflow_dags["perpdex_opportunities"])
        out["opps_states"] = task_states(out["opps"])
        out["notifies"] = [json.loads(n.payload) for n in listener.notifies(timeout=5, stop_after=1)]
        out["ingest_again"] = run_dag(airflow_dags["perpdex_ingest"], logical)
        out["checksums_2"] = checksums(pg_url)
    return out


def test_ingest_run_succeeds_for_every_venue(e2e, pg_url: str) -> None:
    assert e2e["ingest_states"] == {**{f"ingest_{v.value}": "success" for v in Venue},
                                    "summarize": "success", "all_venues_ok": "success"}
    with psycopg.connect(pg_url) as conn:
        rows = dict(conn.execute("SELECT venue, status FROM dq.ingest_runs WHERE job = 'ingest'").fetchall())
    assert rows == {v.value: "success" for v in Venue}


def test_counts_and_normalised_rates_match_the_model(e2e, pg_url: str, sim_model) -> None:
    with psycopg.connect(pg_url) as conn:
        for venue in Venue:
            listed = {a.name: a for a in sim_model.listed(venue)}
            rows = conn.execute(
                "SELECT asset, rate_per_hour, interval_hours, observed_at, funding_time FROM market.funding_rates "
                "WHERE venue = %s AND kind = 'predicted'", (venue.value,),
            ).fetchall()
            assert sorted(r[0] for r in rows) == sorted(listed), venue
            for asset, rate, interval, observed_at, funding_time in rows:
                a = listed[asset]
                assert interval == sim_model.interval_hours(venue, a), (venue, asset)
                assert funding_time == sim_model.next_settlement(venue, a, observed_at), (venue, asset)
                truth = sim_model.predicted_rate_per_hour(venue, a, observed_at)
                # venues quote in their own unit and precision (Aster: 8 decimals per interval)
                assert abs(rate - truth) <= Decimal("0.5e-8") / interval + Decimal("1e-10"), (venue, asset, rate)
            n_snap, n_ts, ts = conn.execute("SELECT count(*), count(DISTINCT ts), max(ts) FROM market.market_snapshots "
                                            "WHERE venue = %s", (venue.value,)).fetchone()
            assert n_snap == len(listed) and n_ts == 1, venue
            assert ts.timestamp() % 3600 == 0 and abs((ts - e2e["logical"]).total_seconds()) <= 3600
            n_inst = conn.execute("SELECT count(*) FROM market.instruments WHERE venue = %s",
                                  (venue.value,)).fetchone()[0]
            assert n_inst == len(listed), venue
            n_books = conn.execute("SELECT count(*) FROM market.order_books WHERE venue = %s",
                                   (venue.value,)).fetchone()[0]
            assert n_books == len(listed), venue


def test_opportunities_are_computed_signalled_and_notified(e2e, pg_url: str) -> None:
    assert e2e["opps_states"] == {"compute_and_signal": "success", "executor_heartbeat": "success"}
    with psycopg.connect(pg_url) as conn:
        run_id, n_opp = conn.execute(
            "SELECT run_id, opportunities FROM analytics.opportunity_runs").fetchone()
        signal = conn.execute("SELECT channel, kind, opportunity_run_id FROM analytics.signals").fetchall()
    assert signal == [("perpdex_opportunities", "opportunities", run_id)]
    assert n_opp > 0  # 7 venues x ~17 shared assets always leave some positive spread
    assert len(e2e["notifies"]) == 1
    note = e2e["notifies"][0]
    assert note["opportunity_run_id"] == run_id and note["opportunities"] == n_opp


def test_same_interval_twice_leaves_curated_tables_identical(e2e) -> None:
    assert task_states(e2e["ingest_again"])["all_venues_ok"] == "success"
    assert e2e["checksums_1"] == e2e["checksums_2"]
    assert all(n > 0 for n, _ in e2e["checksums_1"].values())

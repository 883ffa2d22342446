"""Backfill of settled funding: N days for every venue → the model's settlement count, no duplicates, and a
re-run (library or Airflow) is a no-op."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from perpdex_lib.domain import Venue
from perpdex_lib.pipeline.backfill import backfill_venue
from perpdex_lib.pipeline.config import PipelineSettings
from tests.integration.pipeline.conftest import pipeline_env, run_dag, task_states, truncate_all

pytestmark = pytest.mark.integration
DAYS = 2


def _count(url: str) -> dict[str, tuple[int, int]]:
    with psycopg.connect(url) as conn:
        return {v: (n, d) for v, n, d in conn.execute(
            "SELECT venue, count(*), count(DISTINCT (venue_symbol, funding_time)) FROM market.funding_rates "
            "WHERE kind = 'settled' GROUP BY venue").fetchall()}


def test_backfill_days_for_all_venues_then_rerun_is_noop(airflow_dags, pg_url: str, sim_settings, sim_model) -> None:
    truncate_all(pg_url)
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=DAYS)
    ps = PipelineSettings()

    def connect() -> psycopg.Connection:
        return psycopg.connect(pg_url)

    first = {v: backfill_venue(v, start=start, end=end, run_id=f"bf-{v}", connect=connect, settings=sim_settings,
                               pipeline=ps) for v in Venue}
    assert {v: r.status for v, r in first.items()} == {v: "success" for v in Venue}
    expected = {
        v.value: sum(len(sim_model.settlement_times(v, a, start, end)) for a in sim_model.listed(v)) for v in Venue
    }
    counts = _count(pg_url)
    assert {v: n for v, (n, _) in counts.items()} == expected
    assert all(n == distinct for n, distinct in counts.values())  # no duplicates
    assert all(first[v].rows_loaded == expected[v.value] for v in Venue)

    # values are the model's settled rates (venues quote with 8 decimals per interval)
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT venue, asset, funding_time, rate_per_hour, interval_hours FROM "
                            "market.funding_rates WHERE kind = 'settled' AND asset = 'BTC'").fetchall()
    for venue, asset, t, rate, interval in rows:
        truth = sim_model.settled_rate_per_hour(Venue(venue), sim_model.asset(asset), t)
        assert abs(rate - truth) <= 5e-9 / float(interval) + 1e-10, (venue, t, rate, truth)

    # the same interval through Airflow: the run with logical date `end` covers [end - 1 day, end)
    with pipeline_env(pg_url, sim_settings.venue_urls):
        dagrun = run_dag(airflow_dags["perpdex_backfill"], end)
    assert set(task_states(dagrun).values()) == {"success"}
    with psycopg.connect(pg_url) as conn:
        loaded = conn.execute("SELECT venue, rows_loaded, rows_extracted, interval_start, interval_end FROM "
                              "dq.ingest_runs WHERE job = 'backfill' AND run_id = %s", (dagrun.run_id,)).fetchall()
    assert len(loaded) == len(Venue)
    for venue, rows_loaded, rows_extracted, i_start, i_end in loaded:
        assert (i_start, i_end) == (end - timedelta(days=1), end)
        assert rows_extracted > 0 and rows_loaded == 0, venue  # a re-run writes nothing
    assert _count(pg_url) == counts

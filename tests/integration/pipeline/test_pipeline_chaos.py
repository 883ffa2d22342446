"""Chaos through Airflow: one venue down, one sending malformed rows, one answering 429 to everything.

The healthy venues load, bad rows sit in quarantine with reason codes, nothing invalid reaches the curated
tables, and the run (task states, dq.ingest_runs, the verdict task) says which venues failed."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from perpdex_lib.domain import Venue
from perpdex_lib.quality.rules import Reason
from perpdex_lib.sim.server import SimServer
from tests.integration.pipeline.conftest import pipeline_env, run_dag, task_states, truncate_all

pytestmark = pytest.mark.integration

DOWN, MALFORMED, LIMITED = Venue.ASTER, Venue.GRVT, Venue.BACKPACK
HEALTHY = [v for v in Venue if v not in (DOWN, MALFORMED, LIMITED)]


def test_chaos_healthy_venues_load_bad_rows_quarantined(airflow_dags, pg_url: str, private_sim: SimServer,
                                                        sim_model) -> None:
    truncate_all(pg_url)
    private_sim.contexts[DOWN].faults.config.update({"down": True})
    private_sim.contexts[MALFORMED].faults.config.update({"malformed_rate": 1.0, "malformed_mode": "row"})
    private_sim.contexts[LIMITED].faults.config.update({"rate_limit_rate": 1.0, "retry_after_s": 0.05})
    logical = datetime.now(UTC).replace(second=0, microsecond=0)
    with pipeline_env(pg_url, private_sim.urls, PERPDEX_HTTP_TIMEOUT_S="1", PERPDEX_HTTP_MAX_ATTEMPTS="2",
                      PERPDEX_PIPELINE_VENUE_TIMEOUT_S="30"):
        dagrun = run_dag(airflow_dags["perpdex_ingest"], logical)
    states = task_states(dagrun)

    # the run says which venues failed: their tasks, the verdict task, and dq.ingest_runs
    assert states[f"ingest_{DOWN}"] == "failed" and states[f"ingest_{LIMITED}"] == "failed"
    assert all(states[f"ingest_{v}"] == "success" for v in HEALTHY), states
    assert states["summarize"] == "success"  # the Asset is emitted: opportunities run on what did load
    assert states["all_venues_ok"] == "failed"
    assert str(dagrun.state) in ("failed", "DagRunState.FAILED")
    with psycopg.connect(pg_url) as conn:
        runs = {v: (s, e) for v, s, e in conn.execute("SELECT venue, status, error FROM dq.ingest_runs")}
        assert runs[DOWN.value][0] == "failed" and runs[LIMITED.value][0] == "failed"
        assert "RateLimited" in runs[LIMITED.value][1] or "429" in runs[LIMITED.value][1], runs[LIMITED.value]
        assert all(runs[v.value][0] == "success" for v in HEALTHY), runs

        # failed venues wrote nothing curated
        for v in (DOWN, LIMITED):
            for table in ("market.funding_rates", "market.market_snapshots", "market.order_books",
                          "market.instruments"):
                assert conn.execute(f"SELECT count(*) FROM {table} WHERE venue = %s", (v.value,)).fetchone()[0] == 0

        # healthy venues are complete
        for v in HEALTHY:
            n = conn.execute("SELECT count(*) FROM market.funding_rates WHERE venue = %s AND kind = 'predicted'",
                             (v.value,)).fetchone()[0]
            assert n == len(sim_model.listed(v)), v

        # the malformed venue: damaged rows quarantined with a known reason, never curated
        quarantined = conn.execute(
            "SELECT endpoint, reason_code, payload FROM dq.quarantine WHERE venue = %s", (MALFORMED.value,)
        ).fetchall()
        assert quarantined, "malformed rows must be quarantined"
        assert {r[1] for r in quarantined} <= {r.value for r in Reason} | {"unknown_symbol", "unknown_interval"}
        assert runs[MALFORMED.value][0] in ("success", "partial", "failed")
        if runs[MALFORMED.value][0] != "failed":
            curated = conn.execute("SELECT count(*) FROM market.funding_rates WHERE venue = %s",
                                   (MALFORMED.value,)).fetchone()[0]
            funding_rejects = sum(1 for r in quarantined if r[0].startswith("funding"))
            assert curated + funding_rejects <= len(sim_model.listed(MALFORMED)) + funding_rejects
        # nothing invalid anywhere in the curated tables
        assert conn.execute("SELECT count(*) FROM market.funding_rates WHERE abs(rate_per_hour) > 0.01 "
                            "OR interval_hours <= 0 OR asset = ''").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM market.market_snapshots WHERE mark_price <= 0 "
                            "OR best_bid >= best_ask").fetchone()[0] == 0

"""The ingest library without Airflow: real simulator over HTTP, real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from perpdex_lib.domain import Venue
from perpdex_lib.pipeline.config import PipelineSettings
from perpdex_lib.pipeline.ingest import ingest_venue

pytestmark = pytest.mark.integration


def test_ingest_one_venue_loads_and_records(clean_db: str, sim_settings, sim_model) -> None:
    as_of = datetime.now(UTC).replace(second=0, microsecond=0)
    rec = ingest_venue(Venue.HYPERLIQUID, run_id="t-1", interval_start=None, interval_end=as_of,
                       connect=lambda: psycopg.connect(clean_db), settings=sim_settings, pipeline=PipelineSettings())
    assert rec.status == "success", rec.error
    listed = len(sim_model.listed(Venue.HYPERLIQUID))
    with psycopg.connect(clean_db) as conn:
        n_pred = conn.execute("SELECT count(*) FROM market.funding_rates WHERE venue='hyperliquid' "
                              "AND kind='predicted'").fetchone()[0]
        n_snap, n_ts = conn.execute("SELECT count(*), count(DISTINCT ts) FROM market.market_snapshots").fetchone()
        status = conn.execute("SELECT status FROM dq.ingest_runs WHERE run_id='t-1'").fetchone()[0]
    assert n_pred == listed
    assert n_snap == listed and n_ts == 1  # one bucket: the observation time on the 5-minute grid
    assert status == "success"

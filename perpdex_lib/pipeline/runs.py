"""``dq.ingest_runs``: one row per (pipeline run, venue, job) with the outcome, counts, timings and error.

The row is written as 'running' on a connection of its own before the work starts (so a crash leaves a
trace), and its final state is written in the same transaction as the data it describes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg

RUNNING, SUCCESS, PARTIAL, FAILED, SKIPPED = "running", "success", "partial", "failed", "skipped"


@dataclass
class RunRecord:
    run_id: str
    venue: str
    job: str  # ingest | instruments | backfill
    interval_start: datetime | None
    interval_end: datetime | None
    status: str = RUNNING
    rows_extracted: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    @property
    def reject_ratio(self) -> Decimal:
        denominator = self.rows_extracted or 1
        return (Decimal(self.rows_rejected) / Decimal(denominator)).quantize(Decimal("0.000001"))

    def summary(self) -> dict[str, Any]:
        """What the task returns through XCom: references and counts only."""
        return {
            "run_id": self.run_id, "venue": self.venue, "job": self.job, "status": self.status,
            "rows_extracted": self.rows_extracted, "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected, "reject_ratio": str(self.reject_ratio), "counts": self.counts,
            "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()}, "error": self.error,
        }  # fmt: skip


_UPSERT = """
INSERT INTO dq.ingest_runs (run_id, venue, job, status, interval_start, interval_end, started_at, finished_at,
    rows_extracted, rows_loaded, rows_rejected, reject_ratio, counts, timings_s, error)
VALUES (%s, %s, %s, %s, %s, %s, clock_timestamp(), CASE WHEN %s = 'running' THEN NULL ELSE clock_timestamp() END,
    %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s)
ON CONFLICT (run_id, venue, job) DO UPDATE SET
    status = excluded.status, interval_start = excluded.interval_start, interval_end = excluded.interval_end,
    started_at = CASE WHEN excluded.status = 'running' THEN excluded.started_at ELSE dq.ingest_runs.started_at END,
    finished_at = excluded.finished_at, rows_extracted = excluded.rows_extracted,
    rows_loaded = excluded.rows_loaded, rows_rejected = excluded.rows_rejected,
    reject_ratio = excluded.reject_ratio, counts = excluded.counts, timings_s = excluded.timings_s,
    error = excluded.error
"""


def write(conn: psycopg.Connection, rec: RunRecord) -> None:
    """Upsert the record in the caller's transaction (a retried task overwrites its own row)."""
    conn.execute(_UPSERT, (
        rec.run_id, rec.venue, rec.job, rec.status, rec.interval_start, rec.interval_end, rec.status,
        rec.rows_extracted, rec.rows_loaded, rec.rows_rejected, rec.reject_ratio, json.dumps(rec.counts),
        json.dumps({k: round(v, 4) for k, v in rec.timings_s.items()}), rec.error,
    ))  # fmt: skip


def fetch(conn: psycopg.Connection, run_id: str, job: str | None = None) -> list[dict[str, Any]]:
    """Every venue's row of one pipeline run."""
    sql = ("SELECT venue, job, status, rows_extracted, rows_loaded, rows_rejected, error "
           "FROM dq.ingest_runs WHERE run_id = %s")
    params: tuple[Any, ...] = (run_id,)
    if job is not None:
        sql += " AND job = %s"
        params += (job,)
    with conn.cursor() as cur:
        cur.execute(sql + " ORDER BY venue", params)
        names = [d.name for d in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

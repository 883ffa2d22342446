"""Task bodies: read the Airflow context, open the warehouse through the Airflow connection, call the logic.

Every function returns a small dict of references and counts for XCom (never rows, never secrets).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from perpdex_lib.domain import Venue
from perpdex_lib.pipeline.dagconf import WAREHOUSE_CONN_ID

log = logging.getLogger(__name__)


def warehouse_connect() -> Any:
    """A factory of psycopg 3 connections: the Airflow connection when there is one, else the warehouse URL."""
    try:
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        hook = PostgresHook(postgres_conn_id=WAREHOUSE_CONN_ID)
        hook.get_connection(WAREHOUSE_CONN_ID)
    except Exception as exc:  # no Airflow connection configured: local default
        log.info("no Airflow connection %s (%s); using PERPDEX_DATABASE_URL / the local cluster",
                 WAREHOUSE_CONN_ID, type(exc).__name__)
        from perpdex_lib.warehouse.engine import connect

        return connect

    def _connect() -> psycopg.Connection:
        conn = hook.get_conn()
        assert isinstance(conn, psycopg.Connection), "the postgres provider must use psycopg 3"
        return conn

    return _connect


def _context() -> dict[str, Any]:
    from airflow.sdk import get_current_context

    return dict(get_current_context())


def _interval(ctx: dict[str, Any]) -> tuple[datetime | None, datetime]:
    end = ctx.get("data_interval_end") or ctx.get("logical_date") or datetime.now(UTC)
    return ctx.get("data_interval_start"), end.astimezone(UTC)


def run_ingest(venue: str) -> dict[str, Any]:
    from perpdex_lib.pipeline.ingest import ingest_venue

    ctx = _context()
    start, end = _interval(ctx)
    rec = ingest_venue(Venue(venue), run_id=ctx["run_id"], interval_start=start, interval_end=end,
                       connect=warehouse_connect())
    return rec.summary()


def run_ingest_summary(venues: list[str]) -> dict[str, Any]:
    """Across venues: raises only when no venue loaded (then no Asset event, no opportunity run)."""
    from perpdex_lib.notify import Level, notify
    from perpdex_lib.pipeline.ingest import summarize_run

    ctx = _context()
    summary = summarize_run(warehouse_connect(), ctx["run_id"], [Venue(v) for v in venues])
    if summary["failed"]:
        failed: dict[str, str] = summary["failed"]  # type: ignore[assignment]
        notify("ingest: venues failed", "; ".join(f"{v}: {e}" for v, e in failed.items())[:1500], Level.WARNING)
    if not summary["loaded"]:
        raise RuntimeError(f"no venue loaded in run {ctx['run_id']}: {summary['failed'] or summary['skipped']}")
    return summary


def check_all_venues(summary: dict[str, Any] | None) -> dict[str, Any]:
    """The run's verdict: fails (naming the venues) when any venue failed, after the Asset was emitted."""
    if summary is None:
        raise RuntimeError("no summary: every venue failed")
    if summary.get("failed"):
        raise RuntimeError("venues failed: " + "; ".join(f"{v}: {e}" for v, e in summary["failed"].items()))
    return {"ok": True, "loaded": summary.get("loaded")}


def run_opportunities() -> dict[str, Any]:
    from perpdex_lib.pipeline.opportunities import compute_and_signal

    ctx = _context()
    return compute_and_signal(warehouse_connect(), trigger=ctx.get("run_id"))


def run_executor_check() -> dict[str, Any]:
    from perpdex_lib.pipeline.opportunities import executor_status

    return executor_status(warehouse_connect())


def run_backfill(venue: str) -> dict[str, Any]:
    from perpdex_lib.pipeline.backfill import backfill_venue

    ctx = _context()
    start, end = backfill_window(*_interval(ctx))
    rec = backfill_venue(Venue(venue), start=start, end=end, run_id=ctx["run_id"], connect=warehouse_connect())
    from perpdex_lib.pipeline.maintenance import refresh_rollups

    refresh_rollups(warehouse_connect(), start)  # the dashboard's long windows read the daily rollup
    return rec.summary()


def backfill_window(start: datetime | None, end: datetime) -> tuple[datetime, datetime]:
    """The run's data interval; for a zero-length one (cron trigger, manual run) the window ending at it."""
    from perpdex_lib.pipeline.config import get_pipeline_settings

    if start is not None and start < end:
        return start.astimezone(UTC), end.astimezone(UTC)
    window_s = get_pipeline_settings().backfill_window_hours * 3600
    end_s = int(end.timestamp()) // window_s * window_s
    end = datetime.fromtimestamp(end_s, UTC)
    return end - timedelta(seconds=window_s), end


def run_partitions_and_retention() -> dict[str, Any]:
    from perpdex_lib.pipeline.maintenance import apply_retention, ensure_partitions, refresh_rollups

    now = datetime.now(UTC)
    connect = warehouse_connect()
    return {
        "partitions_created": ensure_partitions(connect, now),
        **apply_retention(connect, now),
        "funding_daily_rows": refresh_rollups(connect, now - timedelta(days=2)),
    }


def run_freshness() -> dict[str, Any]:
    from perpdex_lib.notify import Level, notify
    from perpdex_lib.pipeline.dagconf import venues
    from perpdex_lib.pipeline.maintenance import freshness, freshness_report

    items = freshness(warehouse_connect(), datetime.now(UTC), venues())
    stale = [i for i in items if i.stale]
    for item in stale:
        notify(f"stale data: {item.venue}", item.reason or "stale", Level.WARNING)
    return {"stale": [i.venue for i in stale], "venues": freshness_report(items)}


def run_quarantine_summary() -> dict[str, Any]:
    from perpdex_lib.notify import Level, notify
    from perpdex_lib.pipeline.maintenance import quarantine_summary

    since = datetime.now(UTC) - timedelta(hours=1)
    rows = quarantine_summary(warehouse_connect(), since)
    total = sum(r["rows"] for r in rows)
    if total:
        top = ", ".join(f"{r['venue']}/{r['reason_code']}: {r['rows']}" for r in rows[:10])
        notify("quarantine (last hour)", f"{total} rows: {top}", Level.INFO)
    return {"rows_last_hour": total, "groups": rows[:50]}

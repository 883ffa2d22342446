"""What the DAG files need at parse time: names, schedules, default_args, pools, the ingest Asset.

Imported by every file in ``dags/``, so it imports only light modules (no Great Expectations, pandas,
aiohttp, psycopg); task bodies import :mod:`perpdex_lib.pipeline.tasks` inside the task.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from perpdex_lib.domain.enums import Venue
from perpdex_lib.pipeline.config import PipelineSettings, get_pipeline_settings

OWNER = "perpdex"
WAREHOUSE_CONN_ID = "perpdex_warehouse"  # AIRFLOW_CONN_PERPDEX_WAREHOUSE
START_DATE = datetime(2026, 1, 1, tzinfo=UTC)
INGEST_ASSET_NAME = "perpdex_market_ingest"  # emitted after each ingest run; schedules the opportunities DAG
POOL_SLOTS = 2  # per venue: one live ingest and one backfill at a time


def settings() -> PipelineSettings:
    return get_pipeline_settings()


def venues() -> list[Venue]:
    return list(settings().venues)


def pool_name(venue: Venue | str) -> str:
    return f"perpdex_{Venue(venue).value}"


def ingest_asset() -> Any:
    from airflow.sdk import Asset

    return Asset(INGEST_ASSET_NAME)


def on_task_failure(context: dict[str, Any]) -> None:
    """Failure callback of every task: one alert naming the DAG, task and run (no payloads, no secrets)."""
    from perpdex_lib.notify import Level, notify

    ti = context.get("ti") or context.get("task_instance")
    exc = context.get("exception")
    what = f"{type(exc).__name__}: {exc}"[:500] if exc is not None else "unknown error"
    dag_id = getattr(ti, "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    notify(f"{dag_id}.{task_id} failed", f"run {context.get('run_id')} try {getattr(ti, 'try_number', '?')}: {what}",
           Level.FAILURE)


def default_args(timeout: timedelta, retries: int = 2) -> dict[str, Any]:
    """Retries with exponential backoff and an execution timeout on every task (all of them touch I/O)."""
    return {
        "owner": OWNER,
        "retries": retries,
        "retry_delay": timedelta(seconds=20),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=5),
        "execution_timeout": timeout,
        "on_failure_callback": on_task_failure,
    }


def ingest_timeout() -> timedelta:
    return timedelta(seconds=settings().venue_timeout_s + 120)

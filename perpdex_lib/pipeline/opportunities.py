"""After each ingest: compute opportunities in SQL, then wake the executor.

The computation, the ``analytics.signals`` row and ``NOTIFY perpdex_opportunities`` share one transaction:
PostgreSQL delivers a NOTIFY only at commit, so a woken executor always finds the rows it was told about,
and a rolled-back computation wakes nobody. The signal row is the durable copy for an executor that was
not listening at that moment.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from perpdex_lib.pipeline.config import PipelineSettings, get_pipeline_settings

log = logging.getLogger(__name__)
Connect = Callable[[], psycopg.Connection]

NOTIFY_CHANNEL = "perpdex_opportunities"  # the executor LISTENs here (executor/daemon.py)
PARAMS_ENV = "PERPDEX_PIPELINE_OPPORTUNITY_PARAMS"  # JSON mapping of OpportunityParams fields


def params_from_env() -> Any:
    from perpdex_lib.opportunities.params import OpportunityParams

    raw = os.environ.get(PARAMS_ENV)
    return OpportunityParams.from_mapping(json.loads(raw)) if raw else OpportunityParams()


def compute_and_signal(connect: Connect, *, now: datetime | None = None, trigger: str | None = None,
                       params: Any = None) -> dict[str, Any]:
    """One versioned opportunity snapshot + its signal, committed together; returns references and counts."""
    from perpdex_lib.opportunities.sql import compute_in_db

    now = now or datetime.now(UTC)
    params = params or params_from_env()
    with connect() as conn:
        run_id = compute_in_db(conn, params, now)
        row = conn.execute(
            "SELECT computed_at, opportunities, rejections, max_input_age_s FROM analytics.opportunity_runs "
            "WHERE run_id = %s", (run_id,),
        ).fetchone()
        assert row is not None, f"opportunity run {run_id} was not recorded"
        payload = {
            "kind": "opportunities", "opportunity_run_id": run_id, "computed_at": row[0].isoformat(),
            "opportunities": row[1], "rejections": row[2],
            "max_input_age_s": None if row[3] is None else str(row[3]), "trigger": trigger,
        }  # fmt: skip
        signal_id = conn.execute(
            "INSERT INTO analytics.signals (channel, kind, opportunity_run_id, payload) "
            "VALUES (%s, 'opportunities', %s, %s::jsonb) RETURNING id",
            (NOTIFY_CHANNEL, run_id, json.dumps(payload)),
        ).fetchone()[0]  # type: ignore[index]
        payload["signal_id"] = signal_id
        conn.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, json.dumps(payload)))
    log.info("opportunities %s: %s accepted, %s rejected; signal %s", run_id, row[1], row[2], signal_id)
    return payload


def executor_status(connect: Connect, *, now: datetime | None = None,
                    pipeline: PipelineSettings | None = None) -> dict[str, Any]:
    """Whether some executor heartbeat is fresh; warns through the notifier when none is."""
    from perpdex_lib.notify import Level, notify

    ps = pipeline or get_pipeline_settings()
    now = now or datetime.now(UTC)
    with connect() as conn:
        rows = conn.execute(
            "SELECT executor_id, mode, state, heartbeat_at FROM execution.executor_heartbeat ORDER BY heartbeat_at DESC"
        ).fetchall()
    limit = now - timedelta(seconds=ps.executor_heartbeat_max_age_s)
    live = [r for r in rows if r[3] >= limit and r[2] != "stopped"]
    status = {
        "running": bool(live), "executors": [
            {"executor_id": r[0], "mode": r[1], "state": r[2], "age_s": int((now - r[3]).total_seconds())}
            for r in rows
        ],
    }  # fmt: skip
    if not live:
        seen = "; ".join(f"{e['executor_id']} {e['state']} {e['age_s']} s ago" for e in status["executors"])
        notify("executor not running",
               "new opportunities were signalled but no executor heartbeat is fresh"
               + (f" (last: {seen})" if seen else " (none ever seen)"), Level.WARNING)
    return status

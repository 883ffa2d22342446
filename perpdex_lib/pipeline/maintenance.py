"""Housekeeping: partitions ahead of time, retention, per-venue freshness, quarantine summary.

Freshness rule: a venue is stale when its newest *settled* funding is older than its longest funding
interval plus ``freshness_slack_s``, or its newest *predicted* observation is older than
``predicted_max_age_s``. The executor reads the same inputs, so an alert here means it is (rightly)
refusing to trade that venue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from perpdex_lib.domain import Venue
from perpdex_lib.pipeline.config import PipelineSettings, get_pipeline_settings

log = logging.getLogger(__name__)
Connect = Callable[[], psycopg.Connection]
PARTITIONED = ("market.funding_rates", "market.market_snapshots", "market.order_books")


def ensure_partitions(connect: Connect, now: datetime, months_ahead: int = 2) -> int:
    """Create this month's and the next ``months_ahead`` months' partitions; returns how many were new."""
    created = 0
    with connect() as conn:
        for table in PARTITIONED:
            row = conn.execute("SELECT market.ensure_monthly_partitions(%s::regclass, %s, %s)",
                               (table, now, now + timedelta(days=31 * months_ahead))).fetchone()
            created += int(row[0]) if row else 0
    return created


def refresh_rollups(connect: Connect, since: datetime) -> int:
    """Recompute the dashboard's daily funding rollup (``reporting.funding_daily``) for UTC days >= ``since``."""
    with connect() as conn:
        rows = conn.execute("SELECT reporting.refresh_funding_daily(%s)", (since,)).fetchone()[0]
    log.info("funding_daily: %s rows refreshed since %s", rows, since.isoformat())
    return int(rows)


def _partitions(conn: psycopg.Connection, table: str) -> list[tuple[str, datetime]]:
    """(qualified name, upper bound) of every partition of ``table``."""
    rows = conn.execute(
        """
        SELECT format('%%I.%%I', n.nspname, c.relname), pg_get_expr(c.relpartbound, c.oid)
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE i.inhparent = %s::regclass
        """,
        (table,),
    ).fetchall()
    out = []
    for name, bound in rows:
        # FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-02-01 00:00:00+00')
        upper = bound.split(" TO ('", 1)[-1].split("')", 1)[0] if " TO ('" in bound else None
        if upper:
            out.append((name, datetime.fromisoformat(upper.replace(" ", "T")).astimezone(UTC)))
    return out


def apply_retention(connect: Connect, now: datetime, pipeline: PipelineSettings | None = None) -> dict[str, int]:
    """Drop whole monthly partitions past retention; delete old bookkeeping rows. Returns counts per target."""
    ps = pipeline or get_pipeline_settings()
    done: dict[str, int] = {}
    with connect() as conn:
        for table, days in (("market.market_snapshots", ps.snapshots_retention_days),
                            ("market.order_books", ps.books_retention_days)):
            if days <= 0:
                continue
            cutoff = now - timedelta(days=days)
            dropped = 0
            for name, upper in _partitions(conn, table):
                if upper <= cutoff:  # every row in it is older than the cutoff
                    conn.execute(f"DROP TABLE {name}")  # name comes from the catalog, quoted by format()
                    dropped += 1
            done[f"{table}:partitions_dropped"] = dropped
        for table, column, days in (
            ("dq.quarantine", "quarantined_at", ps.quarantine_retention_days),
            ("dq.ingest_runs", "started_at", ps.ingest_runs_retention_days),
            ("analytics.signals", "created_at", ps.signals_retention_days),
            ("analytics.opportunity_runs", "computed_at", ps.opportunity_runs_retention_days),
        ):
            if days <= 0:
                continue
            cur = conn.execute(f"DELETE FROM {table} WHERE {column} < %s", (now - timedelta(days=days),))
            done[f"{table}:rows_deleted"] = cur.rowcount
    return done


@dataclass(frozen=True, slots=True)
class VenueFreshness:
    venue: str
    newest_settled: datetime | None
    newest_predicted_observed: datetime | None
    interval_hours: float | None
    stale: bool
    reason: str | None


def freshness(connect: Connect, now: datetime, venues: list[Venue],
              pipeline: PipelineSettings | None = None) -> list[VenueFreshness]:
    ps = pipeline or get_pipeline_settings()
    with connect() as conn:
        rows = {r[0]: r[1:] for r in conn.execute(
            """
            SELECT v.venue,
                   (SELECT max(funding_time) FROM market.funding_rates f
                     WHERE f.venue = v.venue AND f.kind = 'settled' AND f.funding_time > %(since)s),
                   (SELECT max(observed_at) FROM market.funding_rates f
                     WHERE f.venue = v.venue AND f.kind = 'predicted' AND f.funding_time > %(since)s),
                   (SELECT max(funding_interval_hours) FROM market.instruments i
                     WHERE i.venue = v.venue AND i.status <> 'delisted')
            FROM market.venues v
            """,
            {"since": now - timedelta(days=35)},
        ).fetchall()}
    out = []
    for venue in venues:
        settled, predicted, interval = rows.get(venue.value, (None, None, None))
        reasons = []
        if settled is None:
            reasons.append("no settled funding in 35 days")
        else:
            allowed = timedelta(hours=float(interval or 8), seconds=ps.freshness_slack_s)
            if now - settled > allowed:
                reasons.append(f"newest settled funding {settled.isoformat()} is older than interval + slack")
        if predicted is None:
            reasons.append("no predicted funding observed")
        elif (now - predicted).total_seconds() > ps.predicted_max_age_s:
            reasons.append(f"newest prediction observed {int((now - predicted).total_seconds())} s ago")
        out.append(VenueFreshness(venue.value, settled, predicted, float(interval) if interval else None,
                                  bool(reasons), "; ".join(reasons) or None))
    return out


def quarantine_summary(connect: Connect, since: datetime) -> list[dict[str, Any]]:
    with connect() as conn:
        rows = conn.execute(
            "SELECT venue, endpoint, reason_code, count(*) FROM dq.quarantine WHERE quarantined_at >= %s "
            "GROUP BY 1, 2, 3 ORDER BY 4 DESC", (since,),
        ).fetchall()
    return [{"venue": v, "endpoint": e, "reason_code": c, "rows": int(n)} for v, e, c, n in rows]


def freshness_report(items: list[VenueFreshness]) -> list[dict[str, Any]]:
    return [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(i).items()} for i in items]

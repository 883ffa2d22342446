"""Live ingest of one venue for one pipeline interval: extract → validate → load, in that order.

- extract: :func:`perpdex_lib.venues.sweep.sweep_venue` (instruments, live funding, snapshots, books).
- validate: row rules (bad rows → quarantine with a reason code), then the Great Expectations hard gate
  (a failing batch loads nothing and fails the task), then the reject-ratio threshold.
- load: COPY → staging → merge for every table, the quarantine and the run record, in ONE transaction.

Snapshots and books are stamped with the observation time floored to the ``snapshot_bucket_s`` grid (the
ingest period; ``as_of``): a run on time gets its interval's end, a late run the bucket it really looked in
(so the executor's age checks stay honest), and a re-run within the bucket hits the same keys and changes
nothing (first observation wins). Live data cannot be fetched for the past: a run whose interval ended more
than ``max_live_lag_s`` ago is recorded as skipped (use the backfill DAG for history).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

import psycopg

from perpdex_lib.config import Settings, get_settings
from perpdex_lib.domain import MarketSnapshot, OrderBook, Venue
from perpdex_lib.pipeline import runs
from perpdex_lib.pipeline.config import PipelineSettings, get_pipeline_settings
from perpdex_lib.quality import rules
from perpdex_lib.venues.batch import Reject

log = logging.getLogger(__name__)
Connect = Callable[[], psycopg.Connection]


class VenueIngestFailed(RuntimeError):
    """The venue's run failed; its outcome (and any quarantined rows) is already recorded."""


def rule_config(ps: PipelineSettings) -> rules.RuleConfig:
    return rules.RuleConfig(max_abs_rate_per_hour=ps.max_abs_rate_per_hour, max_venue_ts_age_s=ps.max_venue_ts_age_s)


def _record_start(connect: Connect, rec: runs.RunRecord) -> None:
    with connect() as conn:
        runs.write(conn, rec)


def _load_bucketed(conn: psycopg.Connection, snapshots: list[MarketSnapshot], books: list[OrderBook],
                   as_of: datetime, run_id: str) -> tuple[int, int]:
    """Snapshots and books keyed on the interval's end; an existing bucket is kept (re-runs are no-ops)."""
    from psycopg.types.json import Jsonb

    from perpdex_lib.warehouse import load

    snap_rows = (
        (s.venue.value, s.venue_symbol, s.asset, as_of, s.mark_price, s.index_price, s.open_interest_base,
         s.open_interest_usd, s.volume_24h_usd, s.best_bid, s.best_ask, s.bid_depth_usd, s.ask_depth_usd,
         s.next_funding_time, run_id)
        for s in snapshots
    )  # fmt: skip
    n_snap = load.bulk_upsert(conn, "market.market_snapshots", load.SNAPSHOT_COLUMNS, snap_rows,
                              ("venue", "venue_symbol", "ts"), [])
    book_rows = (
        (b.venue.value, b.venue_symbol, as_of, Jsonb(load._levels(b.bids)), Jsonb(load._levels(b.asks)), run_id)
        for b in books
    )
    n_books = load.bulk_upsert(conn, "market.order_books", ("venue", "venue_symbol", "ts", "bids", "asks", "run_id"),
                               book_rows, ("venue", "venue_symbol", "ts"), [])
    return n_snap, n_books


def snapshot_bucket(t: datetime, bucket_s: int) -> datetime:
    """``t`` floored to the ``bucket_s`` grid (UTC epoch based)."""
    return datetime.fromtimestamp(int(t.timestamp()) // bucket_s * bucket_s, UTC)


def _needs_instruments(conn: psycopg.Connection, venue: Venue, as_of: datetime) -> bool:
    """Instruments change rarely: write them on the first run of each hour, or when the venue has none yet."""
    if as_of.minute < 5:
        return True
    row = conn.execute("SELECT 1 FROM market.instruments WHERE venue = %s LIMIT 1", (venue.value,)).fetchone()
    return row is None


def ingest_venue(
    venue: Venue,
    *,
    run_id: str,
    interval_start: datetime | None,
    interval_end: datetime,
    connect: Connect,
    settings: Settings | None = None,
    pipeline: PipelineSettings | None = None,
) -> runs.RunRecord:
    """Ingest ``venue`` for the interval ending at ``interval_end``; raises VenueIngestFailed on failure."""
    from perpdex_lib.venues.sweep import sweep_venue

    settings = settings or get_settings()
    ps = pipeline or get_pipeline_settings()
    interval_end = interval_end.astimezone(UTC)
    rec = runs.RunRecord(run_id, venue.value, "ingest", interval_start, interval_end)
    _record_start(connect, rec)

    now = datetime.now(UTC)
    as_of = snapshot_bucket(now, ps.snapshot_bucket_s)
    lag_s = (now - interval_end).total_seconds()
    if lag_s > ps.max_live_lag_s:
        rec.status, rec.error = runs.SKIPPED, f"interval ended {int(lag_s)} s ago; live data is only fetched now"
        with connect() as conn:
            runs.write(conn, rec)
        log.warning("%s: %s", venue.value, rec.error)
        return rec

    # ---- extract
    t0 = time.perf_counter()
    sweep = asyncio.run(sweep_venue(venue, settings, books=ps.books_top_n or True, book_depth=ps.book_depth,
                                    timeout_s=ps.venue_timeout_s))
    rec.timings_s["extract"] = time.perf_counter() - t0
    rec.counts["requests"] = sweep.requests

    # ---- validate: row rules, then the hard gate, then the reject ratio
    t0 = time.perf_counter()
    cfg = rule_config(ps)
    funding = rules.check_funding(sweep.funding.items, now, cfg)
    snapshots = rules.check_snapshots(sweep.snapshots.items, now, cfg)
    instruments = rules.check_instruments(sweep.instruments.items)
    books = rules.check_books(sweep.books.values())
    rejects: list[Reject] = [*sweep.rejects, *funding.rejects, *snapshots.rejects, *instruments.rejects,
                             *books.rejects]
    rec.rows_extracted = (len(sweep.funding.items) + len(sweep.snapshots.items) + len(sweep.instruments.items)
                          + len(sweep.books) + len(sweep.rejects))
    rec.rows_rejected = len(rejects)
    problems = list(sweep.errors)
    funding_failed = any(e.startswith(("funding:", "sweep:", "setup:")) for e in sweep.errors)
    if not funding_failed:
        from perpdex_lib.quality.gx import funding_gate, snapshot_gate

        gates = [funding_gate(funding.good, venue.value, ps.hard_abs_rate_per_hour)]
        if snapshots.good:
            gates.append(snapshot_gate(snapshots.good, venue.value))
        for gate in gates:
            rec.counts[f"gate_{gate.suite}_rows"] = gate.rows
            if not gate.success:
                problems.append(f"hard gate {gate.suite}: " + "; ".join(gate.failures))
                funding_failed = True
        if rec.reject_ratio > ps.max_reject_ratio:
            problems.append(f"reject ratio {rec.reject_ratio} > {ps.max_reject_ratio}")
            funding_failed = True
    rec.timings_s["validate"] = time.perf_counter() - t0

    # ---- load (one transaction: data + quarantine + run record)
    t0 = time.perf_counter()
    from perpdex_lib.warehouse import load

    with connect() as conn:
        rec.counts["quarantined"] = load.quarantine(conn, rejects, run_id)
        if funding_failed:
            rec.status = runs.FAILED
        else:
            if instruments.good and _needs_instruments(conn, venue, as_of):
                rec.counts["instruments"] = load.load_instruments(conn, instruments.good, observed_at=now)
            rec.counts["funding"] = load.load_funding_rates(conn, funding.good, run_id)
            rec.counts["snapshots"], rec.counts["books"] = _load_bucketed(conn, snapshots.good, books.good, as_of,
                                                                          run_id)
            rec.rows_loaded = rec.counts.get("instruments", 0) + rec.counts["funding"] + rec.counts["snapshots"] \
                + rec.counts["books"]
            rec.status = runs.PARTIAL if problems or sweep.book_errors else runs.SUCCESS
        if sweep.book_errors:
            rec.counts["book_errors"] = len(sweep.book_errors)
        rec.error = "; ".join(problems)[:2000] or None
        rec.timings_s["load"] = time.perf_counter() - t0
        runs.write(conn, rec)
    log.info("ingest %s %s (snapshots at %s): %s", venue.value, rec.status, as_of.isoformat(), rec.summary())
    if rec.status == runs.FAILED:
        raise VenueIngestFailed(f"{venue.value}: {rec.error}")
    return rec


def summarize_run(connect: Connect, run_id: str, venues: list[Venue]) -> dict[str, object]:
    """The run across venues: who succeeded, who failed and why. Raises when no venue loaded anything."""
    with connect() as conn:
        rows = {r["venue"]: r for r in runs.fetch(conn, run_id, "ingest")}
    missing = [v.value for v in venues if v.value not in rows]
    failed = {v: r["error"] for v, r in rows.items() if r["status"] in (runs.FAILED, runs.RUNNING)}
    failed.update({v: "no outcome recorded (task did not run)" for v in missing})
    loaded = sorted(v for v, r in rows.items() if r["status"] in (runs.SUCCESS, runs.PARTIAL))
    summary: dict[str, object] = {
        "run_id": run_id, "loaded": loaded, "failed": failed,
        "skipped": sorted(v for v, r in rows.items() if r["status"] == runs.SKIPPED),
        "rows_loaded": sum(int(r["rows_loaded"]) for r in rows.values()),
        "rows_rejected": sum(int(r["rows_rejected"]) for r in rows.values()),
    }  # fmt: skip
    return summary

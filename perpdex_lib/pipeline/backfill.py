"""Settled funding history of one venue for one interval ``[start, end)``.

A pure function of its interval: the venue's settled history for a closed window does not change, and
the load is an upsert on (venue, venue_symbol, funding_time, kind), so re-running an interval (an Airflow
backfill, a retry) writes nothing new. The DAG chunks history by its data interval (one day per run by
default); within a run, instruments are fetched concurrently through the venue's rate limiter and
progress is logged every ``PROGRESS_EVERY`` instruments.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

import psycopg

from perpdex_lib.config import Settings, get_settings
from perpdex_lib.domain import FundingRate, Instrument, InstrumentStatus, Venue
from perpdex_lib.pipeline import runs
from perpdex_lib.pipeline.config import PipelineSettings, get_pipeline_settings
from perpdex_lib.venues.batch import Batch, Reject

log = logging.getLogger(__name__)
Connect = Callable[[], psycopg.Connection]
PROGRESS_EVERY = 50


class BackfillFailed(RuntimeError):
    """The venue's backfill interval failed; its outcome is recorded in dq.ingest_runs."""


async def fetch_history(venue: Venue, start: datetime, end: datetime, settings: Settings, concurrency: int,
                        ) -> tuple[list[Instrument], Batch[FundingRate], dict[str, str], int]:
    """(instruments, settled rates, per-symbol errors, requests) for every listed instrument."""
    from perpdex_lib.venues.base import open_market_data

    client = open_market_data(venue, settings)
    out: Batch[FundingRate] = Batch()
    errors: dict[str, str] = {}
    try:
        listing = await client.instruments()
        out.rejects.extend(listing.rejects)
        chosen = [i for i in listing.items if i.status is not InstrumentStatus.DELISTED]
        sem = asyncio.Semaphore(max(1, concurrency))
        done = 0

        async def one(inst: Instrument) -> None:
            nonlocal done
            async with sem:
                try:
                    out.extend(await client.funding_history(inst, start, end))
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    errors[inst.venue_symbol] = f"{type(exc).__name__}: {exc}"[:300]
                done += 1
                if done % PROGRESS_EVERY == 0 or done == len(chosen):
                    log.info("backfill %s %s..%s: %d/%d instruments, %d rows", venue.value, start.isoformat(),
                             end.isoformat(), done, len(chosen), len(out.items))

        await asyncio.gather(*(one(i) for i in chosen))
        return listing.items, out, errors, client.http.requests_sent
    finally:
        await client.http.close()


def backfill_venue(
    venue: Venue,
    *,
    start: datetime,
    end: datetime,
    run_id: str,
    connect: Connect,
    settings: Settings | None = None,
    pipeline: PipelineSettings | None = None,
) -> runs.RunRecord:
    """Fetch, validate and load settled funding in ``[start, end)``; raises BackfillFailed on failure."""
    from perpdex_lib.pipeline.ingest import rule_config
    from perpdex_lib.quality import rules
    from perpdex_lib.warehouse import load

    settings = settings or get_settings()
    ps = pipeline or get_pipeline_settings()
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    rec = runs.RunRecord(run_id, venue.value, "backfill", start, end)
    with connect() as conn:
        runs.write(conn, rec)

    t0 = time.perf_counter()
    try:
        fetch = fetch_history(venue, start, end, settings, ps.backfill_concurrency)
        instruments, history, errors, requests = asyncio.run(asyncio.wait_for(fetch, ps.venue_timeout_s * 4))
    except Exception as exc:
        rec.status, rec.error = runs.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        rec.timings_s["extract"] = time.perf_counter() - t0
        with connect() as conn:
            runs.write(conn, rec)
        raise BackfillFailed(f"{venue.value}: {rec.error}") from exc
    rec.timings_s["extract"] = time.perf_counter() - t0
    rec.counts.update(requests=requests, instruments=len(instruments), instrument_errors=len(errors))

    t0 = time.perf_counter()
    # Settled history only; the window's end bounds what may appear (a row past it is misdated).
    in_window = [r for r in history.items if start <= r.funding_time < end]
    checked = rules.check_funding(in_window, min(end, datetime.now(UTC)), rule_config(ps), endpoint="funding_history")
    outside = [Reject(venue.value, "funding_history", rules.Reason.FUTURE_FUNDING_TIME.value,
                      f"outside window {start.isoformat()}..{end.isoformat()}", rules.row_payload(r))
               for r in history.items if not start <= r.funding_time < end]
    rejects = [*history.rejects, *checked.rejects, *outside]
    rec.rows_extracted = len(history.items) + len(history.rejects)
    rec.rows_rejected = len(rejects)
    problems = [f"{len(errors)} instruments failed, e.g. {next(iter(errors.items()))}"] if errors else []
    failed = bool(instruments) and len(errors) == len(instruments)
    if rec.reject_ratio > ps.max_reject_ratio:
        problems.append(f"reject ratio {rec.reject_ratio} > {ps.max_reject_ratio}")
        failed = True
    if checked.good and not failed:
        from perpdex_lib.quality.gx import funding_gate

        gate = funding_gate(checked.good, venue.value, ps.hard_abs_rate_per_hour)
        if not gate.success:
            problems.append("hard gate funding: " + "; ".join(gate.failures))
            failed = True
    rec.timings_s["validate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with connect() as conn:
        rec.counts["quarantined"] = load.quarantine(conn, rejects, run_id)
        if not failed:
            rec.rows_loaded = rec.counts["funding"] = load.load_funding_rates(conn, checked.good, run_id)
        rec.status = runs.FAILED if failed else runs.PARTIAL if problems else runs.SUCCESS
        rec.error = "; ".join(problems)[:2000] or None
        rec.timings_s["load"] = time.perf_counter() - t0
        runs.write(conn, rec)
    log.info("backfill %s %s: %s", venue.value, rec.status, rec.summary())
    if failed:
        raise BackfillFailed(f"{venue.value}: {rec.error}")
    return rec

"""Pipeline benchmark: the ingest and backfill code paths the Airflow tasks run, against a simulator process.

(a) One ingest run for 7 venues x ``--assets`` instruments (default 200): extract / validate / load seconds
    per venue (what ``dq.ingest_runs.timings_s`` records), and the delay from a simulator rate change
    (``POST /admin/rates``) to the opportunity row that shows it: ingest of the changed venue → SQL
    opportunity run → signal, measured on the wall clock. The Airflow scheduling delay (up to one schedule
    interval, 5 min by default, plus task start-up) comes on top and is reported separately by nothing here.
(b) Backfill of ``--days`` (default 30) x 7 venues x ``--assets`` instruments of settled funding
    (hourly venues: 24 rows/day; 8 h venues: 3): rows/s through fetch → rules → GX gate → COPY/merge, and
    the peak RSS of this process.

The simulator runs in its own process (its CPU is not ours); the warehouse is a throwaway database on the
test server, dropped at the end. Run: ``python -m tests.bench pipeline -- --assets 200 --days 30``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import secrets
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from perpdex_lib.config import Settings
from perpdex_lib.domain import Venue

REPO = Path(__file__).resolve().parents[2]
_SIM_SCRIPT = """
import json, sys, threading
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.server import SimServer
with SimServer.in_thread(model=MarketModel(seed=7, n_assets=int(sys.argv[1])), base_port=0) as s:
    print(json.dumps({"admin": s.admin_url, "venues": {v.value: u for v, u in s.urls.items()}}), flush=True)
    sys.stdin.read()
"""


def _args(args: Any) -> argparse.Namespace:
    if isinstance(args, argparse.Namespace):
        return args
    parser = argparse.ArgumentParser(prog="bench_pipeline")
    parser.add_argument("--assets", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--skip-backfill", action="store_true")
    parser.add_argument("--no-rerun", action="store_true", help="skip the backfill re-run (idempotency timing)")
    return parser.parse_args(list(args or []))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _post(url: str, body: dict[str, Any]) -> None:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:  # loopback simulator
        resp.read()


def run(args: Any = None) -> dict[str, Any]:
    from perpdex_lib.pipeline.backfill import BackfillFailed, backfill_venue
    from perpdex_lib.pipeline.config import PipelineSettings
    from perpdex_lib.pipeline.ingest import VenueIngestFailed, ingest_venue
    from perpdex_lib.pipeline.opportunities import compute_and_signal
    from perpdex_lib.warehouse.migrate import run_migrations
    from perpdex_lib.warehouse.provision import create_database, drop_database, ensure_server

    a = _args(args)
    sim = subprocess.Popen([sys.executable, "-c", _SIM_SCRIPT, str(a.assets)], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO)
    server = ensure_server(Settings())
    db_name = f"perpdex_bench_pipeline_{secrets.token_hex(3)}"
    result: dict[str, Any] = {"assets": a.assets}
    try:
        info = json.loads(sim.stdout.readline())  # type: ignore[union-attr]
        url = create_database(server, db_name)
        run_migrations(url)
        settings = Settings(venue_urls={Venue(v): u for v, u in info["venues"].items()}, http_timeout_s=30)
        ps = PipelineSettings(venue_timeout_s=600)

        def connect() -> psycopg.Connection:
            return psycopg.connect(url)

        # (a) one ingest run, venue by venue (Airflow runs them in parallel, up to core.parallelism)
        as_of = datetime.now(UTC).replace(second=0, microsecond=0)
        per_venue: dict[str, Any] = {}
        t0 = time.perf_counter()
        for venue in Venue:
            try:
                rec = ingest_venue(venue, run_id="bench-ingest", interval_start=None, interval_end=as_of,
                                   connect=connect, settings=settings, pipeline=ps)
            except VenueIngestFailed as exc:  # recorded; the other venues still count
                per_venue[venue.value] = {"status": "failed", "error": str(exc)[:200]}
                continue
            per_venue[venue.value] = {
                **{k: round(v, 3) for k, v in rec.timings_s.items()}, "status": rec.status,
                "rows_loaded": rec.rows_loaded, "requests": rec.counts.get("requests"),
            }  # fmt: skip
        result["ingest_total_s"] = round(time.perf_counter() - t0, 2)
        result["ingest"] = per_venue
        compute_and_signal(connect)

        # rate change → opportunity row
        changed, asset, rate = Venue.HYPERLIQUID, "BTC", "0.001"
        t0 = time.perf_counter()
        _post(info["admin"] + "/admin/rates", {"venue": changed.value, "asset": asset, "rate_per_hour": rate})
        try:
            ingest_venue(changed, run_id="bench-rate-change", interval_start=None, interval_end=datetime.now(UTC),
                         connect=connect, settings=settings, pipeline=ps)
        except VenueIngestFailed as exc:
            result["rate_change_error"] = str(exc)[:200]
        t_ingest = time.perf_counter() - t0
        signal = compute_and_signal(connect)
        with connect() as conn:
            seen = conn.execute(
                "SELECT count(*) FROM analytics.opportunities WHERE run_id = %s AND asset = %s AND "
                "short_venue = %s AND short_rate_per_hour = %s",
                (signal["opportunity_run_id"], asset, changed.value, rate),
            ).fetchone()[0]
        result["rate_change_to_opportunity_s"] = round(time.perf_counter() - t0, 3)
        result["rate_change_ingest_s"] = round(t_ingest, 3)
        result["rate_change_rows_showing_it"] = int(seen)
        result["rss_after_ingest_mb"] = round(_rss_mb(), 1)

        # (b) backfill
        if not a.skip_backfill:
            end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            start = end - timedelta(days=a.days)
            rows = 0
            t0 = time.perf_counter()
            per: dict[str, Any] = {}
            for venue in Venue:
                try:
                    rec = backfill_venue(venue, start=start, end=end, run_id="bench-backfill", connect=connect,
                                         settings=settings, pipeline=ps)
                except BackfillFailed as exc:
                    per[venue.value] = {"status": "failed", "error": str(exc)[:200]}
                    continue
                rows += rec.rows_loaded
                per[venue.value] = {**{k: round(v, 2) for k, v in rec.timings_s.items()}, "rows": rec.rows_loaded}
            wall = time.perf_counter() - t0
            result["backfill"] = {
                "days": a.days, "rows": rows, "wall_s": round(wall, 2), "rows_per_s": round(rows / wall),
                "peak_rss_mb": round(_rss_mb(), 1), "per_venue": per,
            }  # fmt: skip
        if not a.skip_backfill and not a.no_rerun:
            t0 = time.perf_counter()
            again = 0
            for v in Venue:
                with contextlib.suppress(BackfillFailed):
                    again += backfill_venue(v, start=start, end=end, run_id="bench-backfill-2", connect=connect,
                                            settings=settings, pipeline=ps).rows_loaded
            result["backfill"]["rerun_rows_written"] = again
            result["backfill"]["rerun_wall_s"] = round(time.perf_counter() - t0, 2)
    finally:
        if sim.poll() is None:
            sim.stdin.close()  # type: ignore[union-attr]
            try:
                sim.wait(10)
            except subprocess.TimeoutExpired:
                sim.kill()
        drop_database(server, db_name)
    return result


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1:]), indent=2, default=str))

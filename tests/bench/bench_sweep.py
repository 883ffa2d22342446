"""Benchmark: one full market-data sweep of 7 venues x N instruments against a simulator with latency.

The simulator runs in its own process (so its CPU and memory are not the sweep's) with a fixed added
latency on every venue. We measure the sweep's wall time and requests/s and compare it with a floor: the
least wall time any client could reach given (a) the per-request latency and the book concurrency, and (b)
each venue's declared rate limits (token bucket: a full bucket of ``max_requests`` first, then the refill
rate), and (c) the simulator's own CPU time (one Python thread serves every venue, so its busy time bounds
the whole sweep from below). Peak RSS is the sweep process's.

Run: ``python -m tests.bench.bench_sweep [--assets 200] [--latency-ms 20] [--books N]`` or through the
bench runner (``run(args) -> dict``).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

_SIM_SCRIPT = """
import json, sys, threading
from perpdex_lib.domain import Venue
from perpdex_lib.sim.faults import FaultConfig
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.server import SimServer
n_assets, latency_ms = int(sys.argv[1]), float(sys.argv[2])
faults = {v: FaultConfig(latency_ms=latency_ms) for v in Venue}
with SimServer.in_thread(model=MarketModel(seed=7, n_assets=n_assets), base_port=0, faults=faults) as s:
    print(json.dumps({v.value: u for v, u in s.urls.items()}), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
"""


def _floor_limit_s(venue: Any, requests: int, books: int, instruments_calls: int = 3) -> float:
    """Least time the venue's rate limits allow for this many requests (each costs >= 1 unit)."""
    constants = importlib.import_module(f"perpdex_lib.venues.{venue.value}.constants")
    worst = 0.0
    for rl in constants.RATE_LIMITS.values():
        units = float(requests)
        weights = getattr(constants, "REQUEST_WEIGHT", None)
        if venue.value == "hyperliquid" and isinstance(weights, dict):  # documented weights: books 2, rest 20
            units = books * weights["l2Book"] + (requests - books) * weights["metaAndAssetCtxs"]
        refill_per_s = rl.max_requests / rl.period_s
        worst = max(worst, max(0.0, units - rl.max_requests) / refill_per_s)
    return worst


def _start_sim(n_assets: int, latency_ms: float) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _SIM_SCRIPT, str(n_assets), str(latency_ms)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    if not line:
        proc.kill()
        raise RuntimeError("simulator did not start")
    return proc, json.loads(line)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench_sweep", description="Market-data sweep benchmark.")
    parser.add_argument("--assets", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--books", default=None, help="'all' (default) or top-N by open interest")
    parser.add_argument("--concurrency", type=int, default=8)
    return parser


def run(args: Any = None) -> dict[str, Any]:
    """One sweep; ``args`` is a list of CLI words (the bench runner) or a parsed namespace."""
    if args is None or isinstance(args, list | tuple):
        args = _parser().parse_args(list(args or []))
    n_assets = int(getattr(args, "assets", 200) or 200)
    latency_ms = float(getattr(args, "latency_ms", 20.0) or 20.0)
    books_arg = getattr(args, "books", None)
    books: bool | int = True if books_arg in (None, "all") else int(books_arg)
    concurrency = int(getattr(args, "concurrency", 8) or 8)

    import psutil

    from perpdex_lib.config import Settings
    from perpdex_lib.domain import Venue
    from perpdex_lib.venues.sweep import sweep

    proc, urls = _start_sim(n_assets, latency_ms)
    try:
        settings = Settings(venue_urls={Venue(v): u for v, u in urls.items()}, http_timeout_s=30.0)
        sim_proc = psutil.Process(proc.pid)
        cpu0 = sum(sim_proc.cpu_times()[:2])
        t0, c0 = time.perf_counter(), time.process_time()
        result = asyncio.run(sweep(list(Venue), settings, books=books, concurrency=concurrency))
        wall_s, client_cpu_s = time.perf_counter() - t0, time.process_time() - c0
        sim_cpu_s = sum(sim_proc.cpu_times()[:2]) - cpu0
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()

    latency_s = latency_ms / 1000
    per_venue: dict[str, Any] = {}
    floors = []
    for venue, vs in result.items():
        n_books = len(vs.books) + len(vs.book_errors)
        floor_latency = latency_s * (1 + math.ceil(n_books / concurrency))  # one round trip, then book waves
        floor_limit = _floor_limit_s(venue, vs.requests, n_books)
        floor = max(floor_latency, floor_limit + latency_s)
        floors.append(floor)
        per_venue[venue.value] = {
            "ok": vs.ok, "error": vs.error, "instruments": len(vs.instruments.items), "books": len(vs.books),
            "requests": vs.requests, "wall_s": round(vs.wall_s, 3), "floor_s": round(floor, 3),
            "floor_latency_s": round(floor_latency, 3), "floor_rate_limit_s": round(floor_limit, 3),
            "ratio_to_floor": round(vs.wall_s / floor, 2) if floor else None,
            "steps_s": {k: round(v, 3) for k, v in vs.timings_s.items()},
        }
    requests = sum(vs.requests for vs in result.values())
    # The simulator answers every venue from one Python thread: its busy time is a floor for the whole sweep.
    floor_s = max([*floors, sim_cpu_s])
    return {
        "benchmark": "sweep",
        "venues": len(result),
        "assets": n_assets,
        "latency_ms": latency_ms,
        "book_concurrency": concurrency,
        "books": "all" if books is True else books,
        "all_ok": all(vs.ok for vs in result.values()),
        "wall_s": round(wall_s, 3),
        "requests": requests,
        "requests_per_s": round(requests / wall_s, 1),
        "floor_s": round(floor_s, 3),
        "floor_venue_s": round(max(floors), 3),
        "sim_cpu_s": round(sim_cpu_s, 3),
        "client_cpu_s": round(client_cpu_s, 3),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "ratio_to_floor": round(wall_s / floor_s, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cpu_count": os.cpu_count(),
        "per_venue": per_venue,
    }


def main(argv: list[str] | None = None) -> None:
    print(json.dumps(run(_parser().parse_args(argv)), indent=1))


if __name__ == "__main__":
    main()

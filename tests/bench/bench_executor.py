"""Executor benchmark: NOTIFY → both entry legs acknowledged, and the daemon's RSS over a long run.

Everything is real: the daemon runs as its own process (``python -m executor run --candidates live``, paper mode,
Lighter + Hyperliquid) against a simulator in another process and a throwaway, migrated bench database.

**Latency.** The daemon idles with ``poll_interval_s: 60``, so only a NOTIFY wakes it. Between measurements the
bench holds the executor in ``REDUCE_ONLY`` (set in SQL, without a NOTIFY), wakes it once to let the open pair
exit (``max_age`` ≈ 1 s), waits until no pair is live and the client-side Lighter rate limiter (60 requests per
minute, modelled from the simulator's request counter) has room for a whole entry, then in one transaction sets
``ACTIVE`` and sends ``pg_notify('perpdex_opportunities', …)`` — the same wake-up the CLI's ``resume`` and the
pipeline use. Without the gate the daemon would re-enter on its own right after each close (it tries to open
pairs on every loop pass), so the entry would not be NOTIFY-driven. Timestamps are the journal's (one PostgreSQL
clock): ``t0`` = ``clock_timestamp()`` in the notifying transaction (just before its commit); ``pairs.created_at``
= the entry decision (after the candidate scan, the live re-check, sizing and the risk gate);
``orders.submitted_at`` per leg; the *ack* per leg = ``execution.paper_orders.created_at``, written in the paper
venue's matching transaction, which starts right before the insert (no network wait inside it), so ``now()`` is
the insert time to well under a millisecond. Reported against the loopback round trip to the simulator measured in
the same run (``GET`` of a Lighter order book over aiohttp).

**RSS.** A second daemon on a fresh database runs fast open/close cycles (4 assets, exits after ≈ 1 s, short loop
intervals) for ``--minutes`` (default 10; the issue asks for an hour: ``--minutes 60``) while the bench samples its
RSS with psutil; reported: first/last/max RSS, the least-squares slope over the second half (MiB per hour) and the
cycles completed. The daemon is Lighter-rate-limit bound in this phase (60 requests per minute), as it would be.

Run: ``python -m tests.bench executor -- [--iterations 30] [--minutes 10] [--skip-rss] [--skip-latency]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import yaml

REPO = Path(__file__).resolve().parents[2]
VENUES = ("lighter", "hyperliquid")
CHANNEL = "perpdex_opportunities"
LIGHTER_PER_MINUTE = 60  # perpdex_lib.venues.lighter.constants.RATE_LIMITS: the binding client-side limit
ENTRY_HEADROOM = 20  # Lighter requests an entry may need at once (scan + re-check + sizing + prices + submit)

_SIM_SCRIPT = """
import json, sys
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.server import SimServer
with SimServer.in_thread(model=MarketModel(seed=11, n_assets=int(sys.argv[1])), base_port=0) as s:
    print(json.dumps({"admin": s.admin_url, "venues": {v.value: u for v, u in s.urls.items()}}), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
"""


# ------------------------------------------------------------------------------------------ helpers


def _pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _summary_ms(values: list[float]) -> dict[str, float]:
    return {"p50": round(_pct(values, 50), 2), "p99": round(_pct(values, 99), 2),
            "min": round(min(values), 2), "max": round(max(values), 2)}


def _slope_per_hour(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB) samples, in MiB per hour."""
    if len(samples) < 2:
        return 0.0
    xs, ys = [s[0] for s in samples], [s[1] for s in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx * 3600


def _start_sim(n_assets: int) -> tuple[subprocess.Popen[str], str, dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _SIM_SCRIPT, str(n_assets)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
    )  # fmt: skip
    line = proc.stdout.readline() if proc.stdout else ""
    if not line:
        proc.kill()
        raise RuntimeError("simulator did not start")
    info = json.loads(line)
    return proc, info["admin"], info["venues"]


def _stop_sim(proc: subprocess.Popen[str]) -> None:
    if proc.stdin:
        proc.stdin.close()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _sim_requests(admin_url: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{admin_url}/admin/stats", timeout=5) as resp:  # loopback simulator
        stats = json.loads(resp.read())
    return {v: int(s["requests"]) for v, s in stats.items()}


class _LighterBucket:
    """Mirror of the daemon's aiolimiter bucket for Lighter (leaky: +1 per request, drains 1 per second)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.level = 0.0
        self._seen = _sim_requests(admin_url)["lighter"]
        self._at = time.monotonic()

    def update(self) -> float:
        now, seen = time.monotonic(), _sim_requests(self.admin_url)["lighter"]
        self.level = max(0.0, self.level - (now - self._at) * LIGHTER_PER_MINUTE / 60) + (seen - self._seen)
        self._seen, self._at = seen, now
        return self.level

    def discount(self, n: int) -> None:
        """Requests that were not the daemon's (the bench's own round trips)."""
        self.update()
        self.level = max(0.0, self.level - n)

    def wait_for_room(self, room: float, timeout_s: float = 120) -> float:
        """Block until ``room`` requests fit; returns the seconds waited."""
        started = time.monotonic()
        while self.update() > LIGHTER_PER_MINUTE - room:
            if time.monotonic() - started > timeout_s:
                raise RuntimeError("the Lighter limiter never drained: is the daemon busy?")
            time.sleep(0.25)
        return time.monotonic() - started


def _write_config(path: Path, executor_id: str, *, fast: bool) -> Path:
    cfg: dict[str, Any] = {
        "executor_id": executor_id,
        "mode": "paper",
        "venues": list(VENUES),
        "strategy": {"notional_usd": 800, "min_net_apr": -100, "max_new_pairs_per_cycle": 1,
                     "assets": ["BTC"]},
        "exits": {"max_age_hours": 0.0003},  # ≈ 1.1 s
        "risk": {"max_open_pairs": 1, "max_input_age_s": 600},
        "loop": {"poll_interval_s": 60, "active_interval_s": 0.5, "monitor_interval_s": 0.2},
    }
    if fast:  # the RSS run: cycles as fast as the venues' limits allow, woken by the poll timer
        cfg["strategy"].update(assets=["BTC", "ETH", "SOL", "XRP"], max_new_pairs_per_cycle=4)
        cfg["risk"]["max_open_pairs"] = 4
        cfg["loop"] = {"poll_interval_s": 0.3, "active_interval_s": 0.1, "reconcile_interval_s": 2,
                       "heartbeat_interval_s": 1, "monitor_interval_s": 0.2}
    path.write_text(yaml.safe_dump(cfg))
    return path


def _start_daemon(config: Path, url: str, venue_urls: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PERPDEX_DATABASE_URL": url,
           "PERPDEX_VENUE_URLS": json.dumps({v: venue_urls[v] for v in VENUES}), "PERPDEX_LOG_LEVEL": "INFO"}
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "executor", "run", "--config", str(config), "--candidates", "live"],
            cwd=REPO, env=env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip


def _stop_daemon(proc: subprocess.Popen[bytes]) -> int | None:
    if proc.poll() is None:
        proc.terminate()
        try:
            return proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def _wait(cond: Callable[[], Any], timeout_s: float, what: str, proc: subprocess.Popen[bytes] | None = None,
          every_s: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"daemon exited ({proc.returncode}) while waiting for {what}")
        time.sleep(every_s)
    raise RuntimeError(f"timed out waiting for {what}")


def _set_state(conn: psycopg.Connection, executor_id: str, state: str, notify: str | None = None) -> datetime:
    """Set the trading state (and NOTIFY in the same transaction); returns the DB clock just before commit."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO execution.trading_state (executor_id, state, reason, updated_by) VALUES (%s, %s, 'bench', "
            "'bench') ON CONFLICT (executor_id) DO UPDATE SET state = EXCLUDED.state, reason = 'bench', "
            "updated_by = 'bench', updated_at = now()",
            (executor_id, state),
        )
        if notify is None:
            return conn.execute("SELECT clock_timestamp()").fetchone()[0]
        return conn.execute("SELECT clock_timestamp() FROM pg_notify(%s, %s)", (CHANNEL, notify)).fetchone()[0]


def _live_pairs(conn: psycopg.Connection, executor_id: str) -> list[tuple[str, str, datetime | None]]:
    return conn.execute(
        "SELECT pair_id, state, opened_at FROM execution.pairs WHERE executor_id = %s "
        "AND state NOT IN ('closed', 'abandoned')", (executor_id,),
    ).fetchall()  # fmt: skip


def _entry_acks(conn: psycopg.Connection, executor_id: str, since: datetime) -> list[tuple[Any, ...]] | None:
    """(pair_id, pair created_at, leg, order created_at, submitted_at, ack) for both legs of the first new pair."""
    rows = conn.execute(
        "SELECT p.pair_id, p.created_at, o.leg, o.created_at, o.submitted_at, po.created_at "
        "FROM execution.pairs p JOIN execution.orders o ON o.pair_id = p.pair_id AND o.purpose = 'entry' "
        "JOIN execution.paper_orders po ON po.venue = o.venue AND po.client_order_id = o.client_order_id "
        "WHERE p.executor_id = %s AND p.created_at >= %s AND o.client_order_id LIKE '%%e0' "
        "ORDER BY p.created_at, o.leg",
        (executor_id, since),
    ).fetchall()
    first = [r for r in rows if rows and r[0] == rows[0][0]]
    return first if len(first) == 2 else None


def _ms(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() * 1000


# ------------------------------------------------------------------------------------------ loopback RTT


async def _loopback_rtt(lighter_url: str, n: int, warmup: int = 2) -> list[float]:
    """Round trips of ``GET orderBookOrders`` (one Lighter book) over one keep-alive aiohttp session."""
    import aiohttp

    from perpdex_lib.venues.lighter import constants as c

    async with aiohttp.ClientSession() as session:
        async with session.get(f"{lighter_url}{c.ORDER_BOOKS_PATH}") as resp:
            books = await resp.json(content_type=None)
        market_id = books["order_books"][0]["market_id"]
        params = {"market_id": str(market_id), "limit": "20"}
        out = []
        for i in range(n + warmup):
            t = time.perf_counter()
            async with session.get(f"{lighter_url}{c.ORDER_BOOK_ORDERS_PATH}", params=params) as resp:
                await resp.read()
                assert resp.status == 200, resp.status
            if i >= warmup:  # connection set-up and first-call costs
                out.append((time.perf_counter() - t) * 1000)
        return out


async def _scan_split(config: Path, venue_urls: dict[str, str], url: str, rounds: int) -> dict[str, float]:
    """The daemon's entry-path reads, timed in this process with the daemon's own code and parameters.

    Fresh clients (their rate-limit buckets start full; ``rounds`` stays inside Lighter's 60) and no cache, as
    the daemon's scan finds it after an idle period. Steps: the live candidate scan (instruments, funding and
    snapshots per venue, one book per leg, the engine), the re-check of the best pair (both books again,
    concurrently, and the engine), and the two books sizing reads one after the other.
    """
    from executor.candidates import LiveMarket, live_candidates
    from executor.config import ExecutorConfig
    from executor.daemon import Daemon
    from executor.driver import Venues
    from perpdex_lib.config import Settings
    from perpdex_lib.domain import Venue
    from perpdex_lib.venues.base import open_market_data

    cfg = ExecutorConfig.load(config)
    settings = Settings(venue_urls={Venue(v): venue_urls[v] for v in VENUES})
    daemon = Daemon(cfg, settings, candidate_source="live", url=url)  # its fees and engine parameters
    venues = Venues(trading={}, market={v: open_market_data(v, settings) for v in cfg.venues}, instruments={})
    market = LiveMarket(venues, daemon.fees, daemon.params, ttl_s=0)
    steps: dict[str, list[float]] = {"scan": [], "recheck": [], "sizing_books": []}
    try:
        for _ in range(rounds):
            now = datetime.now(UTC)
            t = time.perf_counter()
            found = await live_candidates(market, cfg.venues, set(cfg.strategy.assets or []) or None, set(), now)
            steps["scan"].append((time.perf_counter() - t) * 1000)
            best = found[0]
            t = time.perf_counter()
            await market.recheck(best, now)
            steps["recheck"].append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            await venues.book(best.long_venue, best.long_symbol)
            await venues.book(best.short_venue, best.short_symbol)
            steps["sizing_books"].append((time.perf_counter() - t) * 1000)
    finally:
        for md in venues.market.values():
            await md.http.close()
    return {f"{k}_p50": round(statistics.median(v), 2) for k, v in steps.items()}


# ------------------------------------------------------------------------------------------ phases


def _latency_phase(url: str, admin: str, venue_urls: dict[str, str], opts: argparse.Namespace,
                   work: Path) -> dict[str, Any]:
    exec_id = "bench-latency"
    config = _write_config(work / "latency.yml", exec_id, fast=False)
    log_path = work / "latency-daemon.log"
    samples: list[dict[str, float]] = []
    rtt: list[float] = []
    rtt_batch = max(5, -(-opts.rtt_requests // max(1, opts.iterations)))
    limiter_waits, lost_wakes, extra_pairs = [], 0, 0
    reqs_per_entry: dict[str, list[int]] = {v: [] for v in VENUES}
    with psycopg.connect(url, autocommit=True) as conn:
        _set_state(conn, exec_id, "REDUCE_ONLY")  # no entries until the bench says so
        proc = _start_daemon(config, url, venue_urls, log_path)
        try:
            _wait(lambda: conn.execute("SELECT 1 FROM execution.reconciliations WHERE executor_id = %s AND "
                                       "status = 'ok'", (exec_id,)).fetchone(), 60, "first reconciliation", proc)
            bucket = _LighterBucket(admin)
            for i in range(opts.iterations + opts.warmup):
                _close_everything(conn, exec_id, proc)
                time.sleep(0.5)  # let the pass that closed the pair finish
                if i >= opts.warmup:  # the loopback round trip, under the same load as the entries
                    rtt.extend(asyncio.run(_loopback_rtt(venue_urls["lighter"], rtt_batch)))
                    bucket.discount(rtt_batch + 3)  # our own requests, not the daemon's
                limiter_waits.append(bucket.wait_for_room(ENTRY_HEADROOM))
                before = _sim_requests(admin)
                t0 = _set_state(conn, exec_id, "ACTIVE", notify=f"bench {i}")
                try:
                    acks = _wait(lambda t0=t0: _entry_acks(conn, exec_id, t0), 20, "both entry acks", proc, 0.003)
                except RuntimeError:
                    lost_wakes += 1
                    acks = _wait(lambda t0=t0: _entry_acks(conn, exec_id, t0), 90, "both entry acks", proc, 0.01)
                _set_state(conn, exec_id, "REDUCE_ONLY")  # before the next pass (active_interval_s = 0.5 s)
                after = _sim_requests(admin)
                pairs_now = conn.execute("SELECT count(*) FROM execution.pairs WHERE executor_id = %s AND "
                                         "created_at >= %s", (exec_id, t0)).fetchone()[0]
                extra_pairs += pairs_now - 1
                if i < opts.warmup:
                    continue
                for v in VENUES:
                    reqs_per_entry[v].append(after[v] - before[v])
                (_pair_id, planned, *_), legs = acks[0], {r[2]: r for r in acks}
                long_r, short_r = legs["long"], legs["short"]
                samples.append({
                    "total": _ms(t0, max(long_r[5], short_r[5])),
                    "to_planned": _ms(t0, planned),
                    "planned_to_submitted": _ms(planned, max(long_r[4], short_r[4])),
                    "submitted_to_acks": _ms(min(long_r[4], short_r[4]), max(long_r[5], short_r[5])),
                    "ack_skew": abs(_ms(long_r[5], short_r[5])),
                    "submit_skew": abs(_ms(long_r[4], short_r[4])),
                })
            _close_everything(conn, exec_id, proc)
        finally:
            rc = _stop_daemon(proc)
        closed = conn.execute("SELECT count(*) FROM execution.pairs WHERE executor_id = %s AND state = 'closed'",
                              (exec_id,)).fetchone()[0]
    split = asyncio.run(_scan_split(config, venue_urls, url, opts.split_rounds))
    rtt_p50 = _pct(rtt, 50)
    col = {k: [s[k] for s in samples] for k in samples[0]}
    total = _summary_ms(col["total"])
    to_planned = statistics.median(col["to_planned"])
    return {
        "iterations": len(samples),
        "notify_to_both_acks_ms": total,
        "ack_skew_ms": _summary_ms(col["ack_skew"]),
        "submit_skew_ms": _summary_ms(col["submit_skew"]),
        "breakdown_p50_ms": {
            "notify_to_entry_decision": round(to_planned, 2),
            "decision_to_both_submitted": round(statistics.median(col["planned_to_submitted"]), 2),
            "first_submit_to_both_acks": round(statistics.median(col["submitted_to_acks"]), 2),
        },
        "scan_and_recheck_share_p50": round(to_planned / statistics.median(col["total"]), 3),
        "in_process_split_ms": split,
        "sim_requests_per_entry_p50": {v: statistics.median(n) for v, n in reqs_per_entry.items()},
        "loopback_rtt_ms": {**_summary_ms(rtt), "requests": len(rtt)},
        "latency_over_rtt_p50": round(total["p50"] / rtt_p50, 1),
        "latency_over_rtt_p99": round(total["p99"] / rtt_p50, 1),
        "limiter_wait_s_total": round(sum(limiter_waits), 1),
        "lost_wakes": lost_wakes,
        "extra_pairs_opened": extra_pairs,
        "pairs_closed": closed,
        "daemon_exit_code": rc,
    }


def _close_everything(conn: psycopg.Connection, exec_id: str, proc: subprocess.Popen[bytes]) -> None:
    """With entries gated off, wake the daemon until every pair has exited (max_age ≈ 1.1 s after opening)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        live = _live_pairs(conn, exec_id)
        if not live:
            return
        if proc.poll() is not None:
            raise RuntimeError(f"daemon exited ({proc.returncode})")
        if any(p[1] == "open" for p in live):
            youngest = max((p[2] for p in live if p[2] is not None), default=None)
            age_s = conn.execute("SELECT extract(epoch FROM now() - %s)", (youngest,)).fetchone()[0] if youngest \
                else 99
            time.sleep(max(0.0, 1.3 - float(age_s)))
            _set_state(conn, exec_id, "REDUCE_ONLY", notify="bench close")
        time.sleep(0.3)
    raise RuntimeError("pairs did not close")


def _rss_phase(url: str, venue_urls: dict[str, str], opts: argparse.Namespace, work: Path) -> dict[str, Any]:
    import psutil

    exec_id = "bench-rss"
    config = _write_config(work / "rss.yml", exec_id, fast=True)
    proc = _start_daemon(config, url, venue_urls, work / "rss-daemon.log")
    samples: list[tuple[float, float]] = []
    try:
        ps = psutil.Process(proc.pid)
        started = time.monotonic()
        end = started + opts.minutes * 60
        while time.monotonic() < end:
            if proc.poll() is not None:
                raise RuntimeError(f"daemon exited ({proc.returncode}) during the RSS run; see {work}")
            samples.append((time.monotonic() - started, ps.memory_info().rss / 2**20))  # MiB
            time.sleep(opts.sample_s)
        samples.append((time.monotonic() - started, ps.memory_info().rss / 2**20))
        cpu_s = sum(ps.cpu_times()[:2])
    finally:
        rc = _stop_daemon(proc)
    with psycopg.connect(url) as conn:
        cycles = conn.execute("SELECT count(*) FROM execution.pairs WHERE executor_id = %s AND state = 'closed'",
                              (exec_id,)).fetchone()[0]
        states = dict(conn.execute("SELECT state, count(*) FROM execution.pairs WHERE executor_id = %s GROUP BY 1",
                                   (exec_id,)).fetchall())
        orders = conn.execute("SELECT count(*) FROM execution.orders").fetchone()[0]
    second_half = [s for s in samples if s[0] >= samples[-1][0] / 2]
    warm = [s for s in samples if s[0] >= 60] or samples  # the first samples catch the interpreter importing
    rss = [s[1] for s in samples]
    return {
        "minutes": opts.minutes,
        "samples": len(samples),
        "rss_mib": {"first": round(rss[0], 1), "after_1_min": round(warm[0][1], 1), "last": round(rss[-1], 1),
                    "max": round(max(rss), 1)},
        "slope_second_half_mib_per_hour": round(_slope_per_hour(second_half), 2),
        "slope_after_1_min_mib_per_hour": round(_slope_per_hour(warm), 2),
        "cycles_completed": cycles,
        "cycles_per_minute": round(cycles / opts.minutes, 1),
        "pairs_by_state": states,
        "orders": orders,
        "daemon_cpu_s": round(cpu_s, 1),
        "daemon_exit_code": rc,
        "series_mib": [[round(t), round(m, 1)] for t, m in samples],
    }


# ------------------------------------------------------------------------------------------ run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench executor", description="Executor latency and RSS benchmark.")
    parser.add_argument("--iterations", type=int, default=30, help="measured NOTIFY → acks entries")
    parser.add_argument("--warmup", type=int, default=2, help="entries run first and not measured")
    parser.add_argument("--rtt-requests", type=int, default=200, help="loopback GETs, spread over the entries")
    parser.add_argument("--split-rounds", type=int, default=10, help="in-process scan/re-check timings (<= 10)")
    parser.add_argument("--minutes", type=float, default=10.0, help="RSS run length (the issue's hour: 60)")
    parser.add_argument("--sample-s", type=float, default=5.0, help="RSS sampling period")
    parser.add_argument("--assets", type=int, default=20, help="assets in the simulator")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases and daemon logs")
    return parser


def run(args: Any = None) -> dict[str, Any]:
    opts = args if isinstance(args, argparse.Namespace) else _parser().parse_args(list(args or []))
    from perpdex_lib.config import Settings
    from perpdex_lib.warehouse.migrate import run_migrations
    from perpdex_lib.warehouse.provision import create_database, drop_database, ensure_server

    server = ensure_server(Settings())
    work = Path(tempfile.mkdtemp(prefix="perpdex-bench-executor-"))
    result: dict[str, Any] = {"benchmark": "executor", "venues": "+".join(VENUES), "cpu_count": os.cpu_count(),
                              "load_avg_1m_start": round(os.getloadavg()[0], 2)}
    sim, admin, venue_urls = _start_sim(opts.assets)
    names: list[str] = []
    try:
        for phase, enabled in (("latency", not opts.skip_latency), ("rss", not opts.skip_rss)):
            if not enabled:
                continue
            name = f"perpdex_bench_exec_{phase}_{secrets.token_hex(3)}"
            names.append(name)
            url = create_database(server, name)
            run_migrations(url)
            if phase == "latency":
                result["latency"] = _latency_phase(url, admin, venue_urls, opts, work)
            else:
                result["rss"] = _rss_phase(url, venue_urls, opts, work)
            result[f"load_avg_1m_after_{phase}"] = round(os.getloadavg()[0], 2)
    finally:
        _stop_sim(sim)
        if not opts.keep:
            for name in names:
                drop_database(server, name)
            shutil.rmtree(work, ignore_errors=True)
    if opts.keep:
        result["kept"] = {"databases": names, "work_dir": str(work)}
    return result


if __name__ == "__main__":
    out = run(sys.argv[1:])
    series = out.get("rss", {}).pop("series_mib", None)
    print(json.dumps(out, indent=1, default=str))
    if series:
        print("rss series [s, MiB]:", json.dumps(series))

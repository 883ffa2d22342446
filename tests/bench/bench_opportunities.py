"""Opportunity engine benchmark: the SQL engine versus the pure-Python pairwise loop, same data, same run.

Data: 7 venues x 400 assets (every asset on every venue), latest predicted rates, snapshots and 12-level
books, plus 7 days of hourly settled history per leg (every venue settling hourly: the worst case), with
the synthetic generator's usual share of stale/missing inputs. Loaded once through the warehouse loaders.

Measured (p50 over ``--repeats``):
- ``sql``: ``analytics.compute_opportunities`` end to end (writes the run, its opportunities and rejections).
  The first run is reported as ``cold_first_run``; the repeats reuse the persistence statistics cached for
  the current hour (as the pipeline's runs within an hour do), the p50 is of those.
- ``python``: ``perpdex_lib.opportunities.engine.compute`` over the same inputs already in memory: every
  ordered pair of every asset evaluated in a Python loop (Decimal maths, persistence over the hourly series).
- ``python_with_load``: ``load_inputs`` (two queries + decoding) plus ``compute``.
- ``python_pairwise``: the straightforward loop: ``evaluate_pair`` for every ordered pair with both legs'
  raw settled history, recomputing each leg's checks, book walks and hourly series per pair (what a
  caller re-checking pairs one by one does). One pass (it is slow).

CPU time of the database backend (psutil) and of the Python process is reported next to wall time, since
the build host is shared and wall times move with its load.

Targets: sql_p50 < 200 ms on 2 cores; python_pairwise / sql_p50 >= 10 (python_p50 / sql_p50 reported too).
Options: --assets N (400), --venues N (7), --repeats N (5), --seed N (11).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import time

import psycopg

from perpdex_lib.domain.enums import Venue
from perpdex_lib.fees import DEFAULT_FEES, FeeTable, sync_fee_table
from perpdex_lib.opportunities.engine import compute, evaluate_pair
from perpdex_lib.opportunities.inputs import load_inputs
from perpdex_lib.opportunities.params import OpportunityParams
from perpdex_lib.opportunities.sql import compute_in_db, fetch_run


def _p50(xs: list[float]) -> float:
    return round(statistics.median(xs) * 1000, 1)


def _backend(conn: psycopg.Connection):  # type: ignore[no-untyped-def]
    """The server process of this connection, to read its CPU time (local cluster only)."""
    import psutil

    try:
        return psutil.Process(conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
    except (psutil.Error, TypeError):
        return None


def _cpu(proc) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds (user + system) of the backend: unlike wall time, unaffected by other loads on the host."""
    if proc is None:
        return float("nan")
    t = proc.cpu_times()
    return t.user + t.system


def run(args: list[str]) -> dict:
    from perpdex_lib.config import Settings
    from perpdex_lib.warehouse.migrate import run_migrations
    from perpdex_lib.warehouse.provision import create_database, drop_database, ensure_server
    from tests.integration.opportunities.synth import NOW, generate, load

    ap = argparse.ArgumentParser(prog="bench opportunities")
    ap.add_argument("--assets", type=int, default=400)
    ap.add_argument("--venues", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=11)
    opts, _ = ap.parse_known_args(args)

    server = ensure_server(Settings())
    name = f"perpdex_bench_opps_{secrets.token_hex(4)}"
    url = create_database(server, name)
    try:
        run_migrations(url)
        with psycopg.connect(url) as conn:
            t0 = time.perf_counter()
            universe = generate(opts.seed, list(Venue)[: opts.venues], opts.assets, listing_p=1.0,
                                hourly_everywhere=True)
            generated_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            load(conn, universe)
            sync_fee_table(conn, FeeTable(DEFAULT_FEES))
            conn.commit()
            loaded_s = time.perf_counter() - t0
            with psycopg.connect(url, autocommit=True) as ac:
                ac.execute("VACUUM ANALYZE")
            params = OpportunityParams()

            backend = _backend(conn)
            sql_s: list[float] = []
            sql_cpu: list[float] = []
            run_id = ""
            for _ in range(opts.repeats + 1):  # the first run is cold (no cached persistence); not in the p50
                c0 = _cpu(backend)
                t0 = time.perf_counter()
                run_id = compute_in_db(conn, params, NOW)
                conn.commit()
                sql_s.append(time.perf_counter() - t0)
                sql_cpu.append(_cpu(backend) - c0)
            sql_cold_s, sql_s = sql_s[0], sql_s[1:]
            sql_cold_cpu, sql_cpu = sql_cpu[0], sql_cpu[1:]
            sql_result = fetch_run(conn, run_id)
            inner_ms, cached = conn.execute(
                "SELECT duration_ms, persistence_pairs_cached FROM analytics.opportunity_runs WHERE run_id = %s",
                (run_id,)).fetchone()

            load_s: list[float] = []
            py_s: list[float] = []
            py_cpu: list[float] = []
            py_result = None
            for _ in range(max(1, opts.repeats // 2)):
                t0 = time.perf_counter()
                inputs = load_inputs(conn, NOW, params)
                t1 = time.perf_counter()
                c1 = time.process_time()
                py_result = compute(inputs, params, NOW)
                py_cpu.append(time.process_time() - c1)
                t2 = time.perf_counter()
                load_s.append(t1 - t0)
                py_s.append(t2 - t1)
            assert py_result is not None
            t0 = time.perf_counter()
            c0 = time.process_time()
            by_asset: dict[str, list] = {}
            for leg in inputs.legs:
                by_asset.setdefault(leg.asset, []).append(leg)
            naive_opps = 0
            for legs in by_asset.values():
                for long in legs:
                    for short in legs:
                        if long.venue != short.venue:
                            out = evaluate_pair(long, short, params, NOW, history=(
                                inputs.history.get(long.key, ()), inputs.history.get(short.key, ())))
                            naive_opps += out.__class__.__name__ == "Opportunity"
            naive_s = time.perf_counter() - t0
            naive_cpu = time.process_time() - c0
            same = py_result.opportunities == sql_result.opportunities
            settled = sum(len(v) for v in inputs.history.values())
    finally:
        drop_database(server, name)

    sql_p50 = _p50(sql_s)
    py_p50 = _p50(py_s)
    return {
        "data": {"venues": opts.venues, "assets": opts.assets, "legs": len(inputs.legs),
                 "ordered_pairs": len(sql_result.opportunities) + len(sql_result.rejections),
                 "settled_rows_7d": settled, "generate_s": round(generated_s, 1), "load_s": round(loaded_s, 1)},
        "sql_ms": {"p50": sql_p50, "min": round(min(sql_s) * 1000, 1), "max": round(max(sql_s) * 1000, 1),
                   "inside_function_ms": float(inner_ms), "cold_first_run": round(sql_cold_s * 1000, 1),
                   "persistence_pairs_cached": cached},
        "python_ms": {"p50": py_p50, "load_inputs_p50": _p50(load_s),
                      "with_load_p50": round(py_p50 + _p50(load_s), 1)},
        "cpu_ms": {"sql_backend_p50": _p50(sql_cpu), "sql_backend_cold": round(sql_cold_cpu * 1000, 1),
                   "python_compute_p50": _p50(py_cpu), "python_pairwise": round(naive_cpu * 1000, 1),
                   "ratio_pairwise_over_sql": round(naive_cpu / statistics.median(sql_cpu), 1)
                   if statistics.median(sql_cpu) > 0 else None},
        "python_pairwise_ms": round(naive_s * 1000, 1),
        "ratio_python_pairwise_over_sql": round(naive_s * 1000 / sql_p50, 1),
        "ratio_python_over_sql": round(py_p50 / sql_p50, 1),
        "ratio_python_with_load_over_sql": round((py_p50 + _p50(load_s)) / sql_p50, 1),
        "opportunities": len(sql_result.opportunities),
        "rejections": len(sql_result.rejections),
        "engines_agree": same and naive_opps == len(sql_result.opportunities),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "targets": {"sql_p50_under_200ms": sql_p50 < 200, "ratio_at_least_10": naive_s * 1000 / sql_p50 >= 10},
    }

"""Load benchmark: 1,000,000 funding rows through the project's load path vs a raw COPY of the same rows.

Measured in the same run, on the same server, each load in a fresh subprocess (so its peak RSS is the
loader's own, read from ``ru_maxrss``):

- ``raw_copy``: binary COPY of the rows into an unindexed, unconstrained table: the floor.
- ``project``: ``load_funding_rates`` (COPY → temp staging → partitions → INSERT … ON CONFLICT into the
  partitioned, indexed ``market.funding_rates``), then the same 1M rows again (the idempotent re-run).
- ``row_by_row``: one ``INSERT … ON CONFLICT`` statement per row on a sample: committed per row (how the old
  system wrote: "one row at a time with no transaction", docs/prior_art.md) and, kinder, in one transaction.
- ``generate_only``: building the rows in Python without a database, the cost both loads share.

Wall time and CPU time (client process + its server backend, from /proc) are both reported: on a shared
host the wall-clock ratio moves with the neighbours' load, the CPU ratio measures our own work.

Targets: project/raw rows-per-second ratio ≥ 0.5; project ≥ 50× faster per row than row-by-row; loader
peak RSS < 500 MB. Options: ``--rows N`` (default 1,000,000), ``--sample N`` (default 2,000).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

from perpdex_lib.domain.enums import FundingKind, RateUnit, Venue
from perpdex_lib.domain.market import FundingRate

SERIES_PER_VENUE = 40
START = datetime(2025, 1, 1, tzinfo=UTC)
RAW_TABLE = "bench_funding_raw"


def funding_stream(n_rows: int, start: datetime = START) -> Iterator[FundingRate]:
    """``n_rows`` hourly funding rows, time-major (every series per hour, as ingest produces them), lazily."""
    venues = list(Venue)
    series = [(v, f"A{i:03d}-PERP", f"A{i:03d}") for v in venues for i in range(SERIES_PER_VENUE)]
    produced = 0
    hour = 0
    while produced < n_rows:
        at = start + timedelta(hours=hour)
        for k, (venue, symbol, asset) in enumerate(series):
            if produced >= n_rows:
                return
            raw = Decimal((hour * 7919 + k * 104729) % 2001 - 1000).scaleb(-7)  # ±0.0001, deterministic
            yield FundingRate(
                venue=venue, venue_symbol=symbol, asset=asset, kind=FundingKind.SETTLED, funding_time=at,
                raw_rate=raw, raw_unit=RateUnit.FRACTION_PER_INTERVAL, interval_hours=Decimal(1), venue_ts=at,
                observed_at=at + timedelta(seconds=5),
            )  # fmt: skip
            produced += 1
        hour += 1


# ------------------------------------------------------------------------------------------ the child


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _client_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _backend_cpu_s(conn: psycopg.Connection) -> float:
    """CPU seconds the connection's server process has used (Linux /proc; the server runs on this host).

    On a shared, contended host wall time swings with the neighbours; CPU time measures our own work.
    """
    try:
        stat = Path(f"/proc/{conn.info.backend_pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _child(mode: str, url: str, n_rows: int) -> dict:
    from perpdex_lib.warehouse.load import FUNDING_COLUMNS, _funding_row, load_funding_rates

    started = time.perf_counter()
    server_cpu = 0.0
    if mode == "generate":
        count = sum(1 for r in funding_stream(n_rows) if _funding_row(r, "bench"))
    elif mode == "project":
        with psycopg.connect(url) as conn:
            count = load_funding_rates(conn, funding_stream(n_rows), run_id="bench")
            conn.commit()
            server_cpu = _backend_cpu_s(conn)
    elif mode == "raw":
        with psycopg.connect(url) as conn, conn.cursor() as cur:
            cols = ", ".join(FUNDING_COLUMNS)
            with cur.copy(f"COPY {RAW_TABLE} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["text", "text", "text", "text", "timestamptz", "numeric", "text", "numeric",
                                "numeric", "timestamptz", "timestamptz", "text"])  # fmt: skip
                count = 0
                for rate in funding_stream(n_rows):
                    copy.write_row(_funding_row(rate, "bench"))
                    count += 1
            conn.commit()
            server_cpu = _backend_cpu_s(conn)
    else:
        raise ValueError(mode)
    return {
        "rows": count, "seconds": time.perf_counter() - started, "peak_rss_mb": _peak_rss_mb(),
        "client_cpu_s": _client_cpu_s(), "server_cpu_s": server_cpu,
    }  # fmt: skip


def _spawn(mode: str, url: str, n_rows: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_load", "--child", mode, url, str(n_rows)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"bench child {mode} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------- row by row


def _row_by_row(url: str, sample: int, *, autocommit: bool, start: datetime) -> dict:
    """One ``INSERT … ON CONFLICT`` per row: per-row commits (the old system's way) or one transaction."""
    from perpdex_lib.warehouse.load import FUNDING_COLUMNS, _funding_row

    rows = [_funding_row(r, "bench") for r in funding_stream(sample, start)]
    cols = ", ".join(FUNDING_COLUMNS)
    marks = ", ".join(["%s"] * len(FUNDING_COLUMNS))
    updates = ", ".join(f"{c} = excluded.{c}" for c in FUNDING_COLUMNS[5:])
    stmt = (
        f"INSERT INTO market.funding_rates ({cols}) VALUES ({marks}) "
        f"ON CONFLICT (venue, venue_symbol, funding_time, kind) DO UPDATE SET {updates}"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT market.ensure_monthly_partitions('market.funding_rates', %s, %s)", (rows[0][4], rows[-1][4])
        )
        conn.autocommit = autocommit
        started = time.perf_counter()
        with conn.cursor() as cur:
            for row in rows:
                cur.execute(stmt, row)
        if not autocommit:
            conn.commit()
        seconds = time.perf_counter() - started
    return {"rows": sample, "seconds": seconds}


# ------------------------------------------------------------------------------------------- run


def run(args: list[str]) -> dict:
    from perpdex_lib.config import Settings
    from perpdex_lib.warehouse.migrate import run_migrations
    from perpdex_lib.warehouse.provision import create_database, drop_database, ensure_server

    parser = argparse.ArgumentParser(prog="bench load")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000)
    opts = parser.parse_args(args)

    server = ensure_server(Settings())
    name = f"perpdex_bench_{secrets.token_hex(4)}"
    url = create_database(server, name)
    try:
        run_migrations(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE TABLE {RAW_TABLE} (LIKE market.funding_rates INCLUDING DEFAULTS)")  # no index, no key
            version = conn.execute("SHOW server_version").fetchone()[0]

        generate = _spawn("generate", url, opts.rows)
        # months the big loads never touch, so these are all inserts, as in the big loads
        single = _row_by_row(url, opts.sample, autocommit=True, start=datetime(2020, 1, 1, tzinfo=UTC))
        single_tx = _row_by_row(url, opts.sample, autocommit=False, start=datetime(2021, 1, 1, tzinfo=UTC))
        raw = _spawn("raw", url, opts.rows)
        project = _spawn("project", url, opts.rows)
        rerun = _spawn("project", url, opts.rows)
        with psycopg.connect(url) as conn:
            stored = conn.execute("SELECT count(*) FROM market.funding_rates").fetchone()[0]
            raw_count = conn.execute(f"SELECT count(*) FROM {RAW_TABLE}").fetchone()[0]
            partitions = conn.execute(
                "SELECT count(*) FROM pg_inherits WHERE inhparent = 'market.funding_rates'::regclass"
            ).fetchone()[0]
    finally:
        drop_database(server, name)

    if stored != opts.rows + 2 * opts.sample or raw_count != opts.rows or project["rows"] != opts.rows:
        raise RuntimeError(f"row counts disagree: stored={stored} raw={raw_count} project={project['rows']}")
    rate = {k: v["rows"] / v["seconds"] for k, v in {"raw": raw, "project": project, "generate": generate}.items()}
    cpu = {k: v["client_cpu_s"] + v["server_cpu_s"] for k, v in {"raw": raw, "project": project}.items()}
    per_row_project = project["seconds"] / project["rows"]
    per_row_single = single["seconds"] / single["rows"]
    per_row_single_tx = single_tx["seconds"] / single_tx["rows"]
    return {
        "rows": opts.rows,
        "server": f"PostgreSQL {version}",
        "partitions_after": partitions,
        "generate_only_rows_per_s": round(rate["generate"]),
        "raw_copy_rows_per_s": round(rate["raw"]),
        "project_rows_per_s": round(rate["project"]),
        "project_vs_raw_ratio": round(rate["project"] / rate["raw"], 3),
        "project_vs_raw_ratio_by_cpu": round(cpu["raw"] / cpu["project"], 3),
        "rerun_same_rows_rows_per_s": round(opts.rows / rerun["seconds"]),
        "rerun_rows_written": rerun["rows"],
        "row_by_row_sample": opts.sample,
        "row_by_row_autocommit_rows_per_s": round(1 / per_row_single),
        "row_by_row_one_tx_rows_per_s": round(1 / per_row_single_tx),
        "speedup_per_row_vs_row_by_row_autocommit": round(per_row_single / per_row_project, 1),
        "speedup_per_row_vs_row_by_row_one_tx": round(per_row_single_tx / per_row_project, 1),
        "seconds": {
            "raw_copy": round(raw["seconds"], 2),
            "project": round(project["seconds"], 2),
            "rerun": round(rerun["seconds"], 2),
            "generate_only": round(generate["seconds"], 2),
            "row_by_row_autocommit": round(single["seconds"], 2),
            "row_by_row_one_tx": round(single_tx["seconds"], 2),
        },
        "cpu_s": {
            "raw_copy_client": round(raw["client_cpu_s"], 2),
            "raw_copy_server": round(raw["server_cpu_s"], 2),
            "project_client": round(project["client_cpu_s"], 2),
            "project_server": round(project["server_cpu_s"], 2),
            "rerun_client": round(rerun["client_cpu_s"], 2),
            "rerun_server": round(rerun["server_cpu_s"], 2),
        },
        "peak_rss_mb": {
            "project_loader": round(project["peak_rss_mb"], 1),
            "raw_copy": round(raw["peak_rss_mb"], 1),
            "generate_only": round(generate["peak_rss_mb"], 1),
        },
        "targets_met": {
            "ratio_ge_0_5": rate["project"] / rate["raw"] >= 0.5,
            "speedup_ge_50x_vs_autocommit_rows": per_row_single / per_row_project >= 50,
            "rss_lt_500mb": project["peak_rss_mb"] < 500,
        },
    }


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        print(json.dumps(run(sys.argv[1:]), indent=2))

"""Dashboard benchmark: server-side render time of every page with ten million funding rows.

Data (generated inside PostgreSQL with ``INSERT … SELECT generate_series``, into the bench database
``perpdex_bench_dashboard``, kept between runs unless ``--rebuild``): 7 venues x ``--assets`` assets (default 218),
one year of settled funding (hourly on five venues, 8-hourly on two: ~10.0 M rows), one predicted rate and one
snapshot per instrument, 10 k quarantine rows, 30 days of ingest runs, an engine run with 500 opportunities, and an
executor journal (200 pairs, fills, funding, 48 h of marks). Then ``reporting.refresh_funding_daily('-infinity')``
and ``VACUUM ANALYZE``.

Measured, as the read-only dashboard role:
- ``pages.<page>.uncached_ms``: AppTest ``run()`` of the page with Streamlit's caches cleared first, so every
  query hits PostgreSQL (p50 and max over ``--repeats``, after one warm-up run that pays the imports);
- ``pages.<page>.cached_ms``: the same page re-run with warm caches (what most visits cost within the TTLs);
- ``interactions``: the heavy widget choices (funding 1-year window from the rollup, 30-day drill-down);
- ``sql``: the main queries on their own, and the foundation's ``reporting.latest_funding`` (DISTINCT ON over the
  whole table) next to the dashboard's ``reporting.funding_current`` (per-instrument skip-scan) for the same answer;
- ``refresh``: ``refresh_funding_daily()`` incremental (default: last two days) and a full rebuild.

Target: every page's uncached p50 < 1000 ms. Options: --assets N (218), --days N (365), --repeats N (5), --rebuild.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import psycopg

BENCH_DB = "perpdex_bench_dashboard"
HOURLY_VENUES = ("lighter", "grvt", "edgex", "backpack", "hyperliquid")
EIGHT_HOUR_VENUES = ("aster", "paradex")
APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
PAGES = ("opportunities", "funding", "positions", "executor", "pipeline")


def _generate(url: str, assets: int, days: int, log) -> dict:
    """Fill the bench database; returns row counts and generation seconds."""
    timings: dict[str, float] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")

        def step(name: str, sql: str, params: dict | None = None) -> None:
            started = time.perf_counter()
            conn.execute(sql, params)  # None: simple protocol, several statements allowed
            timings[name] = round(time.perf_counter() - started, 1)
            log(f"  {name}: {timings[name]} s")

        p = {"assets": assets, "days": days}
        for table in ("market.funding_rates", "market.market_snapshots"):
            conn.execute(
                "SELECT market.ensure_monthly_partitions(%s::regclass, now() - make_interval(days => %s + 2),"
                " now() + interval '2 days')",
                (table, days),
            )
        step("instruments", """
            INSERT INTO market.instruments (venue, venue_symbol, asset, quote, multiplier, tick_size, lot_size,
                min_size, min_notional_usd, max_leverage, funding_interval_hours, continuous_funding, status,
                first_seen_at, updated_at)
            SELECT v.venue, a.asset || '-PERP', a.asset, 'USD', 1, 0.01, 0.001, 0.001, 10, 20,
                   CASE WHEN v.venue IN ('aster', 'paradex') THEN 8 ELSE 1 END, false, 'active', now(), now()
            FROM market.venues v
            CROSS JOIN (SELECT CASE g WHEN 0 THEN 'BTC' WHEN 1 THEN 'ETH' WHEN 2 THEN 'SOL'
                               ELSE 'A' || lpad(g::text, 3, '0') END AS asset
                        FROM generate_series(0, %(assets)s - 1) AS g) a
        """, p)
        # One statement per venue keeps each transaction (and its WAL) moderate and shows progress.
        for venue in HOURLY_VENUES + EIGHT_HOUR_VENUES:
            step(f"funding_{venue}", """
                INSERT INTO market.funding_rates (venue, venue_symbol, asset, kind, funding_time, raw_rate, raw_unit,
                    interval_hours, rate_per_hour, venue_ts, observed_at, ingested_at, run_id)
                SELECT i.venue, i.venue_symbol, i.asset, 'settled', t,
                       r.rate * i.funding_interval_hours, 'fraction_per_interval', i.funding_interval_hours, r.rate,
                       t, t + interval '1 minute', t + interval '2 minutes', 'bench'
                FROM market.instruments i
                CROSS JOIN LATERAL generate_series(
                    date_trunc('day', now()) - make_interval(days => %(days)s),
                    date_trunc('hour', now()),
                    make_interval(hours => i.funding_interval_hours::int)) AS t
                CROSS JOIN LATERAL (SELECT round((0.00001 + 0.00002 * sin(extract(epoch FROM t) / 36000.0
                                                  + hashtext(i.venue_symbol) %% 97))::numeric, 10) AS rate) r
                WHERE i.venue = %(venue)s
            """, {**p, "venue": venue})
        step("predicted", """
            INSERT INTO market.funding_rates (venue, venue_symbol, asset, kind, funding_time, raw_rate, raw_unit,
                interval_hours, rate_per_hour, venue_ts, observed_at, run_id)
            SELECT venue, venue_symbol, asset, 'predicted', date_trunc('hour', now()) + interval '1 hour',
                   0.0001, 'fraction_per_interval', funding_interval_hours, 0.0001 / funding_interval_hours,
                   now(), now(), 'bench'
            FROM market.instruments
        """)
        step("snapshots", """
            INSERT INTO market.market_snapshots (venue, venue_symbol, asset, ts, mark_price, index_price,
                open_interest_base, open_interest_usd, volume_24h_usd, best_bid, best_ask, bid_depth_usd,
                ask_depth_usd, next_funding_time, run_id)
            SELECT venue, venue_symbol, asset, now(), 100, 100, 1000, 100000, 5000000, 99.9, 100.1, 250000, 240000,
                   date_trunc('hour', now()) + interval '1 hour', 'bench'
            FROM market.instruments
        """)
        step("quarantine", """
            INSERT INTO dq.quarantine (venue, endpoint, reason_code, detail, payload, run_id, quarantined_at)
            SELECT (ARRAY['lighter','grvt','edgex','backpack','aster','paradex','hyperliquid'])[1 + g % 7], 'funding',
                   (ARRAY['bad_json','negative_price','unknown_unit','missing_field'])[1 + g % 4], 'bench', '{}',
                   'bench', now() - make_interval(mins => g)
            FROM generate_series(1, 10000) AS g
        """)
        step("ingest_runs", """
            INSERT INTO dq.ingest_runs (run_id, venue, job, status, started_at, finished_at, rows_extracted,
                rows_loaded, rows_rejected)
            SELECT 'run-' || h, v.venue, 'ingest', CASE WHEN h % 50 = 0 THEN 'failed' ELSE 'success' END,
                   now() - make_interval(hours => h), now() - make_interval(hours => h) + interval '20 seconds',
                   1000, 990, 10
            FROM market.venues v CROSS JOIN generate_series(0, 24 * 30) AS h
        """)
        step("opportunities", """
            WITH run AS (
                INSERT INTO analytics.opportunity_runs (run_id, computed_at, engine, parameters, notional_usd,
                    horizon_hours, execution_style, legs, opportunities, rejections, max_input_age_s, duration_ms)
                VALUES ('bench-run', now(), 'sql', '{}', 10000, 72, 'taker', 1526, 500, 2000, 60, 100)
                RETURNING run_id
            )
            INSERT INTO analytics.opportunities
            SELECT run.run_id, x.rank, x.asset, 'lighter', x.asset || '-PERP', x.short_venue, x.asset || '-PERP',
                   0.00001, 0.00003, 0.00002, 0.1752, 10000, 72, 'taker', 10, 2, 1.5, 1.5, 13.5, 14.4, 0.9,
                   0.5 - x.rank * 0.0005, 675, 100000 + x.rank, 0.01, 1800, 1800, 1, 1, false, 60,
                   24, 0.00002, 0.000001, 0.9, 168, 0.00002, 0.000002, 0.8
            FROM run CROSS JOIN (
                SELECT row_number() OVER (ORDER BY i.asset, s.short_venue) AS rank, i.asset, s.short_venue
                FROM market.instruments i
                CROSS JOIN (VALUES ('hyperliquid'), ('grvt'), ('edgex')) AS s (short_venue)
                WHERE i.venue = 'lighter'
                ORDER BY 1 LIMIT 500
            ) x
        """)
        step("rejections", """
            INSERT INTO analytics.opportunity_rejections
            SELECT 'bench-run', 'R' || g, 'aster', 'R' || g || '-PERP', 'grvt', 'R' || g || '-PERP',
                   (ARRAY['spread_below_min','stale_funding','insufficient_depth'])[1 + g % 3], 'bench'
            FROM generate_series(1, 2000) AS g
        """)
        step("executor", """
            WITH pairs AS (
                INSERT INTO execution.pairs (pair_id, executor_id, mode, asset, long_venue, long_symbol,
                    long_multiplier, short_venue, short_symbol, short_multiplier, state, target_canonical_qty,
                    target_notional_usd, entry_spread_per_hour, entry_apr, exit_reason, opened_at, closed_at,
                    created_at)
                SELECT 'P' || g, 'paper-1', 'paper', 'BTC', 'lighter', 'BTC-PERP', 1, 'hyperliquid', 'BTC-PERP', 1,
                       CASE WHEN g <= 20 THEN 'open' ELSE 'closed' END, 1, 10000, 0.00002, 0.17,
                       CASE WHEN g > 20 THEN (ARRAY['spread_reversed','max_hold','manual'])[1 + g % 3] END,
                       now() - make_interval(hours => g * 3),
                       CASE WHEN g > 20 THEN now() - make_interval(hours => g) END,
                       now() - make_interval(hours => g * 3)
                FROM generate_series(1, 200) AS g
                RETURNING pair_id
            ), orders AS (
                INSERT INTO execution.orders (client_order_id, pair_id, leg, purpose, venue, venue_symbol, side, qty,
                    order_type, state, filled_qty, avg_price, fee_usd)
                SELECT pair_id || '-' || l.leg || '-' || l.purpose, pair_id, l.leg, l.purpose, l.venue, 'BTC-PERP',
                       l.side, 0.1, 'market', 'filled', 0.1, 50000, 2.5
                FROM pairs CROSS JOIN (VALUES ('long', 'entry', 'lighter', 'buy'), ('short', 'entry', 'hyperliquid',
                      'sell'), ('long', 'exit', 'lighter', 'sell'), ('short', 'exit', 'hyperliquid', 'buy')) AS
                      l(leg, purpose, venue, side)
                RETURNING client_order_id, pair_id, venue, side
            )
            INSERT INTO execution.fills (venue, trade_id, client_order_id, pair_id, venue_symbol, side, qty, price,
                fee_usd, is_maker, ts)
            SELECT venue, 't-' || client_order_id, client_order_id, pair_id, 'BTC-PERP', side, 0.1, 50000, 2.5,
                   false, now() - interval '1 hour'
            FROM orders
        """)
        step("executor_marks", """
            INSERT INTO execution.pair_marks (pair_id, ts, long_qty, short_qty, long_mark, short_mark,
                current_spread_per_hour, unrealised_pnl_usd, funding_usd, fees_usd)
            SELECT 'P' || g, now() - make_interval(mins => m * 5), 0.1, 0.1, 50000, 50010, 0.00002, m % 7, m * 0.1, 5
            FROM generate_series(1, 20) AS g CROSS JOIN generate_series(0, 12 * 48) AS m
        """)
        step("executor_state", """
            INSERT INTO execution.trading_state (executor_id, state, reason, updated_by) VALUES ('paper-1', 'ACTIVE',
                '', 'bench');
            INSERT INTO execution.executor_heartbeat (executor_id, mode, state, pid, started_at, heartbeat_at, version)
                VALUES ('paper-1', 'paper', 'running', 1, now() - interval '1 day', now(), 'bench');
            INSERT INTO execution.events (executor_id, level, kind, pair_id, detail, ts)
            SELECT 'paper-1', (ARRAY['info','warning','error'])[1 + g % 3], 'bench_event', 'P' || (1 + g % 200),
                   '{}', now() - make_interval(secs => g * 30)
            FROM generate_series(1, 20000) AS g;
            INSERT INTO execution.reconciliations (executor_id, status, detail, ts)
            SELECT 'paper-1', 'ok', '{}', now() - make_interval(mins => g) FROM generate_series(1, 5000) AS g;
        """)
        step("rollup_full", "SELECT reporting.refresh_funding_daily('-infinity')")
        step("vacuum_analyze", "VACUUM ANALYZE")
        rows = conn.execute("SELECT count(*) FROM market.funding_rates").fetchone()[0]
    return {"funding_rows": rows, "generate_s": timings}


def _timed_sql(url: str, repeats: int) -> dict:
    checks = {
        "funding_current_predicted": "SELECT count(*) FROM reporting.funding_current WHERE kind = 'predicted'",
        "foundation_latest_funding": "SELECT count(*) FROM reporting.latest_funding",
        "venue_freshness": "SELECT * FROM reporting.venue_freshness",
        "btc_7d_hourly": """
            SELECT date_trunc('hour', f.funding_time), f.venue, avg(f.rate_per_hour)
            FROM reporting.instruments i JOIN reporting.funding_rates f
              ON f.venue = i.venue AND f.venue_symbol = i.venue_symbol
            WHERE i.asset = 'BTC' AND f.kind = 'settled' AND f.funding_time >= now() - interval '7 days'
            GROUP BY 1, 2""",
        "btc_365d_daily_rollup": "SELECT * FROM reporting.funding_daily WHERE asset = 'BTC'"
                                 " AND day >= now() - interval '365 days'",
        "exec_pairs": "SELECT * FROM reporting.exec_pairs ORDER BY created_at DESC LIMIT 1000",
        "opportunities_latest": "SELECT * FROM reporting.opportunities_latest ORDER BY net_apr DESC LIMIT 500",
    }
    out: dict[str, float | str] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for name, sql in checks.items():
            samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                try:
                    conn.execute(sql).fetchall()
                except psycopg.errors.QueryCanceled:  # the role's statement_timeout
                    timeout = conn.execute("SHOW statement_timeout").fetchone()[0]
                    out[f"{name}_ms"] = f"timeout (> {timeout})"
                    break
                samples.append(time.perf_counter() - started)
            if samples:
                out[f"{name}_ms"] = round(statistics.median(samples) * 1000, 1)
    return out


def _refresh(owner_url: str) -> dict:
    out = {}
    with psycopg.connect(owner_url, autocommit=True) as conn:
        for name, sql in (("incremental_2d", "SELECT reporting.refresh_funding_daily()"),
                          ("full", "SELECT reporting.refresh_funding_daily('-infinity')")):
            started = time.perf_counter()
            conn.execute(sql)
            out[f"{name}_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return out


def _render(repeats: int) -> dict:
    """AppTest render times per page (uncached and cached) and for the heavy interactions."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def page_app(page: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=120).run()
        if page != "opportunities":
            at.switch_page(f"pages/{page}.py")
        return at

    def timed(at: AppTest, clear: bool) -> float:
        if clear:
            st.cache_data.clear()
        started = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - started
        if at.exception:
            raise RuntimeError(f"page raised: {[e.value for e in at.exception]}")
        return elapsed

    pages: dict[str, dict] = {}
    for page in PAGES:
        at = page_app(page)
        timed(at, clear=True)  # warm-up: imports, engine, first connection
        uncached = [timed(at, clear=True) for _ in range(repeats)]
        cached = [timed(at, clear=False) for _ in range(repeats)]
        pages[page] = {
            "uncached_p50_ms": round(statistics.median(uncached) * 1000, 1),
            "uncached_max_ms": round(max(uncached) * 1000, 1),
            "cached_p50_ms": round(statistics.median(cached) * 1000, 1),
        }

    interactions: dict[str, float] = {}
    at = page_app("funding")
    timed(at, clear=True)
    at.selectbox(key="hist_window").set_value("1 year")
    interactions["funding_1y_rollup_uncached_p50_ms"] = round(
        statistics.median(timed(at, clear=True) for _ in range(repeats)) * 1000, 1)
    at.selectbox(key="hist_window").set_value("7 days")
    at.radio(key="heat_kind").set_value("settled")
    interactions["funding_settled_heatmap_uncached_p50_ms"] = round(
        statistics.median(timed(at, clear=True) for _ in range(repeats)) * 1000, 1)
    at = page_app("opportunities")
    timed(at, clear=True)
    at.radio(key="opp_drill_window").set_value("14 days")
    interactions["opportunity_drilldown_14d_uncached_p50_ms"] = round(
        statistics.median(timed(at, clear=True) for _ in range(repeats)) * 1000, 1)
    return {"pages": pages, "interactions": interactions}


def run(args: list[str]) -> dict:
    from dashboards.db import DASHBOARD_ROLE, URL_ENV
    from perpdex_lib.config import Settings
    from perpdex_lib.warehouse.engine import with_user
    from perpdex_lib.warehouse.migrate import run_migrations
    from perpdex_lib.warehouse.provision import create_database, drop_database, ensure_server

    parser = argparse.ArgumentParser(prog="bench dashboard")
    parser.add_argument("--assets", type=int, default=218)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    opts = parser.parse_args(args)

    server = ensure_server(Settings())
    if opts.rebuild:
        drop_database(server, BENCH_DB)
    url = create_database(server, BENCH_DB)
    run_migrations(url)
    with psycopg.connect(url) as conn:
        instruments = conn.execute("SELECT count(*) FROM market.instruments").fetchone()[0]
        complete = conn.execute(  # the generator's last steps ran (a crashed generation is redone)
            "SELECT EXISTS (SELECT 1 FROM execution.executor_heartbeat WHERE version = 'bench')"
            " AND EXISTS (SELECT 1 FROM reporting.funding_daily)"
        ).fetchone()[0]
    expected = opts.assets * 7
    generated: dict = {}
    if instruments != expected or not complete:
        if instruments:
            drop_database(server, BENCH_DB)
            url = create_database(server, BENCH_DB)
            run_migrations(url)
        print(f"generating {expected} instruments x {opts.days} days of funding in {BENCH_DB} …", flush=True)
        generated = _generate(url, opts.assets, opts.days, lambda m: print(m, flush=True))
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT count(*) FROM market.funding_rates").fetchone()[0]
        daily = conn.execute("SELECT count(*) FROM reporting.funding_daily").fetchone()[0]

    dash_url = with_user(url, DASHBOARD_ROLE)
    previous = os.environ.get(URL_ENV)
    os.environ[URL_ENV] = dash_url
    try:
        render = _render(opts.repeats)
    finally:
        if previous is None:
            os.environ.pop(URL_ENV, None)
        else:
            os.environ[URL_ENV] = previous
    sql = _timed_sql(dash_url, opts.repeats)
    refresh = _refresh(url)
    worst = max(p["uncached_p50_ms"] for p in render["pages"].values())
    return {
        "funding_rows": rows,
        "funding_daily_rows": daily,
        "instruments": expected,
        **({"generate": generated["generate_s"]} if generated else {}),
        **render,
        "sql": sql,
        "refresh_funding_daily": refresh,
        "worst_page_uncached_p50_ms": worst,
        "target_met": worst < 1000,
    }

"""A small, fully known warehouse for the dashboard tests: every number a test asserts is defined here.

Inserted with plain SQL (the table layout is the warehouse contract) relative to ``now()`` so freshness badges
read "fresh" whenever the test runs.
"""

from __future__ import annotations

from decimal import Decimal

import psycopg

# (venue, venue_symbol, asset, interval_hours, settled rate_per_hour, predicted rate_per_hour)
INSTRUMENTS: list[tuple[str, str, str, int, Decimal, Decimal]] = [
    ("lighter", "BTC", "BTC", 1, Decimal("0.00001"), Decimal("0.000012")),
    ("hyperliquid", "BTC", "BTC", 1, Decimal("0.0000125"), Decimal("0.00002")),
    ("paradex", "BTC-USD-PERP", "BTC", 8, Decimal("-0.000005"), Decimal("-0.000004")),
    ("lighter", "ETH", "ETH", 1, Decimal("0.000008"), Decimal("0.000009")),
    ("hyperliquid", "ETH", "ETH", 1, Decimal("0.00003"), Decimal("0.000031")),
    ("aster", "ETHUSDT", "ETH", 8, Decimal("0.0000025"), Decimal("0.000003")),
    ("hyperliquid", "kPEPE", "PEPE", 1, Decimal("0.00005"), Decimal("0.00006")),
    ("aster", "1000PEPEUSDT", "PEPE", 4, Decimal("-0.00002"), Decimal("-0.00001")),
]
HISTORY_DAYS = 10
# (run_id, venue, status, minutes ago): aster's latest run failed, its last good one is 70 minutes old
INGEST_RUNS = [("r1", "lighter", "success", 10), ("r1", "aster", "failed", 10), ("r0", "aster", "success", 70)]
QUARANTINE = [("lighter", "funding", "bad_json")] * 3 + [("aster", "snapshots", "negative_price")] * 2


def seed(conn: psycopg.Connection) -> None:
    """Insert instruments, settled history, predictions, snapshots and quarantine rows; refresh the rollup."""
    with conn.cursor() as cur:
        for table in ("market.funding_rates", "market.market_snapshots"):
            cur.execute(
                "SELECT market.ensure_monthly_partitions(%s::regclass, now() - make_interval(days => %s),"
                " now() + interval '2 days')",
                (table, HISTORY_DAYS + 1),
            )
        for venue, symbol, asset, interval, settled, predicted in INSTRUMENTS:
            cur.execute(
                """
                INSERT INTO market.instruments (venue, venue_symbol, asset, quote, multiplier, tick_size, lot_size,
                    min_size, min_notional_usd, max_leverage, funding_interval_hours, continuous_funding, status,
                    venue_market_id, first_seen_at, updated_at)
                VALUES (%s, %s, %s, 'USD', %s, 0.1, 0.001, 0.001, 10, 20, %s, false, 'active', NULL, now(), now())
                """,
                (venue, symbol, asset, 1000 if symbol.startswith(("k", "1000")) else 1, interval),
            )
            cur.execute(
                """
                INSERT INTO market.funding_rates (venue, venue_symbol, asset, kind, funding_time, raw_rate, raw_unit,
                    interval_hours, rate_per_hour, venue_ts, observed_at, run_id)
                SELECT %(venue)s, %(symbol)s, %(asset)s, 'settled', t, %(rate)s * %(interval)s,
                       'fraction_per_interval', %(interval)s, %(rate)s, t, t + interval '1 minute', 'seed'
                FROM generate_series(date_trunc('hour', now()) - make_interval(days => %(days)s),
                                     date_trunc('hour', now()),
                                     make_interval(hours => %(interval)s)) AS t
                """,
                {"venue": venue, "symbol": symbol, "asset": asset, "rate": settled, "interval": interval,
                 "days": HISTORY_DAYS},
            )
            cur.execute(
                """
                INSERT INTO market.funding_rates (venue, venue_symbol, asset, kind, funding_time, raw_rate, raw_unit,
                    interval_hours, rate_per_hour, venue_ts, observed_at, run_id)
                VALUES (%s, %s, %s, 'predicted', date_trunc('hour', now()) + make_interval(hours => %s), %s,
                        'fraction_per_interval', %s, %s, now() - interval '2 minutes', now() - interval '2 minutes',
                        'seed')
                """,
                (venue, symbol, asset, interval, predicted * interval, interval, predicted),
            )
            cur.execute(
                """
                INSERT INTO market.market_snapshots (venue, venue_symbol, asset, ts, mark_price, index_price,
                    open_interest_base, open_interest_usd, volume_24h_usd, best_bid, best_ask, bid_depth_usd,
                    ask_depth_usd, next_funding_time, run_id)
                VALUES (%s, %s, %s, now() - interval '3 minutes', 100, 100, 1000, 100000, 5000000, 99.9, 100.1,
                        250000, 240000, date_trunc('hour', now()) + interval '1 hour', 'seed')
                """,
                (venue, symbol, asset),
            )
        for venue, endpoint, reason in QUARANTINE:
            cur.execute(
                "INSERT INTO dq.quarantine (venue, endpoint, reason_code, detail, payload, run_id)"
                " VALUES (%s, %s, %s, 'seeded', '{}'::jsonb, 'seed')",
                (venue, endpoint, reason),
            )
        for run_id, venue, status, minutes_ago in INGEST_RUNS:
            cur.execute(
                "INSERT INTO dq.ingest_runs (run_id, venue, job, status, started_at, finished_at, rows_extracted,"
                " rows_loaded, rows_rejected, error) VALUES (%s, %s, 'ingest', %s, now() - make_interval(mins => %s),"
                " now() - make_interval(mins => %s) + interval '20 seconds', 100, 95, 5, %s)",
                (run_id, venue, status, minutes_ago, minutes_ago, "timeout" if status == "failed" else None),
            )
        cur.execute("SELECT reporting.refresh_funding_daily('-infinity')")
    conn.commit()


EXECUTOR_ID = "paper-1"
# Expected totals of seed_executor (asserted by the Positions page test):
#   open ETH pair:    unrealised 4.00 + funding 7.50 - fees 2.50 = 9.00
#   closed BTC pair:  fill cash 2.00 + funding 12.00 - fees 10.00 = 4.00
EXPECTED_NET_PNL_USD = Decimal("13.00")
EXPECTED_FUNDING_USD = Decimal("19.50")
EXPECTED_FEES_USD = Decimal("12.50")


def seed_executor(conn: psycopg.Connection) -> None:
    """One open and one closed pair with orders, fills, funding, marks, events and a reconciliation."""
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO execution.trading_state (executor_id, state, reason, updated_by)"
            " VALUES (%s, 'ACTIVE', '', 'operator')",
            (EXECUTOR_ID,),
        )
        pairs = [
            ("ETH-open1", "ETH", "lighter", "ETH", "hyperliquid", "ETH", "open", None, "2 days", None),
            ("BTC-closed1", "BTC", "paradex", "BTC-USD-PERP", "hyperliquid", "BTC", "closed", "spread_reversed",
             "5 days", "1 day"),
        ]
        for pair_id, asset, lv, ls, sv, ss, state, reason, opened_ago, closed_ago in pairs:
            cur.execute(
                """
                INSERT INTO execution.pairs (pair_id, executor_id, mode, asset, long_venue, long_symbol,
                    long_multiplier, short_venue, short_symbol, short_multiplier, state, target_canonical_qty,
                    target_notional_usd, entry_spread_per_hour, entry_apr, exit_reason, opened_at, closed_at,
                    created_at)
                VALUES (%s, %s, 'paper', %s, %s, %s, 1, %s, %s, 1, %s, 1, 10000, 0.00002, 0.19, %s,
                        now() - %s::interval, now() - %s::interval, now() - %s::interval)
                """,
                (pair_id, EXECUTOR_ID, asset, lv, ls, sv, ss, state, reason, opened_ago, closed_ago, opened_ago),
            )
        # (cloid, pair, leg, purpose, venue, symbol, side, qty, price, fee)
        fills = [
            ("ETH-open1-le0", "ETH-open1", "long", "entry", "lighter", "ETH", "buy", "5", "2000", "1.00"),
            ("ETH-open1-se0", "ETH-open1", "short", "entry", "hyperliquid", "ETH", "sell", "5", "2001", "1.50"),
            ("BTC-closed1-le0", "BTC-closed1", "long", "entry", "paradex", "BTC-USD-PERP", "buy", "0.1", "50000",
             "2.50"),
            ("BTC-closed1-se0", "BTC-closed1", "short", "entry", "hyperliquid", "BTC", "sell", "0.1", "50010", "2.50"),
            ("BTC-closed1-lx1", "BTC-closed1", "long", "exit", "paradex", "BTC-USD-PERP", "sell", "0.1", "50100",
             "2.50"),
            ("BTC-closed1-sx1", "BTC-closed1", "short", "exit", "hyperliquid", "BTC", "buy", "0.1", "50090", "2.50"),
        ]
        for n, (cloid, pair_id, leg, purpose, venue, symbol, side, qty, price, fee) in enumerate(fills):
            cur.execute(
                """
                INSERT INTO execution.orders (client_order_id, pair_id, leg, purpose, venue, venue_symbol, side, qty,
                    order_type, state, filled_qty, avg_price, fee_usd)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'market', 'filled', %s, %s, %s)
                """,
                (cloid, pair_id, leg, purpose, venue, symbol, side, qty, qty, price, fee),
            )
            cur.execute(
                """
                INSERT INTO execution.fills (venue, trade_id, client_order_id, pair_id, venue_symbol, side, qty, price,
                    fee_usd, is_maker, ts)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, false, now() - make_interval(hours => %s))
                """,
                (venue, f"t{n}", cloid, pair_id, symbol, side, qty, price, fee, 100 - n),
            )
        payments = [("ETH-open1", "hyperliquid", "ETH", h, a) for h, a in ((3, "2.0"), (2, "2.5"), (1, "3.0"))]
        payments += [("BTC-closed1", "hyperliquid", "BTC", h, "4.0") for h in (50, 49, 48)]
        for pair_id, venue, symbol, hours_ago, amount in payments:
            cur.execute(
                """
                INSERT INTO execution.funding_payments (pair_id, venue, venue_symbol, funding_time, position_qty, rate,
                    amount_usd)
                VALUES (%s, %s, %s, date_trunc('hour', now()) - make_interval(hours => %s), 1, 0.0001, %s)
                """,
                (pair_id, venue, symbol, hours_ago, amount),
            )
        cur.execute(
            """
            INSERT INTO execution.pair_marks (pair_id, ts, long_qty, short_qty, long_mark, short_mark,
                current_spread_per_hour, unrealised_pnl_usd, funding_usd, fees_usd)
            SELECT 'ETH-open1', now() - make_interval(hours => h), 5, 5, 2000, 2001, 0.00002,
                   CASE WHEN h = 0 THEN 4.0 ELSE 1.0 END, 7.5, 2.5
            FROM generate_series(0, 47) AS h
            """
        )
        for level, kind in (("info", "pair_planned"), ("warning", "hedge_retry"), ("info", "pair_state")):
            cur.execute(
                "INSERT INTO execution.events (executor_id, level, kind, pair_id, detail)"
                " VALUES (%s, %s, %s, 'ETH-open1', '{\"note\": \"seeded\"}')",
                (EXECUTOR_ID, level, kind),
            )
        cur.execute(
            "INSERT INTO execution.executor_heartbeat (executor_id, mode, state, pid, started_at, heartbeat_at,"
            " version) VALUES "
            " (%s, 'paper', 'running', 4242, now() - interval '3 hours', now() - interval '2 seconds', '0.1.0')",
            (EXECUTOR_ID,),
        )
        cur.execute(
            "INSERT INTO execution.reconciliations (executor_id, ts, status, detail)"
            " VALUES (%s, now() - interval '30 seconds', 'ok', '{}')",
            (EXECUTOR_ID,),
        )
    conn.commit()


# (horizon_hours, asset, long_venue, long_symbol, short_venue, short_symbol, long rate/h, short rate/h, net_apr,
#  liquidity_cap_usd). Ranked by net APR within each run.
OPPORTUNITIES = [
    (72, "PEPE", "aster", "1000PEPEUSDT", "hyperliquid", "kPEPE", "-0.00002", "0.00005", "0.50", "50000"),
    (72, "ETH", "lighter", "ETH", "hyperliquid", "ETH", "0.000008", "0.00003", "0.15", "200000"),
    (24, "BTC", "paradex", "BTC-USD-PERP", "hyperliquid", "BTC", "-0.000005", "0.0000125", "0.08", "900000"),
]
REJECTIONS = [("BTC", "lighter", "BTC", "hyperliquid", "BTC", "spread_below_min")] * 1 + [
    ("ETH", "aster", "ETHUSDT", "lighter", "ETH", "net_apr_below_min")
]


def seed_opportunities(conn: psycopg.Connection) -> None:
    """Two engine runs (72 h and 24 h horizons, computed a minute ago) with their ranked opportunities."""
    with conn.cursor() as cur:
        for horizon in (72, 24):
            rows = [o for o in OPPORTUNITIES if o[0] == horizon]
            run_id = f"seed-{horizon}h"
            cur.execute(
                """
                INSERT INTO analytics.opportunity_runs (run_id, computed_at, engine, parameters, notional_usd,
                    horizon_hours, execution_style, legs, opportunities, rejections, max_input_age_s, duration_ms)
                VALUES (%s, now() - interval '1 minute', 'sql', '{}', 10000, %s, 'taker', 8, %s, %s, 120, 5)
                """,
                (run_id, horizon, len(rows), len(REJECTIONS) if horizon == 72 else 0),
            )
            for rank, (_, asset, lv, ls, sv, ss, lr, sr, net_apr, liq) in enumerate(rows, start=1):
                spread = Decimal(sr) - Decimal(lr)
                cur.execute(
                    """
                    INSERT INTO analytics.opportunities (run_id, rank, asset, long_venue, long_symbol, short_venue,
                        short_symbol, long_rate_per_hour, short_rate_per_hour, spread_per_hour, gross_apr,
                        notional_usd, horizon_hours, execution_style, fee_cost_usd, slippage_cost_usd, basis_bps,
                        basis_cost_usd, total_cost_usd, funding_income_usd, net_usd, net_apr, break_even_hours,
                        liquidity_cap_usd, oi_share, long_next_funding_s, short_next_funding_s, long_interval_hours,
                        short_interval_hours, interval_mismatch, max_input_age_s, persistence_24h_hours,
                        persistence_24h_mean, persistence_24h_stdev, persistence_24h_share_pos,
                        persistence_7d_hours, persistence_7d_mean, persistence_7d_stdev, persistence_7d_share_pos)
                    VALUES (%(run)s, %(rank)s, %(asset)s, %(lv)s, %(ls)s, %(sv)s, %(ss)s, %(lr)s, %(sr)s, %(spread)s,
                        %(spread)s * 8760, 10000, %(h)s, 'taker', 10, 2, 1.5, 1.5, 13.5, %(spread)s * 10000 * %(h)s,
                        %(spread)s * 10000 * %(h)s - 13.5, %(net_apr)s, 13.5 / (%(spread)s * 10000), %(liq)s, 0.01,
                        1800, 1800, 1, 1, false, 120, 24, %(spread)s, 0.000001, 1, 168, %(spread)s, 0.000002, 0.95)
                    """,
                    {"run": run_id, "rank": rank, "asset": asset, "lv": lv, "ls": ls, "sv": sv, "ss": ss, "lr": lr,
                     "sr": sr, "spread": spread, "h": horizon, "net_apr": net_apr, "liq": liq},
                )
        for asset, lv, ls, sv, ss, reason in REJECTIONS:
            cur.execute(
                "INSERT INTO analytics.opportunity_rejections (run_id, asset, long_venue, long_symbol, short_venue,"
                " short_symbol, reason_code, detail) VALUES ('seed-72h', %s, %s, %s, %s, %s, %s, 'seeded')",
                (asset, lv, ls, sv, ss, reason),
            )
    conn.commit()

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
                                     date_trunc('hour', now()) - interval '1 hour',
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
        cur.execute("SELECT reporting.refresh_funding_daily('-infinity')")
    conn.commit()

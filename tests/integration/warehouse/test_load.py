"""The bulk loader against real PostgreSQL: idempotent merges, partitions on demand, streaming, atomicity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from perpdex_lib.domain.enums import FundingKind, InstrumentStatus, RateUnit, Venue
from perpdex_lib.domain.market import FundingRate, Instrument, MarketSnapshot, OrderBook, OrderBookLevel
from perpdex_lib.venues.batch import Reject
from perpdex_lib.warehouse.load import (
    bulk_upsert,
    load_funding_rates,
    load_instruments,
    load_order_books,
    load_snapshots,
    quarantine,
)

pytestmark = pytest.mark.integration

T0 = datetime(2024, 1, 31, 16, tzinfo=UTC)  # batches starting here cross into February and March


def _rate(symbol: str, at: datetime, raw: str, kind: FundingKind = FundingKind.SETTLED, seen: datetime | None = None):
    return FundingRate(
        venue=Venue.ASTER, venue_symbol=symbol, asset=symbol.removesuffix("USDT"), kind=kind, funding_time=at,
        raw_rate=Decimal(raw), raw_unit=RateUnit.FRACTION_PER_INTERVAL, interval_hours=Decimal(8),
        venue_ts=at, observed_at=seen or at + timedelta(minutes=1),
    )  # fmt: skip


def _series(n: int, start: datetime = T0) -> Iterator[FundingRate]:
    for i in range(n):
        yield _rate("BTCUSDT" if i % 2 else "ETHUSDT", start + timedelta(hours=8 * (i // 2)), f"0.000{i % 97:02d}")


def _checksum(conn: psycopg.Connection, table: str, exclude: str = "ingested_at") -> tuple[int, str]:
    row = conn.execute(
        f"SELECT count(*), coalesce(md5(string_agg(r::text, '|' ORDER BY r::text)), '') "
        f"FROM (SELECT (to_jsonb(x) - '{exclude}') AS r FROM {table} x) s"
    ).fetchone()
    return int(row[0]), row[1]


def test_same_batch_twice_leaves_the_table_identical(clean_db: str, pg_conn: psycopg.Connection) -> None:
    rates = list(_series(400))
    first = load_funding_rates(pg_conn, rates, run_id="run-1")
    pg_conn.commit()
    before = _checksum(pg_conn, "market.funding_rates")
    second = load_funding_rates(pg_conn, iter(rates), run_id="run-2")
    pg_conn.commit()
    assert first == 400
    assert second == 0  # nothing differs, so nothing is rewritten (run_id stays the first run's)
    assert _checksum(pg_conn, "market.funding_rates") == before
    assert before[0] == 400


def test_batch_spanning_months_creates_partitions(clean_db: str, pg_conn: psycopg.Connection) -> None:
    def partitions() -> set[str]:
        rows = pg_conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'market.funding_rates'::regclass"
        ).fetchall()
        return {r for (r,) in rows}

    start = datetime(2019, 5, 31, 16, tzinfo=UTC)  # months no other test touches
    assert not {"funding_rates_p201905", "funding_rates_p201906", "funding_rates_p201907"} & partitions()
    # 8-hourly for 40 days from 31 May: May, June, July 2019
    loaded = load_funding_rates(pg_conn, _series(240, start), run_id="span")
    pg_conn.commit()
    assert loaded == 240
    assert {"funding_rates_p201905", "funding_rates_p201906", "funding_rates_p201907"} <= partitions()
    per_month = dict(
        pg_conn.execute(
            "SELECT to_char(funding_time AT TIME ZONE 'UTC', 'YYYY-MM'), count(*) FROM market.funding_rates "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )
    assert per_month == {"2019-05": 2, "2019-06": 180, "2019-07": 58}


def test_values_round_trip_exactly(clean_db: str, pg_conn: psycopg.Connection) -> None:
    rate = _rate("SOLUSDT", T0, "-0.00012345678901234567890")
    load_funding_rates(pg_conn, [rate], run_id="exact")
    row = pg_conn.execute(
        "SELECT raw_rate, rate_per_hour, raw_unit, interval_hours, funding_time, observed_at, run_id, asset "
        "FROM market.funding_rates"
    ).fetchone()
    assert row == (
        rate.raw_rate, rate.rate_per_hour, "fraction_per_interval", Decimal(8), T0, rate.observed_at, "exact", "SOL"
    )


def test_repeated_key_in_one_batch_keeps_the_last(clean_db: str, pg_conn: psycopg.Connection) -> None:
    batch = [_rate("BTCUSDT", T0, "0.0001"), _rate("ETHUSDT", T0, "0.0002"), _rate("BTCUSDT", T0, "0.0003")]
    assert load_funding_rates(pg_conn, batch) == 2
    got = dict(pg_conn.execute("SELECT venue_symbol, raw_rate FROM market.funding_rates").fetchall())
    assert got == {"BTCUSDT": Decimal("0.0003"), "ETHUSDT": Decimal("0.0002")}


def test_changed_value_updates_and_newer_prediction_refreshes_observed_at(
    clean_db: str, pg_conn: psycopg.Connection
) -> None:
    nxt = T0 + timedelta(hours=8)
    seen1, seen2 = T0 + timedelta(minutes=5), T0 + timedelta(minutes=10)
    load_funding_rates(pg_conn, [_rate("BTCUSDT", nxt, "0.0001", FundingKind.PREDICTED, seen1)])
    # same estimate seen again later: one row, fresher observed_at
    assert load_funding_rates(pg_conn, [_rate("BTCUSDT", nxt, "0.0001", FundingKind.PREDICTED, seen2)]) == 1
    # an older sighting must not move it back
    assert load_funding_rates(pg_conn, [_rate("BTCUSDT", nxt, "0.0001", FundingKind.PREDICTED, seen1)]) == 0
    # a new estimate for the same settlement replaces the value
    assert load_funding_rates(pg_conn, [_rate("BTCUSDT", nxt, "0.0004", FundingKind.PREDICTED, seen2)]) == 1
    rows = pg_conn.execute("SELECT raw_rate, observed_at FROM market.funding_rates").fetchall()
    assert rows == [(Decimal("0.0004"), seen2)]


def test_a_bad_row_mid_stream_loads_nothing(clean_db: str, pg_conn: psycopg.Connection) -> None:
    def rows() -> Iterator[tuple]:
        yield ("aster", "BTCUSDT", "BTC", "settled", T0, Decimal("0.1"), "fraction_per_interval", Decimal(8),
               Decimal("0.0125"), None, T0, "r")  # fmt: skip
        yield ("aster", "ETHUSDT", "ETH", "bogus-kind", T0, Decimal("0.1"), "fraction_per_interval", Decimal(8),
               Decimal("0.0125"), None, T0, "r")  # fmt: skip

    from perpdex_lib.warehouse.load import FUNDING_COLUMNS

    with pytest.raises(psycopg.errors.CheckViolation):
        bulk_upsert(pg_conn, "market.funding_rates", FUNDING_COLUMNS, rows(),
                    ("venue", "venue_symbol", "funding_time", "kind"))  # fmt: skip
    pg_conn.rollback()
    assert pg_conn.execute("SELECT count(*) FROM market.funding_rates").fetchone() == (0,)


def test_load_inside_callers_transaction_rolls_back_with_it(clean_db: str, pg_conn: psycopg.Connection) -> None:
    load_funding_rates(pg_conn, _series(10))
    pg_conn.rollback()
    assert pg_conn.execute("SELECT count(*) FROM market.funding_rates").fetchone() == (0,)


def test_text_copy_format_accepts_strings(clean_db: str, pg_conn: psycopg.Connection) -> None:
    n = bulk_upsert(
        pg_conn, "market.instruments",
        ("venue", "venue_symbol", "asset", "quote", "multiplier", "tick_size", "lot_size",
         "funding_interval_hours", "status"),
        [("lighter", "BTC", "BTC", "USD", "1", "0.1", "0.00001", "1", "active")],
        ("venue", "venue_symbol"), copy_format="text",
    )  # fmt: skip
    assert n == 1
    assert pg_conn.execute("SELECT tick_size FROM market.instruments").fetchone() == (Decimal("0.1"),)


def _instrument(tick: str) -> Instrument:
    return Instrument(
        venue=Venue.HYPERLIQUID, venue_symbol="kPEPE", asset="PEPE", multiplier=Decimal(1000), quote="USDC",
        tick_size=Decimal(tick), lot_size=Decimal(1), min_size=None, min_notional_usd=Decimal(10),
        max_leverage=Decimal(10), funding_interval_hours=Decimal(1), status=InstrumentStatus.ACTIVE,
    )  # fmt: skip


def test_instruments_updated_at_moves_only_on_change(clean_db: str, pg_conn: psycopg.Connection) -> None:
    day1, day2, day3 = T0, T0 + timedelta(days=1), T0 + timedelta(days=2)
    assert load_instruments(pg_conn, [_instrument("0.000001")], observed_at=day1) == 1
    assert load_instruments(pg_conn, [_instrument("0.000001")], observed_at=day2) == 0
    assert load_instruments(pg_conn, [_instrument("0.0000001")], observed_at=day3) == 1
    row = pg_conn.execute(
        "SELECT tick_size, multiplier, first_seen_at, updated_at, status, continuous_funding FROM market.instruments"
    ).fetchone()
    assert row == (Decimal("0.0000001"), Decimal(1000), day1, day3, "active", False)


def test_snapshots_and_order_books(clean_db: str, pg_conn: psycopg.Connection) -> None:
    ts = datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC)  # a month with no partition yet
    snap = MarketSnapshot(
        venue=Venue.PARADEX, venue_symbol="BTC-USD-PERP", asset="BTC", ts=ts, mark_price=Decimal("97000.5"),
        index_price=Decimal("96990"), open_interest_base=Decimal("12.5"), open_interest_usd=Decimal("1212506.25"),
        volume_24h_usd=None, best_bid=Decimal("96999"), best_ask=Decimal("97001"), next_funding_time=None,
    )  # fmt: skip
    book = OrderBook(
        venue=Venue.PARADEX, venue_symbol="BTC-USD-PERP", ts=ts,
        bids=(OrderBookLevel(Decimal("96999"), Decimal("0.5")), OrderBookLevel(Decimal("96998.5"), Decimal("1E+1"))),
        asks=(OrderBookLevel(Decimal("97001"), Decimal("0.25")),),
    )  # fmt: skip
    assert load_snapshots(pg_conn, [snap], run_id="s") == 1
    assert load_snapshots(pg_conn, [snap], run_id="s2") == 0
    assert load_order_books(pg_conn, [book], run_id="b") == 1
    assert load_order_books(pg_conn, [book], run_id="b") == 0
    row = pg_conn.execute("SELECT mark_price, volume_24h_usd, run_id FROM market.market_snapshots").fetchone()
    assert row == (Decimal("97000.5"), None, "s")
    bids, asks = pg_conn.execute("SELECT bids, asks FROM market.order_books").fetchone()
    assert bids == [["96999", "0.5"], ["96998.5", "10"]]
    assert asks == [["97001", "0.25"]]
    latest = pg_conn.execute("SELECT venue, spread_bps FROM reporting.market_latest").fetchone()
    assert latest[0] == "paradex" and latest[1] == pytest.approx(Decimal("0.2061855670"), rel=Decimal("1e-6"))


def test_quarantine_keeps_payload_json_types_exactly(clean_db: str, pg_conn: psycopg.Connection) -> None:
    payload = {"symbol": "BTCUSDT", "lastFundingRate": Decimal("0.00001250"), "time": 1718000000000,
               "nested": [Decimal("1E-9"), "0.1", None, True]}  # fmt: skip
    rejects = [
        Reject("aster", "/fapi/v1/premiumIndex", "parse_error", "lastFundingRate: expected string", payload),
        Reject("aster", "/fapi/v1/premiumIndex", "unknown_unit", "x", {"v": Decimal("NaN")}),
    ]
    assert quarantine(pg_conn, rejects, run_id="q1") == 2
    rows = pg_conn.execute(
        "SELECT reason_code, payload->>'lastFundingRate', jsonb_typeof(payload->'lastFundingRate'), "
        "payload->'nested'->>0, payload->>'symbol', run_id FROM dq.quarantine ORDER BY id"
    ).fetchall()
    assert rows[0] == ("parse_error", "0.00001250", "number", "0.000000001", "BTCUSDT", "q1")
    assert rows[1][0] == "unknown_unit"
    summary = pg_conn.execute(
        "SELECT reason_code, rows_total FROM reporting.quarantine_summary ORDER BY 1"
    ).fetchall()
    assert summary == [("parse_error", 1), ("unknown_unit", 1)]


def test_latest_funding_view(clean_db: str, pg_conn: psycopg.Connection) -> None:
    t0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=24)
    settled = [_rate("BTCUSDT", t0, "0.0001"), _rate("BTCUSDT", t0 + timedelta(hours=8), "0.0002")]
    predicted = [_rate("BTCUSDT", t0 + timedelta(hours=16), "0.0008", FundingKind.PREDICTED)]
    ancient = [_rate("BTCUSDT", T0, "0.0009")]  # older than the view's 35-day window: never "latest"
    btc = Instrument(
        venue=Venue.ASTER, venue_symbol="BTCUSDT", asset="BTC", multiplier=Decimal(1), quote="USDT",
        tick_size=Decimal("0.1"), lot_size=Decimal("0.001"), min_size=None, min_notional_usd=Decimal(5),
        max_leverage=Decimal(50), funding_interval_hours=Decimal(8), status=InstrumentStatus.ACTIVE,
    )  # fmt: skip
    load_instruments(pg_conn, [btc], observed_at=t0)  # the view is driven by the instruments
    load_funding_rates(pg_conn, [*ancient, *settled, *predicted])
    row = pg_conn.execute(
        "SELECT venue, venue_symbol, predicted_rate_per_hour, settled_funding_time, settled_rate_per_hour "
        "FROM reporting.latest_funding"
    ).fetchone()
    assert row == ("aster", "BTCUSDT", Decimal("0.0001"), t0 + timedelta(hours=8), Decimal("0.000025"))


def test_keys_equal_only_in_postgres_still_keep_the_last(clean_db: str, pg_conn: psycopg.Connection) -> None:
    """Two spellings of one timestamp look distinct to Python but collide in PostgreSQL: last row wins."""
    cols = ("venue", "venue_symbol", "asset", "ts", "mark_price")
    rows = [
        ("lighter", "ETH", "ETH", "2024-01-01T00:00:00Z", "3000"),
        ("lighter", "ETH", "ETH", "2024-01-01 01:00:00+01", "3001"),
    ]
    n = bulk_upsert(pg_conn, "market.market_snapshots", cols, rows, ("venue", "venue_symbol", "ts"), copy_format="text")
    assert n == 1
    assert pg_conn.execute("SELECT mark_price FROM market.market_snapshots").fetchone() == (Decimal("3001"),)


def test_concurrent_writer_of_the_same_new_key(clean_db: str, pg_conn: psycopg.Connection, pg_url: str) -> None:
    """Another transaction inserts one of our new keys while we load: we wait, then update it (no error)."""
    import threading
    import time

    mine = _rate("BTCUSDT", T0, "0.0009")
    with psycopg.connect(pg_url) as other:
        load_funding_rates(other, [_rate("BTCUSDT", T0, "0.0001")], run_id="other")  # not committed yet
        result: dict = {}

        def load() -> None:
            try:
                result["count"] = load_funding_rates(pg_conn, [mine, _rate("ETHUSDT", T0, "0.0002")], run_id="me")
                pg_conn.commit()
            except Exception as exc:  # surfaced by the assertion below
                result["error"] = exc

        worker = threading.Thread(target=load)
        worker.start()
        deadline = time.monotonic() + 20
        with psycopg.connect(pg_url, autocommit=True) as watcher:
            while time.monotonic() < deadline:
                waiting = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                ).fetchone()[0]
                if waiting:
                    break
                time.sleep(0.05)
        other.commit()
        worker.join(30)
    assert "error" not in result, result
    assert result["count"] == 2
    with psycopg.connect(pg_url) as check:
        rows = dict(check.execute("SELECT venue_symbol, raw_rate FROM market.funding_rates").fetchall())
    assert rows == {"BTCUSDT": Decimal("0.0009"), "ETHUSDT": Decimal("0.0002")}


def test_chunked_load_matches_single_chunk_and_keeps_the_last_across_chunks(
    clean_db: str, pg_conn: psycopg.Connection
) -> None:
    from perpdex_lib.warehouse.load import FUNDING_COLUMNS, _funding_row

    keys = ("venue", "venue_symbol", "funding_time", "kind")
    rows = [_funding_row(r, "c") for r in _series(100)]
    rows.append(_funding_row(_rate("ETHUSDT", T0, "0.0042"), "c"))  # repeats row 0's key, in a later chunk
    n = bulk_upsert(pg_conn, "market.funding_rates", FUNDING_COLUMNS, iter(rows), keys, chunk_rows=7)
    assert n == 101  # 100 inserts + 1 update of the repeated key
    chunked = _checksum(pg_conn, "market.funding_rates")
    pg_conn.execute("TRUNCATE market.funding_rates")
    bulk_upsert(pg_conn, "market.funding_rates", FUNDING_COLUMNS, rows, keys, chunk_rows=1000)
    assert _checksum(pg_conn, "market.funding_rates") == chunked
    assert pg_conn.execute(
        "SELECT raw_rate FROM market.funding_rates WHERE venue_symbol = 'ETHUSDT' AND funding_time = %s", (T0,)
    ).fetchone() == (Decimal("0.0042"),)


def test_failing_row_source_loads_nothing_and_reraises(clean_db: str, pg_conn: psycopg.Connection) -> None:
    def rates() -> Iterator[FundingRate]:
        yield from _series(30)
        raise RuntimeError("venue went away mid-stream")

    with pytest.raises(RuntimeError, match="mid-stream"):
        from perpdex_lib.warehouse.load import FUNDING_COLUMNS, _funding_row

        bulk_upsert(pg_conn, "market.funding_rates", FUNDING_COLUMNS, (_funding_row(r, "x") for r in rates()),
                    ("venue", "venue_symbol", "funding_time", "kind"), chunk_rows=8)  # fmt: skip
    pg_conn.rollback()
    assert pg_conn.execute("SELECT count(*) FROM market.funding_rates").fetchone() == (0,)

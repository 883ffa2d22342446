"""The venue-neutral wire helpers every parser relies on (perpdex_lib/venues/common.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perpdex_lib.domain import FundingKind, FundingRate, OrderBookLevel, RateUnit, Venue
from perpdex_lib.venues import common
from perpdex_lib.venues.batch import Batch, Reject, map_rows
from perpdex_lib.venues.errors import VenueParseError

T = datetime(2025, 12, 3, 15, 12, 30, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "unit"),
    [(1764774750, "s"), (1764774750123, "ms"), (1764774750123456, "us"), (1764774750123456789, "ns")],
)
def test_each_unit_converts_exactly(value: int, unit: common.EpochUnit) -> None:
    expected = {"s": T.replace(microsecond=0), "ms": T.replace(microsecond=123000)}.get(unit, T)
    assert common.utc_from_epoch(value, unit) == expected  # ns: sub-microsecond digits truncated


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2999, 12, 31), timezones=st.just(UTC)))
def test_round_trip_is_exact_to_the_unit(t: datetime) -> None:
    assert common.utc_from_epoch(common.epoch_from_utc(t, "us"), "us") == t
    assert common.utc_from_epoch(common.epoch_from_utc(t, "ns"), "ns") == t
    to_ms = t.replace(microsecond=t.microsecond // 1000 * 1000)
    assert common.utc_from_epoch(common.epoch_from_utc(t, "ms"), "ms") == to_ms
    assert common.ms_from_utc(t) == common.epoch_from_utc(t, "ms")


@pytest.mark.parametrize("value", [-1, 32_503_680_000_000, 10**30])
def test_times_outside_1970_to_3000_are_errors(value: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        common.utc_from_epoch(value, "ms")
    with pytest.raises(VenueParseError) as info:
        common.body_time(value, "ms", "aster", "GET /x", "E")
    assert (info.value.field, info.value.venue) == ("E", "aster")


def test_iso_without_offset_is_utc_and_an_offset_is_honoured() -> None:
    assert common.iso_to_utc("2025-08-20T00:00:00") == datetime(2025, 8, 20, tzinfo=UTC)
    assert common.iso_to_utc("2025-08-20T02:00:00+02:00") == datetime(2025, 8, 20, tzinfo=UTC)
    assert common.iso_to_utc("2025-08-20T02:00:00+02:00").tzinfo == UTC
    assert common.next_full_hour(T) == datetime(2025, 12, 3, 16, tzinfo=UTC)
    assert common.next_full_hour(datetime(2025, 12, 3, 16, tzinfo=UTC)) == datetime(2025, 12, 3, 17, tzinfo=UTC)


def test_require_aware() -> None:
    common.require_aware(T, T + timedelta(hours=1))
    with pytest.raises(ValueError, match="timezone-aware"):
        common.require_aware(datetime(2026, 1, 1), T)
    common.require_aware(T, datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1))))


def test_book_side_sorts_best_first_cuts_depth_and_may_drop_empty_levels() -> None:
    raw = [(Decimal(100), Decimal(1)), (Decimal(102), Decimal(0)), (Decimal(101), Decimal(2))]
    assert common.book_side(raw, best_high=True) == (
        OrderBookLevel(Decimal(102), Decimal(0)), OrderBookLevel(Decimal(101), Decimal(2)),
        OrderBookLevel(Decimal(100), Decimal(1)),
    )
    best_ask = common.book_side(raw, best_high=False, depth=1, drop_empty=True)
    assert best_ask == (OrderBookLevel(Decimal(100), Decimal(1)),)
    assert [lv.price for lv in common.book_side(raw, best_high=True, drop_empty=True)] == [Decimal(101), Decimal(100)]


def test_small_value_helpers() -> None:
    assert common.leverage_from_margin_fraction(Decimal("0.02")) == Decimal(50)
    assert str(common.leverage_from_margin_fraction(Decimal("0.02"))) == "50"
    assert common.leverage_from_margin_fraction(Decimal("0.03")) == Decimal("33.33")
    assert common.leverage_from_margin_fraction(Decimal(0)) is None
    assert common.leverage_from_margin_fraction(None) is None
    assert common.notional_usd(Decimal(2), Decimal("1.5")) == Decimal(3)
    assert common.notional_usd(None, Decimal(1)) is None and common.notional_usd(Decimal(1), None) is None
    assert common.perp_base("BTC_USDT_Perp", "_", "Perp", "GRVT") == "BTC"
    with pytest.raises(ValueError, match="not a Paradex perpetual symbol"):
        common.perp_base("BTC-USD-OPTION", "-", "PERP", "Paradex")
    assert common.get_endpoint("/x") == "GET /x" and common.post_endpoint("/x") == "POST /x"
    assert common.asset_of("1000PEPE", "1000PEPEUSDT") == ("PEPE", Decimal(1000))
    with pytest.raises(ValueError, match="EMPTYUSDT"):
        common.asset_of(" ", "EMPTYUSDT")


def test_unknown_interval_rejects_are_labelled() -> None:
    def convert(row: str) -> str:
        if row == "interval":
            raise common.UnknownIntervalError(f"{common.INTERVAL_MARK} for X")
        if row == "bad":
            raise ValueError("bad row")
        return row

    batch = common.label_unknown_intervals(map_rows(["ok", "interval", "bad"], convert, "aster", "GET /x", str))
    assert batch.items == ["ok"]
    assert [r.reason_code for r in batch.rejects] == ["unknown_interval", "parse_error"]


def _rate(hour: int) -> FundingRate:
    t = datetime(2026, 1, 1, hour, tzinfo=UTC)
    return FundingRate(Venue.LIGHTER, "ETH", "ETH", FundingKind.SETTLED, t, Decimal("0.0001"),
                       RateUnit.FRACTION_PER_HOUR, Decimal(1), t, t)


def test_pages_are_windowed_and_de_duplicated() -> None:
    out: Batch[FundingRate] = Batch()
    seen: set[datetime] = set()
    start, end = datetime(2026, 1, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 4, tzinfo=UTC)
    reject = Reject("lighter", "GET /x", "parse_error", "bad", {})
    common.add_page_in_window(out, Batch([_rate(0), _rate(1), _rate(2)], [reject]), start, end, seen)
    common.add_page_in_window(out, Batch([_rate(2), _rate(3), _rate(4)]), start, end, seen)
    assert [r.funding_time.hour for r in out.items] == [1, 2, 3]
    assert out.rejects == [reject]

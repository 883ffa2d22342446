"""Backpack parsers on the recorded sample bodies and on crafted rows (interval switch, bad rows, units)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from perpdex_lib.domain import FundingKind, InstrumentStatus, RateUnit
from perpdex_lib.venues.backpack import parse
from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.wire import decode_json

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples" / "backpack"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared exchange_samples not present")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def load(name: str):
    return decode_json((SAMPLES / f"{name}.json").read_text())


@pytest.fixture
def instruments():
    batch = parse.parse_markets(load("markets"))
    return {i.venue_symbol: i for i in batch.items}


def _market_row(**changes):
    row = copy.deepcopy(load("market"))
    row.update(changes)
    return row


# ---- instruments -----------------------------------------------------------------------------------
def test_markets_keep_perps_only_with_rules_and_interval():
    batch = parse.parse_markets(load("markets"))
    assert batch.rejects == []
    symbols = [i.venue_symbol for i in batch.items]
    assert symbols == ["BTC_USDC_PERP", "ETH_USDC_PERP", "SOL_USDC_PERP", "DOGE_USDC_PERP"]
    btc = batch.items[0]
    assert (btc.asset, btc.multiplier, btc.quote) == ("BTC", D(1), "USDC")
    assert (btc.tick_size, btc.lot_size, btc.min_size) == (D("0.1"), D("0.00001"), D("0.00001"))
    assert btc.funding_interval_hours == D(1)  # fundingInterval 3600000 ms
    assert btc.max_leverage == D(50)  # 1 / imf base 0.02
    assert btc.status is InstrumentStatus.ACTIVE
    assert btc.min_notional_usd is None
    doge = batch.items[3]
    assert doge.max_leverage == D(20)  # imf base 0.05


def test_k_prefixed_market_is_a_thousand_units_of_the_asset():
    row = _market_row(symbol="kPEPE_USDC_PERP", baseSymbol="kPEPE")
    [inst] = parse.parse_markets([row]).items
    assert (inst.venue_symbol, inst.asset, inst.multiplier) == ("kPEPE_USDC_PERP", "PEPE", D(1000))


def test_interval_comes_from_milliseconds():
    [inst] = parse.parse_markets([_market_row(fundingInterval=28_800_000)]).items
    assert inst.funding_interval_hours == D(8)


@pytest.mark.parametrize("interval", [None, 0, -3_600_000])
def test_missing_or_bad_interval_is_quarantined_not_assumed(interval):
    good = _market_row(symbol="ETH_USDC_PERP")
    batch = parse.parse_markets([_market_row(fundingInterval=interval), good])
    assert [i.venue_symbol for i in batch.items] == ["ETH_USDC_PERP"]
    [reject] = batch.rejects
    assert reject.reason_code == "unknown_interval"
    assert reject.payload["symbol"] == "BTC_USDC_PERP"


def test_unknown_book_state_is_a_reject():
    batch = parse.parse_markets([_market_row(orderBookState="Sleeping")])
    assert batch.items == [] and batch.rejects[0].reason_code == "parse_error"
    assert "orderBookState" in batch.rejects[0].detail


def test_cancel_only_market_is_halted():
    [inst] = parse.parse_markets([_market_row(orderBookState="CancelOnly")]).items
    assert inst.status is InstrumentStatus.HALTED


def test_markets_body_must_be_a_list():
    with pytest.raises(VenueParseError):
        parse.parse_markets({"code": "INVALID_CLIENT_REQUEST"})


# ---- predicted funding -----------------------------------------------------------------------------
def test_mark_prices_give_predicted_funding_for_the_next_settlement(instruments):
    batch = parse.parse_mark_prices(load("mark_prices"), instruments, NOW)
    assert batch.rejects == []
    assert len(batch.items) == 4  # the SOL_USDC spot row is skipped
    btc = batch.items[0]
    assert btc.kind is FundingKind.PREDICTED
    assert btc.raw_rate == D("0.0000125") and btc.raw_unit is RateUnit.FRACTION_PER_INTERVAL
    assert btc.interval_hours == D(1)
    assert btc.rate_per_hour == D("0.0000125")
    assert btc.funding_time == datetime(2025, 9, 1, 13, 0, tzinfo=UTC)  # nextFundingTimestamp 1756731600000
    assert btc.observed_at == NOW and btc.venue_ts is None
    sol = batch.items[2]
    assert sol.rate_per_hour == D("-0.0000087")


def test_predicted_rate_uses_the_market_interval(instruments):
    eight_h = dict(instruments)
    eight_h["BTC_USDC_PERP"] = parse.parse_markets([_market_row(fundingInterval=28_800_000)]).items[0]
    btc = parse.parse_mark_prices(load("mark_prices"), eight_h, NOW).items[0]
    assert btc.rate_per_hour == D("0.0000125") / 8


def test_perp_missing_from_markets_is_unknown_interval(instruments):
    del instruments["ETH_USDC_PERP"]
    batch = parse.parse_mark_prices(load("mark_prices"), instruments, NOW)
    assert len(batch.items) == 3
    [reject] = batch.rejects
    assert reject.reason_code == "unknown_interval" and reject.payload["symbol"] == "ETH_USDC_PERP"


def test_perp_row_without_funding_rate_is_rejected(instruments):
    body = load("mark_prices")
    del body[1]["fundingRate"]
    batch = parse.parse_mark_prices(body, instruments, NOW)
    assert len(batch.items) == 3 and batch.rejects[0].reason_code == "parse_error"


# ---- settled history -------------------------------------------------------------------------------
def test_history_sample_naive_iso_is_utc(instruments):
    batch = parse.parse_funding_history(load("funding_rates_history"), instruments["BTC_USDC_PERP"], NOW)
    assert batch.rejects == []
    times = [r.funding_time for r in batch.items]
    assert times == [datetime(2025, 9, 1, h, tzinfo=UTC) for h in (12, 11, 10)]
    assert [r.rate_per_hour for r in batch.items] == [D("0.0000125"), D("0.0000118"), D("-0.0000031")]
    assert all(r.kind is FundingKind.SETTLED and r.interval_hours == D(1) for r in batch.items)


def test_rows_before_the_2025_08_20_switch_settled_every_8_hours(instruments):
    btc = instruments["BTC_USDC_PERP"]
    body = [
        {"symbol": "BTC_USDC_PERP", "intervalEndTimestamp": "2025-08-20T01:00:00", "fundingRate": "0.0000125"},
        {"symbol": "BTC_USDC_PERP", "intervalEndTimestamp": "2025-08-20T00:00:00", "fundingRate": "0.0001"},
        {"symbol": "BTC_USDC_PERP", "intervalEndTimestamp": "2025-08-19T16:00:00", "fundingRate": "0.0002"},
    ]
    rows = parse.parse_funding_history(body, btc, NOW).items
    assert [r.interval_hours for r in rows] == [D(1), D(8), D(8)]
    assert [r.rate_per_hour for r in rows] == [D("0.0000125"), D("0.0000125"), D("0.000025")]


def test_history_timestamp_with_offset_or_fraction(instruments):
    btc = instruments["BTC_USDC_PERP"]
    body = [
        {"symbol": "BTC_USDC_PERP", "intervalEndTimestamp": "2025-09-01T12:00:00+02:00", "fundingRate": "0.00001"},
        {"symbol": "BTC_USDC_PERP", "intervalEndTimestamp": "2025-09-01T09:00:00.250", "fundingRate": "0.00001"},
    ]
    times = [r.funding_time for r in parse.parse_funding_history(body, btc, NOW).items]
    assert times == [datetime(2025, 9, 1, 10, tzinfo=UTC), datetime(2025, 9, 1, 9, 0, 0, 250000, tzinfo=UTC)]


def test_a_bad_history_row_is_rejected_and_the_rest_load(instruments):
    body = load("funding_rates_history")
    body[1]["fundingRate"] = D("0.0000118")  # a JSON number where Backpack sends a string
    body.append({"symbol": "BTC_USDC_PERP", "intervalEndTimestamp": "yesterday", "fundingRate": "0.1"})
    batch = parse.parse_funding_history(body, instruments["BTC_USDC_PERP"], NOW)
    assert len(batch.items) == 2
    assert [r.reason_code for r in batch.rejects] == ["parse_error", "parse_error"]
    assert "fundingRate" in batch.rejects[0].detail


def test_history_of_another_symbol_is_rejected(instruments):
    batch = parse.parse_funding_history(load("funding_rates_history"), instruments["ETH_USDC_PERP"], NOW)
    assert batch.items == [] and len(batch.rejects) == 3


# ---- snapshots and book ----------------------------------------------------------------------------
def test_snapshots_join_mark_oi_and_volume(instruments):
    batch = parse.parse_snapshots(load("mark_prices"), load("open_interest"), load("tickers"), instruments, NOW)
    assert batch.rejects == []
    assert len(batch.items) == 4
    btc = batch.items[0]
    assert btc.mark_price == D("118343.51853741") and btc.index_price == D("118333.18643195")
    assert btc.open_interest_base == D("1273.85214")
    assert btc.open_interest_usd == D("1273.85214") * D("118343.51853741")
    assert btc.volume_24h_usd == D("226512331.1122")
    assert btc.ts == datetime(2025, 7, 21, 13, 48, 55, 301000, tzinfo=UTC)
    assert btc.next_funding_time == datetime(2025, 9, 1, 13, tzinfo=UTC)


def test_snapshot_without_oi_row_has_no_oi(instruments):
    oi = [r for r in load("open_interest") if r["symbol"] != "ETH_USDC_PERP"]
    eth = parse.parse_snapshots(load("mark_prices"), oi, load("tickers"), instruments, NOW).items[1]
    assert eth.open_interest_base is None and eth.open_interest_usd is None and eth.ts == NOW


def test_depth_is_sorted_and_microsecond_exact():
    book = parse.parse_depth(load("depth"), "BTC_USDC_PERP", 20)
    assert book.ts == datetime(2025, 7, 21, 18, 51, 56, 819123, tzinfo=UTC)
    assert [lv.price for lv in book.bids] == [D("118343.0"), D("118342.2"), D("118341.0")]
    assert [lv.price for lv in book.asks] == [D("118344.0"), D("118344.5"), D("118345.1")]
    assert book.best_bid < book.best_ask


def test_depth_in_worst_first_order_is_resorted_and_truncated():
    body = load("depth")
    body["bids"].reverse()
    body["asks"].reverse()
    book = parse.parse_depth(body, "BTC_USDC_PERP", 2)
    assert [lv.price for lv in book.bids] == [D("118343.0"), D("118342.2")]
    assert [lv.price for lv in book.asks] == [D("118344.0"), D("118344.5")]


def test_depth_with_a_bad_level_fails_whole():
    body = load("depth")
    body["asks"][0] = ["118344.0"]
    with pytest.raises(VenueParseError):
        parse.parse_depth(body, "BTC_USDC_PERP", 20)

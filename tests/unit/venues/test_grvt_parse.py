"""GRVT parsers against the recorded sample bodies: concrete normalised values, units, rejects."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perpdex_lib.domain import FundingKind, RateUnit
from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from perpdex_lib.venues.grvt import parse
from tests.venues_support import load_sample

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples" / "grvt"
OBSERVED = datetime(2025, 12, 3, 15, 12, tzinfo=UTC)


def sample(name: str) -> Any:
    return load_sample("grvt", name)


@pytest.fixture
def instruments() -> dict[str, Any]:
    batch = parse.instruments_from_body(sample("all_instruments"))
    assert batch.rejects == []
    return {i.venue_symbol: i for i in batch.items}


def test_instruments_normalised(instruments):
    assert set(instruments) == {"BTC_USDT_Perp", "ETH_USDT_Perp", "SOL_USDT_Perp", "DOGE_USDT_Perp"}
    btc = instruments["BTC_USDT_Perp"]
    assert (btc.asset, btc.multiplier, btc.quote) == ("BTC", Decimal(1), "USDT")
    assert (btc.tick_size, btc.lot_size, btc.min_size) == (Decimal("0.1"), Decimal("0.001"), Decimal("0.001"))
    assert btc.min_notional_usd == Decimal(100)
    assert btc.funding_interval_hours == Decimal(8)
    assert btc.venue_market_id == "0x030501"
    assert btc.continuous_funding is False
    assert instruments["DOGE_USDT_Perp"].funding_interval_hours == Decimal(4)


def test_single_instrument_body_has_the_same_shape():
    row = parse.object_result(sample("instrument"), "/full/v1/instrument")
    inst = parse.parse_instrument(row)
    assert inst is not None and inst.venue_symbol == "BTC_USDT_Perp"


def test_non_perpetuals_are_skipped_not_rejected():
    body = sample("all_instruments")
    future = copy.deepcopy(body["result"][0])
    future.update(instrument="BTC_USDT_Fut_20Oct23", kind="FUTURE", settlement_period="DAILY")
    future.pop("funding_interval_hours")
    body["result"].append(future)
    batch = parse.instruments_from_body(body)
    assert len(batch.items) == 4 and batch.rejects == []


def test_bad_row_is_rejected_while_the_others_parse():
    body = sample("all_instruments")
    body["result"][1]["tick_size"] = Decimal("0.01")  # a JSON number where GRVT sends a string
    batch = parse.instruments_from_body(body)
    assert [i.venue_symbol for i in batch.items] == ["BTC_USDT_Perp", "SOL_USDT_Perp", "DOGE_USDT_Perp"]
    [reject] = batch.rejects
    assert reject.reason_code == "parse_error"
    assert "tick_size" in reject.detail
    assert reject.payload["instrument"] == "ETH_USDT_Perp"


@pytest.mark.parametrize("interval", [None, 0, -8])
def test_unknown_interval_is_a_reject_never_8h(interval):
    body = sample("all_instruments")
    if interval is None:
        del body["result"][0]["funding_interval_hours"]
    else:
        body["result"][0]["funding_interval_hours"] = interval
    batch = parse.instruments_from_body(body)
    assert len(batch.items) == 3
    assert [r.reason_code for r in batch.rejects] == ["unknown_unit"]


def test_envelope_problems_raise():
    with pytest.raises(VenueParseError):
        parse.instruments_from_body({"results": []})
    with pytest.raises(VenueParseError):
        parse.instruments_from_body({"result": {"not": "a list"}})
    with pytest.raises(VenueHttpError, match="1004"):
        parse.instruments_from_body({"code": 1004, "message": "Data Not Found", "status": 404})


def test_ticker_gives_predicted_funding_in_percent_per_interval(instruments):
    btc = instruments["BTC_USDT_Perp"]
    rate = parse.funding_from_ticker(btc, sample("ticker"), OBSERVED)
    assert rate.kind is FundingKind.PREDICTED
    assert (rate.raw_rate, rate.raw_unit, rate.interval_hours) == (
        Decimal("0.0037"), RateUnit.PERCENT_PER_INTERVAL, Decimal(8)
    )
    assert rate.rate_per_hour == Decimal("0.0037") / 100 / 8 == Decimal("0.000004625")
    assert rate.funding_time == datetime(2025, 12, 3, 16, 0, tzinfo=UTC)  # next_funding_time 1764777600 s
    assert rate.venue_ts == datetime(2025, 12, 3, 15, 12, 10, 25055, tzinfo=UTC)  # ns truncated to µs
    assert rate.observed_at == OBSERVED


def test_tickers_per_instrument_use_each_instrument_interval(instruments):
    replies = [(instruments[sym], {"result": body}) for sym, body in sample("ticker_results_by_instrument").items()]
    batch = parse.funding_from_tickers(replies, OBSERVED)
    assert batch.rejects == []
    by_symbol = {r.venue_symbol: r for r in batch.items}
    assert by_symbol["DOGE_USDT_Perp"].rate_per_hour == Decimal("0.000025")  # 0.0100 % per 4 h
    assert by_symbol["SOL_USDT_Perp"].rate_per_hour == Decimal("-0.0021") / 100 / 8
    assert {r.asset for r in batch.items} == {"BTC", "ETH", "SOL", "DOGE"}


def test_ticker_error_body_is_a_reject_for_that_instrument(instruments):
    error = {"code": 1006, "message": "surpassed the allocated rate limit", "status": 429}
    batch = parse.funding_from_tickers([(instruments["BTC_USDT_Perp"], error)], OBSERVED)
    assert batch.items == [] and "1006" in batch.rejects[0].detail


def test_ticker_without_funding_rate_falls_back_to_the_8h_field(instruments):
    body = sample("ticker")
    del body["result"]["funding_rate"]
    rate = parse.funding_from_ticker(instruments["BTC_USDT_Perp"], body, OBSERVED)
    assert rate.raw_unit is RateUnit.PERCENT_PER_8H
    assert rate.rate_per_hour == Decimal("0.000004625")


def test_ticker_for_another_instrument_is_a_reject(instruments):
    batch = parse.funding_from_tickers([(instruments["ETH_USDT_Perp"], sample("ticker"))], OBSERVED)
    assert batch.items == []
    assert batch.rejects[0].reason_code == "parse_error" and "result.instrument" in batch.rejects[0].detail


def test_ticker_snapshot_one_sided_oi_in_base_and_usd(instruments):
    snap = parse.snapshot_from_ticker(instruments["BTC_USDT_Perp"], sample("ticker"))
    assert snap.mark_price == Decimal("92697.300078773")
    assert snap.index_price == Decimal("92727.818122278")
    assert snap.open_interest_base == Decimal("1523.218935908")
    assert snap.open_interest_usd == Decimal("1523.218935908") * Decimal("92697.300078773")
    assert snap.volume_24h_usd == Decimal("266955739.1606") + Decimal("268170211.7109")
    assert (snap.best_bid, snap.best_ask) == (Decimal("92682.9"), Decimal("92683.0"))
    assert snap.ts == datetime(2025, 12, 3, 15, 12, 10, 25055, tzinfo=UTC)
    assert snap.next_funding_time == datetime(2025, 12, 3, 16, 0, tzinfo=UTC)


def test_funding_history_rows_use_their_own_interval(instruments):
    btc = instruments["BTC_USDT_Perp"]
    body = sample("funding")
    body["result"][2]["funding_interval_hours"] = 4  # the interval in force back then
    batch, cursor = parse.funding_history_from_body(body, btc, OBSERVED)
    assert batch.rejects == []
    assert cursor == "eyJmdW5kaW5nVGltZSI6MTc2MDQ5NDI2MDAwMDAwMDAwMH0"
    first, second, third = batch.items
    assert all(r.kind is FundingKind.SETTLED for r in batch.items)
    assert first.funding_time == datetime(2025, 12, 3, 8, 0, tzinfo=UTC)
    assert first.rate_per_hour == Decimal("0.0037") / 100 / 8
    assert second.rate_per_hour == Decimal("-0.0034") / 100 / 8
    assert third.interval_hours == Decimal(4) and third.rate_per_hour == Decimal("0.0100") / 100 / 4


def test_funding_history_row_without_interval_is_rejected(instruments):
    body = sample("funding")
    del body["result"][0]["funding_interval_hours"]
    batch, _ = parse.funding_history_from_body(body, instruments["BTC_USDT_Perp"], OBSERVED)
    assert len(batch.items) == 2
    assert [r.reason_code for r in batch.rejects] == ["unknown_unit"]


def test_empty_history_page_ends_pagination(instruments):
    body = {"result": [], "next": "abc"}
    batch, cursor = parse.funding_history_from_body(body, instruments["BTC_USDT_Perp"], OBSERVED)
    assert batch.items == [] and cursor is None


def test_book_sorted_and_truncated(instruments):
    book = parse.book_from_body(sample("book"), instruments["BTC_USDT_Perp"], depth=2)
    assert [lv.price for lv in book.bids] == [Decimal("92336.0"), Decimal("92335.9")]
    assert [lv.price for lv in book.asks] == [Decimal("92336.1"), Decimal("92336.5")]
    assert book.bids[1].size == Decimal("1.204")
    assert book.ts == datetime.fromtimestamp(1764777396.65, UTC)


def test_book_with_bad_time_raises_parse_error(instruments):
    body = sample("book")
    body["result"]["event_time"] = str(10**30)
    with pytest.raises(VenueParseError, match="event_time"):
        parse.book_from_body(body, instruments["BTC_USDT_Perp"], depth=10)


@pytest.mark.parametrize(("asked", "sent"), [(1, 10), (10, 10), (20, 50), (100, 100), (101, 500), (900, 500)])
def test_book_depth_rounds_up_to_an_allowed_value(asked, sent):
    assert parse.book_depth_for(asked) == sent


def test_nanosecond_round_trip_is_exact():
    t = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert parse.ns_to_utc(parse.utc_to_ns(t)) == t
    with pytest.raises(ValueError):
        parse.ns_to_utc(-1)


def test_symbol_base():
    assert parse.base_of("BTC_USDT_Perp") == "BTC"
    with pytest.raises(ValueError):
        parse.base_of("BTC-USD-PERP")

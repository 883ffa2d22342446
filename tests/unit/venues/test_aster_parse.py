"""Aster parsers on the recorded sample bodies, real pasted responses and crafted rows."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from perpdex_lib.domain import FundingKind, InstrumentStatus, RateUnit
from perpdex_lib.venues.aster import parse
from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from perpdex_lib.venues.wire import decode_json

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
SAMPLES = SHARED / "exchange_samples" / "aster"
REAL = SHARED / "real_data" / "doc_samples_taolifunding"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared exchange_samples not present")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def load(name: str):
    return decode_json((SAMPLES / f"{name}.json").read_text())


def intervals() -> dict[str, D]:
    return dict(parse.parse_funding_info(load("funding_info")).items)


@pytest.fixture
def instruments():
    return {i.venue_symbol: i for i in parse.parse_exchange_info(load("exchange_info"), intervals()).items}


def info_with(**changes) -> dict:
    """exchangeInfo with one symbol: BTCUSDT's entry with ``changes`` applied."""
    body = load("exchange_info")
    row = copy.deepcopy(body["symbols"][0])
    row.update(changes)
    body["symbols"] = [row]
    return body


# ---- instruments -----------------------------------------------------------------------------------
def test_funding_info_gives_the_interval_per_symbol():
    batch = parse.parse_funding_info(load("funding_info"))
    assert batch.rejects == []
    assert dict(batch.items) == {"BTCUSDT": D(8), "ETHUSDT": D(8), "SOLUSDT": D(8), "ASTERUSDT": D(4)}


def test_zero_interval_is_quarantined():
    body = load("funding_info")
    body[0]["fundingIntervalHours"] = 0
    batch = parse.parse_funding_info(body)
    assert len(batch.items) == 3 and batch.rejects[0].reason_code == "unknown_interval"


def test_exchange_info_rules_and_intervals(instruments):
    assert list(instruments) == ["BTCUSDT", "ETHUSDT", "SOLUSDT", "ASTERUSDT"]
    btc = instruments["BTCUSDT"]
    assert (btc.asset, btc.multiplier, btc.quote) == ("BTC", D(1), "USDT")
    assert (btc.tick_size, btc.lot_size, btc.min_size) == (D("0.1"), D("0.001"), D("0.001"))
    assert btc.min_notional_usd == D(5)
    assert btc.max_leverage == D(20)  # requiredMarginPercent 5 %
    assert btc.funding_interval_hours == D(8)
    assert btc.status is InstrumentStatus.ACTIVE
    assert instruments["ASTERUSDT"].funding_interval_hours == D(4)


def test_symbol_without_funding_info_is_unknown_interval_not_8h():
    iv = intervals()
    del iv["ETHUSDT"]
    batch = parse.parse_exchange_info(load("exchange_info"), iv)
    assert [i.venue_symbol for i in batch.items] == ["BTCUSDT", "SOLUSDT", "ASTERUSDT"]
    [reject] = batch.rejects
    assert reject.reason_code == "unknown_interval" and reject.payload["symbol"] == "ETHUSDT"


def test_thousand_prefixed_symbol():
    body = info_with(symbol="1000PEPEUSDT", pair="1000PEPEUSDT", baseAsset="1000PEPE")
    [inst] = parse.parse_exchange_info(body, {"1000PEPEUSDT": D(4)}).items
    assert (inst.venue_symbol, inst.asset, inst.multiplier) == ("1000PEPEUSDT", "PEPE", D(1000))


def test_delivery_contracts_are_skipped():
    batch = parse.parse_exchange_info(info_with(contractType="CURRENT_QUARTER"), intervals())
    assert batch.items == [] and batch.rejects == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"status": "SLEEPING"}, "status"), ({"filters": []}, "filters"), ({"baseAsset": 7}, "baseAsset")],
)
def test_bad_symbol_rows_are_rejected(changes, field):
    batch = parse.parse_exchange_info(info_with(**changes), intervals())
    assert batch.items == []
    assert batch.rejects[0].reason_code == "parse_error" and field in batch.rejects[0].detail


def test_closed_symbol_is_delisted():
    [inst] = parse.parse_exchange_info(info_with(status="CLOSE"), intervals()).items
    assert inst.status is InstrumentStatus.DELISTED


def test_error_body_with_200_is_an_http_error():
    with pytest.raises(VenueHttpError, match="-1121"):
        parse.parse_exchange_info({"code": -1121, "msg": "Invalid symbol."}, {})
    with pytest.raises(VenueHttpError):
        parse.parse_premium_index({"code": -1003, "msg": "Too many requests."}, {}, NOW)


def test_exchange_info_envelope_must_have_symbols():
    with pytest.raises(VenueParseError, match="symbols"):
        parse.parse_exchange_info({"serverTime": 1}, {})


# ---- funding -----------------------------------------------------------------------------------------
def test_premium_index_is_predicted_funding_per_symbol_interval(instruments):
    batch = parse.parse_premium_index(load("premium_index_all"), instruments, NOW)
    assert batch.rejects == []
    by = {r.venue_symbol: r for r in batch.items}
    btc, aster = by["BTCUSDT"], by["ASTERUSDT"]
    assert btc.kind is FundingKind.PREDICTED and btc.raw_unit is RateUnit.FRACTION_PER_INTERVAL
    assert (btc.raw_rate, btc.interval_hours, btc.rate_per_hour) == (D("0.00010000"), D(8), D("0.0000125"))
    assert (aster.raw_rate, aster.interval_hours, aster.rate_per_hour) == (D("0.00005000"), D(4), D("0.0000125"))
    assert btc.funding_time == datetime(2025, 12, 3, 16, tzinfo=UTC)  # nextFundingTime 1764777600000
    assert aster.funding_time == datetime(2025, 12, 3, 19, tzinfo=UTC)
    assert btc.venue_ts == datetime(2025, 12, 3, 15, 12, 10, tzinfo=UTC)
    assert by["ETHUSDT"].rate_per_hour == D("0.00006215") / 8


def test_premium_index_for_one_symbol_is_an_object(instruments):
    [row] = parse.parse_premium_index(load("premium_index"), instruments, NOW).items
    assert row.venue_symbol == "BTCUSDT" and row.rate_per_hour == D("0.0000125")


def test_premium_row_of_unknown_symbol_is_unknown_interval(instruments):
    del instruments["SOLUSDT"]
    batch = parse.parse_premium_index(load("premium_index_all"), instruments, NOW)
    assert len(batch.items) == 3
    assert batch.rejects[0].reason_code == "unknown_interval"


def test_history_rows_ascending_in_ms(instruments):
    batch = parse.parse_funding_history(load("funding_rate_history"), instruments["BTCUSDT"], NOW)
    assert batch.rejects == []
    assert [r.funding_time for r in batch.items] == [datetime(2025, 12, 3, h, tzinfo=UTC) for h in (0, 8, 16)]
    assert [r.rate_per_hour for r in batch.items] == [D("0.0000125"), D("0.00008213") / 8, D("0.0000125")]
    assert all(r.kind is FundingKind.SETTLED for r in batch.items)


def test_bad_history_row_is_rejected_others_load(instruments):
    body = load("funding_rate_history")
    body[0]["fundingTime"] = "1764720000000"  # a string where Aster sends an integer
    body[2]["fundingRate"] = "0x10"
    batch = parse.parse_funding_history(body, instruments["BTCUSDT"], NOW)
    assert [r.funding_time.hour for r in batch.items] == [8]
    assert [r.reason_code for r in batch.rejects] == ["parse_error", "parse_error"]
    assert batch.rejects[0].payload["fundingTime"] == "1764720000000"


def _ms(iso: str) -> int:
    return round(datetime.fromisoformat(iso).timestamp() * 1000)


def _history(*stamps: str) -> list[dict]:
    return [
        {"symbol": "BTCUSDT", "fundingRate": "0.00008000", "fundingTime": _ms(t)}
        for t in stamps
    ]


def test_history_rows_take_the_interval_in_force_when_they_settled(instruments):
    """BTCUSDT moved from 8 h to 4 h settlements: each row's interval is its gap to the previous one."""
    btc4 = dataclasses.replace(instruments["BTCUSDT"], funding_interval_hours=D(4))  # current, from fundingInfo
    body = _history(
        "2025-12-01T00:00:00+00:00", "2025-12-01T08:00:00+00:00", "2025-12-01T16:00:00+00:00",
        "2025-12-01T20:00:00+00:00", "2025-12-02T00:00:00.007+00:00",
    )
    rows = parse.parse_funding_history(body, btc4, NOW).items
    assert [r.interval_hours for r in rows] == [D(4), D(8), D(8), D(4), D(4)]  # the first has no predecessor
    assert [r.rate_per_hour for r in rows] == [D("0.00002"), D("0.00001"), D("0.00001"), D("0.00002"), D("0.00002")]
    first = parse.parse_funding_history(body, btc4, NOW, previous_time=datetime(2025, 11, 30, 16, tzinfo=UTC))
    assert first.items[0].interval_hours == D(8)


def test_history_gap_from_a_missing_row_falls_back_to_the_current_interval(instruments):
    body = _history("2025-12-01T00:00:00+00:00", "2025-12-02T00:00:00+00:00", "2025-12-02T08:00:00+00:00")
    rows = parse.parse_funding_history(list(reversed(body)), instruments["BTCUSDT"], NOW).items
    assert [r.funding_time.day for r in rows] == [1, 2, 2]  # sorted ascending whatever the order on the wire
    assert [r.interval_hours for r in rows] == [D(8), D(8), D(8)]  # a 24 h gap is no interval


# ---- snapshots and book ----------------------------------------------------------------------------
def test_snapshots_one_sided_oi_in_base_and_usd(instruments):
    oi = {"BTCUSDT": parse.parse_open_interest(load("open_interest"), "BTCUSDT")}
    batch = parse.parse_snapshots(load("premium_index_all"), load("ticker_24hr_all"), oi, instruments, NOW)
    assert batch.rejects == []
    btc = batch.items[0]
    assert btc.open_interest_base == D("10659.509")
    assert btc.open_interest_usd == D("10659.509") * D("92697.30000000")
    assert btc.volume_24h_usd == D("1940122331.22")
    assert btc.ts == datetime(2025, 12, 3, 15, 12, 10, tzinfo=UTC)
    assert btc.next_funding_time == datetime(2025, 12, 3, 16, tzinfo=UTC)
    assert batch.items[1].open_interest_base is None  # no OI answer for ETH


def test_open_interest_of_another_symbol_fails():
    with pytest.raises(VenueParseError, match="symbol"):
        parse.parse_open_interest(load("open_interest"), "ETHUSDT")


def test_depth_sorted_with_ms_time():
    book = parse.parse_depth(load("depth"), "BTCUSDT", 2)
    assert book.ts == datetime(2025, 12, 3, 15, 12, 10, 12000, tzinfo=UTC)
    assert [lv.price for lv in book.bids] == [D("92682.9"), D("92682.5")]
    assert [lv.price for lv in book.asks] == [D("92683.0"), D("92683.4")]


def test_depth_level_with_number_fails_whole():
    body = load("depth")
    body["bids"][0][0] = D("92682.9")
    with pytest.raises(VenueParseError):
        parse.parse_depth(body, "BTCUSDT", 20)


# ---- real pasted responses (third-party docs, 2025-09-25) --------------------------------------------
@pytest.mark.skipif(not REAL.is_dir(), reason="shared real_data not present")
def test_real_premium_index_and_funding_info():
    info = decode_json((REAL / "aster_fapi_v1_fundingInfo_sample.json").read_text())
    premium = decode_json((REAL / "aster_fapi_v1_premiumIndex_sample.json").read_text())
    iv = parse.parse_funding_info(info)
    assert iv.rejects == [] and dict(iv.items) == {"GNSUSD": D(8), "EGL1USD": D(8), "INJUSDT": D(8)}
    symbols = {"GNSUSD": ("GNS", "USD"), "EGL1USD": ("EGL1", "USD"), "INJUSDT": ("INJ", "USDT")}
    body = load("exchange_info")
    template = body["symbols"][0]
    body["symbols"] = [
        {**copy.deepcopy(template), "symbol": s, "pair": s, "baseAsset": b, "quoteAsset": q}
        for s, (b, q) in symbols.items()
    ]
    instruments = {i.venue_symbol: i for i in parse.parse_exchange_info(body, dict(iv.items)).items}
    batch = parse.parse_premium_index(premium, instruments, NOW)
    assert batch.rejects == []
    by = {r.venue_symbol: r for r in batch.items}
    assert by["INJUSDT"].rate_per_hour == D("0.0000125")
    assert by["GNSUSD"].rate_per_hour == 0 and by["GNSUSD"].asset == "GNS"
    assert by["INJUSDT"].funding_time == datetime(2025, 9, 25, 8, tzinfo=UTC)
    assert by["INJUSDT"].venue_ts == datetime(2025, 9, 25, 1, 38, 55, tzinfo=UTC)

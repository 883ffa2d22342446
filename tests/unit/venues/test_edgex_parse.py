"""EdgeX parsers against the shared wire samples and a real recorded payload: concrete normalised values."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perpdex_lib.domain import FundingKind, InstrumentStatus, RateUnit, Venue
from perpdex_lib.sim.venues import edgex as sim_edgex
from perpdex_lib.venues.edgex import parse
from perpdex_lib.venues.edgex import schemas as s
from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from tests.venues_support import load_json

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
SAMPLES = SHARED / "exchange_samples" / "edgex"
REAL = SHARED / "real_data"
OBSERVED = datetime(2024, 12, 19, 8, 38, 28, tzinfo=UTC)


def load(name: str, folder: Path = SAMPLES) -> Any:
    return load_json(folder / name)


def contracts() -> dict[str, parse.ContractInfo]:
    return parse.contracts_body(load("meta_data.json"))


def test_instruments_from_metadata():
    batch = parse.instruments_body(load("meta_data.json"))
    assert batch.rejects == []
    by_symbol = {i.venue_symbol: i for i in batch.items}
    assert set(by_symbol) == {"BTCUSD", "ETHUSD", "SOLUSD", "DOGEUSD"}
    btc = by_symbol["BTCUSD"]
    assert (btc.venue, btc.asset, btc.multiplier, btc.quote) == (Venue.EDGEX, "BTC", Decimal(1), "USD")
    assert btc.venue_market_id == "10000001"
    assert (btc.tick_size, btc.lot_size, btc.min_size) == (Decimal("0.1"), Decimal("0.001"), Decimal("0.001"))
    assert btc.max_leverage == Decimal(100) and btc.min_notional_usd is None
    assert btc.funding_interval_hours == Decimal(4)  # fundingRateIntervalMin "240"
    assert btc.status is InstrumentStatus.ACTIVE
    assert by_symbol["SOLUSD"].max_leverage == Decimal(50)
    assert by_symbol["DOGEUSD"].lot_size == Decimal(10)


def test_status_and_interval_follow_each_contract():
    body = load("meta_data.json")
    rows = body["data"]["contractList"]
    rows[0]["enableOpenPosition"] = False
    rows[1]["enableTrade"] = False
    rows[2]["fundingRateIntervalMin"] = "60"
    items = {i.venue_symbol: i for i in parse.instruments_body(body).items}
    assert items["BTCUSD"].status is InstrumentStatus.REDUCE_ONLY
    assert items["ETHUSD"].status is InstrumentStatus.HALTED
    assert items["SOLUSD"].funding_interval_hours == Decimal(1)


def test_unknown_interval_is_a_reject_never_a_default():
    body = load("meta_data.json")
    body["data"]["contractList"][0]["fundingRateIntervalMin"] = "0"
    body["data"]["contractList"][1]["fundingRateIntervalMin"] = "4h"
    batch = parse.instruments_body(body)
    assert len(batch.items) == 2
    reasons = sorted(r.reason_code for r in batch.rejects)
    assert reasons == ["parse_error", "unknown_unit"]


def test_thousand_prefixed_base_from_the_coin_list():
    body = load("meta_data.json")
    body["data"]["coinList"][1]["coinName"] = "1000BONK"
    body["data"]["contractList"][0]["contractName"] = "1000BONKUSD"
    bonk = next(i for i in parse.instruments_body(body).items if i.venue_symbol == "1000BONKUSD")
    assert (bonk.asset, bonk.multiplier) == ("BONK", Decimal(1000))


def test_latest_funding_is_a_prediction_for_the_next_settlement():
    batch = parse.current_funding_body(load("latest_funding_rate.json"), contracts(), OBSERVED)
    assert batch.rejects == []
    btc = next(f for f in batch.items if f.venue_symbol == "BTCUSD")
    assert btc.kind is FundingKind.PREDICTED and btc.asset == "BTC"
    assert btc.raw_rate == Decimal("-0.00012236") and btc.raw_unit is RateUnit.FRACTION_PER_INTERVAL
    assert btc.interval_hours == Decimal(4)
    assert btc.rate_per_hour == Decimal("-0.00003059")  # per 4 h -> per hour
    assert btc.funding_time == datetime(2024, 12, 19, 12, tzinfo=UTC)  # fundingTime 08:00 + 240 min
    assert btc.venue_ts == datetime(2024, 12, 19, 8, 38, tzinfo=UTC)


def test_latest_funding_for_an_unknown_contract_is_a_reject():
    body = load("latest_funding_rate.json")
    body["data"][1]["contractId"] = "99999999"
    batch = parse.current_funding_body(body, contracts(), OBSERVED)
    assert len(batch.items) == 1 and len(batch.rejects) == 1
    assert "99999999" in batch.rejects[0].detail


def test_history_page_settlements_with_their_own_interval():
    batch, cursor, n = parse.history_body(load("funding_rate_page.json"), "BTCUSD", "BTC", OBSERVED)
    assert n == 3 and cursor == "eyJpZCI6IjU2NzA5MzEyIn0" and batch.rejects == []
    assert [f.funding_time for f in batch.items] == [
        datetime(2024, 12, 19, h, tzinfo=UTC) for h in (8, 4, 0)
    ]
    assert [f.rate_per_hour for f in batch.items] == [
        Decimal("-0.00003059"), Decimal("-0.000025005"), Decimal("0.0000125")
    ]
    assert all(f.kind is FundingKind.SETTLED and f.interval_hours == 4 for f in batch.items)


def test_history_row_uses_the_interval_in_force_at_its_time():
    body = load("funding_rate_page.json")
    body["data"]["dataList"][2]["fundingRateIntervalMin"] = "480"  # an older 8 h settlement
    batch, _, _ = parse.history_body(body, "BTCUSD", "BTC", OBSERVED)
    assert batch.items[2].interval_hours == Decimal(8)
    assert batch.items[2].rate_per_hour == Decimal("0.00000625")


def test_non_settlement_rows_are_skipped_and_a_bad_row_is_a_reject():
    body = load("funding_rate_page.json")
    body["data"]["dataList"][0]["isSettlement"] = False
    body["data"]["dataList"][1]["fundingRate"] = -0.0001  # a number where the venue sends a string
    batch, _, n = parse.history_body(body, "BTCUSD", "BTC", OBSERVED)
    assert n == 3 and len(batch.items) == 1 and len(batch.rejects) == 1
    assert batch.rejects[0].reason_code == "parse_error" and "fundingRate" in batch.rejects[0].detail


def test_ticker_snapshot_open_interest_base_times_oracle_mark():
    batch = parse.snapshots_body(load("ticker.json"), contracts(), OBSERVED)
    assert batch.rejects == []
    btc = next(x for x in batch.items if x.venue_symbol == "BTCUSD")
    assert btc.asset == "BTC"
    assert btc.mark_price == Decimal("101636.3750002346932888031005859375")
    assert btc.index_price == Decimal("101676.380723500")
    assert btc.open_interest_base == Decimal("106.105")
    assert btc.open_interest_usd == Decimal("106.105") * Decimal("101636.3750002346932888031005859375")
    assert btc.volume_24h_usd == Decimal("50821443.7464")
    assert btc.next_funding_time == datetime(2024, 12, 19, 12, tzinfo=UTC)


def test_depth_best_first():
    book = parse.order_book(load("depth.json"), "BTCUSD", OBSERVED, depth=2, endpoint="ep")
    assert [lv.price for lv in book.bids] == [Decimal("101642.7"), Decimal("101642.0")]
    assert [lv.price for lv in book.asks] == [Decimal("101643.0"), Decimal("101643.5")]
    assert book.asks[0].size == Decimal("0.521")


def test_error_code_and_broken_envelope():
    with pytest.raises(VenueHttpError, match="INVALID_ARGUMENT"):
        parse.envelope(s.ListBody, {"code": "INVALID_ARGUMENT", "data": None, "msg": "bad contractId"}, "ep")
    with pytest.raises(VenueParseError) as info:
        parse.envelope(s.FundingPageBody, {"code": "SUCCESS", "data": {"nextPageOffsetData": ""}}, "ep")
    assert info.value.field == "data.dataList"
    with pytest.raises(VenueParseError):
        parse.order_book({"code": "SUCCESS", "data": []}, "BTCUSD", OBSERVED, 5, "ep")


def test_server_time_sample_is_all_strings():
    body = load("server_time.json")
    assert isinstance(body["data"]["timeMillis"], str)
    assert parse.utc_from_ms(int(body["data"]["timeMillis"])).year == 2024


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/api/v1/public/meta/getMetaData", {}, "meta_data"),
        ("GET", "/api/v2/public/meta/getMetaData", {}, "meta_data"),
        ("GET", "/api/v2/public/meta/getServerTime", {}, "server_time"),
        ("GET", "/api/v1/public/quote/getTicker", {}, "ticker"),
        ("GET", "/api/v1/public/quote/getTicker", {"contractId": "10000001"}, "ticker_single"),
        ("GET", "/api/v1/public/funding/getLatestFundingRate", {}, "latest_funding_rate"),
        ("GET", "/api/v1/public/funding/getFundingRatePage", {"contractId": "10000001"}, "funding_rate_page"),
        ("GET", "/api/v2/public/quote/getDepth", {"contractId": "10000001", "level": "15"}, "depth"),
        ("POST", "/api/v2/private/order/createOrder", {}, "create_order"),
        ("GET", "/api/v3/public/meta/getMetaData", {}, None),
    ],
)
def test_replay_name_maps_requests_to_sample_files(method, path, query, expected):
    name = sim_edgex.replay_name(method, path, query, None)
    assert name == expected
    if name is not None and SAMPLES.is_dir():
        assert (SAMPLES / f"{name}.json").is_file()


# ---- real recorded payloads -----------------------------------------------------------------------------------
def test_real_latest_funding_rate_payload():
    body = load("edgex_getLatestFundingRate_sample.json", REAL / "doc_samples_taolifunding")
    batch = parse.current_funding_body(body, contracts(), OBSERVED)
    assert batch.rejects == []
    [btc] = batch.items
    assert btc.raw_rate == Decimal("-0.00005574") and btc.interval_hours == Decimal(4)
    assert btc.rate_per_hour == Decimal("-0.000013935")
    assert btc.funding_time == datetime(2025, 9, 19, 12, tzinfo=UTC)  # fundingTime 08:00 + 4 h
    assert btc.venue_ts == datetime(2025, 9, 19, 11, 23, tzinfo=UTC)


def test_real_hourly_aggregates_use_the_4h_interval():
    """A third-party collector stored EdgeX rates per the venue's own 4 h interval: the modal value is the
    0.005 %/4h baseline, i.e. 0.00125 %/h after our normalisation, the same floor as the 1 h venues."""
    folder = REAL / "dhaussmann_multidex_hourly_2026-01"
    files = sorted(folder.glob("market_history_*.csv")) if folder.is_dir() else []
    if not files:
        pytest.skip("real hourly aggregates not available")
    with files[0].open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["exchange"] == "edgex"]
    assert len(rows) > 100
    rates = [Decimal(r["avg_funding_rate"]) for r in rows]
    modal = max(set(rates), key=rates.count)
    assert modal == Decimal("5e-05")
    assert parse.interval_hours(240) == Decimal(4)
    assert modal / parse.interval_hours(240) == Decimal("0.0000125")
    thousand = [r["symbol"] for r in rows if r["symbol"].startswith("1000")]
    assert thousand  # real EdgeX names carry numeric multipliers ...
    for name in thousand:
        base = name.removesuffix("USD")
        info = parse.contract_info(
            {"contractId": "1", "contractName": name, "tickSize": "1", "stepSize": "1", "minOrderSize": "1",
             "enableTrade": True, "fundingRateIntervalMin": "240"}, {}, "ep")
        assert info.multiplier >= 1000 and base.endswith(info.asset)  # ... which we map, not strip blindly

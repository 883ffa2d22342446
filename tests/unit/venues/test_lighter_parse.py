"""Lighter parsers against the shared wire samples and real recorded payloads: concrete normalised values."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perpdex_lib.domain import FundingKind, InstrumentStatus, RateUnit, Venue
from perpdex_lib.sim.venues import lighter as sim_lighter
from perpdex_lib.venues.batch import map_rows
from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from perpdex_lib.venues.lighter import constants as c
from perpdex_lib.venues.lighter import parse
from perpdex_lib.venues.lighter import schemas as s
from tests.venues_support import load_json

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
SAMPLES = SHARED / "exchange_samples" / "lighter"
REAL = SHARED / "real_data"
OBSERVED = datetime(2025, 11, 19, 5, 42, 7, tzinfo=UTC)


def load(name: str, folder: Path = SAMPLES) -> Any:
    return load_json(folder / name)


def instruments(body: Any):
    return parse.instruments_body(body)


def test_instruments_from_order_book_details():
    batch = instruments(load("order_book_details.json"))
    assert batch.rejects == []
    by_symbol = {i.venue_symbol: i for i in batch.items}
    assert set(by_symbol) == {"ETH", "BTC", "SOL", "DOGE"}
    btc = by_symbol["BTC"]
    assert (btc.venue, btc.asset, btc.multiplier, btc.quote) == (Venue.LIGHTER, "BTC", Decimal(1), "USDC")
    assert btc.venue_market_id == "1" and by_symbol["ETH"].venue_market_id == "0"
    assert btc.tick_size == Decimal("0.1") and btc.lot_size == Decimal("0.00001")
    assert btc.min_size == Decimal("0.00020") and btc.min_notional_usd == Decimal(10)
    assert btc.max_leverage == Decimal(50)  # 10000 / min_initial_margin_fraction 200
    assert btc.funding_interval_hours == Decimal(1) and btc.status is InstrumentStatus.ACTIVE
    doge = by_symbol["DOGE"]
    assert doge.lot_size == Decimal(1) and doge.tick_size == Decimal("0.000001") and doge.max_leverage == Decimal(10)


def test_snapshot_open_interest_is_base_times_mark():
    body = load("order_book_details.json")
    rows = parse.envelope(s.OrderBookDetailsBody, body, "ep").order_book_details
    snaps = {x.venue_symbol: x for x in (parse.snapshot(r, OBSERVED) for r in rows)}
    eth = snaps["ETH"]
    assert eth.mark_price == Decimal("3013.91") and eth.index_price == Decimal("3015.56")
    assert eth.open_interest_base == Decimal("39559.3278")
    assert eth.open_interest_usd == Decimal("39559.3278") * Decimal("3013.91")
    assert eth.volume_24h_usd == Decimal("1671431095.263844")
    assert eth.ts == OBSERVED and eth.next_funding_time == datetime(2025, 11, 19, 6, tzinfo=UTC)


def test_current_funding_keeps_only_lighter_rows_fraction_per_8h():
    body = load("funding_rates.json")
    assert len(body["funding_rates"]) == 16  # binance/bybit/hyperliquid reference rows included on the wire
    batch = parse.current_funding_body(body, OBSERVED)
    assert batch.rejects == []
    rates = {f.venue_symbol: f for f in batch.items}
    assert set(rates) == {"ETH", "BTC", "SOL", "DOGE"}
    eth = rates["ETH"]
    assert eth.raw_rate == Decimal("0.000096") and eth.raw_unit is RateUnit.FRACTION_PER_8H
    assert eth.rate_per_hour == Decimal("0.000012")  # 0.0096 %/8h = 0.0012 %/h
    assert rates["SOL"].rate_per_hour == Decimal("-0.000004")
    assert eth.kind is FundingKind.PREDICTED and eth.interval_hours == Decimal(1)
    assert eth.funding_time == datetime(2025, 11, 19, 6, tzinfo=UTC)  # the next full hour


def test_settled_history_is_signed_by_direction_percent_per_hour():
    body = load("fundings.json")
    env = parse.envelope(s.FundingsBody, body, "ep")
    rows = [parse.settled_funding(r, "ETH", "ETH", OBSERVED) for r in env.fundings]
    assert [r.funding_time for r in rows] == [datetime(2025, 11, 19, h, tzinfo=UTC) for h in (3, 4, 5, 6)]
    assert [r.rate_per_hour for r in rows] == [
        Decimal("0.000012"), Decimal("0.000009"), Decimal("-0.000004"), Decimal("0.000012")
    ]
    assert rows[2].raw_rate == Decimal("-0.0004") and rows[2].raw_unit is RateUnit.PERCENT_PER_HOUR
    assert all(r.kind is FundingKind.SETTLED and r.interval_hours == 1 for r in rows)


def test_order_book_aggregates_orders_best_first():
    book = parse.order_book(load("order_book_orders.json"), "ETH", OBSERVED, depth=10, limit=250)
    assert [lv.price for lv in book.bids] == [Decimal("3013.80"), Decimal("3013.72"), Decimal("3013.50")]
    assert [lv.price for lv in book.asks] == [Decimal("3014.02"), Decimal("3014.11"), Decimal("3014.50")]
    assert book.bids[0].size == Decimal("1.3237")  # remaining, not initial
    assert book.asks[2].size == Decimal("2.7500")


def test_order_book_drops_the_possibly_cut_worst_level_when_the_limit_is_hit():
    body = load("order_book_orders.json")
    body["bids"].append(dict(body["bids"][0], price="3013.50", remaining_base_amount="1"))
    book = parse.order_book(body, "ETH", OBSERVED, depth=10, limit=3)
    assert len(book.bids) == 2 and len(book.asks) == 2


def test_bad_history_row_becomes_a_reject_while_the_others_parse():
    body = load("fundings.json")
    env = parse.envelope(s.FundingsBody, body, "ep")
    rows = list(env.fundings)
    rows[1] = dict(rows[1], rate=12)  # number instead of the decimal string
    rows[2] = dict(rows[2], direction="both")  # unknown side
    rows[3] = dict(rows[3], rate="-0.0012")  # history rates are unsigned
    batch = map_rows(rows, lambda r: parse.settled_funding(r, "ETH", "ETH", OBSERVED), "lighter", "ep", lambda r: r)
    assert len(batch.items) == 1 and len(batch.rejects) == 3
    assert {r.reason_code for r in batch.rejects} == {"parse_error"}
    assert "rate" in batch.rejects[0].detail and "direction" in batch.rejects[1].detail
    assert batch.rejects[1].payload["direction"] == "both"


def test_unknown_market_status_is_a_reject_not_a_default():
    body = load("order_book_details.json")
    body["order_book_details"][0]["status"] = "paused"
    batch = instruments(body)
    assert len(batch.items) == 3 and len(batch.rejects) == 1
    assert "paused" in batch.rejects[0].detail


def test_non_200_code_and_broken_envelope_are_errors():
    with pytest.raises(VenueHttpError, match="21100"):
        parse.envelope(s.FundingsBody, {"code": 21100, "message": "market not found", "fundings": []}, "ep")
    with pytest.raises(VenueParseError) as info:
        parse.envelope(s.FundingsBody, {"code": 200}, "ep")
    assert info.value.field == "fundings"
    with pytest.raises(VenueParseError):
        parse.envelope(s.FundingsBody, [1, 2], "ep")


def test_funding_rate_float_json_type_is_enforced():
    row = {"market_id": 1, "exchange": "lighter", "symbol": "BTC", "rate": "0.0001"}
    with pytest.raises(VenueParseError) as info:
        parse.current_funding(row, OBSERVED)
    assert info.value.field == "rate"


def test_thousand_prefixed_symbol_maps_to_the_canonical_asset():
    body = load("order_book_details.json")
    body["order_book_details"][0]["symbol"] = "1000PEPE"
    pepe = next(i for i in instruments(body).items if i.venue_symbol == "1000PEPE")
    assert (pepe.asset, pepe.multiplier) == ("PEPE", Decimal(1000))


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/api/v1/orderBookDetails", {"filter": "perp"}, "order_book_details"),
        ("GET", "/api/v1/funding-rates", {}, "funding_rates"),
        ("GET", "/api/v1/fundings", {"market_id": "1"}, "fundings"),
        ("GET", "/api/v1/orderBookOrders", {"market_id": "1", "limit": "250"}, "order_book_orders"),
        ("GET", "/", {}, "status"),
        ("POST", "/api/v1/sendTx", {}, "send_tx"),
        ("GET", "/api/v1/sendTx", {}, None),
        ("GET", "/api/v1/unknown", {}, None),
    ],
)
def test_replay_name_maps_requests_to_sample_files(method, path, query, expected):
    name = sim_lighter.replay_name(method, path, query, None)
    assert name == expected
    if name is not None and SAMPLES.is_dir():
        assert (SAMPLES / f"{name}.json").is_file()


# ---- real recorded payloads (third-party recordings of the live venue) ----------------------------------------
NAUTILUS = REAL / "nautilus_trader_fixtures" / "lighter"


def test_real_fundings_payload():
    body = load("http_fundings.json", NAUTILUS)
    env = parse.envelope(s.FundingsBody, body, "ep")
    rows = [parse.settled_funding(r, "ETH", "ETH", OBSERVED) for r in env.fundings]
    assert [r.funding_time for r in rows] == [
        datetime(2026, 5, 13, 20, tzinfo=UTC), datetime(2026, 5, 13, 21, tzinfo=UTC)
    ]
    assert [r.rate_per_hour for r in rows] == [Decimal("0.000012"), Decimal("-0.000002")]


def test_real_order_book_details_without_mark_price():
    body = load("http_order_book_details.json", NAUTILUS)
    batch = instruments(body)
    assert batch.rejects == [] and len(batch.items) == 1
    eth = batch.items[0]
    assert (eth.asset, eth.tick_size, eth.lot_size, eth.max_leverage) == ("ETH", Decimal("0.01"), Decimal("0.0001"), 50)
    snap = parse.snapshot(body["order_book_details"][0], OBSERVED)
    assert snap.open_interest_base == Decimal("27350.8981")
    assert snap.mark_price is None and snap.open_interest_usd is None  # no mark: no invented USD figure


def test_real_order_book_orders():
    book = parse.order_book(load("http_order_book_orders.json", NAUTILUS), "ETH", OBSERVED, depth=5, limit=250)
    assert book.best_bid == Decimal("2361.17") and book.best_ask == Decimal("2361.32")


def test_real_hourly_aggregates_match_the_percent_per_hour_normalisation():
    """A third-party collector stored Lighter's rate as a fraction per hour; its modal value is the 0.0012 %/h floor."""
    folder = REAL / "dhaussmann_multidex_hourly_2026-01"
    files = sorted(folder.glob("market_history_*.csv")) if folder.is_dir() else []
    if not files:
        pytest.skip("real hourly aggregates not available")
    with files[0].open() as fh:
        rates = [Decimal(r["avg_funding_rate"]) for r in csv.DictReader(fh) if r["exchange"] == "lighter"]
    assert len(rates) > 100
    modal, _ = Counter(r.quantize(Decimal("1e-9")) for r in rates).most_common(1)[0]
    floor = parse.settled_funding({"timestamp": 0, "value": "0", "rate": "0.0012", "direction": "long"}, "X", "X",
                                  OBSERVED)
    assert modal == floor.rate_per_hour.quantize(Decimal("1e-9"))
    assert c.HISTORY_RATE_UNIT is RateUnit.PERCENT_PER_HOUR

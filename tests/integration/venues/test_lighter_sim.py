"""Lighter connector against the simulator over real HTTP, checked against the model's ground truth."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import aiohttp
import pytest

from perpdex_lib.config import Settings
from perpdex_lib.domain import FundingKind, InstrumentStatus, RateUnit, Venue
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.server import SimServer
from perpdex_lib.sim.venues.lighter import market_id
from perpdex_lib.venues.base import open_market_data
from tests.venues_support import SAMPLES, replay_client, set_faults, shape_diff

pytestmark = pytest.mark.integration
LT = Venue.LIGHTER


async def test_instruments_match_the_model(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(LT, sim_settings)
    async with client.http:
        batch = await client.instruments()
    listed = sim_model.listed(LT)
    assert batch.rejects == [] and len(batch.items) == len(listed)
    by_asset = {i.asset: i for i in batch.items}
    assert set(by_asset) == {a.name for a in listed}
    for a in listed:
        inst, spec = by_asset[a.name], sim_model.spec(LT, a)
        assert inst.venue_market_id == str(market_id(sim_model, a))
        assert inst.multiplier == spec.multiplier
        assert inst.venue_symbol == (a.name if spec.multiplier == 1 else f"1000{a.name}")
        assert inst.tick_size == spec.tick and inst.min_size == spec.min_size
        assert inst.lot_size == (spec.lot if spec.lot <= 1 else Decimal(1))  # 10^-size_decimals cannot exceed 1
        assert inst.max_leverage == spec.max_leverage
        assert inst.funding_interval_hours == spec.interval_h == 1
        assert inst.status is InstrumentStatus.ACTIVE and inst.quote == "USDC"
    assert by_asset["BTC"].venue_market_id == "1" and by_asset["ETH"].venue_market_id == "0"
    pepe = by_asset["PEPE"]
    assert (pepe.venue_symbol, pepe.multiplier) == ("1000PEPE", Decimal(1000))


async def test_predicted_funding_matches_the_model(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(LT, sim_settings)
    before = datetime.now(UTC)
    async with client.http:
        batch = await client.funding_current()
    after = datetime.now(UTC)
    assert batch.rejects == [] and len(batch.items) == len(sim_model.listed(LT))  # reference rows skipped
    for rate in batch.items:
        a = sim_model.asset(rate.asset)
        assert rate.kind is FundingKind.PREDICTED and rate.raw_unit is RateUnit.FRACTION_PER_8H
        assert rate.rate_per_hour in {sim_model.predicted_rate_per_hour(LT, a, t) for t in (before, after)}
        assert rate.funding_time in {sim_model.next_settlement(LT, a, t) for t in (before, after)}


async def test_settled_history_count_values_signs_and_windows(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(LT, sim_settings)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start, end = now - timedelta(days=40), now  # 960 hourly settlements: windows of 720 h + 240 h
    async with client.http:
        instruments = {i.asset: i for i in (await client.instruments()).items}
        sent_before = client.http.requests_sent
        batch = await client.funding_history(instruments["ETH"], start, end)
        calls = client.http.requests_sent - sent_before
    a = sim_model.asset("ETH")
    truth = sim_model.settlement_times(LT, a, start, end)
    assert batch.rejects == [] and len(batch.items) == len(truth) == 960
    assert calls == 2
    assert [r.funding_time for r in batch.items] == truth
    assert [r.rate_per_hour for r in batch.items] == [sim_model.settled_rate_per_hour(LT, a, t) for t in truth]
    signs = {r.rate_per_hour > 0 for r in batch.items if r.rate_per_hour}
    assert signs == {True, False}  # `direction` turned the unsigned wire rate into both signs
    assert all(r.kind is FundingKind.SETTLED and r.raw_unit is RateUnit.PERCENT_PER_HOUR for r in batch.items)


async def test_history_of_a_thousand_x_market(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(LT, sim_settings)
    now = datetime.now(UTC)
    async with client.http:
        pepe = next(i for i in (await client.instruments()).items if i.asset == "PEPE")
        batch = await client.funding_history(pepe, now - timedelta(hours=30), now)
    truth = sim_model.settlement_times(LT, sim_model.asset("PEPE"), now - timedelta(hours=30), now)
    assert [r.funding_time for r in batch.items] == truth and len(truth) in (30, 31)
    assert {r.venue_symbol for r in batch.items} == {"1000PEPE"} and {r.asset for r in batch.items} == {"PEPE"}


async def test_snapshots_match_the_model(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(LT, sim_settings)
    async with client.http:
        snaps = await client.snapshots()
    now = datetime.now(UTC)
    assert snaps.rejects == [] and len(snaps.items) == len(sim_model.listed(LT))
    for s in snaps.items:
        a = sim_model.asset(s.asset)
        mark = sim_model.mark_price(LT, a, now)
        assert abs(s.mark_price - mark) / mark < Decimal("0.002")
        assert s.open_interest_usd == s.open_interest_base * s.mark_price
        oi_usd = sim_model.open_interest_usd(LT, a, now)
        assert abs(s.open_interest_usd - oi_usd) / oi_usd < Decimal("0.01")
        assert abs(s.volume_24h_usd - sim_model.volume_24h_usd(LT, a, now)) / s.volume_24h_usd < Decimal("0.01")
        assert s.next_funding_time == sim_model.next_settlement(LT, a, s.ts)


async def test_order_book_aggregates_to_the_model_levels(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(LT, sim_settings)
    async with client.http:
        instruments = {i.asset: i for i in (await client.instruments()).items}
        before = datetime.now(UTC)
        book = await client.order_book(instruments["BTC"])
        after = datetime.now(UTC)
        shallow = await client.order_book(instruments["PEPE"], depth=5)
    assert len(book.bids) == len(book.asks) == 20
    assert [lv.price for lv in book.bids] == sorted((lv.price for lv in book.bids), reverse=True)
    assert [lv.price for lv in book.asks] == sorted(lv.price for lv in book.asks)
    btc = sim_model.asset("BTC")
    truths = []
    for t in (before, after):
        bids, asks = sim_model.order_book(LT, btc, t, depth=100)
        truths.append((bids[:20], asks[:20]))
    got = ([(lv.price, lv.size) for lv in book.bids], [(lv.price, lv.size) for lv in book.asks])
    assert got in truths  # individual orders summed back to the model's levels exactly
    assert len(shallow.bids) == 5 and shallow.venue_symbol == "1000PEPE"
    pepe_mark = sim_model.mark_price(LT, sim_model.asset("PEPE"), after)
    assert abs(shallow.mid - pepe_mark) / pepe_mark < Decimal("0.01")  # venue units: 1000 PEPE


# ---- venue-specific faults (private simulator; the common ones are in test_venue_faults.py) ------------
async def test_malformed_row_becomes_a_reject(private_sim: SimServer, private_sim_settings: Settings) -> None:
    client = open_market_data(LT, private_sim_settings)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    async with client.http:
        eth = next(i for i in (await client.instruments()).items if i.asset == "ETH")
        stats = set_faults(private_sim, LT, malformed_rate=1.0, malformed_mode="row")
        # 24 settlements served (the window ends between two), one of them damaged
        batch = await client.funding_history(eth, now - timedelta(hours=24), now - timedelta(minutes=30))
    assert stats["malformed"] == 1
    assert len(batch.rejects) == 1 and len(batch.items) == 23  # every field of a history row is read
    reject = batch.rejects[0]
    assert (reject.venue, reject.endpoint, reject.reason_code) == ("lighter", "GET /api/v1/fundings", "parse_error")


async def test_stale_venue_serves_old_estimates(private_sim: SimServer, private_sim_settings: Settings) -> None:
    """With the stale fault the simulator answers from 3 hours ago: the rates are the model's values then."""
    set_faults(private_sim, LT, stale_s=3 * 3600)
    client = open_market_data(LT, private_sim_settings)
    before = datetime.now(UTC) - timedelta(hours=3)
    async with client.http:
        batch = await client.funding_current()
    after = datetime.now(UTC) - timedelta(hours=3)
    model = private_sim.model
    for rate in batch.items:
        a = model.asset(rate.asset)
        assert rate.rate_per_hour in {model.predicted_rate_per_hour(LT, a, t) for t in (before, after)}


# ---- wire contract: the simulator's bodies have the samples' keys and JSON types -------------------------------


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("order_book_details", "/api/v1/orderBookDetails?filter=perp"),
        ("order_books", "/api/v1/orderBooks"),
        ("funding_rates", "/api/v1/funding-rates"),
        ("fundings", "/api/v1/fundings?market_id=1&resolution=1h&start_timestamp=0&end_timestamp=4102444800"
                     "&count_back=10"),
        ("order_book_orders", "/api/v1/orderBookOrders?market_id=1&limit=5"),
        ("exchange_stats", "/api/v1/exchangeStats"),
        ("status", "/"),
    ],
)
async def test_simulator_bodies_match_the_sample_wire_shapes(sim_urls: dict[Venue, str], name: str, path: str) -> None:
    sample_file = SAMPLES / "lighter" / f"{name}.json"
    if not sample_file.is_file():
        pytest.skip("exchange samples absent")
    async with aiohttp.ClientSession() as session, session.get(sim_urls[LT] + path) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert shape_diff(json.loads(sample_file.read_text()), body) == []


async def test_connector_reads_the_recorded_samples_in_replay_mode() -> None:
    async with replay_client(LT) as client:
        instruments = await client.instruments()
        funding = await client.funding_current()
        eth = next(i for i in instruments.items if i.venue_symbol == "ETH")
        start = datetime(2025, 11, 19, tzinfo=UTC)
        history = await client.funding_history(eth, start, start + timedelta(days=1))
        book = await client.order_book(eth, depth=2)
    assert [i.venue_symbol for i in instruments.items] == ["ETH", "BTC", "SOL", "DOGE"]
    assert {f.venue_symbol: f.rate_per_hour for f in funding.items}["BTC"] == Decimal("0.00001")
    assert [f.rate_per_hour for f in history.items] == [
        Decimal("0.000012"), Decimal("0.000009"), Decimal("-0.000004"), Decimal("0.000012")
    ]
    assert book.best_bid == Decimal("3013.80") and len(book.asks) == 2

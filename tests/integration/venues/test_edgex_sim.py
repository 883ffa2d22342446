"""EdgeX connector against the simulator over real HTTP, checked against the model's ground truth."""

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
from perpdex_lib.sim.venues.edgex import contract_id
from perpdex_lib.venues.base import open_market_data
from perpdex_lib.venues.errors import VenueParseError
from tests.venues_support import SAMPLES, replay_client, set_faults, shape_diff

pytestmark = pytest.mark.integration
EX = Venue.EDGEX


async def test_instruments_match_the_model(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(EX, sim_settings)
    async with client.http:
        batch = await client.instruments()
    listed = sim_model.listed(EX)
    assert batch.rejects == [] and len(batch.items) == len(listed)
    by_asset = {i.asset: i for i in batch.items}
    assert set(by_asset) == {a.name for a in listed}
    for a in listed:
        inst, spec = by_asset[a.name], sim_model.spec(EX, a)
        assert inst.venue_symbol == f"{a.name}USD" and inst.venue_market_id == contract_id(sim_model, a)
        assert (inst.tick_size, inst.lot_size, inst.min_size) == (spec.tick, spec.lot, spec.min_size)
        assert inst.max_leverage == spec.max_leverage and inst.multiplier == spec.multiplier == 1
        assert inst.funding_interval_hours == spec.interval_h == 4
        assert inst.status is InstrumentStatus.ACTIVE and inst.quote == "USD"
    assert by_asset["BTC"].venue_market_id == "10000001"


async def test_predicted_funding_matches_the_model(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(EX, sim_settings)
    before = datetime.now(UTC)
    async with client.http:
        batch = await client.funding_current()
        calls = client.http.requests_sent
    after = datetime.now(UTC)
    assert calls == 2  # metadata (contract names) + one batch of latest funding rates
    assert batch.rejects == [] and len(batch.items) == len(sim_model.listed(EX))
    for rate in batch.items:
        a = sim_model.asset(rate.asset)
        assert rate.kind is FundingKind.PREDICTED and rate.raw_unit is RateUnit.FRACTION_PER_INTERVAL
        assert rate.interval_hours == 4 and rate.venue_symbol == f"{a.name}USD"
        assert rate.rate_per_hour in {sim_model.predicted_rate_per_hour(EX, a, t) for t in (before, after)}
        assert rate.raw_rate == rate.rate_per_hour * 4
        assert rate.funding_time in {sim_model.next_settlement(EX, a, t) for t in (before, after)}
        assert rate.venue_ts is not None and before - timedelta(minutes=1) <= rate.venue_ts <= after


async def test_settled_history_count_values_and_paging(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(EX, sim_settings)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start, end = now - timedelta(days=40), now  # 240 settlements of 4 h: pages of 100, 100, 40
    async with client.http:
        btc = next(i for i in (await client.instruments()).items if i.asset == "BTC")
        sent_before = client.http.requests_sent
        batch = await client.funding_history(btc, start, end)
        pages = client.http.requests_sent - sent_before
    a = sim_model.asset("BTC")
    truth = sim_model.settlement_times(EX, a, start, end)
    assert batch.rejects == [] and len(batch.items) == len(truth) == 240
    assert pages == 3
    assert [r.funding_time for r in batch.items] == truth
    assert [r.rate_per_hour for r in batch.items] == [sim_model.settled_rate_per_hour(EX, a, t) for t in truth]
    assert all(r.kind is FundingKind.SETTLED and r.interval_hours == 4 for r in batch.items)


async def test_history_window_bounds(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(EX, sim_settings)
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=13), now - timedelta(hours=1)
    async with client.http:
        eth = next(i for i in (await client.instruments()).items if i.asset == "ETH")
        batch = await client.funding_history(eth, start, end)
    truth = sim_model.settlement_times(EX, sim_model.asset("ETH"), start, end)
    assert [r.funding_time for r in batch.items] == truth and len(truth) == 3
    assert all(start <= r.funding_time < end for r in batch.items)


async def test_snapshots_match_the_model(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(EX, sim_settings)
    async with client.http:
        snaps = await client.snapshots()
    now = datetime.now(UTC)
    assert snaps.rejects == [] and len(snaps.items) == len(sim_model.listed(EX))
    for s in snaps.items:
        a = sim_model.asset(s.asset)
        mark = sim_model.mark_price(EX, a, now)
        assert s.venue_symbol == f"{a.name}USD"
        assert abs(s.mark_price - mark) / mark < Decimal("0.002")
        assert s.open_interest_usd == s.open_interest_base * s.mark_price
        oi_usd = sim_model.open_interest_usd(EX, a, now)
        assert abs(s.open_interest_usd - oi_usd) / oi_usd < Decimal("0.01")
        assert abs(s.volume_24h_usd - sim_model.volume_24h_usd(EX, a, now)) / s.volume_24h_usd < Decimal("0.01")
        assert s.next_funding_time == sim_model.next_settlement(EX, a, s.ts)


async def test_order_book_matches_the_model(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(EX, sim_settings)
    async with client.http:
        instruments = {i.asset: i for i in (await client.instruments()).items}
        before = datetime.now(UTC)
        book = await client.order_book(instruments["ETH"])  # 20 levels: served from level=200
        after = datetime.now(UTC)
        shallow = await client.order_book(instruments["PEPE"], depth=5)  # served from level=15
    eth = sim_model.asset("ETH")
    truths = []
    for t in (before, after):
        bids, asks = sim_model.order_book(EX, eth, t, depth=200)
        truths.append((bids[:20], asks[:20]))
    got = ([(lv.price, lv.size) for lv in book.bids], [(lv.price, lv.size) for lv in book.asks])
    assert got in truths
    assert book.best_bid < book.best_ask
    assert len(shallow.bids) == len(shallow.asks) == 5 and shallow.venue_symbol == "PEPEUSD"
    assert [lv.price for lv in shallow.asks] == sorted(lv.price for lv in shallow.asks)


async def test_both_api_prefixes_are_served(sim_urls: dict[Venue, str]) -> None:
    async with aiohttp.ClientSession() as session:
        bodies = []
        for prefix in ("/api/v1", "/api/v2"):
            async with session.get(sim_urls[EX] + prefix + "/public/meta/getServerTime") as resp:
                bodies.append(await resp.json())
    for body in bodies:
        assert body["code"] == "SUCCESS" and isinstance(body["data"]["timeMillis"], str)
        assert isinstance(body["requestTime"], str)


async def test_error_code_inside_http_200(sim_urls: dict[Venue, str]) -> None:
    async with aiohttp.ClientSession() as session, session.get(
        sim_urls[EX] + "/api/v1/public/quote/getDepth", params={"contractId": "10000001", "level": "7"}
    ) as resp:
        body = await resp.json()
    assert resp.status == 200 and body["code"] != "SUCCESS" and body["data"] is None


# ---- venue-specific faults (private simulator; the common ones are in test_venue_faults.py) ------------
async def test_malformed_rows_become_rejects(private_sim: SimServer, private_sim_settings: Settings) -> None:
    """Row corruption hits a random field; fields we do not read cannot reject, so several bodies are damaged."""
    client = open_market_data(EX, private_sim_settings)
    n_listed = len(private_sim.model.listed(EX))
    async with client.http:
        await client.instruments()  # warm the contract map before the fault starts
        stats = set_faults(private_sim, EX, malformed_rate=1.0, malformed_mode="row")
        batches = [await client.funding_current() for _ in range(12)]
    assert stats["malformed"] == 12
    rejected = [b for b in batches if b.rejects]
    assert rejected, "no damaged row was ever rejected"
    for b in batches:
        assert len(b.rejects) <= 1 and len(b.items) + len(b.rejects) == n_listed
    reject = rejected[0].rejects[0]
    assert (reject.venue, reject.endpoint) == ("edgex", "GET /api/v1/public/funding/getLatestFundingRate")


# ---- wire contract: the simulator's bodies have the samples' keys and JSON types -------------------------------
@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("meta_data", "/api/v1/public/meta/getMetaData"),
        ("meta_data", "/api/v2/public/meta/getMetaData"),
        ("server_time", "/api/v1/public/meta/getServerTime"),
        ("ticker", "/api/v1/public/quote/getTicker"),
        ("ticker_single", "/api/v2/public/quote/getTicker?contractId=10000001"),
        ("latest_funding_rate", "/api/v1/public/funding/getLatestFundingRate?contractId=10000001,10000002"),
        ("funding_rate_page", "/api/v1/public/funding/getFundingRatePage?contractId=10000001&size=5"
                              "&filterSettlementFundingRate=true"),
        ("depth", "/api/v1/public/quote/getDepth?contractId=10000001&level=15"),
    ],
)
async def test_simulator_bodies_match_the_sample_wire_shapes(sim_urls: dict[Venue, str], name: str, path: str) -> None:
    sample_file = SAMPLES / "edgex" / f"{name}.json"
    if not sample_file.is_file():
        pytest.skip("exchange samples absent")
    async with aiohttp.ClientSession() as session, session.get(sim_urls[EX] + path) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert shape_diff(json.loads(sample_file.read_text()), body) == []


async def test_connector_reads_the_recorded_samples_in_replay_mode() -> None:
    async with replay_client(EX) as client:
        instruments = await client.instruments()
        funding = await client.funding_current()
        snaps = await client.snapshots()
        btc = next(i for i in instruments.items if i.venue_symbol == "BTCUSD")
        book = await client.order_book(btc, depth=3)
        with pytest.raises(VenueParseError, match="cursor repeats"):  # a recording always says "more"
            day = datetime(2024, 12, 19, tzinfo=UTC)
            await client.funding_history(btc, day - timedelta(days=1), day + timedelta(days=1))
    assert [i.venue_symbol for i in instruments.items] == ["BTCUSD", "ETHUSD", "SOLUSD", "DOGEUSD"]
    assert {f.venue_symbol: f.rate_per_hour for f in funding.items} == {
        "BTCUSD": Decimal("-0.00003059"), "ETHUSD": Decimal("0.0000125")
    }
    assert len(snaps.items) == 4 and book.best_ask == Decimal("101643.0")

"""Backpack connector against the simulator over real HTTP, checked against the model's ground truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from perpdex_lib.config import Settings
from perpdex_lib.domain import FundingKind, Venue
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.server import SimServer
from perpdex_lib.venues.base import open_market_data
from tests.venues_support import replay_client, set_faults

pytestmark = pytest.mark.integration
BP = Venue.BACKPACK
SAMPLES_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples"


def _close(a: Decimal, b: Decimal, rel: str = "0.002") -> bool:
    return abs(a - b) <= abs(b) * Decimal(rel)


async def test_instruments_match_the_model(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(BP, sim_settings)
    async with client.http:
        batch = await client.instruments()
    listed = sim_model.listed(BP)
    assert batch.rejects == [] and len(batch.items) == len(listed)  # spot markets filtered out
    by_asset = {i.asset: i for i in batch.items}
    assert set(by_asset) == {a.name for a in listed}
    for a in listed:
        inst, spec = by_asset[a.name], sim_model.spec(BP, a)
        assert (inst.tick_size, inst.lot_size, inst.min_size) == (spec.tick, spec.lot, spec.min_size)
        assert inst.multiplier == spec.multiplier and inst.max_leverage == spec.max_leverage
        assert inst.funding_interval_hours == spec.interval_h == 1
        assert inst.quote == "USDC" and inst.venue_symbol.endswith("_USDC_PERP")
    pepe = by_asset["PEPE"]
    assert (pepe.venue_symbol, pepe.multiplier) == ("kPEPE_USDC_PERP", Decimal(1000))


async def test_predicted_funding_matches_the_model(sim_settings: Settings, sim_model: MarketModel) -> None:
    before = datetime.now(UTC)
    client = open_market_data(BP, sim_settings)
    async with client.http:
        batch = await client.funding_current()
    after = datetime.now(UTC)
    assert batch.rejects == [] and len(batch.items) == len(sim_model.listed(BP))
    for rate in batch.items:
        a = sim_model.asset(rate.asset)
        assert rate.kind is FundingKind.PREDICTED and rate.interval_hours == 1
        assert rate.rate_per_hour in {sim_model.predicted_rate_per_hour(BP, a, t) for t in (before, after)}
        assert rate.funding_time in {sim_model.next_settlement(BP, a, t) for t in (before, after)}


async def test_settled_history_pages_by_offset(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(BP, sim_settings)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start, end = now - timedelta(hours=1500), now  # 1500 hourly settlements: two pages of 1000
    async with client.http:
        instruments = {i.asset: i for i in (await client.instruments()).items}
        sent_before = client.http.requests_sent
        batch = await client.funding_history(instruments["PEPE"], start, end)
        pages = client.http.requests_sent - sent_before
    a = sim_model.asset("PEPE")
    truth = sim_model.settlement_times(BP, a, start, end)
    assert batch.rejects == [] and len(batch.items) == len(truth) == 1500
    assert pages == 2
    assert [r.funding_time for r in batch.items] == truth
    for r in batch.items[::41]:
        assert r.kind is FundingKind.SETTLED and r.venue_symbol == "kPEPE_USDC_PERP" and r.interval_hours == 1
        assert r.rate_per_hour == sim_model.settled_rate_per_hour(BP, a, r.funding_time)


async def test_snapshots_one_sided_oi_base_and_usd(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(BP, sim_settings)
    async with client.http:
        batch = await client.snapshots()
    now = datetime.now(UTC)
    assert batch.rejects == [] and len(batch.items) == len(sim_model.listed(BP))
    for snap in batch.items:
        a = sim_model.asset(snap.asset)
        assert snap.open_interest_usd == snap.open_interest_base * snap.mark_price
        assert _close(snap.open_interest_base, sim_model.open_interest_base(BP, a, now))
        assert _close(snap.mark_price, sim_model.mark_price(BP, a, now), "0.005")
        assert _close(snap.volume_24h_usd, sim_model.volume_24h_usd(BP, a, now))
        assert snap.next_funding_time == sim_model.next_settlement(BP, a, snap.ts)
        assert abs(snap.ts - now) < timedelta(seconds=30)


async def test_order_book_sorted_and_sized(sim_settings: Settings) -> None:
    client = open_market_data(BP, sim_settings)
    async with client.http:
        btc = next(i for i in (await client.instruments()).items if i.asset == "BTC")
        book = await client.order_book(btc, depth=15)
    assert len(book.bids) == len(book.asks) == 15
    assert [lv.price for lv in book.bids] == sorted((lv.price for lv in book.bids), reverse=True)
    assert [lv.price for lv in book.asks] == sorted(lv.price for lv in book.asks)
    assert book.best_bid < book.best_ask
    assert all(lv.size >= btc.lot_size for lv in (*book.bids, *book.asks))


# ---- venue-specific faults (private simulator; the common ones are in test_venue_faults.py) ------------
async def test_malformed_rows_become_rejects(private_sim: SimServer, private_sim_settings: Settings) -> None:
    client = open_market_data(BP, private_sim_settings)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    async with client.http:
        eth = next(i for i in (await client.instruments()).items if i.asset == "ETH")
        set_faults(private_sim, BP, malformed_rate=1.0, malformed_mode="row")
        batch = await client.funding_history(eth, now - timedelta(hours=48), now)
    assert len(batch.rejects) == 1  # one corrupted row in the single page
    assert len(batch.items) in (47, 48)  # the damaged row may fall outside the window
    assert batch.rejects[0].reason_code == "parse_error" and batch.rejects[0].venue == "backpack"
    assert private_sim.contexts[BP].faults.stats["malformed"] == 1


# ---- replay of the recorded samples ----------------------------------------------------------------
async def test_replay_serves_the_recorded_bodies() -> None:
    async with replay_client(BP) as client:
        instruments = await client.instruments()
        funding = await client.funding_current()
        snaps = await client.snapshots()
        btc = instruments.items[0]
        book = await client.order_book(btc)
        day = datetime(2025, 9, 1, tzinfo=UTC)
        history = await client.funding_history(btc, day, day + timedelta(days=1))
    assert [i.venue_symbol for i in instruments.items][:2] == ["BTC_USDC_PERP", "ETH_USDC_PERP"]
    assert funding.items[0].rate_per_hour == Decimal("0.0000125")
    assert snaps.items[0].open_interest_base == Decimal("1273.85214")
    assert book.best_bid == Decimal("118343.0")
    assert [r.funding_time.hour for r in history.items] == [10, 11, 12]


REPLAY_REQUESTS = [
    ("GET", "/api/v1/markets", {}, None),
    ("GET", "/api/v1/market", {"symbol": "BTC_USDC_PERP"}, None),
    ("GET", "/api/v1/markPrices", {}, None),
    ("GET", "/api/v1/openInterest", {}, None),
    ("GET", "/api/v1/fundingRates", {"symbol": "BTC_USDC_PERP"}, None),
    ("GET", "/api/v1/tickers", {}, None),
    ("GET", "/api/v1/ticker", {"symbol": "BTC_USDC_PERP"}, None),
    ("GET", "/api/v1/depth", {"symbol": "BTC_USDC_PERP"}, None),
    ("GET", "/api/v1/trades", {"symbol": "BTC_USDC_PERP"}, None),
    ("GET", "/api/v1/status", {}, None),
    ("GET", "/api/v1/account", {}, None),
    ("GET", "/api/v1/capital", {}, None),
    ("GET", "/api/v1/orders", {}, None),
    ("POST", "/api/v1/order", {}, {"symbol": "BTC_USDC_PERP", "orderType": "Limit"}),
    ("POST", "/api/v1/order", {}, {"symbol": "BTC_USDC_PERP", "orderType": "Market"}),
    ("DELETE", "/api/v1/order", {}, {"symbol": "BTC_USDC_PERP", "orderId": "1"}),
    ("GET", "/api/v1/position", {}, None),
    ("GET", "/wapi/v1/history/fills", {}, None),
    ("GET", "/wapi/v1/history/funding", {}, None),
]


@pytest.mark.skipif(not SAMPLES_DIR.is_dir(), reason="shared exchange_samples not present")
def test_every_recorded_rest_body_is_reachable_in_replay() -> None:
    from perpdex_lib.sim.venues.backpack import replay_name

    names = {replay_name(m, p, q, b) for m, p, q, b in REPLAY_REQUESTS}
    recorded = {f.stem for f in (SAMPLES_DIR / "backpack").glob("*.json") if not f.stem.startswith("ws_")}
    assert names == recorded
    assert replay_name("GET", "/api/v1/markets/SOL_USDC_PERP", {}, None) == "market"
    assert replay_name("GET", "/api/v1/nothing", {}, None) is None

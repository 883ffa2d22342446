"""Hyperliquid connector against the simulator over real HTTP, checked against the model's ground truth."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import aiohttp
import pytest

from perpdex_lib.config import Settings
from perpdex_lib.domain import FundingKind, Venue
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.server import SimServer
from perpdex_lib.venues.base import open_market_data
from tests.venues_support import replay_client, set_faults

pytestmark = pytest.mark.integration
HL = Venue.HYPERLIQUID


def _coin(model: MarketModel, asset) -> str:  # type: ignore[no-untyped-def]
    return f"k{asset.name}" if model.multiplier(HL, asset) == 1000 else asset.name


async def test_instruments_match_the_model(sim_settings: Settings, sim_model: MarketModel) -> None:
    async with open_market_data(HL, sim_settings).http as http:
        from perpdex_lib.venues.hyperliquid.market_data import MarketData

        batch = await MarketData(http).instruments()
    listed = sim_model.listed(HL)
    assert batch.rejects == [] and len(batch.items) == len(listed)
    by_asset = {i.asset: i for i in batch.items}
    assert set(by_asset) == {a.name for a in listed}
    for a in listed:
        inst, spec = by_asset[a.name], sim_model.spec(HL, a)
        assert inst.venue_symbol == _coin(sim_model, a)
        assert inst.multiplier == spec.multiplier
        assert inst.max_leverage == spec.max_leverage
        assert inst.lot_size == (spec.lot if spec.lot <= 1 else Decimal(1))  # 10^-szDecimals cannot exceed 1
        assert inst.funding_interval_hours == spec.interval_h == 1
    pepe = by_asset["PEPE"]
    assert (pepe.venue_symbol, pepe.multiplier) == ("kPEPE", Decimal(1000))
    assert [i.venue_market_id for i in batch.items] == [str(n) for n in range(len(listed))]


async def test_predicted_funding_matches_the_model(sim_settings: Settings, sim_model: MarketModel) -> None:
    before = datetime.now(UTC)
    client = open_market_data(HL, sim_settings)
    async with client.http:
        batch = await client.funding_current()
    after = datetime.now(UTC)
    assert batch.rejects == [] and len(batch.items) == len(sim_model.listed(HL))
    for rate in batch.items:
        a = sim_model.asset(rate.asset)
        assert rate.kind is FundingKind.PREDICTED and rate.interval_hours == 1
        expected = {sim_model.predicted_rate_per_hour(HL, a, t) for t in (before, after)}
        assert rate.rate_per_hour in expected
        assert rate.funding_time in {sim_model.next_settlement(HL, a, t) for t in (before, after)}


async def test_settled_history_count_values_and_paging(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(HL, sim_settings)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start, end = now - timedelta(days=25), now  # 600 settlements: two pages of at most 500
    async with client.http:
        instruments = {i.asset: i for i in (await client.instruments()).items}
        sent_before = client.http.requests_sent
        batch = await client.funding_history(instruments["PEPE"], start, end)
        pages = client.http.requests_sent - sent_before
    a = sim_model.asset("PEPE")
    truth = sim_model.settlement_times(HL, a, start, end)
    assert batch.rejects == [] and len(batch.items) == len(truth) == 600
    assert pages == 2
    assert [r.funding_time for r in batch.items] == truth
    for r in batch.items[::37]:
        assert r.kind is FundingKind.SETTLED and r.venue_symbol == "kPEPE"
        assert r.rate_per_hour == sim_model.settled_rate_per_hour(HL, a, r.funding_time)
        assert r.venue_ts is not None and timedelta(0) <= r.venue_ts - r.funding_time < timedelta(seconds=1)


async def test_snapshots_and_books(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(HL, sim_settings)
    async with client.http:
        snaps = await client.snapshots()
        instruments = {i.asset: i for i in (await client.instruments()).items}
        book = await client.order_book(instruments["BTC"])
        shallow = await client.order_book(instruments["PEPE"], depth=5)
    now = datetime.now(UTC)
    assert snaps.rejects == [] and len(snaps.items) == len(sim_model.listed(HL))
    for s in snaps.items:
        a = sim_model.asset(s.asset)
        mark = sim_model.mark_price(HL, a, now)
        assert abs(s.mark_price - mark) / mark < Decimal("0.002")
        assert s.open_interest_usd == s.open_interest_base * s.mark_price
        oi_usd = sim_model.open_interest_usd(HL, a, now)
        assert abs(s.open_interest_usd - oi_usd) / oi_usd < Decimal("0.01")
        assert s.volume_24h_usd > 0 and s.next_funding_time == sim_model.next_settlement(HL, a, s.ts)
    assert len(book.bids) == len(book.asks) == 20
    assert [lv.price for lv in book.bids] == sorted((lv.price for lv in book.bids), reverse=True)
    assert [lv.price for lv in book.asks] == sorted(lv.price for lv in book.asks)
    assert book.best_bid < book.best_ask
    assert len(shallow.bids) == 5 and shallow.venue_symbol == "kPEPE"
    pepe_mark = sim_model.mark_price(HL, sim_model.asset("PEPE"), now)
    assert abs(shallow.mid - pepe_mark) / pepe_mark < Decimal("0.01")  # venue units: 1000 PEPE


async def test_concurrent_instruments_and_snapshots_share_one_request(sim_settings: Settings) -> None:
    import asyncio

    client = open_market_data(HL, sim_settings)
    async with client.http:
        instruments, snaps = await asyncio.gather(client.instruments(), client.snapshots())
        assert client.http.requests_sent == 1
        await client.instruments()  # a finished request is never reused
        assert client.http.requests_sent == 2
    assert len(instruments.items) == len(snaps.items)


async def test_websocket_subscriptions(sim_urls: dict[Venue, str]) -> None:
    ws_url = "ws" + sim_urls[HL][len("http"):] + "/ws"
    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
        assert await ws.receive_str(timeout=5) == "Websocket connection established."
        await ws.send_str(json.dumps({"method": "ping"}))
        assert json.loads(await ws.receive_str(timeout=5)) == {"channel": "pong"}
        sub = {"type": "activeAssetCtx", "coin": "BTC"}
        await ws.send_str(json.dumps({"method": "subscribe", "subscription": sub}))
        ack = json.loads(await ws.receive_str(timeout=5))
        assert ack == {"channel": "subscriptionResponse", "data": {"method": "subscribe", "subscription": sub}}
        frame = json.loads(await ws.receive_str(timeout=5))
        assert frame["channel"] == "activeAssetCtx" and frame["data"]["coin"] == "BTC"
        assert isinstance(frame["data"]["ctx"]["funding"], str)
        await ws.send_str(json.dumps({"method": "subscribe", "subscription": {"type": "l2Book", "coin": "NOPE"}}))
        err = json.loads(await ws.receive_str(timeout=5))
        while err["channel"] == "activeAssetCtx":
            err = json.loads(await ws.receive_str(timeout=5))
        assert err["channel"] == "error"


# ---- venue-specific faults (private simulator; the common ones are in test_venue_faults.py) ------------


async def test_malformed_rows_become_rejects(private_sim: SimServer, private_sim_settings: Settings) -> None:
    stats = set_faults(private_sim, HL, malformed_rate=1.0, malformed_mode="row")
    client = open_market_data(HL, private_sim_settings)
    async with client.http:
        batch = await client.instruments()
    assert stats["malformed"] == 1
    assert len(batch.rejects) == 1 and len(batch.items) == len(private_sim.model.listed(HL)) - 1
    assert batch.rejects[0].venue == "hyperliquid" and batch.rejects[0].endpoint == "info/metaAndAssetCtxs"


async def test_connector_reads_replayed_recordings() -> None:
    async with replay_client(HL) as client:
        instruments = await client.instruments()
        funding = await client.funding_current()
        snaps = await client.snapshots()
        btc = next(i for i in instruments.items if i.venue_symbol == "BTC")
        day = datetime(2025, 12, 3, tzinfo=UTC)
        history = await client.funding_history(btc, day, day + timedelta(days=1))
        book = await client.order_book(btc, 2)
    assert [i.venue_symbol for i in instruments.items] == ["BTC", "ETH", "SOL", "DOGE", "MATIC"]
    assert {f.venue_symbol for f in funding.items} == {"BTC", "SOL"} and len(snaps.items) == 4
    assert [r.funding_time.hour for r in history.items] == [13, 14, 15]
    assert book.best_bid == Decimal("92697.0") and len(book.asks) == 2

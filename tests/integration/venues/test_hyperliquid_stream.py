"""Hyperliquid WebSocket stream against the simulator: books and asset contexts, reconnect after an outage."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from perpdex_lib.domain import FundingKind, Venue
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.server import SimServer
from perpdex_lib.venues.hyperliquid.stream import AssetCtxUpdate, MarketStream, event_from_frame, ws_url

pytestmark = pytest.mark.integration
HL = Venue.HYPERLIQUID


async def _first_of_each(stream: MarketStream, timeout_s: float = 10.0) -> dict[str, object]:
    got: dict[str, object] = {}

    async def consume() -> None:
        async with contextlib.aclosing(aiter(stream)) as events:  # closes the socket when we stop early
            async for event in events:
                got.setdefault("book" if not isinstance(event, AssetCtxUpdate) else "ctx", event)
                if len(got) == 2:
                    return

    await asyncio.wait_for(consume(), timeout_s)
    return got


def test_ws_url_follows_the_sdk_rule() -> None:
    assert ws_url("https://api.hyperliquid.xyz") == "wss://api.hyperliquid.xyz/ws"
    assert ws_url("http://127.0.0.1:18107/") == "ws://127.0.0.1:18107/ws"
    assert event_from_frame({"channel": "pong"}, datetime.now(UTC)) is None


async def test_stream_books_and_asset_ctxs(sim_urls: dict[Venue, str], sim_model: MarketModel) -> None:
    stream = MarketStream(sim_urls[HL], books=["BTC"], ctxs=["kPEPE"])
    before = datetime.now(UTC)
    got = await _first_of_each(stream)
    after = datetime.now(UTC)
    book, ctx = got["book"], got["ctx"]
    assert book.venue_symbol == "BTC" and len(book.bids) == 20 and book.best_bid < book.best_ask
    assert isinstance(ctx, AssetCtxUpdate)
    pepe = sim_model.asset("PEPE")
    assert ctx.funding.kind is FundingKind.PREDICTED and ctx.funding.asset == "PEPE"
    assert ctx.funding.rate_per_hour in {sim_model.predicted_rate_per_hour(HL, pepe, t) for t in (before, after)}
    mark = sim_model.mark_price(HL, pepe, after)
    assert abs(ctx.snapshot.mark_price - mark) / mark < Decimal("0.01")
    assert ctx.snapshot.open_interest_usd == ctx.snapshot.open_interest_base * ctx.snapshot.mark_price
    assert stream.stats.connects == 1 and stream.stats.skipped == 0


async def test_stream_reconnects_after_an_outage(private_sim: SimServer) -> None:
    faults = private_sim.contexts[HL].faults
    faults.config.update({"down": True})

    async def recover() -> None:
        await asyncio.sleep(0.3)
        faults.reset()

    stream = MarketStream(private_sim.urls[HL], books=["ETH"], ctxs=["BTC"], backoff_s=0.2)
    recovery = asyncio.create_task(recover())
    got = await _first_of_each(stream)
    await recovery
    assert faults.stats["dropped"] >= 1
    assert got["book"].venue_symbol == "ETH" and stream.stats.connects == 1

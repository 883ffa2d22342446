"""Live Hyperliquid market data over the /ws WebSocket: ``l2Book`` and ``activeAssetCtx`` per coin.

The REST connector is what the pipeline uses; this stream is for consumers that need updates between
sweeps (the executor's books, live funding). It keeps the venue's protocol: subscribe with
``{"method": "subscribe", "subscription": {...}}``, answer frames ``{"channel", "data"}``, ping every 50 s
(the server drops idle connections after 60 s), and after a disconnect it reconnects with backoff and
subscribes again. Frames that do not parse are skipped and counted, never raised.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp

from perpdex_lib.domain import FundingRate, MarketSnapshot, OrderBook, Venue
from perpdex_lib.symbols import canonical_asset
from perpdex_lib.venues.errors import VenueError, VenueParseError, VenueUnavailable
from perpdex_lib.venues.hyperliquid import constants as c
from perpdex_lib.venues.hyperliquid import parse
from perpdex_lib.venues.hyperliquid.schemas import AssetCtx
from perpdex_lib.venues.wire import decode_json, parse_wire

log = logging.getLogger(__name__)

PING_INTERVAL_S = 50.0
_V = Venue.HYPERLIQUID.value


@dataclass(frozen=True, slots=True)
class AssetCtxUpdate:
    """One ``activeAssetCtx`` frame as domain objects: the live funding estimate and a snapshot."""

    funding: FundingRate
    snapshot: MarketSnapshot


StreamEvent = OrderBook | AssetCtxUpdate


@dataclass
class StreamStats:
    frames: int = 0
    skipped: int = 0  # frames that did not parse
    connects: int = 0


def ws_url(base_url: str) -> str:
    """The venue's rule (and the SDK's): http(s) -> ws(s), plus ``/ws``."""
    return "ws" + base_url.rstrip("/")[len("http"):] + c.WS_PATH


def snapshot_from_ctx(coin: str, ctx_row: Any, observed_at: datetime) -> MarketSnapshot:
    ctx = parse_wire(AssetCtx, ctx_row, _V, "ws/activeAssetCtx")
    asset, _ = canonical_asset(coin)
    return MarketSnapshot(
        venue=Venue.HYPERLIQUID, venue_symbol=coin, asset=asset, ts=observed_at, mark_price=ctx.markPx,
        index_price=ctx.oraclePx, open_interest_base=ctx.openInterest,
        open_interest_usd=ctx.openInterest * ctx.markPx, volume_24h_usd=ctx.dayNtlVlm,
        next_funding_time=parse.next_hour(observed_at),
    )


def event_from_frame(frame: Any, observed_at: datetime) -> StreamEvent | None:
    """A data frame -> domain event; None for control frames (pong, subscriptionResponse)."""
    if not isinstance(frame, dict) or not isinstance(frame.get("channel"), str):
        raise VenueParseError(_V, "ws", "channel", "frame without a channel")
    channel, data = frame["channel"], frame.get("data")
    if channel == "l2Book":
        return parse.order_book_from(data)
    if channel == "activeAssetCtx":
        if not isinstance(data, dict) or not isinstance(data.get("coin"), str):
            raise VenueParseError(_V, "ws/activeAssetCtx", "data.coin", "missing coin")
        coin = data["coin"]
        funding = parse.predicted_from_ctx(coin, data.get("ctx"), observed_at, "ws/activeAssetCtx")
        return AssetCtxUpdate(funding, snapshot_from_ctx(coin, data.get("ctx"), observed_at))
    if channel == "error":
        raise VenueParseError(_V, "ws", "error", str(data)[:200])
    return None


@dataclass
class MarketStream:
    """Subscribe to books and/or asset contexts of ``coins``; iterate to receive events."""

    base_url: str
    books: Iterable[str] = ()
    ctxs: Iterable[str] = ()
    max_reconnects: int = 10
    backoff_s: float = 0.5
    stats: StreamStats = field(default_factory=StreamStats)

    def subscriptions(self) -> list[dict[str, str]]:
        return ([{"type": c.L2_BOOK, "coin": x} for x in self.books]
                + [{"type": "activeAssetCtx", "coin": x} for x in self.ctxs])

    async def __aiter__(self) -> AsyncIterator[StreamEvent]:
        failures = 0
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    async for event in self._connection(session):
                        failures = 0
                        yield event
                except (aiohttp.ClientError, TimeoutError, ConnectionError) as exc:
                    failures += 1
                    if failures > self.max_reconnects:
                        raise VenueUnavailable(_V, "ws", f"gave up after {failures} attempts: {exc!r}") from None
                    log.info("hyperliquid ws: %s; reconnecting (%d)", type(exc).__name__, failures)
                    await asyncio.sleep(min(self.backoff_s * 2 ** (failures - 1), 10.0))

    async def _connection(self, session: aiohttp.ClientSession) -> AsyncIterator[StreamEvent]:
        async with session.ws_connect(ws_url(self.base_url), heartbeat=None, timeout=10) as ws:
            self.stats.connects += 1
            for sub in self.subscriptions():
                await ws.send_str(json.dumps({"method": "subscribe", "subscription": sub}))
            pinger = asyncio.create_task(self._ping(ws))
            try:
                async for msg in ws:
                    if msg.type == aiohttp.WSMsgType.ERROR:
                        raise aiohttp.ClientError(f"websocket error: {ws.exception()!r}")
                    if msg.type != aiohttp.WSMsgType.TEXT or not msg.data.startswith("{"):
                        continue  # the greeting "Websocket connection established." and binary frames
                    self.stats.frames += 1
                    try:
                        event = event_from_frame(decode_json(msg.data), datetime.now(UTC))
                    except (VenueError, ValueError, ArithmeticError) as exc:
                        self.stats.skipped += 1
                        log.debug("hyperliquid ws: skipped frame: %s", exc)
                        continue
                    if event is not None:
                        yield event
            finally:
                pinger.cancel()
            raise ConnectionError("websocket closed by the server")

    @staticmethod
    async def _ping(ws: aiohttp.ClientWebSocketResponse) -> None:
        while not ws.closed:
            await asyncio.sleep(PING_INTERVAL_S)
            await ws.send_str(json.dumps({"method": "ping"}))

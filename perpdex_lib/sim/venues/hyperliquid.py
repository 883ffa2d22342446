"""Hyperliquid simulator: POST /info (the request types our connector and the official SDK use) and /ws.

Built from the deterministic model: prices and sizes are already in venue units (kPEPE = 1000 PEPE), rates
are fractions per hour, which is exactly how Hyperliquid quotes them (1 h settlement). Decimals go out as
JSON strings and counts/times as ints, as in ``exchange_samples/hyperliquid``. History prints carry a few
ms of deterministic jitter after the hour, like the real venue.

Known simplification: the model's prices have 6 significant figures; the real venue rounds to 5.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiohttp import WSMsgType, web

from perpdex_lib.domain.enums import Venue
from perpdex_lib.sim.context import SimContext, fmt, ms
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.universe import SimAsset

VENUE = Venue.HYPERLIQUID
HISTORY_PAGE_ROWS = 500
BOOK_LEVELS = 20
WS_PUSH_INTERVAL_S = 0.5
WS_GREETING = "Websocket connection established."
_HOUR = timedelta(hours=1)

SPOT_META: dict[str, Any] = {
    "universe": [
        {"tokens": [1, 0], "name": "PURR/USDC", "index": 0, "isCanonical": True},
        {"tokens": [150, 0], "name": "@107", "index": 107, "isCanonical": False},
    ],
    "tokens": [
        {"name": "USDC", "szDecimals": 8, "weiDecimals": 8, "index": 0,
         "tokenId": "0x6d1e7cde53ba9467b783cb7c530ce054", "isCanonical": True, "evmContract": None, "fullName": None},
        {"name": "PURR", "szDecimals": 0, "weiDecimals": 5, "index": 1,
         "tokenId": "0xc1fb593aeffbeb02f85e0308e9956a90", "isCanonical": True, "evmContract": None, "fullName": None},
        {"name": "HYPE", "szDecimals": 2, "weiDecimals": 8, "index": 150,
         "tokenId": "0x0d01dc56dcaaca66ad901c959b4011ec", "isCanonical": False, "evmContract": None,
         "fullName": "Hyperliquid"},
    ],
}
SPOT_MIDS = {"@107": "38.512", "PURR/USDC": "0.16112"}


def coin_name(model: MarketModel, asset: SimAsset) -> str:
    """Hyperliquid's coin name: ``kPEPE`` for assets quoted per 1000 units."""
    return f"k{asset.name}" if model.multiplier(VENUE, asset) == 1000 else asset.name


def _sz_decimals(lot: Decimal) -> int:
    """Hyperliquid expresses the lot as 10^-szDecimals; lots above 1 are not representable (-> 0)."""
    return max(0, -lot.normalize().as_tuple().exponent) if lot < 1 else 0  # type: ignore[operator]


def _jitter_ms(coin: str, t: datetime) -> int:
    return zlib.crc32(f"{coin}:{int(t.timestamp())}".encode()) % 400


class _Venue:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.model = ctx.model
        self.listed = self.model.listed(VENUE)
        self.by_coin = {coin_name(self.model, a): a for a in self.listed}

    # ---- bodies -------------------------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        universe, tables = [], {}
        for a in self.listed:
            spec = self.model.spec(VENUE, a)
            universe.append({"szDecimals": _sz_decimals(spec.lot), "name": coin_name(self.model, a),
                             "maxLeverage": spec.max_leverage, "marginTableId": spec.max_leverage})
            tables[spec.max_leverage] = {"description": "", "marginTiers": [
                {"lowerBound": "0.0", "maxLeverage": spec.max_leverage}]}
        return {"universe": universe, "marginTables": [[k, v] for k, v in sorted(tables.items())],
                "collateralToken": 0}

    def asset_ctx(self, a: SimAsset, now: datetime) -> dict[str, Any]:
        m = self.model
        mark, index = m.mark_price(VENUE, a, now), m.index_price(VENUE, a, now)
        bids, asks = m.order_book(VENUE, a, now, depth=1)
        volume = m.volume_24h_usd(VENUE, a, now)
        return {
            "funding": fmt(m.predicted_rate_per_hour(VENUE, a, now)),
            "openInterest": fmt(m.open_interest_base(VENUE, a, now)),
            "prevDayPx": fmt(m.mark_price(VENUE, a, now - timedelta(days=1))),
            "dayNtlVlm": fmt(volume),
            "premium": fmt(((mark - index) / index).quantize(Decimal("1e-8"))),
            "oraclePx": fmt(index),
            "markPx": fmt(mark),
            "midPx": fmt((bids[0][0] + asks[0][0]) / 2),
            "impactPxs": [fmt(bids[0][0]), fmt(asks[0][0])],
            "dayBaseVlm": fmt((volume / mark).quantize(Decimal("1e-2"))),
        }

    def meta_and_ctxs(self) -> list[Any]:
        now = self.ctx.now()
        return [self.meta(), [self.asset_ctx(a, now) for a in self.listed]]

    def predicted(self) -> list[Any]:
        now = self.ctx.now()
        out = []
        for a in self.listed:
            rate = self.model.predicted_rate_per_hour(VENUE, a, now)
            nxt = ms(self.model.next_settlement(VENUE, a, now))
            binance_next = ms(now.replace(hour=now.hour - now.hour % 8, minute=0, second=0, microsecond=0)
                              + timedelta(hours=8))
            out.append([coin_name(self.model, a), [
                ["BinPerp", {"fundingRate": fmt(rate * 8), "nextFundingTime": binance_next,
                             "fundingIntervalHours": 8}],
                ["HlPerp", {"fundingRate": fmt(rate), "nextFundingTime": nxt, "fundingIntervalHours": 1}],
                ["BybitPerp", None],
            ]])
        return out

    def funding_history(self, coin: str, start_ms: int, end_ms: int | None) -> list[dict[str, Any]]:
        a = self.by_coin.get(coin)
        if a is None:
            return []
        now = self.ctx.now()
        end_ms = min(end_ms if end_ms is not None else ms(now), ms(now))
        start = datetime.fromtimestamp(max(start_ms, 0) / 1000, UTC)
        end = datetime.fromtimestamp(end_ms / 1000, UTC)
        rows = []
        for t in self.model.settlement_times(VENUE, a, start - _HOUR, end + _HOUR):
            printed = ms(t) + _jitter_ms(coin, t)
            if not start_ms <= printed <= end_ms:
                continue
            rate = self.model.settled_rate_per_hour(VENUE, a, t)
            rows.append({"coin": coin, "fundingRate": fmt(rate),
                         "premium": fmt((rate - Decimal("0.0000125")) * 8), "time": printed})
            if len(rows) == HISTORY_PAGE_ROWS:
                break
        return rows

    def l2_book(self, coin: str, now: datetime | None = None) -> dict[str, Any] | None:
        a = self.by_coin.get(coin)
        if a is None:
            return None
        now = now or self.ctx.now()
        bids, asks = self.model.order_book(VENUE, a, now, depth=BOOK_LEVELS)

        def side(levels: list[tuple[Decimal, Decimal]], tag: str) -> list[dict[str, Any]]:
            return [{"px": fmt(px), "sz": fmt(sz), "n": 1 + zlib.crc32(f"{coin}{tag}{i}".encode()) % 20}
                    for i, (px, sz) in enumerate(levels)]

        return {"coin": coin, "time": ms(now), "levels": [side(bids, "b"), side(asks, "a")]}

    def all_mids(self) -> dict[str, str]:
        now = self.ctx.now()
        out = {}
        for coin, a in self.by_coin.items():
            bids, asks = self.model.order_book(VENUE, a, now, depth=1)
            out[coin] = fmt((bids[0][0] + asks[0][0]) / 2)
        out.update(SPOT_MIDS)
        return out

    # ---- HTTP ---------------------------------------------------------------------------------
    async def info(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return _deserialize_error()
        kind = body["type"]
        dex = body.get("dex", "")
        if dex not in ("", None):
            return web.json_response(None)  # no builder-deployed dexes in the simulator
        if kind == "meta":
            return web.json_response(self.meta())
        if kind == "spotMeta":
            return web.json_response(SPOT_META)
        if kind == "metaAndAssetCtxs":
            return web.json_response(self.meta_and_ctxs())
        if kind == "predictedFundings":
            return web.json_response(self.predicted())
        if kind == "allMids":
            return web.json_response(self.all_mids())
        if kind == "fundingHistory":
            coin, start, end = body.get("coin"), body.get("startTime"), body.get("endTime")
            if not isinstance(coin, str) or not _is_int(start) or not (end is None or _is_int(end)):
                return _deserialize_error()
            return web.json_response(self.funding_history(coin, start, end))
        if kind == "l2Book":
            if not isinstance(body.get("coin"), str):
                return _deserialize_error()
            return web.json_response(self.l2_book(body["coin"]))
        return _deserialize_error()

    # ---- WebSocket ----------------------------------------------------------------------------
    def ws_frame(self, sub: dict[str, Any]) -> dict[str, Any] | None:
        kind, coin = sub.get("type"), sub.get("coin")
        now = self.ctx.now()
        if kind == "allMids":
            return {"channel": "allMids", "data": {"mids": self.all_mids()}}
        if kind == "l2Book" and isinstance(coin, str) and coin in self.by_coin:
            return {"channel": "l2Book", "data": self.l2_book(coin, now)}
        if kind == "activeAssetCtx" and isinstance(coin, str) and coin in self.by_coin:
            return {"channel": "activeAssetCtx", "data": {"coin": coin, "ctx": self.asset_ctx(self.by_coin[coin], now)}}
        return None

    async def ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        await ws.send_str(WS_GREETING)
        feeds: dict[str, asyncio.Task[None]] = {}

        async def push(sub: dict[str, Any]) -> None:
            while not ws.closed:
                frame = self.ws_frame(sub)
                if frame is not None:
                    await ws.send_str(json.dumps(frame))
                await asyncio.sleep(WS_PUSH_INTERVAL_S)

        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    req = json.loads(msg.data)
                except json.JSONDecodeError:
                    await ws.send_str(json.dumps({"channel": "error", "data": f"Invalid message: {msg.data}"}))
                    continue
                method = req.get("method") if isinstance(req, dict) else None
                sub = req.get("subscription") if isinstance(req, dict) else None
                if method == "ping":
                    await ws.send_str(json.dumps({"channel": "pong"}))
                elif method in ("subscribe", "unsubscribe") and isinstance(sub, dict):
                    key = json.dumps(sub, sort_keys=True)
                    if method == "subscribe" and self.ws_frame(sub) is None:
                        await ws.send_str(json.dumps({"channel": "error", "data": f"Invalid subscription {sub}"}))
                        continue
                    await ws.send_str(json.dumps(
                        {"channel": "subscriptionResponse", "data": {"method": method, "subscription": sub}}))
                    if method == "subscribe" and key not in feeds:
                        feeds[key] = asyncio.create_task(push(sub))
                    elif method == "unsubscribe" and key in feeds:
                        feeds.pop(key).cancel()
                else:
                    await ws.send_str(json.dumps({"channel": "error", "data": f"Unknown method: {msg.data}"}))
        finally:
            for task in feeds.values():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionResetError):
                    await task
        return ws


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _deserialize_error() -> web.Response:
    return web.Response(status=422, text="Failed to deserialize the JSON body into the target type")


def setup(app: web.Application, ctx: SimContext) -> None:
    venue = _Venue(ctx)
    app.router.add_post("/info", venue.info)
    app.router.add_get("/ws", venue.ws)


_REPLAY_INFO = {
    "meta": "meta",
    "spotMeta": "spot_meta",
    "metaAndAssetCtxs": "meta_and_asset_ctxs",
    "predictedFundings": "predicted_fundings",
    "fundingHistory": "funding_history",
    "l2Book": "l2_book",
    "allMids": "all_mids",
    "clearinghouseState": "clearinghouse_state",
    "openOrders": "open_orders",
    "userFills": "user_fills",
    "userFunding": "user_funding",
    "userFees": "user_fees",
}


def replay_name(method: str, path: str, query: dict[str, str], body: Any) -> str | None:
    """The ``exchange_samples/hyperliquid`` file answering a request (POST /info by type, POST /exchange)."""
    if method != "POST" or not isinstance(body, dict):
        return None
    if path == "/info":
        return _REPLAY_INFO.get(body.get("type", ""))
    if path == "/exchange":
        action = body.get("action") if isinstance(body.get("action"), dict) else {}
        kind = action.get("type")
        if kind == "order":
            return "exchange_order_resting"
        if kind in ("cancel", "cancelByCloid"):
            return "exchange_cancel"
    return None

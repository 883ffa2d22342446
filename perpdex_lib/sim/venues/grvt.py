"""GRVT simulator routes: POST + JSON bodies under /full/v1, one port for all three GRVT hosts.

Wire rules kept exactly: int64 (timestamps, ids) as strings in unix nanoseconds, int32 as numbers,
decimals as strings; funding in percentage points, ``funding_rate`` per the instrument's own interval,
``funding_rate_8h_*`` normalised to 8 h. Values come from the deterministic ``MarketModel`` at
``ctx.now()`` (so the stale fault shifts them).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiohttp import web

from perpdex_lib.domain.enums import Venue
from perpdex_lib.sim.context import SimContext, fmt
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.universe import SimAsset

VENUE = Venue.GRVT
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CREATE_TIME = datetime(2024, 6, 1, tzinfo=UTC)
BOOK_DEPTHS = (10, 50, 100, 500)
FUNDING_LIMIT_MAX = 1000
FUNDING_LIMIT_DEFAULT = 500
INSTRUMENTS_LIMIT_DEFAULT = 500

_REPLAY_NAMES = {
    "all_instruments": "all_instruments",
    "instruments": "all_instruments",
    "instrument": "instrument",
    "ticker": "ticker",
    "book": "book",
    "funding": "funding",
    "trade": "trade",
    "trade_history": "trade_history",
    "create_order": "create_order",
    "cancel_order": "cancel_order",
    "cancel_all_orders": "cancel_all_orders",
    "open_orders": "open_orders",
    "order": "order",
    "positions": "positions",
    "fill_history": "fill_history",
    "funding_payment_history": "funding_payment_history",
    "account_summary": "account_summary",
}


def ns(t: datetime) -> str:
    """Unix nanoseconds as the JSON string GRVT sends (exact, no float)."""
    return str((t - _EPOCH) // timedelta(microseconds=1) * 1000)


def from_ns(value: str) -> datetime:
    return _EPOCH + timedelta(microseconds=int(value) // 1000)


def symbol(model: MarketModel, asset: SimAsset) -> str:
    mult = model.multiplier(VENUE, asset)
    base = f"{mult}{asset.name}" if mult != 1 else asset.name
    return f"{base}_USDT_Perp"


def _error(code: int, message: str, status: int) -> web.Response:
    return web.json_response({"code": code, "message": message, "status": status}, status=status)


def _bad(message: str) -> web.Response:
    return _error(1003, f"Request could not be processed due to malformed syntax: {message}", 400)


def instrument_body(model: MarketModel, asset: SimAsset) -> dict[str, Any]:
    spec = model.spec(VENUE, asset)
    cap = Decimal("0.3") if asset.rank < 10 else Decimal("0.75")
    return {
        "instrument": symbol(model, asset),
        "instrument_hash": f"0x{0x030001 + asset.rank * 0x100:06x}",
        "base": symbol(model, asset).split("_")[0],
        "quote": "USDT",
        "kind": "PERPETUAL",
        "venues": ["ORDERBOOK", "RFQ"],
        "settlement_period": "PERPETUAL",
        "base_decimals": 9,
        "quote_decimals": 6,
        "tick_size": fmt(spec.tick),
        "min_size": fmt(spec.min_size),
        "create_time": ns(_CREATE_TIME),
        "max_position_size": fmt(spec.lot * 10_000_000),
        "funding_interval_hours": spec.interval_h,
        "adjusted_funding_rate_cap": fmt(cap),
        "adjusted_funding_rate_floor": fmt(-cap),
        "min_notional": fmt(spec.min_notional_usd),
    }


def ticker_body(model: MarketModel, asset: SimAsset, now: datetime) -> dict[str, Any]:
    spec = model.spec(VENUE, asset)
    mark = model.mark_price(VENUE, asset, now)
    index = model.index_price(VENUE, asset, now)
    bids, asks = model.order_book(VENUE, asset, now, depth=1)
    (bid_px, bid_sz), (ask_px, ask_sz) = bids[0], asks[0]
    rate_h = model.predicted_rate_per_hour(VENUE, asset, now)
    last_settled = model.last_settlement(VENUE, asset, now)
    avg_h = model.settled_rate_per_hour(VENUE, asset, last_settled)
    volume_usd = model.volume_24h_usd(VENUE, asset, now)
    buy_q = (volume_usd * Decimal("0.52")).quantize(Decimal("0.0001"))
    sell_q = volume_usd - buy_q
    return {
        "event_time": ns(now),
        "instrument": symbol(model, asset),
        "mark_price": fmt(mark),
        "index_price": fmt(index),
        "last_price": fmt(bid_px),
        "last_size": fmt(spec.lot),
        "mid_price": fmt((bid_px + ask_px) / 2),
        "best_bid_price": fmt(bid_px),
        "best_bid_size": fmt(bid_sz),
        "best_ask_price": fmt(ask_px),
        "best_ask_size": fmt(ask_sz),
        "funding_rate_8h_curr": fmt(rate_h * 8 * 100),
        "funding_rate_8h_avg": fmt(avg_h * 8 * 100),
        "interest_rate": "0.0",
        "forward_price": "0.0",
        "buy_volume_24h_b": fmt((buy_q / mark).quantize(spec.lot)),
        "sell_volume_24h_b": fmt((sell_q / mark).quantize(spec.lot)),
        "buy_volume_24h_q": fmt(buy_q),
        "sell_volume_24h_q": fmt(sell_q),
        "high_price": fmt((mark * Decimal("1.02")).quantize(spec.tick)),
        "low_price": fmt((mark * Decimal("0.98")).quantize(spec.tick)),
        "open_price": fmt(index),
        "open_interest": fmt(model.open_interest_base(VENUE, asset, now)),
        "long_short_ratio": "1.05",
        "funding_rate": fmt(rate_h * spec.interval_h * 100),
        "next_funding_time": ns(model.next_settlement(VENUE, asset, now)),
    }


MINI_FIELDS = (
    "event_time", "instrument", "mark_price", "index_price", "last_price", "last_size", "mid_price",
    "best_bid_price", "best_bid_size", "best_ask_price", "best_ask_size",
)


def funding_row(model: MarketModel, asset: SimAsset, t: datetime) -> dict[str, Any]:
    interval = model.interval_hours(VENUE, asset)
    rate_h = model.settled_rate_per_hour(VENUE, asset, t)
    return {
        "instrument": symbol(model, asset),
        "funding_rate": fmt(rate_h * interval * 100),
        "funding_time": ns(t),
        "mark_price": fmt(model.mark_price(VENUE, asset, t)),
        "funding_rate_8_h_avg": fmt(rate_h * 8 * 100),
        "funding_interval_hours": interval,
    }


def encode_cursor(t: datetime) -> str:
    raw = json.dumps({"fundingTime": int(ns(t))}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> datetime:
    data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return from_ns(str(int(data["fundingTime"])))


def setup(app: web.Application, ctx: SimContext) -> None:
    model = ctx.model
    by_symbol = {symbol(model, a): a for a in model.listed(VENUE)}

    async def body_of(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise web.HTTPBadRequest(
                text=json.dumps({"code": 1003, "message": "malformed JSON body", "status": 400}),
                content_type="application/json",
            ) from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(
                text=json.dumps({"code": 1003, "message": "body must be an object", "status": 400}),
                content_type="application/json",
            )
        return data

    def asset_of(body: dict[str, Any]) -> SimAsset | None:
        return by_symbol.get(str(body.get("instrument", "")))

    def now() -> datetime:
        return ctx.now()

    async def all_instruments(request: web.Request) -> web.Response:
        await body_of(request)
        return web.json_response({"result": [instrument_body(model, a) for a in by_symbol.values()]})

    async def instruments(request: web.Request) -> web.Response:
        body = await body_of(request)
        rows = [instrument_body(model, a) for a in by_symbol.values()]
        for key in ("kind", "base", "quote"):
            wanted = body.get(key)
            if wanted:
                if not isinstance(wanted, list):
                    return _bad(f"{key} must be a list")
                rows = [r for r in rows if r[key] in wanted]
        limit = body.get("limit") or INSTRUMENTS_LIMIT_DEFAULT  # the SDK sends null for unset fields
        if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
            return _bad("limit must be a positive integer")
        return web.json_response({"result": rows[:limit]})

    async def instrument(request: web.Request) -> web.Response:
        asset = asset_of(await body_of(request))
        if asset is None:
            return _error(1004, "Data Not Found", 404)
        return web.json_response({"result": instrument_body(model, asset)})

    async def ticker(request: web.Request) -> web.Response:
        asset = asset_of(await body_of(request))
        if asset is None:
            return _error(1004, "Data Not Found", 404)
        return web.json_response({"result": ticker_body(model, asset, now())})

    async def mini(request: web.Request) -> web.Response:
        asset = asset_of(await body_of(request))
        if asset is None:
            return _error(1004, "Data Not Found", 404)
        full = ticker_body(model, asset, now())
        return web.json_response({"result": {k: full[k] for k in MINI_FIELDS}})

    async def book(request: web.Request) -> web.Response:
        body = await body_of(request)
        asset = asset_of(body)
        if asset is None:
            return _error(1004, "Data Not Found", 404)
        depth = body.get("depth")
        if depth not in BOOK_DEPTHS or isinstance(depth, bool):
            return _bad(f"depth must be one of {BOOK_DEPTHS}")
        t = now()
        bids, asks = model.order_book(VENUE, asset, t, depth=depth)

        def levels(side: list[tuple[Decimal, Decimal]]) -> list[dict[str, Any]]:
            return [{"price": fmt(px), "size": fmt(sz), "num_orders": 1 + i % 7} for i, (px, sz) in enumerate(side)]

        return web.json_response(
            {"result": {"event_time": ns(t), "instrument": symbol(model, asset), "bids": levels(bids),
                        "asks": levels(asks)}}
        )

    async def funding(request: web.Request) -> web.Response:
        body = await body_of(request)
        asset = asset_of(body)
        if asset is None:
            return _error(1004, "Data Not Found", 404)
        limit = body.get("limit") or FUNDING_LIMIT_DEFAULT
        if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
            return _bad("limit must be a positive integer")
        limit = min(limit, FUNDING_LIMIT_MAX)
        try:
            end = from_ns(body["end_time"]) if body.get("end_time") else now()
            start = from_ns(body["start_time"]) if body.get("start_time") else _CREATE_TIME
            before = decode_cursor(body["cursor"]) if body.get("cursor") else None
        except (ValueError, TypeError, KeyError, OverflowError, binascii.Error, json.JSONDecodeError):
            return _bad("start_time/end_time must be nanosecond strings, cursor as returned")
        # end_time is inclusive; newest first; nothing before the instrument was created
        times = model.settlement_times(VENUE, asset, max(start, _CREATE_TIME), end + timedelta(microseconds=1))
        if before is not None:
            times = [t for t in times if t < before]
        times.reverse()
        page, rest = times[:limit], times[limit:]
        return web.json_response(
            {"result": [funding_row(model, asset, t) for t in page],
             "next": encode_cursor(page[-1]) if rest else ""}
        )

    async def login(request: web.Request) -> web.Response:
        body = await body_of(request)
        if not body.get("api_key"):
            return _error(1000, "You need to authenticate prior to using this functionality", 401)
        expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
        token = "sim-" + hashlib.sha256(str(body["api_key"]).encode()).hexdigest()[:24]
        resp = web.json_response({"status": "success"})
        resp.headers["Set-Cookie"] = f"gravity={token}; Expires={expires}; Path=/"
        resp.headers["X-Grvt-Account-Id"] = "sim-account-1"
        return resp

    r = app.router
    r.add_post("/full/v1/all_instruments", all_instruments)
    r.add_post("/full/v1/instruments", instruments)
    r.add_post("/full/v1/instrument", instrument)
    r.add_post("/full/v1/ticker", ticker)
    r.add_post("/full/v1/mini", mini)
    r.add_post("/full/v1/book", book)
    r.add_post("/full/v1/funding", funding)
    r.add_post("/auth/api_key/login", login)


def replay_name(method: str, path: str, query: dict[str, str], body: Any) -> str | None:
    """Map a request to the sample stem in exchange_samples/grvt/ (every GRVT call is a POST)."""
    if method != "POST":
        return None
    if path == "/auth/api_key/login":
        return "auth_login"
    for prefix in ("/full/v1/", "/lite/v1/"):
        if path.startswith(prefix):
            return _REPLAY_NAMES.get(path[len(prefix):])
    return None

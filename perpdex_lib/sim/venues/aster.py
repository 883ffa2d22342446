"""Aster simulator routes: the Binance-compatible /fapi public API, driven by the market model.

Bodies follow ``exchange_samples/aster`` key for key (decimals as strings with Aster's fixed 8 places for
prices and rates, ms ints, ``fundingFeeCap/Floor`` as JSON numbers). Served under ``/fapi/v1`` and ``/fapi/v3``.
Funding history starts at the listing date ``ONBOARD`` and follows Binance's startTime/endTime/limit rules.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from aiohttp import web

from perpdex_lib.domain.enums import Venue
from perpdex_lib.sim.context import SimContext, fmt, ms
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.universe import SimAsset

VENUE = Venue.ASTER
ONBOARD = datetime(2025, 3, 19, 1, tzinfo=UTC)  # every simulated symbol's onboardDate
DELIVERY_DATE_MS = 4133404800000  # perpetuals carry Binance's far-future delivery date
MAX_HISTORY_LIMIT = 1000
DEFAULT_HISTORY_LIMIT = 100
DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
Q8 = Decimal("1E-8")
RATE_LIMITS = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
    {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
]


def symbol_of(model: MarketModel, asset: SimAsset) -> str:
    return f"{base_of(model, asset)}USDT"


def base_of(model: MarketModel, asset: SimAsset) -> str:
    return f"1000{asset.name}" if model.multiplier(VENUE, asset) == 1000 else asset.name


def q8(value: Decimal) -> str:
    """Aster's fixed eight decimal places ("0.00010000")."""
    return format(value.quantize(Q8), "f")


def _places(step: Decimal) -> int:
    return max(0, -step.normalize().as_tuple().exponent)  # type: ignore[operator]


def _error(code: int, msg: str) -> web.HTTPBadRequest:
    """Binance-style error: HTTP 400 with ``{"code": <negative int>, "msg": ...}``."""
    return web.HTTPBadRequest(text=json.dumps({"code": code, "msg": msg}), content_type="application/json")


class _Routes:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.model = ctx.model
        self.by_symbol = {symbol_of(self.model, a): a for a in self.model.listed(VENUE)}

    def _asset(self, request: web.Request, *, required: bool = True) -> SimAsset | None:
        symbol = request.query.get("symbol")
        if not symbol:
            if required:
                raise _error(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.")
            return None
        asset = self.by_symbol.get(symbol)
        if asset is None:
            raise _error(-1121, "Invalid symbol.")
        return asset

    def _int(self, request: web.Request, name: str) -> int | None:
        raw = request.query.get(name)
        if raw is None:
            return None
        try:
            return int(raw)
        except ValueError:
            raise _error(-1100, f"Illegal characters found in parameter '{name}'.") from None

    # ---- exchange info --------------------------------------------------------------------------
    def _symbol_info(self, asset: SimAsset) -> dict[str, Any]:
        spec = self.model.spec(VENUE, asset)
        sym = symbol_of(self.model, asset)
        ref = asset.base_price * spec.multiplier
        lev = Decimal(spec.max_leverage)
        qty_max = fmt((Decimal(50_000_000) / ref).quantize(spec.lot, ROUND_DOWN)) if ref > 0 else "0"
        return {
            "symbol": sym,
            "pair": sym,
            "contractType": "PERPETUAL",
            "deliveryDate": DELIVERY_DATE_MS,
            "onboardDate": ms(ONBOARD),
            "status": "TRADING",
            "maintMarginPercent": format((Decimal(50) / lev).quantize(Decimal("0.0001")), "f"),
            "requiredMarginPercent": format((Decimal(100) / lev).quantize(Decimal("0.0001")), "f"),
            "baseAsset": base_of(self.model, asset),
            "quoteAsset": "USDT",
            "marginAsset": "USDT",
            "pricePrecision": _places(spec.tick),
            "quantityPrecision": _places(spec.lot),
            "baseAssetPrecision": 8,
            "quotePrecision": 8,
            "underlyingType": "COIN",
            "underlyingSubType": [],
            "settlePlan": 0,
            "triggerProtect": "0.0500",
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": fmt(spec.tick), "maxPrice": fmt(ref * 100),
                 "tickSize": fmt(spec.tick)},
                {"filterType": "LOT_SIZE", "stepSize": fmt(spec.lot), "maxQty": qty_max, "minQty": fmt(spec.min_size)},
                {"filterType": "MARKET_LOT_SIZE", "stepSize": fmt(spec.lot), "maxQty": qty_max,
                 "minQty": fmt(spec.min_size)},
                {"filterType": "MAX_NUM_ORDERS", "limit": 200},
                {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
                {"filterType": "MIN_NOTIONAL", "notional": fmt(spec.min_notional_usd)},
                {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500", "multiplierDown": "0.9500",
                 "multiplierDecimal": 4},
            ],
            "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                           "TRAILING_STOP_MARKET"],
            "timeInForce": ["GTC", "IOC", "FOK", "GTX", "HIDDEN"],
            "liquidationFee": "0.015000",
            "marketTakeBound": "0.05",
        }

    async def exchange_info(self, request: web.Request) -> web.Response:
        return web.json_response({
            "timezone": "UTC",
            "serverTime": ms(self.ctx.now()),
            "rateLimits": RATE_LIMITS,
            "exchangeFilters": [],
            "assets": [
                {"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"},
                {"asset": "USDF", "marginAvailable": True, "autoAssetExchange": "-10000"},
            ],
            "symbols": [self._symbol_info(a) for a in self.by_symbol.values()],
        })

    # ---- funding --------------------------------------------------------------------------------
    def _premium(self, asset: SimAsset, now: datetime) -> dict[str, Any]:
        m = self.model
        interval = m.interval_hours(VENUE, asset)
        mark, index = m.mark_price(VENUE, asset, now), m.index_price(VENUE, asset, now)
        return {
            "symbol": symbol_of(m, asset),
            "markPrice": q8(mark),
            "indexPrice": q8(index),
            "estimatedSettlePrice": q8((mark + index) / 2),
            "lastFundingRate": q8(m.predicted_rate_per_hour(VENUE, asset, now) * interval),
            "interestRate": "0.00010000",
            "nextFundingTime": ms(m.next_settlement(VENUE, asset, now)),
            "time": ms(now),
        }

    async def premium_index(self, request: web.Request) -> web.Response:
        now = self.ctx.now()
        asset = self._asset(request, required=False)
        if asset is not None:
            return web.json_response(self._premium(asset, now))
        return web.json_response([self._premium(a, now) for a in self.by_symbol.values()])

    def _funding_info(self, asset: SimAsset, now: datetime) -> dict[str, Any]:
        return {
            "symbol": symbol_of(self.model, asset),
            "interestRate": "0.00010000",
            "time": ms(now),
            "fundingIntervalHours": self.model.interval_hours(VENUE, asset),
            "fundingFeeCap": 0.02,
            "fundingFeeFloor": -0.02,
        }

    async def funding_info(self, request: web.Request) -> web.Response:
        now = self.ctx.now()
        asset = self._asset(request, required=False)
        assets = [asset] if asset is not None else list(self.by_symbol.values())
        return web.json_response([self._funding_info(a, now) for a in assets])

    async def funding_rate(self, request: web.Request) -> web.Response:
        """Binance rules: inclusive start/end; none -> the latest ``limit``; too many -> first ``limit`` from start."""
        asset = self._asset(request)
        assert asset is not None
        limit = self._int(request, "limit") or DEFAULT_HISTORY_LIMIT
        if not 1 <= limit <= MAX_HISTORY_LIMIT:
            raise _error(-1130, "Data sent for parameter 'limit' is not valid.")
        start_ms, end_ms = self._int(request, "startTime"), self._int(request, "endTime")
        now = self.ctx.now()
        lo = max(ONBOARD, _from_ms(start_ms)) if start_ms is not None else ONBOARD
        hi = min(now, _from_ms(end_ms)) if end_ms is not None else now
        m = self.model
        if start_ms is None:
            # latest ``limit`` settlements up to ``hi``; walk back only as far as needed
            interval = timedelta(hours=m.interval_hours(VENUE, asset))
            lo = max(lo, hi - interval * (limit + 1))
            times = m.settlement_times(VENUE, asset, lo, hi + timedelta(milliseconds=1))[-limit:]
        else:
            interval = timedelta(hours=m.interval_hours(VENUE, asset))
            hi_capped = min(hi, lo + interval * (limit + 1))
            times = m.settlement_times(VENUE, asset, lo, hi_capped + timedelta(milliseconds=1))[:limit]
        sym = symbol_of(m, asset)
        hours = m.interval_hours(VENUE, asset)
        return web.json_response([
            {"symbol": sym, "fundingRate": q8(m.settled_rate_per_hour(VENUE, asset, t) * hours), "fundingTime": ms(t)}
            for t in times
        ])

    # ---- size and activity ----------------------------------------------------------------------
    def _ticker(self, asset: SimAsset, now: datetime) -> dict[str, Any]:
        m = self.model
        spec = m.spec(VENUE, asset)
        open_time = now - timedelta(hours=24)
        first, last = m.mark_price(VENUE, asset, open_time), m.mark_price(VENUE, asset, now)
        quote_volume = m.volume_24h_usd(VENUE, asset, now)
        change = last - first
        first_id = int(now.timestamp()) * 7
        count = int(quote_volume / 1500) + 1
        return {
            "symbol": symbol_of(m, asset),
            "priceChange": fmt(change),
            "priceChangePercent": format((change / first * 100).quantize(Decimal("0.001")), "f") if first else "0",
            "weightedAvgPrice": fmt(((first + last) / 2).quantize(spec.tick)),
            "prevClosePrice": fmt(first),
            "lastPrice": fmt(last),
            "lastQty": fmt(spec.lot * 12),
            "openPrice": fmt(first),
            "highPrice": fmt((max(first, last) * Decimal("1.01")).quantize(spec.tick)),
            "lowPrice": fmt((min(first, last) * Decimal("0.99")).quantize(spec.tick)),
            "volume": fmt((quote_volume / last).quantize(spec.lot, ROUND_DOWN)) if last else "0",
            "quoteVolume": fmt(quote_volume),
            "openTime": ms(open_time),
            "closeTime": ms(now),
            "firstId": first_id,
            "lastId": first_id + count - 1,
            "count": count,
        }

    async def ticker_24hr(self, request: web.Request) -> web.Response:
        now = self.ctx.now()
        asset = self._asset(request, required=False)
        if asset is not None:
            return web.json_response(self._ticker(asset, now))
        return web.json_response([self._ticker(a, now) for a in self.by_symbol.values()])

    async def open_interest(self, request: web.Request) -> web.Response:
        asset = self._asset(request)
        assert asset is not None
        now = self.ctx.now()
        return web.json_response({
            "openInterest": fmt(self.model.open_interest_base(VENUE, asset, now)),
            "symbol": symbol_of(self.model, asset),
            "time": ms(now),
        })

    async def depth(self, request: web.Request) -> web.Response:
        asset = self._asset(request)
        assert asset is not None
        limit = self._int(request, "limit") or 500
        if limit not in DEPTH_LIMITS:
            raise _error(-1130, "Data sent for parameter 'limit' is not valid.")
        now = self.ctx.now()
        bids, asks = self.model.order_book(VENUE, asset, now, depth=min(limit, 100))
        return web.json_response({
            "lastUpdateId": int(now.timestamp() * 1000) % 10_000_000_000,
            "E": ms(now) + 11,
            "T": ms(now),
            "bids": [[fmt(p), fmt(s)] for p, s in bids],
            "asks": [[fmt(p), fmt(s)] for p, s in asks],
        })

    # ---- system ---------------------------------------------------------------------------------
    async def server_time(self, request: web.Request) -> web.Response:
        return web.json_response({"serverTime": ms(self.ctx.now())})

    async def ping(self, request: web.Request) -> web.Response:
        return web.json_response({})


def _from_ms(value: int) -> datetime:
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        raise _error(-1100, "Illegal characters found in a timestamp parameter.") from None


def setup(app: web.Application, ctx: SimContext) -> None:
    r = _Routes(ctx)
    for version in ("v1", "v3"):
        base = f"/fapi/{version}"
        app.router.add_get(f"{base}/exchangeInfo", r.exchange_info)
        app.router.add_get(f"{base}/premiumIndex", r.premium_index)
        app.router.add_get(f"{base}/fundingInfo", r.funding_info)
        app.router.add_get(f"{base}/fundingRate", r.funding_rate)
        app.router.add_get(f"{base}/ticker/24hr", r.ticker_24hr)
        app.router.add_get(f"{base}/openInterest", r.open_interest)
        app.router.add_get(f"{base}/depth", r.depth)
        app.router.add_get(f"{base}/time", r.server_time)
        app.router.add_get(f"{base}/ping", r.ping)


_REPLAY: dict[tuple[str, str], str] = {
    ("GET", "exchangeInfo"): "exchange_info",
    ("GET", "fundingInfo"): "funding_info",
    ("GET", "fundingRate"): "funding_rate_history",
    ("GET", "depth"): "depth",
    ("GET", "trades"): "trades",
    ("GET", "openInterest"): "open_interest",
    ("GET", "commissionRate"): "commission_rate",
    ("GET", "leverageBracket"): "leverage_bracket",
    ("POST", "order"): "new_order",
    ("DELETE", "order"): "cancel_order",
    ("GET", "openOrders"): "open_orders",
    ("GET", "positionRisk"): "position_risk",
    ("GET", "userTrades"): "user_trades",
    ("GET", "income"): "income_funding_fee",
}


def replay_name(method: str, path: str, query: dict[str, str], body: Any) -> str | None:
    """The ``exchange_samples/aster`` file answering a request (v1, v2 and v3 paths alike)."""
    parts = path.rstrip("/").split("/")
    if len(parts) < 4 or parts[1] != "fapi" or parts[2] not in ("v1", "v2", "v3"):
        return None
    name = "/".join(parts[3:])
    if method == "GET" and name == "premiumIndex":
        return "premium_index" if query.get("symbol") else "premium_index_all"
    if method == "GET" and name == "ticker/24hr":
        return "ticker_24hr" if query.get("symbol") else "ticker_24hr_all"
    return _REPLAY.get((method, name))

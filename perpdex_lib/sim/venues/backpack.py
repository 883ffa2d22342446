"""Backpack simulator routes: the public REST API in Backpack's wire format, driven by the market model.

Bodies follow ``exchange_samples/backpack`` (bare lists/objects, decimals as strings, ms ints, depth
timestamp in µs, history times as naive-UTC ISO strings). A few spot markets are listed next to the perps,
as on the real venue, so clients must filter by ``marketType``. Settled history covers the last
``HISTORY_ROWS`` settlements (all after the 2025-08-20 switch to 1 h), newest first, offset-paginated.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from aiohttp import web

from perpdex_lib.domain.enums import Venue
from perpdex_lib.sim.context import SimContext, fmt, ms
from perpdex_lib.sim.model import MarketModel, _pow10_step
from perpdex_lib.sim.universe import SimAsset

VENUE = Venue.BACKPACK
HISTORY_ROWS = 24 * 90  # how far back /api/v1/fundingRates reaches (settlements)
MAX_LIMIT = 1000
DEFAULT_HISTORY_LIMIT = 100
SPOT_ASSETS = ("BTC", "ETH", "SOL")  # spot books listed alongside the perps
CREATED_AT = "2025-01-21T06:34:54.691858"


def perp_symbol(model: MarketModel, asset: SimAsset) -> str:
    base = f"k{asset.name}" if model.multiplier(VENUE, asset) == 1000 else asset.name
    return f"{base}_USDC_PERP"


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"code": "INVALID_CLIENT_REQUEST", "message": message}, status=status)


class _Routes:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.model = ctx.model
        self.by_symbol = {perp_symbol(self.model, a): a for a in self.model.listed(VENUE)}
        self.spot = [a for a in self.model.listed(VENUE) if a.name in SPOT_ASSETS]

    def _asset(self, request: web.Request) -> SimAsset:
        symbol = request.query.get("symbol", "") or request.match_info.get("symbol", "")
        asset = self.by_symbol.get(symbol)
        if asset is None:
            raise web.HTTPBadRequest(
                text='{"code":"INVALID_CLIENT_REQUEST","message":"Invalid symbol"}', content_type="application/json"
            )
        return asset

    def _int(self, request: web.Request, name: str, default: int) -> int:
        raw = request.query.get(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise web.HTTPBadRequest(
                text=f'{{"code":"INVALID_CLIENT_REQUEST","message":"Invalid {name}"}}', content_type="application/json"
            ) from None

    # ---- markets --------------------------------------------------------------------------------
    def _market(self, asset: SimAsset, *, perp: bool) -> dict[str, Any]:
        spec = self.model.spec(VENUE, asset)
        mult = spec.multiplier if perp else 1
        tick = spec.tick if perp else _tick(asset.base_price)
        lot = spec.lot
        base = f"k{asset.name}" if perp and mult == 1000 else asset.name
        imf = fmt(Decimal(1) / Decimal(spec.max_leverage))
        mmf = fmt(Decimal(1) / Decimal(spec.max_leverage) * Decimal("0.625"))
        return {
            "symbol": perp_symbol(self.model, asset) if perp else f"{asset.name}_USDC",
            "baseSymbol": base,
            "quoteSymbol": "USDC",
            "marketType": "PERP" if perp else "SPOT",
            "filters": {
                "price": {
                    "minPrice": fmt(tick),
                    "maxPrice": fmt(asset.base_price * mult * 100) if perp else None,
                    "tickSize": fmt(tick),
                    "maxMultiplier": "1.25",
                    "minMultiplier": "0.75",
                    "maxImpactMultiplier": "1.03",
                    "minImpactMultiplier": "0.97",
                    "meanMarkPriceBand": {"maxMultiplier": "1.1", "minMultiplier": "0.9"} if perp else None,
                    "meanPremiumBand": {"tolerancePct": "0.05"} if perp else None,
                    "borrowEntryFeeMaxMultiplier": None,
                    "borrowEntryFeeMinMultiplier": None,
                },
                "quantity": {"minQuantity": fmt(lot), "maxQuantity": None, "stepSize": fmt(lot)},
            },
            "imfFunction": {"type": "sqrt", "base": imf, "factor": "0.0000935"} if perp else None,
            "mmfFunction": {"type": "sqrt", "base": mmf, "factor": "0.0000561"} if perp else None,
            "fundingInterval": spec.interval_h * 3_600_000 if perp else None,
            "fundingRateUpperBound": "100" if perp else None,
            "fundingRateLowerBound": "-100" if perp else None,
            "openInterestLimit": "10000000" if perp else "0",
            "orderBookState": "Open",
            "createdAt": CREATED_AT,
            "visible": True,
            "positionLimitWeight": "1" if perp else None,
        }

    async def markets(self, request: web.Request) -> web.Response:
        kind = request.query.get("marketType")
        out = []
        if kind in (None, "PERP"):
            out += [self._market(a, perp=True) for a in self.by_symbol.values()]
        if kind in (None, "SPOT"):
            out += [self._market(a, perp=False) for a in self.spot]
        return web.json_response(out)

    async def market(self, request: web.Request) -> web.Response:
        return web.json_response(self._market(self._asset(request), perp=True))

    # ---- funding --------------------------------------------------------------------------------
    def _mark_row(self, asset: SimAsset, now: datetime) -> dict[str, Any]:
        m = self.model
        interval = m.interval_hours(VENUE, asset)
        rate = m.predicted_rate_per_hour(VENUE, asset, now) * interval
        return {
            "fundingRate": fmt(rate),
            "indexPrice": fmt(m.index_price(VENUE, asset, now)),
            "markPrice": fmt(m.mark_price(VENUE, asset, now)),
            "nextFundingTimestamp": ms(m.next_settlement(VENUE, asset, now)),
            "symbol": perp_symbol(m, asset),
        }

    async def mark_prices(self, request: web.Request) -> web.Response:
        now = self.ctx.now()
        if request.query.get("symbol"):
            return web.json_response([self._mark_row(self._asset(request), now)])
        out = [self._mark_row(a, now) for a in self.by_symbol.values()]
        out += [
            {"markPrice": fmt(self.model.mid_usd(a, now).quantize(_tick(a.base_price))), "symbol": f"{a.name}_USDC"}
            for a in self.spot
        ]
        return web.json_response(out)

    async def funding_rates(self, request: web.Request) -> web.Response:
        asset = self._asset(request)
        limit = self._int(request, "limit", DEFAULT_HISTORY_LIMIT)
        offset = self._int(request, "offset", 0)
        if not 1 <= limit <= MAX_LIMIT or offset < 0:
            return _error("Invalid limit or offset")
        m = self.model
        interval = m.interval_hours(VENUE, asset)
        last = m.last_settlement(VENUE, asset, self.ctx.now())
        out = []
        for k in range(offset, min(offset + limit, HISTORY_ROWS)):
            t = last - timedelta(hours=k * interval)
            out.append({
                "symbol": perp_symbol(m, asset),
                "intervalEndTimestamp": t.strftime("%Y-%m-%dT%H:%M:%S"),
                "fundingRate": fmt(m.settled_rate_per_hour(VENUE, asset, t) * interval),
            })
        return web.json_response(out)

    # ---- size and activity ----------------------------------------------------------------------
    def _oi_row(self, asset: SimAsset, now: datetime) -> dict[str, Any]:
        return {
            "symbol": perp_symbol(self.model, asset),
            "openInterest": fmt(self.model.open_interest_base(VENUE, asset, now)),
            "timestamp": ms(now),
        }

    async def open_interest(self, request: web.Request) -> web.Response:
        now = self.ctx.now()
        if request.query.get("symbol"):
            return web.json_response([self._oi_row(self._asset(request), now)])
        return web.json_response([self._oi_row(a, now) for a in self.by_symbol.values()])

    def _ticker(self, asset: SimAsset, now: datetime, *, perp: bool = True) -> dict[str, Any]:
        m = self.model
        spec = m.spec(VENUE, asset)
        if perp:
            first, last = m.mark_price(VENUE, asset, now - timedelta(hours=24)), m.mark_price(VENUE, asset, now)
            tick, lot = spec.tick, spec.lot
        else:
            tick = _tick(asset.base_price)
            first = m.mid_usd(asset, now - timedelta(hours=24)).quantize(tick)
            last = m.mid_usd(asset, now).quantize(tick)
            lot = spec.lot
        quote_volume = m.volume_24h_usd(VENUE, asset, now) * (1 if perp else Decimal("0.1"))
        change = last - first
        return {
            "symbol": perp_symbol(m, asset) if perp else f"{asset.name}_USDC",
            "firstPrice": fmt(first),
            "lastPrice": fmt(last),
            "priceChange": fmt(change),
            "priceChangePercent": fmt((change / first).quantize(Decimal("0.000001"))) if first else "0",
            "high": fmt((max(first, last) * Decimal("1.01")).quantize(tick)),
            "low": fmt((min(first, last) * Decimal("0.99")).quantize(tick)),
            "volume": fmt((quote_volume / last).quantize(lot, ROUND_DOWN)) if last else "0",
            "quoteVolume": fmt(quote_volume),
            "trades": str(int(quote_volume / 2000) + 1),
        }

    async def tickers(self, request: web.Request) -> web.Response:
        now = self.ctx.now()
        out = [self._ticker(a, now) for a in self.by_symbol.values()]
        out += [self._ticker(a, now, perp=False) for a in self.spot]
        return web.json_response(out)

    async def ticker(self, request: web.Request) -> web.Response:
        return web.json_response(self._ticker(self._asset(request), self.ctx.now()))

    async def depth(self, request: web.Request) -> web.Response:
        asset = self._asset(request)
        limit = self._int(request, "limit", MAX_LIMIT)
        if not 1 <= limit <= MAX_LIMIT:
            return _error("Invalid limit")
        now = self.ctx.now()
        bids, asks = self.model.order_book(VENUE, asset, now, depth=min(limit, 100))
        return web.json_response({
            "asks": [[fmt(p), fmt(s)] for p, s in asks],
            "bids": [[fmt(p), fmt(s)] for p, s in bids],
            "lastUpdateId": str(int(now.timestamp() * 10)),
            "timestamp": int(now.timestamp() * 1_000_000),
        })

    # ---- system ---------------------------------------------------------------------------------
    async def status(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "Ok", "message": None})

    async def ping(self, request: web.Request) -> web.Response:
        return web.Response(text="pong", content_type="text/plain")

    async def time(self, request: web.Request) -> web.Response:
        return web.Response(text=str(ms(self.ctx.now())), content_type="text/plain")


def _tick(price: Decimal) -> Decimal:
    """Spot tick: about five significant digits of the price."""
    return _pow10_step(price, 5)


def setup(app: web.Application, ctx: SimContext) -> None:
    r = _Routes(ctx)
    app.router.add_get("/api/v1/markets", r.markets)
    app.router.add_get("/api/v1/market", r.market)
    app.router.add_get("/api/v1/markets/{symbol}", r.market)  # the bpx SDK's get_market_url
    app.router.add_get("/api/v1/markPrices", r.mark_prices)
    app.router.add_get("/api/v1/fundingRates", r.funding_rates)
    app.router.add_get("/api/v1/openInterest", r.open_interest)
    app.router.add_get("/api/v1/tickers", r.tickers)
    app.router.add_get("/api/v1/ticker", r.ticker)
    app.router.add_get("/api/v1/depth", r.depth)
    app.router.add_get("/api/v1/status", r.status)
    app.router.add_get("/api/v1/ping", r.ping)
    app.router.add_get("/api/v1/time", r.time)


_REPLAY: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/markets"): "markets",
    ("GET", "/api/v1/market"): "market",
    ("GET", "/api/v1/markPrices"): "mark_prices",
    ("GET", "/api/v1/openInterest"): "open_interest",
    ("GET", "/api/v1/fundingRates"): "funding_rates_history",
    ("GET", "/api/v1/tickers"): "tickers",
    ("GET", "/api/v1/ticker"): "ticker",
    ("GET", "/api/v1/depth"): "depth",
    ("GET", "/api/v1/trades"): "trades",
    ("GET", "/api/v1/status"): "status",
    ("GET", "/api/v1/account"): "account",
    ("GET", "/api/v1/capital"): "capital_balances",
    ("GET", "/api/v1/orders"): "open_orders",
    ("DELETE", "/api/v1/order"): "order_cancel",
    ("GET", "/api/v1/position"): "positions",
    ("GET", "/wapi/v1/history/fills"): "fills_history",
    ("GET", "/wapi/v1/history/funding"): "funding_payments_history",
}


def replay_name(method: str, path: str, query: dict[str, str], body: Any) -> str | None:
    """The ``exchange_samples/backpack`` file that answers a request."""
    path = path.rstrip("/") or "/"
    if method == "GET" and path.startswith("/api/v1/markets/"):
        return "market"
    if method == "POST" and path == "/api/v1/order":
        order_type = body.get("orderType") if isinstance(body, dict) else None
        return "order_execute_market" if order_type == "Market" else "order_execute_limit"
    return _REPLAY.get((method, path))

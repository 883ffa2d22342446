"""Lighter simulator routes: the public REST endpoints of constants.py in Lighter's exact wire format.

Rates come from the model (fractions per hour) and are quoted as Lighter does: /funding-rates as a JSON float
fraction per 8 h, /fundings as an unsigned percent-per-hour string with ``direction`` = the side that paid.
Market ids follow Lighter's ordering where it is known (ETH 0, BTC 1); the rest keep the universe order.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from aiohttp import web

from perpdex_lib.domain.enums import Venue
from perpdex_lib.sim.context import SimContext, fmt, ms, num
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.universe import SimAsset
from perpdex_lib.venues.lighter import constants as c

VENUE = Venue.LIGHTER
_REFERENCE_EXCHANGES = ("binance", "bybit", "hyperliquid")  # other venues' rates Lighter lists alongside its own


def market_id(model: MarketModel, asset: SimAsset) -> int:
    idx = model.assets.index(asset)
    return {0: 1, 1: 0}.get(idx, idx)  # BTC is 1 and ETH is 0 on Lighter


def symbol(model: MarketModel, asset: SimAsset) -> str:
    mult = model.multiplier(VENUE, asset)
    return asset.name if mult == 1 else f"{mult}{asset.name}"


def _decimals(step: Decimal) -> int:
    return max(0, -step.normalize().as_tuple().exponent)  # type: ignore[operator]


def _hash_int(*keys: object, bits: int = 48) -> int:
    return int.from_bytes(hashlib.blake2b(repr(keys).encode(), digest_size=8).digest()) % (1 << bits)


def _error(message: str, code: int = 20001, status: int = 400) -> web.Response:
    return web.json_response({"code": code, "message": message}, status=status)


class _Routes:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.model = ctx.model

    # ---- helpers ------------------------------------------------------------------------------
    def _listed(self) -> list[SimAsset]:
        return sorted(self.model.listed(VENUE), key=lambda a: market_id(self.model, a))

    def _by_market_id(self, raw: str | None) -> SimAsset | None:
        if raw is None or not raw.lstrip("-").isdigit():
            return None
        wanted = int(raw)
        return next((a for a in self._listed() if market_id(self.model, a) == wanted), None)

    def _base(self, a: SimAsset) -> dict[str, Any]:
        spec = self.model.spec(VENUE, a)
        size_dec, price_dec = _decimals(spec.lot), _decimals(spec.tick)
        imf = int(c.MARGIN_FRACTION_ONE / spec.max_leverage)
        return {
            "symbol": symbol(self.model, a),
            "market_id": market_id(self.model, a),
            "market_type": "perp",
            "base_asset_id": 0,
            "quote_asset_id": 3,
            "status": "active",
            "taker_fee": "0.0000",
            "maker_fee": "0.0000",
            "liquidation_fee": "1.0000",
            "min_base_amount": fmt(spec.min_size),
            "min_quote_amount": "10.000000",
            "supported_size_decimals": size_dec,
            "supported_price_decimals": price_dec,
            "supported_quote_decimals": 6,
            "order_quote_limit": "",
            "size_decimals": size_dec,
            "price_decimals": price_dec,
            "quote_multiplier": 1,
            "default_initial_margin_fraction": max(imf, 500),
            "min_initial_margin_fraction": imf,
            "maintenance_margin_fraction": imf * 3 // 5,
            "closeout_margin_fraction": imf * 2 // 5,
        }

    def _detail(self, a: SimAsset, now: datetime) -> dict[str, Any]:
        m, spec = self.model, self.model.spec(VENUE, a)
        mark = m.mark_price(VENUE, a, now)
        vol_usd = m.volume_24h_usd(VENUE, a, now)
        row = self._base(a)
        row.update({
            "last_trade_price": num(mark),
            "daily_trades_count": int(vol_usd / 2000),
            "daily_base_token_volume": num((vol_usd / mark).quantize(spec.lot, ROUND_DOWN)),
            "daily_quote_token_volume": num(vol_usd),
            "daily_price_low": num((mark * Decimal("0.97")).quantize(spec.tick)),
            "daily_price_high": num((mark * Decimal("1.03")).quantize(spec.tick)),
            "daily_price_change": 0.0,
            "open_interest": num(m.open_interest_base(VENUE, a, now)),
            "daily_chart": {},
            "market_config": {
                "market_margin_mode": 0, "insurance_fund_account_index": 281474976710655, "liquidation_mode": 0,
                "force_reduce_only": False, "funding_fee_discounts_enabled": True, "trading_hours": "",
                "hidden": False, "rfq_enabled": False,
            },
            "strategy_index": 0,
            "is_maker_fee_enabled": True,
            "is_taker_fee_enabled": True,
            "funding_clamp_small": "0.0500",
            "funding_clamp_big": "4.0000",
            "base_interest_rate": "0.0100",
            "created_at": "1737098461107",
            "mark_price": fmt(mark),
            "index_price": fmt(m.index_price(VENUE, a, now)),
            "multiplier": "1",
            "market_flags": 0,
            "funding_premium_multiplier": 100,
            "start_timestamp": 0, "end_timestamp": 0, "settlement_type": 0, "settlement_price": 0,
            "settlement_cap": 0, "outcome": 0, "default_price": 0, "operator_account_index": 0,
            "is_frozen": False,
        })
        return row

    def _select(self, request: web.Request) -> list[SimAsset] | web.Response:
        flt = request.query.get("filter", "all")
        if flt not in ("all", "perp", "spot"):
            return _error(f"invalid filter {flt!r}")
        assets = [] if flt == "spot" else self._listed()
        if "market_id" in request.query:
            a = self._by_market_id(request.query["market_id"])
            if a is None:
                return _error("market not found", 21100)
            assets = [x for x in assets if x is a]
        return assets

    # ---- handlers -----------------------------------------------------------------------------
    async def status(self, request: web.Request) -> web.Response:
        return web.json_response({"status": 1, "network_id": 1, "timestamp": int(self.ctx.now().timestamp())})

    async def order_book_details(self, request: web.Request) -> web.Response:
        assets = self._select(request)
        if isinstance(assets, web.Response):
            return assets
        now = self.ctx.now()
        details = [self._detail(a, now) for a in assets]
        return web.json_response({"code": 200, "order_book_details": details, "spot_order_book_details": []})

    async def order_books(self, request: web.Request) -> web.Response:
        assets = self._select(request)
        if isinstance(assets, web.Response):
            return assets
        now = self.ctx.now()
        rows = []
        for a in assets:
            row = self._base(a)
            for k in ("size_decimals", "price_decimals", "quote_multiplier", "default_initial_margin_fraction",
                      "min_initial_margin_fraction", "maintenance_margin_fraction", "closeout_margin_fraction"):
                row.pop(k)
            row.update({"is_maker_fee_enabled": True, "is_taker_fee_enabled": True, "created_at": "1737098461107",
                        "multiplier": "1", "start_timestamp": 0, "end_timestamp": 0, "settlement_type": 0,
                        "settlement_price": 0, "settlement_cap": 0, "outcome": 0, "default_price": 0,
                        "operator_account_index": 0, "is_frozen": False,
                        "open_interest": fmt(self.model.open_interest_base(VENUE, a, now))})
            rows.append(row)
        return web.json_response({"code": 200, "order_books": rows})

    async def funding_rates(self, request: web.Request) -> web.Response:
        now = self.ctx.now()
        rows = []
        for a in self._listed():
            mid, sym = market_id(self.model, a), symbol(self.model, a)
            own = self.model.predicted_rate_per_hour(VENUE, a, now) * 8
            for i, exchange in enumerate(_REFERENCE_EXCHANGES):
                ref = self.model.predicted_rate_per_hour(Venue.HYPERLIQUID, a, now) * 8 * Decimal(str(1 + 0.1 * i))
                ref_rate = num(ref.quantize(Decimal("1e-7")))
                rows.append({"market_id": mid, "exchange": exchange, "symbol": sym, "rate": ref_rate})
            rows.append({"market_id": mid, "exchange": c.LIGHTER_EXCHANGE, "symbol": sym, "rate": num(own)})
        return web.json_response({"code": 200, "funding_rates": rows})

    async def fundings(self, request: web.Request) -> web.Response:
        q = request.query
        a = self._by_market_id(q.get("market_id"))
        if a is None:
            return _error("market not found", 21100)
        if q.get("resolution") != c.HISTORY_RESOLUTION:
            return _error("invalid resolution")
        try:
            start_s, end_s, count_back = int(q["start_timestamp"]), int(q["end_timestamp"]), int(q["count_back"])
        except (KeyError, ValueError):
            return _error("start_timestamp, end_timestamp and count_back are required integers")
        try:
            start = datetime.fromtimestamp(start_s, UTC)
            end = datetime.fromtimestamp(end_s, UTC) + timedelta(seconds=1)  # both ends inclusive
        except (ValueError, OverflowError, OSError):
            return _error("timestamp out of range")
        end = min(end, self.ctx.now())
        times = self.model.settlement_times(VENUE, a, start, end)
        limit = c.HISTORY_MAX_ROWS if count_back <= 0 else min(count_back, c.HISTORY_MAX_ROWS)
        rows = []
        for t in times[:limit]:
            rate = self.model.settled_rate_per_hour(VENUE, a, t)
            mark = self.model.mark_price(VENUE, a, t)
            rows.append({
                "timestamp": int(t.timestamp()),
                "value": fmt((abs(rate) * mark).quantize(Decimal("1e-6"))),
                "rate": fmt(abs(rate) * 100),
                "direction": "long" if rate >= 0 else "short",
            })
        return web.json_response({"code": 200, "resolution": c.HISTORY_RESOLUTION, "fundings": rows})

    async def order_book_orders(self, request: web.Request) -> web.Response:
        a = self._by_market_id(request.query.get("market_id"))
        if a is None:
            return _error("market not found", 21100)
        try:
            limit = int(request.query.get("limit", ""))
        except ValueError:
            return _error("limit is required")
        if not 1 <= limit <= c.BOOK_ORDERS_MAX:
            return _error("limit must be in [1, 250]")
        now = self.ctx.now()
        lot = self.model.spec(VENUE, a).lot
        bids, asks = self.model.order_book(VENUE, a, now, depth=min(limit, 100))
        out: dict[str, Any] = {"code": 200}
        for side, levels, base_index in (("asks", asks, 281475000000000), ("bids", bids, 562949000000000)):
            orders = []
            for i, (px, size) in enumerate(levels):
                half = (size / 2).quantize(lot, ROUND_DOWN)
                parts = [half, size - half] if half >= lot and size - half >= lot else [size]
                for j, part in enumerate(parts):
                    idx = base_index + _hash_int(a.name, side, i, j, bits=32)
                    orders.append({
                        "order_index": idx, "order_id": str(idx),
                        "owner_account_index": _hash_int("owner", a.name, side, i, j, bits=20),
                        "initial_base_amount": fmt(part), "remaining_base_amount": fmt(part), "price": fmt(px),
                        "order_expiry": ms(now + timedelta(days=28)),
                        "transaction_time": int(now.timestamp() * 1_000_000) - 1000 * (i + j),
                    })
            orders = orders[:limit]
            out[f"total_{side}"] = len(orders)
            out[side] = orders
        return web.json_response(out)

    async def exchange_stats(self, request: web.Request) -> web.Response:
        now = self.ctx.now()
        stats = []
        total = Decimal(0)
        for a in self._listed():
            mark = self.model.mark_price(VENUE, a, now)
            vol = self.model.volume_24h_usd(VENUE, a, now)
            total += vol
            stats.append({
                "symbol": symbol(self.model, a), "last_trade_price": num(mark), "daily_trades_count": int(vol / 2000),
                "daily_base_token_volume": num((vol / mark).quantize(self.model.spec(VENUE, a).lot, ROUND_DOWN)),
                "daily_quote_token_volume": num(vol), "daily_price_change": 0.0,
            })
        return web.json_response({
            "code": 200, "total": len(stats), "order_book_stats": stats, "daily_usd_volume": num(total),
            "daily_trades_count": sum(s["daily_trades_count"] for s in stats),
        })


def setup(app: web.Application, ctx: SimContext) -> None:
    r = _Routes(ctx)
    app.router.add_get(c.STATUS_PATH, r.status)
    app.router.add_get(c.ORDER_BOOK_DETAILS_PATH, r.order_book_details)
    app.router.add_get(c.ORDER_BOOKS_PATH, r.order_books)
    app.router.add_get(c.FUNDING_RATES_PATH, r.funding_rates)
    app.router.add_get(c.FUNDINGS_PATH, r.fundings)
    app.router.add_get(c.ORDER_BOOK_ORDERS_PATH, r.order_book_orders)
    app.router.add_get(c.EXCHANGE_STATS_PATH, r.exchange_stats)


_REPLAY: dict[str, str] = {
    c.STATUS_PATH: "status",
    c.ORDER_BOOK_DETAILS_PATH: "order_book_details",
    c.ORDER_BOOKS_PATH: "order_books",
    c.FUNDING_RATES_PATH: "funding_rates",
    c.FUNDINGS_PATH: "fundings",
    c.ORDER_BOOK_ORDERS_PATH: "order_book_orders",
    c.EXCHANGE_STATS_PATH: "exchange_stats",
    "/api/v1/recentTrades": "recent_trades",
    "/api/v1/trades": "account_trades",
    "/api/v1/account": "account",
    "/api/v1/positionFunding": "position_funding",
    "/api/v1/accountActiveOrders": "account_active_orders",
    "/api/v1/nextNonce": "next_nonce",
    "/api/v1/sendTx": "send_tx",
    "/api/v1/feeTiers": "fee_tiers",
}


def replay_name(method: str, path: str, query: dict[str, str], body: Any) -> str | None:
    """The exchange_samples/lighter file that answers a request (GET everywhere except POST sendTx)."""
    name = _REPLAY.get(path.rstrip("/") or "/")
    if name is None:
        return None
    if (name == "send_tx") != (method.upper() == "POST"):
        return None
    return name

"""Paradex simulator routes: GET /v1/... with the real envelopes, ms-int timestamps and string decimals.

Funding is continuous on Paradex; the model's per-period values stand in for it: the summary's
``funding_rate`` is the model's running-period estimate x ``funding_period_hours`` (fraction per period),
and ``/funding/data`` serves one observation at each period boundary of the model's settlement grid,
carrying the mean rate of the period that ended there (the connector samples boundaries, see
``perpdex_lib.venues.paradex.constants``).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiohttp import web

from perpdex_lib.domain.enums import Venue
from perpdex_lib.sim.context import SimContext, fmt
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.universe import SimAsset

VENUE = Venue.PARADEX
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_OPEN_AT = datetime(2024, 5, 30, 10, tzinfo=UTC)
PAGE_SIZE_DEFAULT = 100
PAGE_SIZE_MAX = 5000
BOOK_DEPTH_DEFAULT = 20
BOOK_DEPTH_MAX = 200

SYSTEM_CONFIG: dict[str, Any] = {
    "starknet_gateway_url": "http://127.0.0.1/sim-starknet-gateway",
    "starknet_fullnode_rpc_url": "http://127.0.0.1/sim-rpc/v0_10",
    "starknet_fullnode_rpc_base_url": "http://127.0.0.1/sim-rpc",
    "starknet_chain_id": "PRIVATE_SN_PARACLEAR_MAINNET",
    "block_explorer_url": "http://127.0.0.1/sim-explorer/",
    "paraclear_address": "0x" + "51" * 31 + "f",
    "paraclear_decimals": 8,
    "paraclear_account_proxy_hash": "0x" + "a1" * 31 + "9",
    "paraclear_account_hash": "0x" + "b2" * 31 + "e",
    "paraclear_evm_account_hash": "0x" + "c3" * 31 + "b",
    "oracle_address": "0x" + "d4" * 31 + "6",
    "bridged_tokens": [
        {
            "name": "USDC",
            "symbol": "USDC",
            "decimals": 6,
            "l1_token_address": "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
            "l1_bridge_address": "0x" + "e5" * 20,
            "l2_token_address": "0x" + "f6" * 31 + "e",
            "l2_bridge_address": "0x" + "07" * 31 + "5",
        }
    ],
    "l1_core_contract_address": "0x" + "18" * 20,
    "l1_operator_address": "0x" + "29" * 20,
    "l1_chain_id": "1",
    "liquidation_fee": "0.20",
    "environment": "prod",
}

_REPLAY_GET = {
    "/v1/system/config": "system_config",
    "/v1/system/time": "system_time",
    "/v1/markets": "markets",
    "/v1/markets/summary": "markets_summary",
    "/v1/funding/data": "funding_data",
    "/v1/funding/payments": "funding_payments",
    "/v1/trades": "trades",
    "/v1/orders": "orders_open",
    "/v1/positions": "positions",
    "/v1/fills": "fills",
    "/v1/account": "account_summary",
    "/v1/balance": "balances",
}


def ms(t: datetime) -> int:
    """Epoch milliseconds, exactly (``t.timestamp() * 1000`` can land one ms short)."""
    return (t - _EPOCH) // timedelta(milliseconds=1)


def symbol(model: MarketModel, asset: SimAsset) -> str:
    return f"{base(model, asset)}-USD-PERP"


def base(model: MarketModel, asset: SimAsset) -> str:
    return f"k{asset.name}" if model.multiplier(VENUE, asset) == 1000 else asset.name


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


def _now_ms(ctx: SimContext) -> datetime:
    """``ctx.now()`` truncated to the millisecond, so every value matches the ``created_at`` we report."""
    t = ctx.now()
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def market_body(model: MarketModel, asset: SimAsset) -> dict[str, Any]:
    spec = model.spec(VENUE, asset)
    fee = {"fee_cap": "0.125", "fee_floor": "-0.125"}
    return {
        "symbol": symbol(model, asset),
        "base_currency": base(model, asset),
        "quote_currency": "USD",
        "settlement_currency": "USDC",
        "order_size_increment": fmt(spec.lot),
        "price_tick_size": fmt(spec.tick),
        "min_notional": fmt(spec.min_notional_usd),
        "open_at": ms(_OPEN_AT),
        "expiry_at": 0,
        "asset_kind": "PERP",
        "market_kind": "cross",
        "position_limit": fmt(spec.lot * 1_000_000),
        "price_bands_width": "0.05",
        "max_open_orders": 100,
        "max_funding_rate": "0.05",
        "delta1_cross_margin_params": {
            "imf_base": fmt(Decimal(1) / spec.max_leverage),
            "imf_shift": "0",
            "imf_factor": "0",
            "mmf_factor": "0.5",
        },
        "price_feed_id": f"SIM{asset.name}FEED",
        "oracle_ewma_factor": "0.2",
        "max_order_size": fmt(spec.lot * 500_000),
        "max_funding_rate_change": "0.0005",
        "max_tob_spread": "0.2",
        "interest_rate": "0.0001",
        "clamp_rate": "0.05",
        "funding_period_hours": spec.interval_h,
        "funding_multiplier": 1,
        "max_slippage": "0.05",
        "tags": [],
        "fee_config": {
            "api_fee": {"maker_fee": {"fee": "0.00003", **fee}, "taker_fee": {"fee": "0.0002", **fee}}
        },
    }


def summary_body(model: MarketModel, asset: SimAsset, now: datetime) -> dict[str, Any]:
    spec = model.spec(VENUE, asset)
    mark = model.mark_price(VENUE, asset, now)
    index = model.index_price(VENUE, asset, now)
    bids, asks = model.order_book(VENUE, asset, now, depth=1)
    rate = fmt(model.predicted_rate_per_hour(VENUE, asset, now) * spec.interval_h)
    volume = model.volume_24h_usd(VENUE, asset, now)
    return {
        "symbol": symbol(model, asset),
        "oracle_price": fmt(index),
        "mark_price": fmt(mark),
        "last_traded_price": fmt(bids[0][0]),
        "bid": fmt(bids[0][0]),
        "bid_size": fmt(bids[0][1]),
        "ask": fmt(asks[0][0]),
        "ask_size": fmt(asks[0][1]),
        "volume_24h": fmt(volume),
        "total_volume": fmt(volume * 400),
        "created_at": ms(now),
        "underlying_price": fmt(index),
        "open_interest": fmt(model.open_interest_base(VENUE, asset, now)),
        "funding_rate": rate,
        "price_change_rate_24h": "0.01",
        "future_funding_rate": rate,
        "greeks": {"delta": "1", "gamma": "0", "vega": "0"},
    }


def funding_data_row(model: MarketModel, asset: SimAsset, t: datetime) -> dict[str, Any]:
    period_h = model.interval_hours(VENUE, asset)
    rate_h = model.settled_rate_per_hour(VENUE, asset, t)
    mark = model.mark_price(VENUE, asset, t)
    hours = Decimal(int((t - _OPEN_AT).total_seconds() // 3600))
    return {
        "market": symbol(model, asset),
        "funding_index": fmt(mark * rate_h * hours),
        "funding_premium": fmt(mark * rate_h * period_h),
        "funding_rate": fmt(rate_h * period_h),
        "funding_rate_8h": fmt(rate_h * 8),
        "funding_period_hours": period_h,
        "created_at": ms(t),
    }


def book_body(model: MarketModel, asset: SimAsset, now: datetime, depth: int) -> dict[str, Any]:
    bids, asks = model.order_book(VENUE, asset, now, depth=depth)
    pair = [[fmt(p), fmt(s)] for p, s in asks]
    bid_pairs = [[fmt(p), fmt(s)] for p, s in bids]
    return {
        "market": symbol(model, asset),
        "seq_no": int(now.timestamp() * 10),
        "last_updated_at": ms(now),
        "asks": pair,
        "bids": bid_pairs,
        "best_ask_api": pair[0],
        "best_bid_api": bid_pairs[0],
        "best_ask_interactive": pair[0],
        "best_bid_interactive": bid_pairs[0],
    }


def encode_cursor(before: datetime) -> str:
    return base64.urlsafe_b64encode(json.dumps({"marker": ms(before)}).encode()).decode()


def decode_cursor(cursor: str) -> datetime:
    data = json.loads(base64.urlsafe_b64decode(cursor))
    return _EPOCH + timedelta(milliseconds=int(data["marker"]))


def _int_param(request: web.Request, name: str, default: int | None) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    return int(raw)  # ValueError -> 400 by the caller


def setup(app: web.Application, ctx: SimContext) -> None:
    model = ctx.model
    by_symbol = {symbol(model, a): a for a in model.listed(VENUE)}

    async def system_config(request: web.Request) -> web.Response:
        return web.json_response(SYSTEM_CONFIG)

    async def system_time(request: web.Request) -> web.Response:
        return web.json_response({"server_time": str(ms(_now_ms(ctx)))})

    async def markets(request: web.Request) -> web.Response:
        wanted = request.query.get("market")
        assets = [by_symbol[wanted]] if wanted in by_symbol else [] if wanted else list(by_symbol.values())
        return web.json_response({"results": [market_body(model, a) for a in assets]})

    async def summary(request: web.Request) -> web.Response:
        wanted = request.query.get("market")
        if not wanted:
            return _error(400, "VALIDATION_ERROR", "market is required (a symbol or ALL)")
        now = _now_ms(ctx)
        assets = list(by_symbol.values()) if wanted == "ALL" else [by_symbol[wanted]] if wanted in by_symbol else []
        return web.json_response({"results": [summary_body(model, a, now) for a in assets]})

    async def funding_data(request: web.Request) -> web.Response:
        asset = by_symbol.get(request.query.get("market", ""))
        if asset is None:
            return _error(400, "VALIDATION_ERROR", "market is required and must be listed")
        try:
            page_size = _int_param(request, "page_size", PAGE_SIZE_DEFAULT) or PAGE_SIZE_DEFAULT
            end_ms = _int_param(request, "end_at", None)
            start_ms = _int_param(request, "start_at", None)
            cursor = request.query.get("cursor")
            before = decode_cursor(cursor) if cursor else None
        except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
            return _error(400, "BINDING_ERROR", "start_at/end_at/page_size must be integers, cursor as returned")
        if not 0 < page_size <= PAGE_SIZE_MAX:
            return _error(400, "VALIDATION_ERROR", f"page_size must be in 1..{PAGE_SIZE_MAX}")
        end = _EPOCH + timedelta(milliseconds=end_ms) if end_ms is not None else _now_ms(ctx)
        start = _EPOCH + timedelta(milliseconds=start_ms) if start_ms is not None else _OPEN_AT
        # start_at/end_at inclusive, newest first; nothing before the market opened
        times = model.settlement_times(VENUE, asset, max(start, _OPEN_AT), end + timedelta(milliseconds=1))
        if before is not None:
            times = [t for t in times if t < before]
        times.reverse()
        page, rest = times[:page_size], times[page_size:]
        return web.json_response({
            "next": encode_cursor(page[-1]) if rest else None,
            "prev": None,
            "results": [funding_data_row(model, asset, t) for t in page],
        })

    async def orderbook(request: web.Request) -> web.Response:
        asset = by_symbol.get(request.match_info["market"])
        if asset is None:
            return _error(404, "NOT_FOUND", "market not found")
        try:
            depth = _int_param(request, "depth", BOOK_DEPTH_DEFAULT) or BOOK_DEPTH_DEFAULT
        except ValueError:
            return _error(400, "BINDING_ERROR", "depth must be an integer")
        depth = min(max(depth, 1), BOOK_DEPTH_MAX)
        return web.json_response(book_body(model, asset, _now_ms(ctx), depth))

    async def bbo(request: web.Request) -> web.Response:
        asset = by_symbol.get(request.match_info["market"])
        if asset is None:
            return _error(404, "NOT_FOUND", "market not found")
        now = _now_ms(ctx)
        bids, asks = model.order_book(VENUE, asset, now, depth=1)
        return web.json_response({
            "market": symbol(model, asset), "bid": fmt(bids[0][0]), "bid_size": fmt(bids[0][1]),
            "ask": fmt(asks[0][0]), "ask_size": fmt(asks[0][1]), "seq_no": int(now.timestamp() * 10),
            "last_updated_at": ms(now),
        })

    r = app.router
    r.add_get("/v1/system/config", system_config)
    r.add_get("/v1/system/time", system_time)
    r.add_get("/v1/markets", markets)
    r.add_get("/v1/markets/summary", summary)
    r.add_get("/v1/funding/data", funding_data)
    r.add_get("/v1/orderbook/{market}", orderbook)
    r.add_get("/v1/bbo/{market}", bbo)


def replay_name(method: str, path: str, query: dict[str, str], body: Any) -> str | None:
    """Map a request to the sample stem in exchange_samples/paradex/."""
    path = path.rstrip("/")
    if method == "GET":
        if path.startswith("/v1/orderbook/"):
            return "orderbook"
        if path.startswith("/v1/bbo/"):
            return "bbo"
        return _REPLAY_GET.get(path)
    if method == "POST":
        if path.startswith("/v1/auth"):
            return "auth"
        if path == "/v1/orders":
            return "order_submit"
    return None

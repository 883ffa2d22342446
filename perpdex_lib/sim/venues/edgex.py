"""EdgeX simulator routes: the public REST endpoints of constants.py under both ``/api/v1`` and ``/api/v2``.

Everything numeric is a JSON string, as on the real venue. Rates come from the model (fractions per hour) and are
quoted as EdgeX does: a fraction per settlement interval (``fundingRateIntervalMin``, 240 = 4 h by default).
Contract ids follow EdgeX's numbering (BTC 10000001, ETH 10000002, then the universe order).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from aiohttp import web

from perpdex_lib.domain.enums import Venue
from perpdex_lib.sim.context import SimContext, fmt, ms
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.universe import SimAsset
from perpdex_lib.venues.edgex import constants as c

VENUE = Venue.EDGEX
_USD_COIN_ID = "1000"
_MAX_RANGE = timedelta(days=3650)


def contract_id(model: MarketModel, asset: SimAsset) -> str:
    return str(10_000_001 + model.assets.index(asset))


def coin_id(model: MarketModel, asset: SimAsset) -> str:
    return str(1001 + model.assets.index(asset))


def base_name(model: MarketModel, asset: SimAsset) -> str:
    mult = model.multiplier(VENUE, asset)
    return asset.name if mult == 1 else f"{mult}{asset.name}"


def contract_name(model: MarketModel, asset: SimAsset) -> str:
    return f"{base_name(model, asset)}USD"


def _trace(*keys: object) -> str:
    return hashlib.blake2b(repr(keys).encode(), digest_size=16).hexdigest()


def _encode_offset(t: datetime) -> str:
    return base64.urlsafe_b64encode(json.dumps({"id": str(ms(t))}).encode()).decode().rstrip("=")


def _decode_offset(raw: str) -> datetime | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        return datetime.fromtimestamp(int(data["id"]) / 1000, UTC)
    except (ValueError, KeyError, TypeError, binascii.Error, OverflowError, OSError):
        return None


class _Routes:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.model = ctx.model

    # ---- helpers ------------------------------------------------------------------------------
    def _envelope(self, data: Any, code: str = c.OK_CODE, msg: str | None = None) -> web.Response:
        now = self.ctx.now()
        return web.json_response({
            "code": code, "data": data, "msg": msg, "errorParam": None,
            "requestTime": str(ms(now)), "responseTime": str(ms(now) + 2), "traceId": _trace(ms(now), code),
        })

    def _error(self, msg: str) -> web.Response:
        return self._envelope(None, code="INVALID_ARGUMENT", msg=msg)

    def _listed(self) -> list[SimAsset]:
        return self.model.listed(VENUE)

    def _by_id(self, raw: str) -> SimAsset | None:
        return next((a for a in self._listed() if contract_id(self.model, a) == raw), None)

    def _select(self, raw: str | None) -> list[SimAsset]:
        if not raw:
            return self._listed()
        wanted = {x.strip() for x in raw.split(",")}
        return [a for a in self._listed() if contract_id(self.model, a) in wanted]

    def _interval_min(self, a: SimAsset) -> int:
        return self.model.interval_hours(VENUE, a) * 60

    def _funding_row(self, a: SimAsset, at: datetime, settled: datetime | None) -> dict[str, Any]:
        """A live estimate (``settled`` None, computed at ``at``) or the settlement at ``settled``."""
        m, ih = self.model, self.model.interval_hours(VENUE, a)
        interval = Decimal(ih)
        if settled is None:
            period_start = m.last_settlement(VENUE, a, at)
            stamp = at.replace(second=0, microsecond=0)
            rate = m.predicted_rate_per_hour(VENUE, a, at) * interval
            forecast = fmt(m.hourly_rate(VENUE, a, at.replace(minute=0, second=0, microsecond=0)) * interval)
            prev_rate = m.settled_rate_per_hour(VENUE, a, period_start) * interval
            fields = {"fundingTime": str(ms(period_start)), "fundingTimestamp": str(ms(stamp))}
            px_time = at
        else:
            stamp = settled
            rate = m.settled_rate_per_hour(VENUE, a, settled) * interval
            forecast = ""
            prev_rate = m.settled_rate_per_hour(VENUE, a, settled - timedelta(hours=ih)) * interval
            fields = {"fundingTime": str(ms(settled)), "fundingTimestamp": str(ms(settled))}
            px_time = settled
        mark = m.mark_price(VENUE, a, px_time)
        index = m.index_price(VENUE, a, px_time)
        premium = ((mark - index) / index).quantize(Decimal("1e-8")) if index else Decimal(0)
        tick = m.spec(VENUE, a).tick
        return {
            "contractId": contract_id(m, a),
            **fields,
            "oraclePrice": fmt(mark),
            "indexPrice": fmt(index),
            "fundingRate": fmt(rate),
            "isSettlement": settled is not None,
            "forecastFundingRate": forecast,
            "previousFundingRate": fmt(prev_rate),
            "previousFundingTimestamp": str(ms(stamp) - 60_000),
            "premiumIndex": fmt(premium),
            "avgPremiumIndex": fmt(premium),
            "premiumIndexTimestamp": str(ms(stamp)),
            "impactMarginNotional": "8000",
            "impactAskPrice": fmt(mark + tick),
            "impactBidPrice": fmt(mark - tick),
            "interestRate": "0.0003",
            "predictedFundingRate": "0.00005",
            "fundingRateIntervalMin": str(self._interval_min(a)),
            "starkExFundingIndex": "0",
        }

    def _contract(self, a: SimAsset) -> dict[str, Any]:
        m, spec = self.model, self.model.spec(VENUE, a)
        lev = spec.max_leverage
        return {
            "contractId": contract_id(m, a), "contractName": contract_name(m, a),
            "baseCoinId": coin_id(m, a), "quoteCoinId": _USD_COIN_ID,
            "tickSize": fmt(spec.tick), "stepSize": fmt(spec.lot), "minOrderSize": fmt(spec.min_size),
            "maxOrderSize": fmt(spec.lot * 1_000_000), "maxOrderBuyPriceRatio": "0.05",
            "minOrderSellPriceRatio": "0.05", "maxPositionSize": fmt(spec.lot * 4_000_000),
            "riskTierList": [
                {"tier": 1, "positionValueUpperBound": "100000", "maxLeverage": str(lev),
                 "maintenanceMarginRate": fmt(Decimal(1) / (2 * lev)), "starkExRisk": "21474837",
                 "starkExUpperBound": "100000000000"},
                {"tier": 2, "positionValueUpperBound": "500000", "maxLeverage": str(max(1, lev // 2)),
                 "maintenanceMarginRate": fmt(Decimal(1) / max(1, lev)), "starkExRisk": "42949673",
                 "starkExUpperBound": "500000000000"},
            ],
            "defaultTakerFeeRate": "0.00038", "defaultMakerFeeRate": "0.00015", "defaultLeverage": str(min(lev, 20)),
            "liquidateFeeRate": "0.01", "enableTrade": True, "enableDisplay": True, "enableOpenPosition": True,
            "fundingInterestRate": "0.0003", "fundingImpactMarginNotional": "8000", "fundingMaxRate": "0.004",
            "fundingMinRate": "-0.004", "fundingRateIntervalMin": str(self._interval_min(a)),
            "displayDigitMerge": "1,0.1", "displayMaxLeverage": str(lev), "displayMinLeverage": "1",
            "displayNewIcon": False, "displayHotIcon": a.rank < 5, "matchServerName": "edgex-match-server",
            "starkExSyntheticAssetId": "0x" + _trace("asset", a.name)[:30], "starkExResolution": "0x2540be400",
            "starkExOraclePriceQuorum": "0x1", "starkExOraclePriceSignedAssetId": [], "starkExOraclePriceSigner": [],
            "resolution": str(int(Decimal(1) / spec.lot)) if spec.lot < 1 else "1",
        }

    @staticmethod
    def _coin(cid: str, name: str, step: str, resolution: str) -> dict[str, Any]:
        return {
            "coinId": cid, "coinName": name, "stepSize": step, "showStepSize": step,
            "iconUrl": f"https://static.edgex.exchange/icons/coin/{name}.svg",
            "starkExAssetId": "", "starkExResolution": "", "resolution": resolution,
        }

    # ---- handlers -----------------------------------------------------------------------------
    async def meta_data(self, request: web.Request) -> web.Response:
        listed = self._listed()
        usd = self._coin(_USD_COIN_ID, "USD", "0.000001", "1000000")
        usd.update({"starkExAssetId": "0x2893294412a4c8f915f75892b395ebbf6859ec246ec365c3b1f56f47c3a0a5d",
                    "starkExResolution": "0xf4240"})
        coins = [usd] + [
            self._coin(coin_id(self.model, a), base_name(self.model, a), fmt(self.model.spec(VENUE, a).lot), "1")
            for a in listed
        ]
        data = {
            "global": {
                "appName": "edgeX", "appEnv": "mainnet", "appOnlySignOn": "https://pro.edgex.exchange",
                "feeAccountId": "256", "feeAccountL2Key": "0x" + _trace("fee") * 2,
                "poolAccountId": "257", "poolAccountL2Key": "0x" + _trace("pool") * 2,
                "fastWithdrawAccountId": "258", "fastWithdrawAccountL2Key": "0x" + _trace("fast") * 2,
                "fastWithdrawMaxAmount": "100000",
                "fastWithdrawRegistryAddress": "0xBE9a129909EbCb954bC065536D2bfAfBd170d27A",
                "starkExChainId": "0x1",
                "starkExContractAddress": "0xfAaE2946e846133af314d1Df13684c89fA7d83DD",
                "starkExCollateralCoin": usd, "starkExMaxFundingRate": 12000, "starkExOrdersTreeHeight": 64,
                "starkExPositionsTreeHeight": 64, "starkExFundingValidityPeriod": 86400,
                "starkExPriceValidityPeriod": 86400, "maintenanceReason": "",
                "nativeChainId": "33431", "chainId": "33431",
                "contractAddress": "0x1ae109ea449cfe0bed08bfe8911e968a49a919b1",
            },
            "coinList": coins,
            "contractList": [self._contract(a) for a in listed],
            "multiChain": {"coinId": _USD_COIN_ID, "maxWithdraw": "100000", "minWithdraw": "10", "minDeposit": "10",
                           "chainList": []},
        }
        return self._envelope(data)

    async def server_time(self, request: web.Request) -> web.Response:
        return self._envelope({"timeMillis": str(ms(self.ctx.now()))})

    async def ticker(self, request: web.Request) -> web.Response:
        now = self.ctx.now()
        rows = []
        for a in self._select(request.query.get("contractId")):
            m, spec = self.model, self.model.spec(VENUE, a)
            mark, index = m.mark_price(VENUE, a, now), m.index_price(VENUE, a, now)
            open_px = m.mark_price(VENUE, a, now - timedelta(days=1))
            vol = m.volume_24h_usd(VENUE, a, now)
            interval = Decimal(m.interval_hours(VENUE, a))
            end = now.replace(second=0, microsecond=0)
            rows.append({
                "contractId": contract_id(m, a), "contractName": contract_name(m, a),
                "priceChange": fmt(mark - open_px), "priceChangePercent": fmt(((mark - open_px) / open_px).quantize(
                    Decimal("1e-6"))),
                "trades": str(int(vol / 1000)), "size": fmt((vol / mark).quantize(spec.lot, ROUND_DOWN)),
                "value": fmt(vol), "high": fmt(max(mark, open_px)), "low": fmt(min(mark, open_px)),
                "open": fmt(open_px), "close": fmt(mark),
                "highTime": str(ms(end - timedelta(hours=3))), "lowTime": str(ms(end - timedelta(hours=15))),
                "startTime": str(ms(end - timedelta(days=1))), "endTime": str(ms(end)),
                "lastPrice": fmt(mark), "indexPrice": fmt(index), "oraclePrice": fmt(mark),
                "openInterest": fmt(m.open_interest_base(VENUE, a, now)),
                "fundingRate": fmt(m.predicted_rate_per_hour(VENUE, a, now) * interval),
                "fundingTime": str(ms(m.last_settlement(VENUE, a, now))),
                "nextFundingTime": str(ms(m.next_settlement(VENUE, a, now))),
            })
        return self._envelope(rows)

    async def latest_funding(self, request: web.Request) -> web.Response:
        now = self.ctx.now()
        return self._envelope([self._funding_row(a, now, None) for a in self._select(request.query.get("contractId"))])

    async def funding_page(self, request: web.Request) -> web.Response:
        q = request.query
        a = self._by_id(q.get("contractId", ""))
        if a is None:
            return self._error("contractId is required and must be a listed contract")
        try:
            size = int(q.get("size", "10"))
            now = self.ctx.now()
            end = datetime.fromtimestamp(int(q["filterEndTimeExclusive"]) / 1000, UTC) \
                if q.get("filterEndTimeExclusive") else now
            start = datetime.fromtimestamp(int(q["filterBeginTimeInclusive"]) / 1000, UTC) \
                if q.get("filterBeginTimeInclusive") else end - timedelta(days=100)
        except (ValueError, OverflowError, OSError):
            return self._error("size and the time filters must be integers")
        if not 1 <= size <= c.HISTORY_PAGE_SIZE:
            return self._error("size must be in [1, 100]")
        end = min(end, now)
        start = max(start, end - _MAX_RANGE)
        if q.get("offsetData"):
            before = _decode_offset(q["offsetData"])
            if before is None:
                return self._error("invalid offsetData")
            end = min(end, before)
        times = self.model.settlement_times(VENUE, a, start, end)[::-1]  # newest first
        page = times[:size]
        rows = [self._funding_row(a, t, t) for t in page]
        next_offset = _encode_offset(page[-1]) if len(times) > size else ""
        return self._envelope({"dataList": rows, "nextPageOffsetData": next_offset})

    async def depth(self, request: web.Request) -> web.Response:
        a = self._by_id(request.query.get("contractId", ""))
        if a is None:
            return self._error("contractId is required and must be a listed contract")
        level = request.query.get("level", "")
        if level not in {str(x) for x in c.DEPTH_LEVELS}:
            return self._error("level must be 15 or 200")
        now = self.ctx.now()
        bids, asks = self.model.order_book(VENUE, a, now, depth=int(level))
        sec = int(now.timestamp())
        return self._envelope([{
            "startVersion": str(sec), "endVersion": str(sec + 1), "level": int(level),
            "contractId": contract_id(self.model, a), "contractName": contract_name(self.model, a),
            "asks": [{"price": fmt(p), "size": fmt(sz)} for p, sz in asks],
            "bids": [{"price": fmt(p), "size": fmt(sz)} for p, sz in bids],
            "depthType": "SNAPSHOT",
        }])


_ROUTES = {
    "/public/meta/getMetaData": ("meta_data", "meta_data"),
    "/public/meta/getServerTime": ("server_time", "server_time"),
    "/public/quote/getTicker": ("ticker", "ticker"),
    "/public/quote/getDepth": ("depth", "depth"),
    "/public/funding/getLatestFundingRate": ("latest_funding", "latest_funding_rate"),
    "/public/funding/getFundingRatePage": ("funding_page", "funding_rate_page"),
}


def setup(app: web.Application, ctx: SimContext) -> None:
    r = _Routes(ctx)
    for prefix in c.API_PREFIXES:
        for tail, (handler, _) in _ROUTES.items():
            app.router.add_get(prefix + tail, getattr(r, handler))


_PRIVATE_REPLAY = {
    "/private/order/createOrder": "create_order",
    "/private/order/cancelOrderById": "cancel_order",
    "/private/order/cancelOrderByClientOrderId": "cancel_order",
    "/private/order/cancelAllOrder": "cancel_order",
    "/private/order/getActiveOrderPage": "active_order_page",
    "/private/order/getHistoryOrderFillTransactionPage": "order_fill_transaction_page",
    "/private/account/getPositionByContractId": "position_by_contract",
    "/private/account/getPositionTransactionPage": "position_transaction_page_funding",
}


def replay_name(method: str, path: str, query: dict[str, str], body: Any) -> str | None:
    """The exchange_samples/edgex file that answers a request, for either API prefix."""
    prefix = next((p for p in c.API_PREFIXES if path.startswith(p + "/")), None)
    if prefix is None:
        return None
    tail = path[len(prefix) :]
    if tail in _ROUTES:
        name = _ROUTES[tail][1]
        if name == "ticker" and query.get("contractId"):
            return "ticker_single"
        return name
    return _PRIVATE_REPLAY.get(tail)

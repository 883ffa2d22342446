"""Backpack wire models: strings for decimals, ints for ms/µs timestamps, exactly as the venue sends them."""

from __future__ import annotations

from perpdex_lib.venues.wire import DecStr, Int, WireModel
from perpdex_lib.venues.wire_levels import StrLevel

Level = StrLevel  # ["price", "size"] decimal strings


class PriceFilter(WireModel):
    tickSize: DecStr


class QuantityFilter(WireModel):
    stepSize: DecStr
    minQuantity: DecStr | None = None


class Filters(WireModel):
    price: PriceFilter
    quantity: QuantityFilter


class MarginFunction(WireModel):
    type: str
    base: DecStr
    factor: DecStr


class MarketRow(WireModel):
    """One entry of GET /api/v1/markets (spot rows carry no funding fields)."""

    symbol: str
    baseSymbol: str
    quoteSymbol: str
    marketType: str
    orderBookState: str
    filters: Filters
    imfFunction: MarginFunction | None = None
    fundingInterval: Int | None = None


class MarkPriceRow(WireModel):
    """One entry of GET /api/v1/markPrices; funding fields are absent on spot rows."""

    symbol: str
    markPrice: DecStr
    indexPrice: DecStr | None = None
    fundingRate: DecStr | None = None
    nextFundingTimestamp: Int | None = None


class FundingRateRow(WireModel):
    """One settled interval of GET /api/v1/fundingRates."""

    symbol: str
    intervalEndTimestamp: str
    fundingRate: DecStr


class OpenInterestRow(WireModel):
    symbol: str
    openInterest: DecStr | None = None
    timestamp: Int


class TickerRow(WireModel):
    symbol: str
    lastPrice: DecStr
    volume: DecStr
    quoteVolume: DecStr


class Depth(WireModel):
    bids: list[Level]
    asks: list[Level]
    lastUpdateId: str
    timestamp: Int  # microseconds

"""Aster wire models (Binance USD-M shapes): decimals as strings, timestamps and ids as JSON integers."""

from __future__ import annotations

from typing import Any

from perpdex_lib.venues.wire import DecNum, DecStr, Int, WireModel
from perpdex_lib.venues.wire_levels import StrLevel

Level = StrLevel  # ["price", "size"] decimal strings


class ExchangeInfo(WireModel):
    """The envelope; symbols are validated one by one so a bad one is a reject, not a failed fetch."""

    serverTime: Int
    symbols: list[Any]


class SymbolRow(WireModel):
    symbol: str
    contractType: str
    status: str
    baseAsset: str
    quoteAsset: str
    requiredMarginPercent: DecStr | None = None
    filters: list[Any]


class PriceFilter(WireModel):
    filterType: str
    tickSize: DecStr


class LotSizeFilter(WireModel):
    filterType: str
    stepSize: DecStr
    minQty: DecStr


class MinNotionalFilter(WireModel):
    filterType: str
    notional: DecStr


class PremiumIndexRow(WireModel):
    symbol: str
    markPrice: DecStr
    indexPrice: DecStr
    lastFundingRate: DecStr
    nextFundingTime: Int
    time: Int


class FundingInfoRow(WireModel):
    symbol: str
    fundingIntervalHours: Int
    fundingFeeCap: DecNum | None = None
    fundingFeeFloor: DecNum | None = None


class FundingRateRow(WireModel):
    symbol: str
    fundingRate: DecStr
    fundingTime: Int


class TickerRow(WireModel):
    symbol: str
    lastPrice: DecStr
    volume: DecStr
    quoteVolume: DecStr
    closeTime: Int


class OpenInterest(WireModel):
    symbol: str
    openInterest: DecStr
    time: Int


class Depth(WireModel):
    lastUpdateId: Int
    E: Int
    T: Int
    bids: list[Level]
    asks: list[Level]


class ErrorBody(WireModel):
    code: Int
    msg: str

"""Aster wire models (Binance USD-M shapes): decimals as strings, timestamps and ids as JSON integers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator

from perpdex_lib.venues.wire import DecNum, DecStr, Int, WireModel


def _level(value: Any) -> tuple[Decimal, Decimal]:
    """A book level ``["price", "qty"]``: exactly two non-negative decimal strings."""
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError("expected a [price, qty] pair")
    out = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"expected a decimal string, got {type(item).__name__}")
        try:
            dec = Decimal(item)
        except ArithmeticError as exc:
            raise ValueError(f"not a decimal: {item!r}") from exc
        if not dec.is_finite() or dec < 0:
            raise ValueError(f"not a non-negative finite decimal: {item!r}")
        out.append(dec)
    return out[0], out[1]


Level = Annotated[tuple[Decimal, Decimal], BeforeValidator(_level)]


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

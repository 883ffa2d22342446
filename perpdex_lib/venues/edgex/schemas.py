"""EdgeX wire models; field names are the venue's camelCase.

Every number is a JSON string (ids, decimals, ms timestamps) except ``level``, ``tier`` and booleans. Envelopes
keep row lists as ``list[Any]`` so one bad row becomes a reject.
"""

from __future__ import annotations

from typing import Any

from perpdex_lib.venues.wire import DecStr, Int, IntStr, WireModel


class Envelope(WireModel):
    code: str
    msg: str | None = None
    data: Any = None


class ListBody(Envelope):
    data: list[Any]


class Coin(WireModel):
    coinId: str
    coinName: str


class RiskTier(WireModel):
    tier: Int
    maxLeverage: DecStr


class Contract(WireModel):
    contractId: str
    contractName: str
    baseCoinId: str | None = None
    quoteCoinId: str | None = None
    tickSize: DecStr
    stepSize: DecStr
    minOrderSize: DecStr
    displayMaxLeverage: DecStr | None = None
    riskTierList: list[RiskTier] = []
    enableTrade: bool
    enableOpenPosition: bool = True
    fundingRateIntervalMin: IntStr


class MetaData(WireModel):
    coinList: list[Any] = []
    contractList: list[Any]


class MetaBody(Envelope):
    data: MetaData


class FundingRow(WireModel):
    """getLatestFundingRate and getFundingRatePage rows."""

    contractId: str
    fundingTime: IntStr
    fundingTimestamp: IntStr
    fundingRate: DecStr
    isSettlement: bool
    fundingRateIntervalMin: IntStr


class FundingPage(WireModel):
    dataList: list[Any]
    nextPageOffsetData: str | None = None


class FundingPageBody(Envelope):
    data: FundingPage


class Ticker(WireModel):
    contractId: str
    contractName: str
    lastPrice: DecStr | None = None
    indexPrice: DecStr | None = None
    oraclePrice: DecStr | None = None
    openInterest: DecStr | None = None
    value: DecStr | None = None
    nextFundingTime: IntStr | None = None


class Level(WireModel):
    price: DecStr
    size: DecStr


class Depth(WireModel):
    contractId: str
    level: Int | None = None
    asks: list[Level]
    bids: list[Level]

"""Strict wire models for Hyperliquid /info bodies: decimals are JSON strings, counts and times JSON ints."""

from __future__ import annotations

from typing import Any

from perpdex_lib.venues.wire import DecNum, DecStr, Int, WireModel


class UniverseAsset(WireModel):
    """One perp in ``meta.universe``; its list index is the asset id used when trading."""

    name: str
    szDecimals: Int
    maxLeverage: Int
    marginTableId: Int | None = None
    onlyIsolated: bool | None = None
    isDelisted: bool | None = None


class Meta(WireModel):
    universe: list[Any]  # rows validated one by one (UniverseAsset) so one bad row is a Reject


class AssetCtx(WireModel):
    """Live context of one perp, aligned by index with ``meta.universe``."""

    funding: DecStr  # fraction per hour, the running hour's estimate
    openInterest: DecStr  # base units, one side
    prevDayPx: DecStr | None = None
    dayNtlVlm: DecStr  # 24 h notional volume, USD
    premium: DecStr | None = None
    oraclePx: DecStr
    markPx: DecStr
    midPx: DecStr | None = None
    impactPxs: list[DecStr] | None = None
    dayBaseVlm: DecStr | None = None


class PredictedVenueFunding(WireModel):
    """One venue's entry in ``predictedFundings``; ``fundingRate`` is per ``fundingIntervalHours``."""

    fundingRate: DecStr
    nextFundingTime: Int  # ms
    fundingIntervalHours: DecNum | None = None  # absent in older responses


class FundingHistoryRow(WireModel):
    coin: str
    fundingRate: DecStr  # fraction per settlement interval (1 h now, 8 h before 2023-06-08)
    premium: DecStr | None = None  # absent on some real rows
    time: Int  # ms, a few ms after the settlement hour


class BookLevel(WireModel):
    px: DecStr
    sz: DecStr
    n: Int | None = None  # number of orders; absent in some third-party recordings


class L2Book(WireModel):
    coin: str
    time: Int  # ms
    levels: list[list[BookLevel]]  # [bids, asks], best first

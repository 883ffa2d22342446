"""GRVT wire models (``/full/v1``). JSON types are the contract: int64 as strings, int32 as numbers."""

from __future__ import annotations

from typing import Any

from perpdex_lib.venues.wire import DecStr, Int, IntStr, WireModel


class ErrorBody(WireModel):
    code: Int
    message: str = ""
    status: Int | None = None


class ListEnvelope(WireModel):
    """``{"result": [...], "next": cursor}``; rows stay raw so one bad row does not sink the page."""

    result: list[Any]
    next: str | None = None


class ObjectEnvelope(WireModel):
    result: dict[str, Any]


class InstrumentRow(WireModel):
    instrument: str
    instrument_hash: str
    base: str
    quote: str
    kind: str
    venues: list[str] | None = None
    settlement_period: str
    base_decimals: Int
    quote_decimals: Int
    tick_size: DecStr
    min_size: DecStr
    create_time: IntStr
    max_position_size: DecStr | None = None
    funding_interval_hours: Int | None = None  # perpetuals only
    adjusted_funding_rate_cap: DecStr | None = None
    adjusted_funding_rate_floor: DecStr | None = None
    min_notional: DecStr | None = None


class TickerRow(WireModel):
    event_time: IntStr
    instrument: str
    mark_price: DecStr
    index_price: DecStr | None = None
    last_price: DecStr | None = None
    last_size: DecStr | None = None
    mid_price: DecStr | None = None
    best_bid_price: DecStr | None = None
    best_bid_size: DecStr | None = None
    best_ask_price: DecStr | None = None
    best_ask_size: DecStr | None = None
    funding_rate_8h_curr: DecStr | None = None
    funding_rate_8h_avg: DecStr | None = None
    interest_rate: DecStr | None = None
    forward_price: DecStr | None = None
    buy_volume_24h_b: DecStr | None = None
    sell_volume_24h_b: DecStr | None = None
    buy_volume_24h_q: DecStr | None = None
    sell_volume_24h_q: DecStr | None = None
    high_price: DecStr | None = None
    low_price: DecStr | None = None
    open_price: DecStr | None = None
    open_interest: DecStr | None = None
    long_short_ratio: DecStr | None = None
    funding_rate: DecStr | None = None
    next_funding_time: IntStr | None = None


class FundingRow(WireModel):
    instrument: str
    funding_rate: DecStr
    funding_time: IntStr
    mark_price: DecStr | None = None
    funding_rate_8_h_avg: DecStr | None = None
    funding_interval_hours: Int | None = None


class BookLevel(WireModel):
    price: DecStr
    size: DecStr
    num_orders: Int


class Book(WireModel):
    event_time: IntStr
    instrument: str
    bids: list[BookLevel]
    asks: list[BookLevel]

"""Lighter wire models. JSON types follow the samples: decimals are strings except the 24 h stats and
``open_interest`` in orderBookDetails (numbers); ids are ints; history timestamps are epoch seconds.

Envelopes keep their row lists as ``list[Any]`` so one bad row becomes a reject, not a failed call.
"""

from __future__ import annotations

from typing import Any

from perpdex_lib.venues.wire import DecNum, DecStr, Int, WireModel


class Envelope(WireModel):
    code: Int
    message: str | None = None


class MarketConfig(WireModel):
    force_reduce_only: bool = False
    hidden: bool = False


class OrderBookDetail(WireModel):
    """One row of ``order_book_details`` (perps)."""

    symbol: str
    market_id: Int
    market_type: str = "perp"
    status: str
    min_base_amount: DecStr
    min_quote_amount: DecStr
    size_decimals: Int
    price_decimals: Int
    min_initial_margin_fraction: Int
    last_trade_price: DecNum | None = None
    daily_base_token_volume: DecNum | None = None
    daily_quote_token_volume: DecNum | None = None
    open_interest: DecNum | None = None  # base units, one side
    mark_price: DecStr | None = None  # absent in some real payloads
    index_price: DecStr | None = None
    market_config: MarketConfig | None = None
    is_frozen: bool = False


class OrderBookDetailsBody(Envelope):
    order_book_details: list[Any]
    spot_order_book_details: list[Any] | None = None


class FundingRateRow(WireModel):
    market_id: Int
    exchange: str
    symbol: str
    rate: DecNum  # fraction per 8 h


class FundingRatesBody(Envelope):
    funding_rates: list[Any]


class FundingRow(WireModel):
    timestamp: Int  # settlement, epoch seconds
    value: DecStr  # quote paid per 1 base unit
    rate: DecStr  # unsigned percent per hour
    direction: str  # side that paid


class FundingsBody(Envelope):
    resolution: str | None = None
    fundings: list[Any]


class BookOrder(WireModel):
    price: DecStr
    remaining_base_amount: DecStr


class OrderBookOrdersBody(Envelope):
    total_asks: Int | None = None
    asks: list[Any]
    total_bids: Int | None = None
    bids: list[Any]

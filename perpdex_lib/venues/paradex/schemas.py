"""Paradex wire models (REST /v1). Decimals are strings, times are ms ints."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from perpdex_lib.venues.wire import DecNum, DecStr, Int, WireModel

PriceSize = Annotated[list[DecStr], Field(min_length=2, max_length=2)]  # ["92683.1", "0.310"]


class ResultsEnvelope(WireModel):
    """``{"results": [...]}``, optionally with ``next``/``prev`` cursors; rows stay raw."""

    results: list[Any]
    next: str | None = None
    prev: str | None = None


class MarginParams(WireModel):
    imf_base: DecStr
    imf_shift: DecStr | None = None
    imf_factor: DecStr | None = None
    mmf_factor: DecStr | None = None


class MarketRow(WireModel):
    symbol: str
    base_currency: str
    quote_currency: str
    settlement_currency: str | None = None
    order_size_increment: DecStr
    price_tick_size: DecStr
    min_notional: DecStr | None = None
    open_at: Int | None = None
    expiry_at: Int | None = None
    asset_kind: str
    market_kind: str | None = None
    position_limit: DecStr | None = None
    price_bands_width: DecStr | None = None
    max_open_orders: Int | None = None
    max_funding_rate: DecStr | None = None
    delta1_cross_margin_params: MarginParams | None = None
    price_feed_id: str | None = None
    oracle_ewma_factor: DecStr | None = None
    max_order_size: DecStr | None = None
    max_funding_rate_change: DecStr | None = None
    max_tob_spread: DecStr | None = None
    interest_rate: DecStr | None = None
    clamp_rate: DecStr | None = None
    funding_period_hours: Int | None = None
    funding_multiplier: DecNum | None = None
    max_slippage: DecStr | None = None
    tags: list[str] | None = None
    fee_config: dict[str, Any] | None = None


class SummaryRow(WireModel):
    symbol: str
    mark_price: DecStr
    oracle_price: DecStr | None = None
    underlying_price: DecStr | None = None
    last_traded_price: DecStr | None = None
    bid: DecStr | None = None
    bid_size: DecStr | None = None
    ask: DecStr | None = None
    ask_size: DecStr | None = None
    volume_24h: DecStr | None = None
    total_volume: DecStr | None = None
    created_at: Int
    open_interest: DecStr | None = None
    funding_rate: DecStr
    future_funding_rate: DecStr | None = None
    price_change_rate_24h: DecStr | None = None
    greeks: dict[str, Any] | None = None


class FundingDataRow(WireModel):
    market: str
    funding_index: DecStr | None = None
    funding_premium: DecStr | None = None
    funding_rate: DecStr
    funding_rate_8h: DecStr | None = None
    funding_period_hours: Int | None = None
    created_at: Int


class OrderBookBody(WireModel):
    market: str
    seq_no: Int
    last_updated_at: Int
    asks: list[PriceSize]
    bids: list[PriceSize]

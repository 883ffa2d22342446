"""Lighter wire -> domain. Pure functions; the client in market_data.py does the I/O."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from perpdex_lib.domain import (
    FundingKind,
    FundingRate,
    Instrument,
    InstrumentStatus,
    MarketSnapshot,
    OrderBook,
    OrderBookLevel,
    Venue,
)
from perpdex_lib.symbols import canonical_asset
from perpdex_lib.venues.batch import Batch
from perpdex_lib.venues.common import map_body_rows, next_full_hour, notional_usd, utc_from_epoch
from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from perpdex_lib.venues.lighter import constants as c
from perpdex_lib.venues.lighter import schemas as s
from perpdex_lib.venues.wire import parse_wire

VENUE = Venue.LIGHTER
E = TypeVar("E", bound=s.Envelope)

def envelope(model: type[E], payload: Any, endpoint: str) -> E:
    """Validate a whole body; a non-200 ``code`` is a venue error even inside an HTTP 200."""
    body = parse_wire(model, payload, VENUE.value, endpoint)
    if body.code != c.OK_CODE:
        raise VenueHttpError(VENUE.value, endpoint, 200, f"code {body.code}: {body.message or ''}"[:200])
    return body


def utc_from_s(value: int) -> datetime:
    return utc_from_epoch(value, "s")


next_settlement = next_full_hour  # Lighter settles every hour on the hour


def _pow10(decimals: int, name: str) -> Decimal:
    if not 0 <= decimals <= 18:
        raise ValueError(f"{name} out of range: {decimals}")
    return Decimal(1).scaleb(-decimals)


def _status(row: s.OrderBookDetail) -> InstrumentStatus:
    try:
        status = c.STATUS_MAP[row.status]
    except KeyError:
        raise ValueError(f"unknown market status {row.status!r}") from None
    if status is InstrumentStatus.ACTIVE and row.is_frozen:
        return InstrumentStatus.HALTED
    if status is InstrumentStatus.ACTIVE and row.market_config is not None and row.market_config.force_reduce_only:
        return InstrumentStatus.REDUCE_ONLY
    return status


def instrument(payload: Any, endpoint: str = c.ORDER_BOOK_DETAILS_PATH) -> Instrument | None:
    """One perp of orderBookDetails; spot rows (market_type != perp) are skipped on purpose."""
    row = parse_wire(s.OrderBookDetail, payload, VENUE.value, endpoint)
    if row.market_type != c.PERP_MARKET_TYPE:
        return None
    asset, multiplier = canonical_asset(row.symbol)
    if row.min_initial_margin_fraction <= 0:
        raise ValueError(f"min_initial_margin_fraction must be positive: {row.min_initial_margin_fraction}")
    return Instrument(
        venue=VENUE,
        venue_symbol=row.symbol,
        asset=asset,
        multiplier=multiplier,
        quote=c.QUOTE,
        tick_size=_pow10(row.price_decimals, "price_decimals"),
        lot_size=_pow10(row.size_decimals, "size_decimals"),
        min_size=row.min_base_amount,
        min_notional_usd=row.min_quote_amount,
        max_leverage=c.MARGIN_FRACTION_ONE / row.min_initial_margin_fraction,
        funding_interval_hours=c.FUNDING_INTERVAL_HOURS,
        status=_status(row),
        venue_market_id=str(row.market_id),
    )


def current_funding(payload: Any, observed_at: datetime, endpoint: str = c.FUNDING_RATES_PATH) -> FundingRate | None:
    """A Lighter row of /funding-rates as a prediction for the next hourly settlement.

    The endpoint has no next-funding field; ``funding_time`` is computed from the fixed 1 h grid. Rows of other
    exchanges (binance, bybit, hyperliquid reference rates) are skipped.
    """
    row = parse_wire(s.FundingRateRow, payload, VENUE.value, endpoint)
    if row.exchange != c.LIGHTER_EXCHANGE:
        return None
    asset, _ = canonical_asset(row.symbol)
    return FundingRate(
        venue=VENUE,
        venue_symbol=row.symbol,
        asset=asset,
        kind=FundingKind.PREDICTED,
        funding_time=next_settlement(observed_at),
        raw_rate=row.rate,
        raw_unit=c.CURRENT_RATE_UNIT,
        interval_hours=c.FUNDING_INTERVAL_HOURS,
        venue_ts=None,
        observed_at=observed_at,
    )


def settled_funding(
    payload: Any, venue_symbol: str, asset: str, observed_at: datetime, endpoint: str = c.FUNDINGS_PATH
) -> FundingRate:
    """One /fundings row: unsigned percent per hour, signed by the side that paid."""
    row = parse_wire(s.FundingRow, payload, VENUE.value, endpoint)
    try:
        sign = c.DIRECTION_SIGN[row.direction]
    except KeyError:
        raise ValueError(f"unknown funding direction {row.direction!r}") from None
    if row.rate < 0:
        raise ValueError(f"history rate must be unsigned, got {row.rate}")
    settled_at = utc_from_s(row.timestamp)
    return FundingRate(
        venue=VENUE,
        venue_symbol=venue_symbol,
        asset=asset,
        kind=FundingKind.SETTLED,
        funding_time=settled_at,
        raw_rate=row.rate * sign,
        raw_unit=c.HISTORY_RATE_UNIT,
        interval_hours=c.FUNDING_INTERVAL_HOURS,
        venue_ts=settled_at,
        observed_at=observed_at,
    )


def snapshot(payload: Any, observed_at: datetime, endpoint: str = c.ORDER_BOOK_DETAILS_PATH) -> MarketSnapshot | None:
    """Mark/index/OI/volume of one perp. ``open_interest`` is base units (one side); USD = base x mark."""
    row = parse_wire(s.OrderBookDetail, payload, VENUE.value, endpoint)
    if row.market_type != c.PERP_MARKET_TYPE:
        return None
    asset, _ = canonical_asset(row.symbol)
    oi_base = row.open_interest
    oi_usd = notional_usd(oi_base, row.mark_price)
    return MarketSnapshot(
        venue=VENUE,
        venue_symbol=row.symbol,
        asset=asset,
        ts=observed_at,
        mark_price=row.mark_price,
        index_price=row.index_price,
        open_interest_base=oi_base,
        open_interest_usd=oi_usd,
        volume_24h_usd=row.daily_quote_token_volume,
        next_funding_time=next_settlement(observed_at),
    )


def _levels(orders: Iterable[Any], endpoint: str, side: str, truncated: bool, best_high: bool) -> list[OrderBookLevel]:
    """Aggregate individual resting orders into price levels, best first.

    When the venue returned as many orders as asked for, the worst level may be cut short, so it is dropped.
    """
    sizes: dict[Decimal, Decimal] = defaultdict(Decimal)
    for i, raw in enumerate(orders):
        try:
            order = parse_wire(s.BookOrder, raw, VENUE.value, endpoint)
        except VenueParseError as exc:
            raise VenueParseError(VENUE.value, endpoint, f"{side}.{i}.{exc.field}", exc.reason) from None
        if order.price <= 0 or order.remaining_base_amount < 0:
            raise VenueParseError(VENUE.value, endpoint, f"{side}.{i}", "non-positive price or negative size")
        try:
            sizes[order.price] += order.remaining_base_amount
        except ArithmeticError as exc:
            raise VenueParseError(VENUE.value, endpoint, f"{side}.{i}", f"size overflow: {exc}") from None
    prices = sorted(sizes, reverse=best_high)
    if truncated and prices:
        prices = prices[:-1]
    return [OrderBookLevel(p, sizes[p]) for p in prices if sizes[p] > 0]


def order_book(
    payload: Any, venue_symbol: str, ts: datetime, depth: int, limit: int, endpoint: str = c.ORDER_BOOK_ORDERS_PATH
) -> OrderBook:
    """orderBookOrders (L3) -> top ``depth`` aggregated levels per side. A bad order fails the whole book."""
    body = envelope(s.OrderBookOrdersBody, payload, endpoint)
    bids = _levels(body.bids, endpoint, "bids", len(body.bids) >= limit, best_high=True)
    asks = _levels(body.asks, endpoint, "asks", len(body.asks) >= limit, best_high=False)
    return OrderBook(VENUE, venue_symbol, ts, tuple(bids[:depth]), tuple(asks[:depth]))


# ---- whole bodies -> batches (what the client calls; one bad row is a reject, a bad envelope an error) ---------
def _rows(rows: list[Any], convert: Any, endpoint: str) -> Batch[Any]:
    return map_body_rows(rows, convert, VENUE.value, endpoint)


def instruments_body(payload: Any, endpoint: str = c.ORDER_BOOK_DETAILS_PATH) -> Batch[Instrument]:
    body = envelope(s.OrderBookDetailsBody, payload, endpoint)
    return _rows(body.order_book_details, lambda r: instrument(r, endpoint), endpoint)


def snapshots_body(
    payload: Any, observed_at: datetime, endpoint: str = c.ORDER_BOOK_DETAILS_PATH
) -> Batch[MarketSnapshot]:
    body = envelope(s.OrderBookDetailsBody, payload, endpoint)
    return _rows(body.order_book_details, lambda r: snapshot(r, observed_at, endpoint), endpoint)


def current_funding_body(
    payload: Any, observed_at: datetime, endpoint: str = c.FUNDING_RATES_PATH
) -> Batch[FundingRate]:
    body = envelope(s.FundingRatesBody, payload, endpoint)
    return _rows(body.funding_rates, lambda r: current_funding(r, observed_at, endpoint), endpoint)


def history_body(
    payload: Any, venue_symbol: str, asset: str, observed_at: datetime, endpoint: str = c.FUNDINGS_PATH
) -> Batch[FundingRate]:
    body = envelope(s.FundingsBody, payload, endpoint)
    return _rows(body.fundings, lambda r: settled_funding(r, venue_symbol, asset, observed_at, endpoint), endpoint)

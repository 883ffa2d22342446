"""Backpack wire -> domain. Whole-body problems raise VenueParseError; bad rows become Rejects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook, RateUnit, Venue
from perpdex_lib.domain.enums import FundingKind
from perpdex_lib.venues.backpack import constants as c
from perpdex_lib.venues.backpack.schemas import (
    Depth,
    FundingRateRow,
    MarketRow,
    MarkPriceRow,
    OpenInterestRow,
    TickerRow,
)
from perpdex_lib.venues.batch import Batch, map_rows
from perpdex_lib.venues.common import (
    INTERVAL_MARK,
    UnknownIntervalError,
    asset_of,
    body_time,
    book_side,
    expect_list,
    get_endpoint,
    iso_to_utc,
    label_unknown_intervals,
    leverage_from_margin_fraction,
    notional_usd,
    utc_from_epoch,
)
from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.wire import parse_wire

VENUE = Venue.BACKPACK
T = TypeVar("T")
UNIT = RateUnit.FRACTION_PER_INTERVAL
endpoint = get_endpoint


# ---- small helpers ---------------------------------------------------------------------------------
def rows(body: Any, path: str, convert: Callable[[Any], T | None]) -> Batch[T]:
    """``map_rows`` over a list body, labelling interval failures ``unknown_interval``."""
    items = expect_list(body, VENUE.value, endpoint(path))
    return label_unknown_intervals(map_rows(items, convert, VENUE.value, endpoint(path), lambda r: r))


def ms_to_utc(value: int) -> datetime:
    """Milliseconds since the epoch, exactly (no float rounding)."""
    return utc_from_epoch(value, "ms")


naive_iso_to_utc = iso_to_utc  # ``intervalEndTimestamp``: ISO-8601 without offset, meaning UTC


def interval_hours_from_ms(value: int | None, symbol: str) -> Decimal:
    if value is None or value <= 0:
        raise UnknownIntervalError(f"{INTERVAL_MARK} for {symbol}: fundingInterval={value!r}")
    return Decimal(value) / c.MS_PER_HOUR


def settled_interval_hours(funding_time: datetime, current_interval_h: Decimal) -> Decimal:
    """The interval in force when a settlement happened: 8 h up to the 2025-08-20 switch, current after."""
    if funding_time <= c.INTERVAL_SWITCH_AT:
        return c.INTERVAL_BEFORE_SWITCH_H
    return current_interval_h


# ---- instruments -----------------------------------------------------------------------------------
def instrument_from_row(row: Any) -> Instrument | None:
    m = parse_wire(MarketRow, row, VENUE.value, endpoint(c.MARKETS_PATH))
    if m.marketType != c.PERP_MARKET_TYPE:
        return None  # spot and lending markets share the list
    status = c.STATUS_MAP.get(m.orderBookState)
    if status is None:
        raise VenueParseError(VENUE.value, endpoint(c.MARKETS_PATH), "orderBookState", f"unknown {m.orderBookState!r}")
    asset, multiplier = asset_of(m.baseSymbol, m.symbol)
    max_leverage = leverage_from_margin_fraction(m.imfFunction.base if m.imfFunction is not None else None)
    if m.filters.price.tickSize <= 0 or m.filters.quantity.stepSize <= 0:
        raise VenueParseError(VENUE.value, endpoint(c.MARKETS_PATH), "filters", "tick and step must be positive")
    return Instrument(
        venue=VENUE,
        venue_symbol=m.symbol,
        asset=asset,
        multiplier=multiplier,
        quote=m.quoteSymbol,
        tick_size=m.filters.price.tickSize,
        lot_size=m.filters.quantity.stepSize,
        min_size=m.filters.quantity.minQuantity,
        min_notional_usd=None,  # Backpack publishes no minimum notional
        max_leverage=max_leverage,
        funding_interval_hours=interval_hours_from_ms(m.fundingInterval, m.symbol),
        status=status,
    )


def parse_markets(body: Any) -> Batch[Instrument]:
    return rows(body, c.MARKETS_PATH, instrument_from_row)


# ---- funding -----------------------------------------------------------------------------------------
def parse_mark_prices(
    body: Any, instruments: Mapping[str, Instrument], observed_at: datetime
) -> Batch[FundingRate]:
    """Predicted funding: ``fundingRate`` for the settlement at ``nextFundingTimestamp`` (the venue's own)."""
    ep = endpoint(c.MARK_PRICES_PATH)

    def convert(row: Any) -> FundingRate | None:
        m = parse_wire(MarkPriceRow, row, VENUE.value, ep)
        inst = instruments.get(m.symbol)
        if inst is None:
            if not m.symbol.endswith(c.PERP_SUFFIX):
                return None  # spot row
            raise UnknownIntervalError(f"{INTERVAL_MARK} for {m.symbol}: not in /api/v1/markets")
        if m.fundingRate is None:
            raise VenueParseError(VENUE.value, ep, "fundingRate", "missing on a perp row")
        if m.nextFundingTimestamp is None:
            raise VenueParseError(VENUE.value, ep, "nextFundingTimestamp", "missing on a perp row")
        return FundingRate(
            venue=VENUE,
            venue_symbol=m.symbol,
            asset=inst.asset,
            kind=FundingKind.PREDICTED,
            funding_time=ms_to_utc(m.nextFundingTimestamp),
            raw_rate=m.fundingRate,
            raw_unit=UNIT,
            interval_hours=inst.funding_interval_hours,
            venue_ts=None,  # markPrices carries no timestamp
            observed_at=observed_at,
        )

    return rows(body, c.MARK_PRICES_PATH, convert)


def parse_funding_history(body: Any, instrument: Instrument, observed_at: datetime) -> Batch[FundingRate]:
    """Settled rows of one market; each uses the interval in force at its settlement time."""
    ep = endpoint(c.FUNDING_RATES_PATH)

    def convert(row: Any) -> FundingRate:
        m = parse_wire(FundingRateRow, row, VENUE.value, ep)
        if m.symbol != instrument.venue_symbol:
            raise VenueParseError(VENUE.value, ep, "symbol", f"{m.symbol!r} in a {instrument.venue_symbol} query")
        funding_time = naive_iso_to_utc(m.intervalEndTimestamp)
        return FundingRate(
            venue=VENUE,
            venue_symbol=m.symbol,
            asset=instrument.asset,
            kind=FundingKind.SETTLED,
            funding_time=funding_time,
            raw_rate=m.fundingRate,
            raw_unit=UNIT,
            interval_hours=settled_interval_hours(funding_time, instrument.funding_interval_hours),
            venue_ts=funding_time,
            observed_at=observed_at,
        )

    return rows(body, c.FUNDING_RATES_PATH, convert)


# ---- snapshots ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _OI:
    base: Decimal | None
    ts: datetime


def parse_open_interest(body: Any) -> Batch[tuple[str, _OI]]:
    ep = endpoint(c.OPEN_INTEREST_PATH)

    def convert(row: Any) -> tuple[str, _OI]:
        m = parse_wire(OpenInterestRow, row, VENUE.value, ep)
        return m.symbol, _OI(m.openInterest, ms_to_utc(m.timestamp))

    return rows(body, c.OPEN_INTEREST_PATH, convert)


def parse_tickers(body: Any) -> Batch[TickerRow]:
    ep = endpoint(c.TICKERS_PATH)
    return rows(body, c.TICKERS_PATH, lambda row: parse_wire(TickerRow, row, VENUE.value, ep))


def parse_snapshots(
    mark_body: Any,
    oi_body: Any,
    tickers_body: Any,
    instruments: Mapping[str, Instrument],
    observed_at: datetime,
) -> Batch[MarketSnapshot]:
    """Join markPrices, openInterest and tickers per perp. OI is base units; USD = base x mark."""
    out: Batch[MarketSnapshot] = Batch()
    oi_batch = parse_open_interest(oi_body)
    tick_batch = parse_tickers(tickers_body)
    out.rejects.extend(oi_batch.rejects)
    out.rejects.extend(tick_batch.rejects)
    oi = dict(oi_batch.items)
    tickers = {t.symbol: t for t in tick_batch.items}
    ep = endpoint(c.MARK_PRICES_PATH)

    def convert(row: Any) -> MarketSnapshot | None:
        m = parse_wire(MarkPriceRow, row, VENUE.value, ep)
        inst = instruments.get(m.symbol)
        if inst is None:
            return None  # spot, or a perp already rejected by the markets list
        o = oi.get(m.symbol)
        tick = tickers.get(m.symbol)
        oi_base = o.base if o is not None else None
        return MarketSnapshot(
            venue=VENUE,
            venue_symbol=m.symbol,
            asset=inst.asset,
            ts=o.ts if o is not None else observed_at,
            mark_price=m.markPrice,
            index_price=m.indexPrice,
            open_interest_base=oi_base,
            open_interest_usd=notional_usd(oi_base, m.markPrice),
            volume_24h_usd=tick.quoteVolume if tick is not None else None,
            next_funding_time=ms_to_utc(m.nextFundingTimestamp) if m.nextFundingTimestamp is not None else None,
        )

    out.extend(rows(mark_body, c.MARK_PRICES_PATH, convert))
    return out


# ---- order book --------------------------------------------------------------------------------------
def parse_depth(body: Any, symbol: str, depth: int) -> OrderBook:
    """Top ``depth`` levels, sorted here (bids high->low, asks low->high) whatever order the venue used."""
    ep = endpoint(c.DEPTH_PATH)
    d = parse_wire(Depth, body, VENUE.value, ep)
    return OrderBook(
        venue=VENUE,
        venue_symbol=symbol,
        ts=body_time(d.timestamp, "us", VENUE.value, ep, "timestamp"),  # microseconds (depth, WS)
        bids=book_side(d.bids, best_high=True, depth=depth, drop_empty=True),
        asks=book_side(d.asks, best_high=False, depth=depth, drop_empty=True),
    )

"""Backpack wire -> domain. Whole-body problems raise VenueParseError; bad rows become Rejects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook, OrderBookLevel, RateUnit, Venue
from perpdex_lib.domain.enums import FundingKind
from perpdex_lib.domain.units import UnknownUnitError
from perpdex_lib.symbols import UnknownSymbolError, canonical_asset
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
from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.wire import parse_wire

VENUE = Venue.BACKPACK
T = TypeVar("T")
UNIT = RateUnit.FRACTION_PER_INTERVAL
_INTERVAL_MARK = "unknown funding interval"


class UnknownIntervalError(UnknownUnitError):
    """A perp whose funding interval we do not know; its rows are quarantined, never given a default."""


# ---- small helpers ---------------------------------------------------------------------------------
def endpoint(path: str) -> str:
    return f"GET {path}"


def expect_list(body: Any, path: str) -> list[Any]:
    if not isinstance(body, list):
        raise VenueParseError(VENUE.value, endpoint(path), "<body>", f"expected a JSON list, got {type(body).__name__}")
    return body


def rows(body: Any, path: str, convert: Callable[[Any], T | None]) -> Batch[T]:
    """``map_rows`` over a list body, labelling interval failures ``unknown_interval``."""
    batch = map_rows(expect_list(body, path), convert, VENUE.value, endpoint(path), lambda r: r)
    batch.rejects = [
        replace(r, reason_code="unknown_interval") if r.detail.startswith(_INTERVAL_MARK) else r
        for r in batch.rejects
    ]
    return batch


def ms_to_utc(value: int) -> datetime:
    """Milliseconds since the epoch, exactly (no float rounding)."""
    seconds, millis = divmod(value, 1000)
    try:
        return datetime.fromtimestamp(seconds, UTC).replace(microsecond=millis * 1000)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"timestamp out of range: {value}") from exc


def us_to_utc(value: int) -> datetime:
    """Microseconds (depth, WS) without float rounding."""
    seconds, micros = divmod(value, 1_000_000)
    try:
        return datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"timestamp out of range: {value}") from exc


def naive_iso_to_utc(text: str) -> datetime:
    """``intervalEndTimestamp``: ISO-8601 without offset, meaning UTC; an explicit offset is honoured."""
    ts = datetime.fromisoformat(text)
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def interval_hours_from_ms(value: int | None, symbol: str) -> Decimal:
    if value is None or value <= 0:
        raise UnknownIntervalError(f"{_INTERVAL_MARK} for {symbol}: fundingInterval={value!r}")
    return Decimal(value) / c.MS_PER_HOUR


def settled_interval_hours(funding_time: datetime, current_interval_h: Decimal) -> Decimal:
    """The interval in force when a settlement happened: 8 h up to the 2025-08-20 switch, current after."""
    if funding_time <= c.INTERVAL_SWITCH_AT:
        return c.INTERVAL_BEFORE_SWITCH_H
    return current_interval_h


def _asset(base: str, symbol: str) -> tuple[str, Decimal]:
    try:
        return canonical_asset(base)
    except UnknownSymbolError as exc:
        raise ValueError(f"{symbol}: {exc}") from exc


# ---- instruments -----------------------------------------------------------------------------------
def instrument_from_row(row: Any) -> Instrument | None:
    m = parse_wire(MarketRow, row, VENUE.value, endpoint(c.MARKETS_PATH))
    if m.marketType != c.PERP_MARKET_TYPE:
        return None  # spot and lending markets share the list
    status = c.STATUS_MAP.get(m.orderBookState)
    if status is None:
        raise VenueParseError(VENUE.value, endpoint(c.MARKETS_PATH), "orderBookState", f"unknown {m.orderBookState!r}")
    asset, multiplier = _asset(m.baseSymbol, m.symbol)
    max_leverage = None
    if m.imfFunction is not None and m.imfFunction.base > 0:
        lev = Decimal(1) / m.imfFunction.base
        max_leverage = lev.quantize(Decimal(1) if lev == lev.to_integral_value() else Decimal("0.01"))
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
            raise UnknownIntervalError(f"{_INTERVAL_MARK} for {m.symbol}: not in /api/v1/markets")
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
            open_interest_usd=oi_base * m.markPrice if oi_base is not None else None,
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
    try:
        ts = us_to_utc(d.timestamp)
    except ValueError as exc:
        raise VenueParseError(VENUE.value, ep, "timestamp", str(exc)) from None
    bids = sorted((lv for lv in d.bids if lv[1] > 0), key=lambda lv: lv[0], reverse=True)[:depth]
    asks = sorted((lv for lv in d.asks if lv[1] > 0), key=lambda lv: lv[0])[:depth]
    return OrderBook(
        venue=VENUE,
        venue_symbol=symbol,
        ts=ts,
        bids=tuple(OrderBookLevel(p, s) for p, s in bids),
        asks=tuple(OrderBookLevel(p, s) for p, s in asks),
    )

"""Aster wire -> domain. Whole-body problems raise VenueParseError/VenueHttpError; bad rows become Rejects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook, RateUnit, Venue
from perpdex_lib.domain.enums import FundingKind
from perpdex_lib.venues import common
from perpdex_lib.venues.aster import constants as c
from perpdex_lib.venues.aster.schemas import (
    Depth,
    ErrorBody,
    ExchangeInfo,
    FundingInfoRow,
    FundingRateRow,
    LotSizeFilter,
    MinNotionalFilter,
    OpenInterest,
    PremiumIndexRow,
    PriceFilter,
    SymbolRow,
    TickerRow,
)
from perpdex_lib.venues.batch import Batch, map_rows
from perpdex_lib.venues.common import (
    INTERVAL_MARK,
    UnknownIntervalError,
    asset_of,
    body_time,
    book_side,
    epoch_from_utc,
    get_endpoint,
    label_unknown_intervals,
    leverage_from_margin_fraction,
    notional_usd,
    utc_from_epoch,
)
from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from perpdex_lib.venues.wire import parse_wire

VENUE = Venue.ASTER
T = TypeVar("T")
UNIT = RateUnit.FRACTION_PER_INTERVAL
endpoint = get_endpoint


# ---- small helpers ---------------------------------------------------------------------------------
def raise_for_error_body(body: Any, path: str) -> None:
    """Binance-style ``{"code": -1121, "msg": ...}`` can arrive with HTTP 200 from proxies; treat it as an error."""
    if isinstance(body, dict) and "code" in body and "msg" in body and len(body) == 2:
        try:
            err = ErrorBody.model_validate(body)
        except ValueError:
            return
        raise VenueHttpError(VENUE.value, endpoint(path), 200, f"code {err.code}: {err.msg[:200]}")


def expect_list(body: Any, path: str) -> list[Any]:
    raise_for_error_body(body, path)
    return common.expect_list(body, VENUE.value, endpoint(path))


def rows(items: list[Any], path: str, convert: Callable[[Any], T | None]) -> Batch[T]:
    """``map_rows`` over a list, labelling interval failures ``unknown_interval``."""
    return label_unknown_intervals(map_rows(items, convert, VENUE.value, endpoint(path), lambda r: r))


def ms_to_utc(value: int) -> datetime:
    """Milliseconds since the epoch, exactly (no float rounding)."""
    return utc_from_epoch(value, "ms")


def to_ms(ts: datetime) -> int:
    return epoch_from_utc(ts, "ms")


# ---- instruments -----------------------------------------------------------------------------------
def parse_funding_info(body: Any) -> Batch[tuple[str, Decimal]]:
    """symbol -> funding interval in hours."""
    ep = endpoint(c.FUNDING_INFO_PATH)

    def convert(row: Any) -> tuple[str, Decimal]:
        m = parse_wire(FundingInfoRow, row, VENUE.value, ep)
        if m.fundingIntervalHours <= 0:
            hours = m.fundingIntervalHours
            raise UnknownIntervalError(f"{INTERVAL_MARK} for {m.symbol}: fundingIntervalHours={hours}")
        return m.symbol, Decimal(m.fundingIntervalHours)

    return rows(expect_list(body, c.FUNDING_INFO_PATH), c.FUNDING_INFO_PATH, convert)


def _filters(raw: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in raw:
        if isinstance(f, dict) and isinstance(f.get("filterType"), str):
            out[f["filterType"]] = f
    return out


def parse_exchange_info(body: Any, intervals: Mapping[str, Decimal]) -> Batch[Instrument]:
    """Perpetuals of exchangeInfo; ``intervals`` (from fundingInfo) must know each one's interval."""
    ep = endpoint(c.EXCHANGE_INFO_PATH)
    raise_for_error_body(body, c.EXCHANGE_INFO_PATH)
    info = parse_wire(ExchangeInfo, body, VENUE.value, ep)

    def convert(row: Any) -> Instrument | None:
        m = parse_wire(SymbolRow, row, VENUE.value, ep)
        if m.contractType != c.PERPETUAL:
            return None  # delivery contracts share the list
        status = c.STATUS_MAP.get(m.status)
        if status is None:
            raise VenueParseError(VENUE.value, ep, "status", f"unknown {m.status!r}")
        filters = _filters(m.filters)
        if "PRICE_FILTER" not in filters or "LOT_SIZE" not in filters:
            raise VenueParseError(VENUE.value, ep, "filters", "PRICE_FILTER and LOT_SIZE are required")
        price = parse_wire(PriceFilter, filters["PRICE_FILTER"], VENUE.value, ep)
        lot = parse_wire(LotSizeFilter, filters["LOT_SIZE"], VENUE.value, ep)
        if price.tickSize <= 0 or lot.stepSize <= 0:
            raise VenueParseError(VENUE.value, ep, "filters", "tickSize and stepSize must be positive")
        min_notional = None
        if "MIN_NOTIONAL" in filters:
            min_notional = parse_wire(MinNotionalFilter, filters["MIN_NOTIONAL"], VENUE.value, ep).notional
        interval = intervals.get(m.symbol)
        if interval is None:
            raise UnknownIntervalError(f"{INTERVAL_MARK} for {m.symbol}: not in /fapi/v1/fundingInfo")
        asset, multiplier = asset_of(m.baseAsset, m.symbol)
        pct = m.requiredMarginPercent
        max_leverage = leverage_from_margin_fraction(pct / c.HUNDRED if pct is not None else None)
        return Instrument(
            venue=VENUE,
            venue_symbol=m.symbol,
            asset=asset,
            multiplier=multiplier,
            quote=m.quoteAsset,
            tick_size=price.tickSize,
            lot_size=lot.stepSize,
            min_size=lot.minQty,
            min_notional_usd=min_notional,
            max_leverage=max_leverage,
            funding_interval_hours=interval,
            status=status,
        )

    return rows(info.symbols, c.EXCHANGE_INFO_PATH, convert)


# ---- funding -----------------------------------------------------------------------------------------
def _premium_rows(body: Any) -> list[Any]:
    """premiumIndex answers an object for one symbol and a list for all."""
    raise_for_error_body(body, c.PREMIUM_INDEX_PATH)
    return [body] if isinstance(body, dict) else expect_list(body, c.PREMIUM_INDEX_PATH)


def parse_premium_index(body: Any, instruments: Mapping[str, Instrument], observed_at: datetime) -> Batch[FundingRate]:
    """Predicted funding: ``lastFundingRate`` for the settlement at ``nextFundingTime`` (the venue's own)."""
    ep = endpoint(c.PREMIUM_INDEX_PATH)

    def convert(row: Any) -> FundingRate:
        m = parse_wire(PremiumIndexRow, row, VENUE.value, ep)
        inst = instruments.get(m.symbol)
        if inst is None:
            raise UnknownIntervalError(f"{INTERVAL_MARK} for {m.symbol}: no perpetual with a known interval")
        return FundingRate(
            venue=VENUE,
            venue_symbol=m.symbol,
            asset=inst.asset,
            kind=FundingKind.PREDICTED,
            funding_time=ms_to_utc(m.nextFundingTime),
            raw_rate=m.lastFundingRate,
            raw_unit=UNIT,
            interval_hours=inst.funding_interval_hours,
            venue_ts=ms_to_utc(m.time),
            observed_at=observed_at,
        )

    return rows(_premium_rows(body), c.PREMIUM_INDEX_PATH, convert)


def parse_funding_history(
    body: Any, instrument: Instrument, observed_at: datetime, previous_time: datetime | None = None
) -> Batch[FundingRate]:
    """Settled rows of one symbol, each at the interval in force when it settled.

    The API does not say which interval a row settled; a symbol's interval can change (8 h -> 4 h in volatile
    markets). A settlement at ``t`` covers the time since the previous one, so when the gap to the previous
    row (``previous_time`` for the first row of a page) is one of Aster's intervals, that gap is the row's
    interval; otherwise (first row ever, a missing row) the symbol's current interval from fundingInfo.
    """
    ep = endpoint(c.FUNDING_RATE_PATH)

    def convert(row: Any) -> FundingRate:
        m = parse_wire(FundingRateRow, row, VENUE.value, ep)
        if m.symbol != instrument.venue_symbol:
            raise VenueParseError(VENUE.value, ep, "symbol", f"{m.symbol!r} in a {instrument.venue_symbol} query")
        funding_time = ms_to_utc(m.fundingTime)
        return FundingRate(
            venue=VENUE,
            venue_symbol=m.symbol,
            asset=instrument.asset,
            kind=FundingKind.SETTLED,
            funding_time=funding_time,
            raw_rate=m.fundingRate,
            raw_unit=UNIT,
            interval_hours=instrument.funding_interval_hours,
            venue_ts=funding_time,
            observed_at=observed_at,
        )

    batch = rows(expect_list(body, c.FUNDING_RATE_PATH), c.FUNDING_RATE_PATH, convert)
    batch.items.sort(key=lambda r: r.funding_time)
    prev = previous_time
    for i, rate in enumerate(batch.items):
        gap_h = _whole_hours(rate.funding_time - prev) if prev is not None else None
        if gap_h in c.KNOWN_INTERVALS_H and gap_h != rate.interval_hours:
            batch.items[i] = replace(rate, interval_hours=gap_h)
        prev = rate.funding_time
    return batch


def _whole_hours(gap: timedelta) -> Decimal | None:
    """A gap in whole hours, tolerating the few milliseconds of jitter settlement stamps carry."""
    minutes = round(gap.total_seconds() / 60)
    return Decimal(minutes // 60) if minutes > 0 and minutes % 60 == 0 else None


# ---- snapshots ---------------------------------------------------------------------------------------
def parse_tickers(body: Any) -> Batch[TickerRow]:
    ep = endpoint(c.TICKER_24HR_PATH)
    items = [body] if isinstance(body, dict) and "code" not in body else expect_list(body, c.TICKER_24HR_PATH)
    return rows(items, c.TICKER_24HR_PATH, lambda row: parse_wire(TickerRow, row, VENUE.value, ep))


def parse_open_interest(body: Any, symbol: str) -> OpenInterest:
    """One symbol's OI (whole body: a bad one raises)."""
    ep = endpoint(c.OPEN_INTEREST_PATH)
    raise_for_error_body(body, c.OPEN_INTEREST_PATH)
    oi = parse_wire(OpenInterest, body, VENUE.value, ep)
    if oi.symbol != symbol:
        raise VenueParseError(VENUE.value, ep, "symbol", f"{oi.symbol!r} in a {symbol} query")
    if oi.openInterest < 0:
        raise VenueParseError(VENUE.value, ep, "openInterest", "negative")
    return oi


def parse_snapshots(
    premium_body: Any,
    tickers_body: Any,
    open_interest: Mapping[str, OpenInterest],
    instruments: Mapping[str, Instrument],
    observed_at: datetime,
) -> Batch[MarketSnapshot]:
    """Join premiumIndex, 24 h tickers and per-symbol OI. OI is one-sided base units; USD = base x mark."""
    out: Batch[MarketSnapshot] = Batch()
    tick_batch = parse_tickers(tickers_body)
    out.rejects.extend(tick_batch.rejects)
    tickers = {t.symbol: t for t in tick_batch.items}
    ep = endpoint(c.PREMIUM_INDEX_PATH)

    def convert(row: Any) -> MarketSnapshot | None:
        m = parse_wire(PremiumIndexRow, row, VENUE.value, ep)
        inst = instruments.get(m.symbol)
        if inst is None:
            return None  # not a perpetual we list (already quarantined by instruments)
        oi = open_interest.get(m.symbol)
        tick = tickers.get(m.symbol)
        oi_base = oi.openInterest if oi is not None else None
        return MarketSnapshot(
            venue=VENUE,
            venue_symbol=m.symbol,
            asset=inst.asset,
            ts=ms_to_utc(m.time),
            mark_price=m.markPrice,
            index_price=m.indexPrice,
            open_interest_base=oi_base,
            open_interest_usd=notional_usd(oi_base, m.markPrice),
            volume_24h_usd=tick.quoteVolume if tick is not None else None,
            next_funding_time=ms_to_utc(m.nextFundingTime),
        )

    out.extend(rows(_premium_rows(premium_body), c.PREMIUM_INDEX_PATH, convert))
    return out


# ---- order book --------------------------------------------------------------------------------------
def parse_depth(body: Any, symbol: str, depth: int) -> OrderBook:
    """Top ``depth`` levels, sorted here (bids high->low, asks low->high) whatever order the venue used."""
    ep = endpoint(c.DEPTH_PATH)
    raise_for_error_body(body, c.DEPTH_PATH)
    d = parse_wire(Depth, body, VENUE.value, ep)
    return OrderBook(
        venue=VENUE,
        venue_symbol=symbol,
        ts=body_time(d.E, "ms", VENUE.value, ep, "E"),
        bids=book_side(d.bids, best_high=True, depth=depth, drop_empty=True),
        asks=book_side(d.asks, best_high=False, depth=depth, drop_empty=True),
    )

"""GRVT wire -> domain. Body-level problems raise VenueParseError; row-level problems become Rejects."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from perpdex_lib.domain import (
    FundingKind,
    FundingRate,
    Instrument,
    InstrumentStatus,
    MarketSnapshot,
    OrderBook,
    Venue,
)
from perpdex_lib.domain.units import UnknownUnitError
from perpdex_lib.symbols import canonical_asset
from perpdex_lib.venues.batch import Batch, map_rows
from perpdex_lib.venues.common import (
    body_time,
    book_side,
    epoch_from_utc,
    notional_usd,
    perp_base,
    post_endpoint,
    price_size,
    utc_from_epoch,
)
from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from perpdex_lib.venues.grvt import constants as c
from perpdex_lib.venues.grvt.schemas import (
    Book,
    ErrorBody,
    FundingRow,
    InstrumentRow,
    ListEnvelope,
    ObjectEnvelope,
    TickerRow,
)
from perpdex_lib.venues.wire import parse_wire

VENUE = Venue.GRVT
_endpoint = post_endpoint


def ns_to_utc(ns: int) -> datetime:
    """Unix nanoseconds -> UTC datetime (microsecond precision, which is what datetime holds)."""
    return utc_from_epoch(ns, "ns")


def utc_to_ns(t: datetime) -> int:
    """UTC datetime -> unix nanoseconds, exactly (no float round trip)."""
    return epoch_from_utc(t, "ns")


def raise_for_error_body(body: Any, path: str) -> None:
    """GRVT reports some errors as ``{"code", "message", "status"}``; that is never data."""
    if isinstance(body, dict) and "code" in body and "result" not in body:
        err = parse_wire(ErrorBody, body, VENUE.value, _endpoint(path))
        raise VenueHttpError(VENUE.value, _endpoint(path), err.status or 200, f"code {err.code}: {err.message}")


def list_envelope(body: Any, path: str) -> ListEnvelope:
    raise_for_error_body(body, path)
    return parse_wire(ListEnvelope, body, VENUE.value, _endpoint(path))


def object_result(body: Any, path: str) -> dict[str, Any]:
    raise_for_error_body(body, path)
    return parse_wire(ObjectEnvelope, body, VENUE.value, _endpoint(path)).result


# ---- instruments ---------------------------------------------------------------------------------
def base_of(symbol: str) -> str:
    """``BTC_USDT_Perp`` -> ``BTC``."""
    return perp_base(symbol, "_", c.SYMBOL_SUFFIX.lstrip("_"), "GRVT")


def parse_instrument(raw: Any, path: str = c.ALL_INSTRUMENTS_PATH) -> Instrument | None:
    """One instrument row; other kinds (futures, options) are skipped on purpose (None)."""
    row = parse_wire(InstrumentRow, raw, VENUE.value, _endpoint(path))
    if row.kind != c.PERPETUAL_KIND:
        return None
    if row.funding_interval_hours is None or row.funding_interval_hours <= 0:
        raise UnknownUnitError(f"{row.instrument}: funding_interval_hours is {row.funding_interval_hours!r}")
    if base_of(row.instrument) != row.base:
        raise ValueError(f"{row.instrument}: symbol does not match base {row.base!r}")
    asset, multiplier = canonical_asset(row.base)
    return Instrument(
        venue=VENUE,
        venue_symbol=row.instrument,
        asset=asset,
        multiplier=multiplier,
        quote=row.quote,
        tick_size=row.tick_size,
        lot_size=row.min_size,
        min_size=row.min_size,
        min_notional_usd=row.min_notional,
        max_leverage=None,
        funding_interval_hours=Decimal(row.funding_interval_hours),
        status=InstrumentStatus.ACTIVE,  # we ask for is_active=true; GRVT has no other status field
        venue_market_id=row.instrument_hash,
    )


def instruments_from_body(body: Any, path: str = c.ALL_INSTRUMENTS_PATH) -> Batch[Instrument]:
    env = list_envelope(body, path)
    return map_rows(env.result, lambda r: parse_instrument(r, path), VENUE.value, _endpoint(path), lambda r: r)


# ---- ticker: live funding and snapshot -------------------------------------------------------------
def ticker_row(body: Any, instrument: Instrument) -> TickerRow:
    """One instrument's ticker; an error body here concerns that instrument only, so it is a row problem."""
    try:
        result = object_result(body, c.TICKER_PATH)
    except VenueHttpError as exc:
        raise VenueParseError(VENUE.value, exc.endpoint, "code", str(exc)) from None
    row = parse_wire(TickerRow, result, VENUE.value, _endpoint(c.TICKER_PATH))
    if row.instrument != instrument.venue_symbol:
        raise VenueParseError(
            VENUE.value, _endpoint(c.TICKER_PATH), "result.instrument",
            f"asked for {instrument.venue_symbol}, got {row.instrument}",
        )
    return row


def funding_from_ticker(instrument: Instrument, body: Any, observed_at: datetime) -> FundingRate:
    """The live estimate for the next settlement (``next_funding_time``, which the venue gives)."""
    row = ticker_row(body, instrument)
    if row.next_funding_time is None:
        raise VenueParseError(VENUE.value, _endpoint(c.TICKER_PATH), "result.next_funding_time", "missing")
    if row.funding_rate is not None:
        raw, unit = row.funding_rate, c.FUNDING_RATE_UNIT
    elif row.funding_rate_8h_curr is not None:
        raw, unit = row.funding_rate_8h_curr, c.FUNDING_RATE_8H_UNIT
    else:
        raise VenueParseError(VENUE.value, _endpoint(c.TICKER_PATH), "result.funding_rate", "missing")
    return FundingRate(
        venue=VENUE,
        venue_symbol=instrument.venue_symbol,
        asset=instrument.asset,
        kind=FundingKind.PREDICTED,
        funding_time=ns_to_utc(row.next_funding_time),
        raw_rate=raw,
        raw_unit=unit,
        interval_hours=instrument.funding_interval_hours,
        venue_ts=ns_to_utc(row.event_time),
        observed_at=observed_at,
    )


def snapshot_from_ticker(instrument: Instrument, body: Any) -> MarketSnapshot:
    row = ticker_row(body, instrument)
    oi_base = row.open_interest
    volume = None
    if row.buy_volume_24h_q is not None and row.sell_volume_24h_q is not None:
        volume = row.buy_volume_24h_q + row.sell_volume_24h_q
    return MarketSnapshot(
        venue=VENUE,
        venue_symbol=instrument.venue_symbol,
        asset=instrument.asset,
        ts=ns_to_utc(row.event_time),
        mark_price=row.mark_price,
        index_price=row.index_price,
        open_interest_base=oi_base,
        open_interest_usd=notional_usd(oi_base, row.mark_price),
        volume_24h_usd=volume,
        best_bid=row.best_bid_price,
        best_ask=row.best_ask_price,
        next_funding_time=ns_to_utc(row.next_funding_time) if row.next_funding_time is not None else None,
    )


TickerReply = tuple[Instrument, Any]  # an instrument and the body its /ticker call answered


def funding_from_tickers(replies: Sequence[TickerReply], observed_at: datetime) -> Batch[FundingRate]:
    return map_rows(
        replies, lambda r: funding_from_ticker(r[0], r[1], observed_at), VENUE.value,
        _endpoint(c.TICKER_PATH), lambda r: r[1],
    )


def snapshots_from_tickers(replies: Sequence[TickerReply]) -> Batch[MarketSnapshot]:
    return map_rows(
        replies, lambda r: snapshot_from_ticker(r[0], r[1]), VENUE.value, _endpoint(c.TICKER_PATH), lambda r: r[1]
    )


# ---- settled history -------------------------------------------------------------------------------
def parse_funding_row(raw: Any, instrument: Instrument, observed_at: datetime) -> FundingRate:
    """A settlement print; its own ``funding_interval_hours`` is the interval in force at that time."""
    row = parse_wire(FundingRow, raw, VENUE.value, _endpoint(c.FUNDING_PATH))
    if row.instrument != instrument.venue_symbol:
        raise ValueError(f"row for {row.instrument}, asked for {instrument.venue_symbol}")
    if row.funding_interval_hours is None or row.funding_interval_hours <= 0:
        raise UnknownUnitError(f"funding row without a valid funding_interval_hours: {row.funding_interval_hours!r}")
    t = ns_to_utc(row.funding_time)
    return FundingRate(
        venue=VENUE,
        venue_symbol=instrument.venue_symbol,
        asset=instrument.asset,
        kind=FundingKind.SETTLED,
        funding_time=t,
        raw_rate=row.funding_rate,
        raw_unit=c.FUNDING_RATE_UNIT,
        interval_hours=Decimal(row.funding_interval_hours),
        venue_ts=t,
        observed_at=observed_at,
    )


def funding_history_from_body(
    body: Any, instrument: Instrument, observed_at: datetime
) -> tuple[Batch[FundingRate], str | None]:
    """One page: the parsed rows and the cursor of the next page (None when this was the last)."""
    env = list_envelope(body, c.FUNDING_PATH)
    batch = map_rows(
        env.result, lambda r: parse_funding_row(r, instrument, observed_at), VENUE.value,
        _endpoint(c.FUNDING_PATH), lambda r: r,
    )
    return batch, (env.next or None) if env.result else None


# ---- order book ------------------------------------------------------------------------------------
def book_depth_for(depth: int) -> int:
    """The smallest depth /book accepts that covers ``depth`` levels."""
    for allowed in c.BOOK_DEPTHS:
        if depth <= allowed:
            return allowed
    return c.BOOK_DEPTHS[-1]


def book_from_body(body: Any, instrument: Instrument, depth: int) -> OrderBook:
    endpoint = _endpoint(c.BOOK_PATH)
    result = object_result(body, c.BOOK_PATH)
    book = parse_wire(Book, result, VENUE.value, endpoint)
    if book.instrument != instrument.venue_symbol:
        raise VenueParseError(VENUE.value, endpoint, "result.instrument", f"got {book.instrument}")
    ts = body_time(book.event_time, "ns", VENUE.value, endpoint, "result.event_time")
    bids = book_side(book.bids, best_high=True, depth=depth, level=price_size)
    asks = book_side(book.asks, best_high=False, depth=depth, level=price_size)
    return OrderBook(VENUE, instrument.venue_symbol, ts, bids, asks)

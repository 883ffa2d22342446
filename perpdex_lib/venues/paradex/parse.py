"""Paradex wire -> domain. Body-level problems raise VenueParseError; row-level problems become Rejects.

Continuous funding: see ``constants`` for how predicted and settled ``funding_time`` are chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    get_endpoint,
    notional_usd,
    perp_base,
    utc_from_epoch,
)
from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.paradex import constants as c
from perpdex_lib.venues.paradex.schemas import (
    FundingDataRow,
    MarketRow,
    OrderBookBody,
    ResultsEnvelope,
    SummaryRow,
)
from perpdex_lib.venues.wire import parse_wire

VENUE = Venue.PARADEX
_HOUR_MS = 3_600_000
_endpoint = get_endpoint


def ms_to_utc(ms: int) -> datetime:
    return utc_from_epoch(ms, "ms")


def utc_to_ms(t: datetime) -> int:
    return epoch_from_utc(t, "ms")


def period_end(ms: int, period_hours: int) -> int:
    """End of the funding period running at ``ms`` on the UTC grid of ``period_hours`` (ms)."""
    step = period_hours * _HOUR_MS
    return (ms // step + 1) * step


def period_boundary_at_or_after(ms: int, period_hours: int) -> int:
    """The first grid boundary ``>= ms``: the period end an observation at ``ms`` reports for."""
    step = period_hours * _HOUR_MS
    return -(-ms // step) * step


def period_boundaries(start: datetime, end: datetime, period_hours: int) -> list[datetime]:
    """Grid boundaries ``T`` with ``start <= T < end`` (UTC grid of ``period_hours``)."""
    step = period_hours * _HOUR_MS
    first = period_boundary_at_or_after(utc_to_ms(start), period_hours)
    return [ms_to_utc(t) for t in range(first, utc_to_ms(end), step)]


def results_envelope(body: Any, path: str) -> ResultsEnvelope:
    return parse_wire(ResultsEnvelope, body, VENUE.value, _endpoint(path))


# ---- instruments ---------------------------------------------------------------------------------
def base_of(symbol: str) -> str:
    """``BTC-USD-PERP`` -> ``BTC``."""
    return perp_base(symbol, "-", c.PERP_SUFFIX.lstrip("-"), "Paradex")


def _max_leverage(imf_base: Decimal | None) -> Decimal | None:
    """1 / initial margin fraction, as a plain integer when it is one (0.02 -> 50)."""
    if imf_base is None or imf_base <= 0:
        return None
    lev = Decimal(1) / imf_base
    return lev.quantize(Decimal(1)) if lev == lev.to_integral_value() else lev


def parse_market(raw: Any) -> Instrument | None:
    """One /markets row; options and other kinds are skipped on purpose (None)."""
    if isinstance(raw, dict) and isinstance(raw.get("asset_kind"), str) and raw["asset_kind"] != c.PERP_KIND:
        return None
    row = parse_wire(MarketRow, raw, VENUE.value, _endpoint(c.MARKETS_PATH))
    if row.asset_kind != c.PERP_KIND:
        return None
    if row.funding_period_hours is None or not 0 < row.funding_period_hours <= c.MAX_FUNDING_PERIOD_HOURS:
        raise UnknownUnitError(f"{row.symbol}: funding_period_hours is {row.funding_period_hours!r}")
    if base_of(row.symbol) != row.base_currency:
        raise ValueError(f"{row.symbol}: symbol does not match base {row.base_currency!r}")
    asset, multiplier = canonical_asset(row.base_currency)
    imf = row.delta1_cross_margin_params.imf_base if row.delta1_cross_margin_params else None
    return Instrument(
        venue=VENUE,
        venue_symbol=row.symbol,
        asset=asset,
        multiplier=multiplier,
        quote=row.quote_currency,
        tick_size=row.price_tick_size,
        lot_size=row.order_size_increment,
        min_size=None,  # Paradex limits orders by notional only
        min_notional_usd=row.min_notional,
        max_leverage=_max_leverage(imf),
        funding_interval_hours=Decimal(row.funding_period_hours),
        status=InstrumentStatus.ACTIVE,  # /markets lists tradeable markets only
        continuous_funding=True,
    )


def instruments_from_body(body: Any) -> Batch[Instrument]:
    env = results_envelope(body, c.MARKETS_PATH)
    return map_rows(env.results, parse_market, VENUE.value, _endpoint(c.MARKETS_PATH), lambda r: r)


# ---- markets summary: live funding and snapshots --------------------------------------------------
def _summary_row(raw: Any, instruments: Mapping[str, Instrument]) -> tuple[SummaryRow, Instrument] | None:
    symbol = raw.get("symbol") if isinstance(raw, dict) else None
    if isinstance(symbol, str) and symbol not in instruments:
        if symbol.endswith(c.PERP_SUFFIX) and symbol.count("-") == 2:
            raise ValueError(f"{symbol} is not in /markets")
        return None  # options and option-perps share the summary list
    row = parse_wire(SummaryRow, raw, VENUE.value, _endpoint(c.MARKETS_SUMMARY_PATH))
    if row.symbol not in instruments:
        raise ValueError(f"{row.symbol} is not in /markets")
    return row, instruments[row.symbol]


def parse_summary_funding(
    raw: Any, instruments: Mapping[str, Instrument], observed_at: datetime
) -> FundingRate | None:
    """Live estimate; funding_time is the end of the running period (computed, Paradex sends none)."""
    found = _summary_row(raw, instruments)
    if found is None:
        return None
    row, inst = found
    period_h = int(inst.funding_interval_hours)
    return FundingRate(
        venue=VENUE,
        venue_symbol=inst.venue_symbol,
        asset=inst.asset,
        kind=FundingKind.PREDICTED,
        funding_time=ms_to_utc(period_end(row.created_at, period_h)),
        raw_rate=row.funding_rate,
        raw_unit=c.FUNDING_RATE_UNIT,
        interval_hours=inst.funding_interval_hours,
        venue_ts=ms_to_utc(row.created_at),
        observed_at=observed_at,
    )


def parse_summary_snapshot(raw: Any, instruments: Mapping[str, Instrument]) -> MarketSnapshot | None:
    found = _summary_row(raw, instruments)
    if found is None:
        return None
    row, inst = found
    oi = row.open_interest
    return MarketSnapshot(
        venue=VENUE,
        venue_symbol=inst.venue_symbol,
        asset=inst.asset,
        ts=ms_to_utc(row.created_at),
        mark_price=row.mark_price,
        index_price=row.underlying_price if row.underlying_price is not None else row.oracle_price,
        open_interest_base=oi,
        open_interest_usd=notional_usd(oi, row.mark_price),
        volume_24h_usd=row.volume_24h,
        best_bid=row.bid,
        best_ask=row.ask,
        next_funding_time=ms_to_utc(period_end(row.created_at, int(inst.funding_interval_hours))),
    )


def _by_symbol(instruments: Iterable[Instrument]) -> dict[str, Instrument]:
    return {i.venue_symbol: i for i in instruments}


def funding_from_summary(body: Any, instruments: Iterable[Instrument], observed_at: datetime) -> Batch[FundingRate]:
    env = results_envelope(body, c.MARKETS_SUMMARY_PATH)
    known = _by_symbol(instruments)
    return map_rows(
        env.results, lambda r: parse_summary_funding(r, known, observed_at), VENUE.value,
        _endpoint(c.MARKETS_SUMMARY_PATH), lambda r: r,
    )


def snapshots_from_summary(body: Any, instruments: Iterable[Instrument]) -> Batch[MarketSnapshot]:
    env = results_envelope(body, c.MARKETS_SUMMARY_PATH)
    known = _by_symbol(instruments)
    return map_rows(
        env.results, lambda r: parse_summary_snapshot(r, known), VENUE.value,
        _endpoint(c.MARKETS_SUMMARY_PATH), lambda r: r,
    )


# ---- funding history ---------------------------------------------------------------------------------
def parse_funding_observation(raw: Any, instrument: Instrument) -> FundingDataRow:
    row = parse_wire(FundingDataRow, raw, VENUE.value, _endpoint(c.FUNDING_DATA_PATH))
    if row.market != instrument.venue_symbol:
        raise ValueError(f"row for {row.market}, asked for {instrument.venue_symbol}")
    ms_to_utc(row.created_at)  # range check now, so a bad time is this row's reject
    if row.funding_period_hours is not None and not 0 < row.funding_period_hours <= c.MAX_FUNDING_PERIOD_HOURS:
        raise UnknownUnitError(f"funding_period_hours is {row.funding_period_hours}")
    if row.funding_period_hours is None and row.funding_rate_8h is None:
        raise UnknownUnitError("observation has neither funding_period_hours nor funding_rate_8h")
    return row


def funding_page_from_body(body: Any, instrument: Instrument) -> tuple[Batch[FundingDataRow], str | None]:
    """One page of observations (validated rows) and the cursor of the next page (None when done)."""
    env = results_envelope(body, c.FUNDING_DATA_PATH)
    batch = map_rows(
        env.results, lambda r: parse_funding_observation(r, instrument), VENUE.value,
        _endpoint(c.FUNDING_DATA_PATH), lambda r: r,
    )
    return batch, (env.next or None) if env.results else None


def settled_from_observations(
    rows: Iterable[FundingDataRow], instrument: Instrument, observed_at: datetime
) -> list[FundingRate]:
    """The last observation at or before each period boundary, recorded at that boundary.

    Boundaries after ``observed_at`` are dropped: that period is still running, nothing has settled.
    """
    last: dict[int, FundingDataRow] = {}
    for row in sorted(rows, key=lambda r: r.created_at):
        period_h = row.funding_period_hours or int(instrument.funding_interval_hours)
        last[period_boundary_at_or_after(row.created_at, period_h)] = row
    out = []
    now_ms = utc_to_ms(observed_at)
    for boundary_ms, row in sorted(last.items()):
        if boundary_ms > now_ms:
            continue
        if row.funding_period_hours is not None:
            raw, unit, interval = row.funding_rate, c.FUNDING_RATE_UNIT, Decimal(row.funding_period_hours)
        else:
            raw, unit, interval = row.funding_rate_8h, c.FUNDING_RATE_8H_UNIT, instrument.funding_interval_hours
        if raw is None:  # parse_funding_observation rejects such rows; kept for type narrowing
            continue
        out.append(
            FundingRate(
                venue=VENUE,
                venue_symbol=instrument.venue_symbol,
                asset=instrument.asset,
                kind=FundingKind.SETTLED,
                funding_time=ms_to_utc(boundary_ms),
                raw_rate=raw,
                raw_unit=unit,
                interval_hours=interval,
                venue_ts=ms_to_utc(row.created_at),
                observed_at=observed_at,
            )
        )
    return out


# ---- order book ------------------------------------------------------------------------------------
def book_from_body(body: Any, instrument: Instrument, depth: int) -> OrderBook:
    endpoint = _endpoint(c.ORDERBOOK_PATH)
    book = parse_wire(OrderBookBody, body, VENUE.value, endpoint)
    if book.market != instrument.venue_symbol:
        raise VenueParseError(VENUE.value, endpoint, "market", f"got {book.market}")
    ts = body_time(book.last_updated_at, "ms", VENUE.value, endpoint, "last_updated_at")
    bids = book_side(book.bids, best_high=True, depth=depth)
    asks = book_side(book.asks, best_high=False, depth=depth)
    return OrderBook(VENUE, instrument.venue_symbol, ts, bids, asks)

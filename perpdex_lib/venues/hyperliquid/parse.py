"""Hyperliquid wire -> domain. Envelope problems raise VenueParseError; row problems raise inside map_rows.

The public functions are pure (``observed_at`` is passed in) so the sample bodies and fuzzed mutations of
them can be parsed without a network.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from perpdex_lib.domain import (
    FundingKind,
    FundingRate,
    Instrument,
    InstrumentStatus,
    MarketSnapshot,
    OrderBook,
    RateUnit,
    Venue,
)
from perpdex_lib.symbols import canonical_asset
from perpdex_lib.venues.batch import Batch, map_rows
from perpdex_lib.venues.common import body_time, book_side, next_full_hour
from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.hyperliquid import constants as c
from perpdex_lib.venues.hyperliquid.schemas import (
    AssetCtx,
    FundingHistoryRow,
    L2Book,
    Meta,
    PredictedVenueFunding,
    UniverseAsset,
)
from perpdex_lib.venues.wire import parse_wire

VENUE = Venue.HYPERLIQUID
_V = VENUE.value
_EARLY_SKEW = timedelta(minutes=1)  # a print this early still belongs to the coming hour
_ONE = Decimal(1)


def endpoint(info_type: str) -> str:
    """Name of an /info request type in errors and rejects, e.g. ``info/fundingHistory``."""
    return f"info/{info_type}"


def ms_to_utc(value: int, ep: str, field: str) -> datetime:
    return body_time(value, "ms", _V, ep, field)


def settlement_interval_hours(funding_time: datetime) -> Decimal:
    """The settlement interval in force at ``funding_time``: 8 h before the 2023-06-08 switch, 1 h since."""
    return c.FUNDING_INTERVAL_HOURS if funding_time >= c.HOURLY_FUNDING_SINCE else c.LEGACY_FUNDING_INTERVAL_HOURS


def price_tick(price: Decimal, sz_decimals: int) -> Decimal:
    """Hyperliquid's price step at ``price``: 5 significant figures, at most ``6 - szDecimals`` decimals,
    and integer prices are always valid (so the step never exceeds 1)."""
    if price <= 0:
        raise ValueError(f"price must be positive for a tick, got {price}")
    sig_tick = min(_ONE.scaleb(price.adjusted() - (c.PRICE_SIG_FIGS - 1)), _ONE)
    decimals_tick = _ONE.scaleb(-(c.MAX_PRICE_DECIMALS_PERP - sz_decimals))
    return max(sig_tick, decimals_tick)


next_hour = next_full_hour  # Hyperliquid settles on every hour


# ---- metaAndAssetCtxs ---------------------------------------------------------------------------------


def split_meta_and_ctxs(payload: Any) -> list[tuple[int, Any, Any]]:
    """``[meta, [ctx...]]`` -> ``[(asset_index, universe_row, ctx_row)]``; misalignment is an envelope error."""
    ep = endpoint(c.META_AND_ASSET_CTXS)
    if not isinstance(payload, list) or len(payload) != 2:
        raise VenueParseError(_V, ep, "<body>", "expected [meta, assetCtxs]")
    meta = parse_wire(Meta, payload[0], _V, ep)
    ctxs = payload[1]
    if not isinstance(ctxs, list):
        raise VenueParseError(_V, ep, "1", "assetCtxs is not a list")
    if len(ctxs) != len(meta.universe):
        raise VenueParseError(_V, ep, "1", f"{len(ctxs)} contexts for {len(meta.universe)} universe entries")
    return [(i, u, x) for i, (u, x) in enumerate(zip(meta.universe, ctxs, strict=True))]


def meta_universe(payload: Any) -> list[tuple[int, Any]]:
    """``meta`` body -> ``[(asset_index, universe_row)]``."""
    meta = parse_wire(Meta, payload, _V, endpoint(c.META))
    return list(enumerate(meta.universe))


def _asset(name: str) -> tuple[str, Decimal]:
    return canonical_asset(name)


def instrument_from(index: int, universe_row: Any, ctx_row: Any | None, ep: str) -> Instrument:
    """One universe entry (+ its context, for the price-dependent tick) -> Instrument."""
    u = parse_wire(UniverseAsset, universe_row, _V, ep)
    if u.szDecimals < 0 or u.szDecimals > c.MAX_PRICE_DECIMALS_PERP:
        raise VenueParseError(_V, ep, "szDecimals", f"out of range: {u.szDecimals}")
    if u.maxLeverage <= 0:
        raise VenueParseError(_V, ep, "maxLeverage", f"not positive: {u.maxLeverage}")
    asset, multiplier = _asset(u.name)
    if ctx_row is not None:
        ctx = parse_wire(AssetCtx, ctx_row, _V, ep)
        ref = ctx.markPx if ctx.markPx > 0 else ctx.oraclePx
        tick = price_tick(ref, u.szDecimals)
    else:  # bare `meta`: only the decimals bound is known
        tick = _ONE.scaleb(-(c.MAX_PRICE_DECIMALS_PERP - u.szDecimals))
    lot = _ONE.scaleb(-u.szDecimals)
    return Instrument(
        venue=VENUE,
        venue_symbol=u.name,
        asset=asset,
        multiplier=multiplier,
        quote=c.QUOTE,
        tick_size=tick,
        lot_size=lot,
        min_size=lot,
        min_notional_usd=c.MIN_NOTIONAL_USD,
        max_leverage=Decimal(u.maxLeverage),
        funding_interval_hours=c.FUNDING_INTERVAL_HOURS,
        status=InstrumentStatus.DELISTED if u.isDelisted else InstrumentStatus.ACTIVE,
        venue_market_id=str(index),
    )


def instruments_from_meta_and_ctxs(payload: Any) -> Batch[Instrument]:
    ep = endpoint(c.META_AND_ASSET_CTXS)
    return map_rows(
        split_meta_and_ctxs(payload), lambda r: instrument_from(r[0], r[1], r[2], ep), _V, ep, lambda r: r[1]
    )


def snapshot_from(universe_row: Any, ctx_row: Any, observed_at: datetime, ep: str) -> MarketSnapshot | None:
    """Mark/oracle/OI/volume of one perp; delisted perps are skipped (their context is frozen).

    Best bid/ask stay empty: ``impactPxs`` are impact prices, not the top of book (the sweep merges books).
    """
    u = parse_wire(UniverseAsset, universe_row, _V, ep)
    if u.isDelisted:
        return None
    ctx = parse_wire(AssetCtx, ctx_row, _V, ep)
    asset, _ = _asset(u.name)
    return MarketSnapshot(
        venue=VENUE,
        venue_symbol=u.name,
        asset=asset,
        ts=observed_at,  # the body carries no timestamp: it is "now" at the venue
        mark_price=ctx.markPx,
        index_price=ctx.oraclePx,
        open_interest_base=ctx.openInterest,
        open_interest_usd=ctx.openInterest * ctx.markPx,
        volume_24h_usd=ctx.dayNtlVlm,
        next_funding_time=next_hour(observed_at),  # computed on the hourly grid: the ctx has no next-funding field
    )


def snapshots_from_meta_and_ctxs(payload: Any, observed_at: datetime) -> Batch[MarketSnapshot]:
    ep = endpoint(c.META_AND_ASSET_CTXS)
    return map_rows(
        split_meta_and_ctxs(payload), lambda r: snapshot_from(r[1], r[2], observed_at, ep), _V, ep, lambda r: r[2]
    )


def predicted_from_ctx(coin: str, ctx_row: Any, observed_at: datetime, ep: str) -> FundingRate:
    """The ``funding`` of an asset context (REST or WS ``activeAssetCtx``) as a predicted row.

    The context has no next-funding field, so ``funding_time`` is computed on the hourly grid.
    """
    ctx = parse_wire(AssetCtx, ctx_row, _V, ep)
    asset, _ = _asset(coin)
    return FundingRate(
        venue=VENUE,
        venue_symbol=coin,
        asset=asset,
        kind=FundingKind.PREDICTED,
        funding_time=next_hour(observed_at),
        raw_rate=ctx.funding,
        raw_unit=RateUnit.FRACTION_PER_HOUR,
        interval_hours=c.FUNDING_INTERVAL_HOURS,
        venue_ts=None,
        observed_at=observed_at,
    )


# ---- predictedFundings --------------------------------------------------------------------------------


def predicted_rows(payload: Any) -> list[Any]:
    if not isinstance(payload, list):
        raise VenueParseError(_V, endpoint(c.PREDICTED_FUNDINGS), "<body>", "expected a list of [coin, venues]")
    return payload


def predicted_funding_from(row: Any, observed_at: datetime) -> FundingRate | None:
    """``[coin, [[venue, entry | null]...]]`` -> our (HlPerp) prediction; None when the venue gives none.

    ``funding_time`` is the venue's own ``nextFundingTime``; the interval is its ``fundingIntervalHours``.
    """
    ep = endpoint(c.PREDICTED_FUNDINGS)
    if not (isinstance(row, list) and len(row) == 2 and isinstance(row[0], str) and isinstance(row[1], list)):
        raise VenueParseError(_V, ep, "<row>", "expected [coin, [[venue, entry]...]]")
    coin, venues = row
    entry: Any = None
    found = False
    for pair in venues:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            raise VenueParseError(_V, ep, coin, "expected [venue, entry] pairs")
        if pair[0] == c.HL_PERP_VENUE:
            entry, found = pair[1], True
    if not found or entry is None:
        return None  # no Hyperliquid estimate for this coin (delisted or not a Hyperliquid perp)
    p = parse_wire(PredictedVenueFunding, entry, _V, ep)
    # Older responses omit fundingIntervalHours; Hyperliquid's own interval is then its documented fixed 1 h
    # (a venue fact, not a default: a present-but-invalid value is still an error).
    interval = c.FUNDING_INTERVAL_HOURS if p.fundingIntervalHours is None else p.fundingIntervalHours
    asset, _ = _asset(coin)
    return FundingRate(
        venue=VENUE,
        venue_symbol=coin,
        asset=asset,
        kind=FundingKind.PREDICTED,
        funding_time=ms_to_utc(p.nextFundingTime, ep, "nextFundingTime"),
        raw_rate=p.fundingRate,
        raw_unit=RateUnit.FRACTION_PER_INTERVAL,
        interval_hours=interval,
        venue_ts=None,
        observed_at=observed_at,
    )


def predicted_fundings(payload: Any, observed_at: datetime) -> Batch[FundingRate]:
    ep = endpoint(c.PREDICTED_FUNDINGS)
    return map_rows(predicted_rows(payload), lambda r: predicted_funding_from(r, observed_at), _V, ep, lambda r: r)


# ---- fundingHistory -----------------------------------------------------------------------------------


def history_rows(payload: Any) -> list[Any]:
    if not isinstance(payload, list):
        raise VenueParseError(_V, endpoint(c.FUNDING_HISTORY), "<body>", "expected a list of funding rows")
    return payload


def settled_funding_from(row: Any, observed_at: datetime) -> FundingRate:
    """One settlement print. ``funding_time`` = the hour the print belongs to; ``venue_ts`` = the print.

    Prints come a few ms after the hour, and in 2023 sometimes minutes late (2023-05-23 08:23:53 for the
    08:00 settlement), so the print is floored to its hour, allowing up to a minute of early clock skew.
    """
    ep = endpoint(c.FUNDING_HISTORY)
    r = parse_wire(FundingHistoryRow, row, _V, ep)
    printed = ms_to_utc(r.time, ep, "time")
    funding_time = (printed + _EARLY_SKEW).replace(minute=0, second=0, microsecond=0)
    asset, _ = _asset(r.coin)
    return FundingRate(
        venue=VENUE,
        venue_symbol=r.coin,
        asset=asset,
        kind=FundingKind.SETTLED,
        funding_time=funding_time,
        raw_rate=r.fundingRate,
        raw_unit=RateUnit.FRACTION_PER_INTERVAL,
        interval_hours=settlement_interval_hours(funding_time),
        venue_ts=printed,
        observed_at=observed_at,
    )


def funding_history(payload: Any, observed_at: datetime) -> Batch[FundingRate]:
    ep = endpoint(c.FUNDING_HISTORY)
    return map_rows(history_rows(payload), lambda r: settled_funding_from(r, observed_at), _V, ep, lambda r: r)


# ---- l2Book -------------------------------------------------------------------------------------------


def _px_sz(level: Any) -> tuple[Decimal, Decimal]:
    return level.px, level.sz


def order_book_from(payload: Any, depth: int | None = None) -> OrderBook:
    """``{coin, time, levels: [bids, asks]}`` -> OrderBook (best first, at most ``depth`` per side)."""
    ep = endpoint(c.L2_BOOK)
    if payload is None:
        raise VenueParseError(_V, ep, "<body>", "null book (unknown coin)")
    book = parse_wire(L2Book, payload, _V, ep)
    if len(book.levels) != 2:
        raise VenueParseError(_V, ep, "levels", f"expected [bids, asks], got {len(book.levels)} sides")
    bids = book_side(book.levels[0], best_high=True, depth=depth, level=_px_sz)
    asks = book_side(book.levels[1], best_high=False, depth=depth, level=_px_sz)
    return OrderBook(VENUE, book.coin, ms_to_utc(book.time, ep, "time"), bids, asks)

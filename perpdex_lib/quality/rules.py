"""Row-level rules: each bad row becomes a :class:`Reject` with a reason code, the good rows go on.

Pure functions of (rows, as_of, thresholds): no I/O, so they are cheap to test and to run on a million rows.
Reason codes (documented in docs/PIPELINE.md) are the closed vocabulary of :class:`Reason`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from perpdex_lib.domain import FundingKind, FundingRate, Instrument, MarketSnapshot, OrderBook, Venue
from perpdex_lib.venues.batch import Reject

T = TypeVar("T")


class Reason(StrEnum):
    # from the connectors (perpdex_lib.venues.batch.map_rows)
    PARSE_ERROR = "parse_error"
    UNKNOWN_UNIT = "unknown_unit"
    # from these rules
    RATE_OUT_OF_RANGE = "rate_out_of_range"
    MISALIGNED_FUNDING_TIME = "misaligned_funding_time"
    FUTURE_FUNDING_TIME = "future_funding_time"
    STALE_OBSERVATION = "stale_observation"
    DUPLICATE_CONFLICT = "duplicate_conflict"
    MISSING_ASSET = "missing_asset"
    NON_POSITIVE_PRICE = "non_positive_price"
    NEGATIVE_OPEN_INTEREST = "negative_open_interest"
    CROSSED_BOOK = "crossed_book"
    EMPTY_BOOK = "empty_book"


@dataclass(frozen=True, slots=True)
class RuleConfig:
    max_abs_rate_per_hour: Decimal = Decimal("0.01")
    max_venue_ts_age_s: int = 600
    future_slack_s: int = 300


@dataclass(slots=True)
class Checked(Generic[T]):
    good: list[T] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def row_payload(item: Any) -> dict[str, Any]:
    """A domain row as a JSON-able dict (Decimals stay exact through the quarantine loader)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(item):
        value = getattr(item, f.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = [[str(level.price), str(level.size)] for level in value[:5]]
        out[f.name] = value
    return out


def _apply(
    rows: Iterable[T], endpoint: str, venue_of: Callable[[T], str], rule: Callable[[T], tuple[Reason, str] | None]
) -> Checked[T]:
    out: Checked[T] = Checked()
    for row in rows:
        verdict = rule(row)
        if verdict is None:
            out.good.append(row)
        else:
            reason, detail = verdict
            out.rejects.append(Reject(venue_of(row), endpoint, reason.value, detail, row_payload(row)))
    return out


def _dedupe(checked: Checked[T], endpoint: str, key: Callable[[T], Hashable], venue_of: Callable[[T], str]) -> None:
    """Same key twice in one batch: identical copies collapse to one; conflicting copies are all rejected."""
    groups: dict[Hashable, list[T]] = {}
    for row in checked.good:
        groups.setdefault(key(row), []).append(row)
    good: list[T] = []
    for rows in groups.values():
        if all(r == rows[0] for r in rows[1:]):
            good.append(rows[0])
            continue
        for r in rows:
            checked.rejects.append(Reject(
                venue_of(r), endpoint, Reason.DUPLICATE_CONFLICT.value,
                f"{len(rows)} rows share key {key(r)!r} with different values", row_payload(r),
            ))
    checked.good = good


# Venues whose funding accrues continuously: their history timestamps need not sit on an interval grid.
CONTINUOUS_VENUES = frozenset({Venue.PARADEX})
GRID_TOLERANCE_S = 60  # venues stamp settlements a few ms (Hyperliquid) to seconds after the hour


def _off_grid(t: datetime, interval_hours: Decimal) -> bool:
    interval_s = interval_hours * 3600
    if interval_s != interval_s.to_integral_value() or interval_s <= 0:
        return False  # fractional intervals: no grid to check against
    offset = int(t.timestamp()) % int(interval_s)
    return min(offset, int(interval_s) - offset) > GRID_TOLERANCE_S


def check_funding(
    rates: Iterable[FundingRate], as_of: datetime, cfg: RuleConfig = RuleConfig(), endpoint: str = "funding"
) -> Checked[FundingRate]:
    """Quarantine rates beyond the bound, settlements in the future or off the interval grid, stale estimates."""
    future_limit = as_of + timedelta(seconds=cfg.future_slack_s)
    stale_limit = as_of - timedelta(seconds=cfg.max_venue_ts_age_s)

    def rule(r: FundingRate) -> tuple[Reason, str] | None:
        if not r.asset:
            return Reason.MISSING_ASSET, f"{r.venue_symbol} maps to no asset"
        if abs(r.rate_per_hour) > cfg.max_abs_rate_per_hour:
            return Reason.RATE_OUT_OF_RANGE, f"|{r.rate_per_hour}| per hour > {cfg.max_abs_rate_per_hour}"
        if r.kind is FundingKind.SETTLED:
            if r.funding_time > future_limit:
                return Reason.FUTURE_FUNDING_TIME, f"settled at {r.funding_time.isoformat()} after {as_of.isoformat()}"
            if r.venue not in CONTINUOUS_VENUES and _off_grid(r.funding_time, r.interval_hours):
                when = r.funding_time.isoformat()
                return Reason.MISALIGNED_FUNDING_TIME, f"{when} not on the {r.interval_hours} h settlement grid"
        elif r.venue_ts is not None and r.venue_ts < stale_limit:
            age = int((as_of - r.venue_ts).total_seconds())
            return Reason.STALE_OBSERVATION, f"venue timestamp {age} s old (max {cfg.max_venue_ts_age_s})"
        return None

    out = _apply(rates, endpoint, lambda r: r.venue.value, rule)
    _dedupe(out, endpoint, lambda r: (r.venue_symbol, r.funding_time, r.kind), lambda r: r.venue.value)
    return out


def check_snapshots(
    snapshots: Iterable[MarketSnapshot], as_of: datetime, cfg: RuleConfig = RuleConfig(), endpoint: str = "snapshots"
) -> Checked[MarketSnapshot]:
    stale_limit = as_of - timedelta(seconds=cfg.max_venue_ts_age_s)

    def rule(s: MarketSnapshot) -> tuple[Reason, str] | None:
        if not s.asset:
            return Reason.MISSING_ASSET, f"{s.venue_symbol} maps to no asset"
        for name in ("mark_price", "index_price", "best_bid", "best_ask"):
            value = getattr(s, name)
            if value is not None and value <= 0:
                return Reason.NON_POSITIVE_PRICE, f"{name} = {value}"
        for name in ("open_interest_base", "open_interest_usd", "volume_24h_usd"):
            value = getattr(s, name)
            if value is not None and value < 0:
                return Reason.NEGATIVE_OPEN_INTEREST, f"{name} = {value}"
        if s.best_bid is not None and s.best_ask is not None and s.best_bid >= s.best_ask:
            return Reason.CROSSED_BOOK, f"best bid {s.best_bid} >= best ask {s.best_ask}"
        if s.ts < stale_limit:
            return Reason.STALE_OBSERVATION, f"snapshot {int((as_of - s.ts).total_seconds())} s old"
        return None

    out = _apply(snapshots, endpoint, lambda s: s.venue.value, rule)
    _dedupe(out, endpoint, lambda s: s.venue_symbol, lambda s: s.venue.value)
    return out


def check_instruments(instruments: Iterable[Instrument], endpoint: str = "instruments") -> Checked[Instrument]:
    def rule(i: Instrument) -> tuple[Reason, str] | None:
        if not i.asset:
            return Reason.MISSING_ASSET, f"{i.venue_symbol} maps to no asset"
        return None

    out = _apply(instruments, endpoint, lambda i: i.venue.value, rule)
    _dedupe(out, endpoint, lambda i: i.venue_symbol, lambda i: i.venue.value)
    return out


def check_books(books: Iterable[OrderBook], endpoint: str = "order_book") -> Checked[OrderBook]:
    def rule(b: OrderBook) -> tuple[Reason, str] | None:
        if not b.bids and not b.asks:
            return Reason.EMPTY_BOOK, "no levels"
        for side in (b.bids, b.asks):
            for level in side:
                if level.price <= 0 or level.size <= 0:
                    return Reason.NON_POSITIVE_PRICE, f"level {level.price} x {level.size}"
        if b.best_bid is not None and b.best_ask is not None and b.best_bid >= b.best_ask:
            return Reason.CROSSED_BOOK, f"best bid {b.best_bid} >= best ask {b.best_ask}"
        return None

    return _apply(books, endpoint, lambda b: b.venue.value, rule)

"""Wire helpers every venue parser needs: exact epoch <-> UTC conversion, endpoint names, book sides.

Kept here so each venue's ``parse.py`` holds only what is really that venue's (its envelope, its fields, its
funding-time rules). Nothing here knows a venue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar

from perpdex_lib.domain import FundingRate, OrderBookLevel
from perpdex_lib.domain.units import UnknownUnitError
from perpdex_lib.symbols import UnknownSymbolError, canonical_asset
from perpdex_lib.venues.batch import Batch, map_rows
from perpdex_lib.venues.errors import VenueParseError

T = TypeVar("T")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A venue time before 1970 or from the year 3000 on is a unit mistake or garbage, never a time we trade at;
# the bound also keeps arithmetic on it (grids, + interval) inside datetime's range.
MAX_TIME = datetime(3000, 1, 1, tzinfo=UTC)
EpochUnit = Literal["s", "ms", "us", "ns"]
_PER_SECOND: dict[str, int] = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_MAX_SECONDS = int((MAX_TIME - EPOCH).total_seconds())


# ---- time ----------------------------------------------------------------------------------------------------
def utc_from_epoch(value: int, unit: EpochUnit) -> datetime:
    """Integer epoch time in ``unit`` -> UTC datetime, exactly (integer arithmetic, no float rounding).

    Outside ``[1970, 3000)`` raises ``ValueError`` (inside ``map_rows`` that is the row's reject).
    Sub-microsecond digits (``ns``) are truncated: datetime holds microseconds.
    """
    per_s = _PER_SECOND[unit]
    if not 0 <= value < _MAX_SECONDS * per_s:
        raise ValueError(f"timestamp out of range: {value} {unit}")
    return EPOCH + timedelta(microseconds=value * 1_000_000 // per_s)


def epoch_from_utc(t: datetime, unit: EpochUnit) -> int:
    """Aware datetime -> integer epoch time in ``unit``, exactly (floored to the unit)."""
    return (t - EPOCH) // timedelta(microseconds=1) * _PER_SECOND[unit] // 1_000_000


def ms_from_utc(t: datetime) -> int:
    """Query parameters in epoch milliseconds."""
    return epoch_from_utc(t, "ms")


def iso_to_utc(text: str) -> datetime:
    """ISO-8601 text; without an offset it means UTC (as venues send it), an explicit offset is honoured."""
    ts = datetime.fromisoformat(text)
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def body_time(value: int, unit: EpochUnit, venue: str, endpoint: str, field: str) -> datetime:
    """``utc_from_epoch`` for a whole-body field (a book's time): out of range is a VenueParseError."""
    try:
        return utc_from_epoch(value, unit)
    except ValueError as exc:
        raise VenueParseError(venue, endpoint, field, str(exc)) from None


def next_full_hour(t: datetime) -> datetime:
    """The next full hour strictly after ``t`` (venues that settle every hour on the hour)."""
    return t.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def require_aware(start: datetime, end: datetime) -> None:
    """History windows are UTC instants; a naive datetime would be read as local time somewhere."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware (UTC)")


# ---- names ---------------------------------------------------------------------------------------------------
def get_endpoint(path: str) -> str:
    """How a GET endpoint is named in errors and rejects."""
    return f"GET {path}"


def post_endpoint(path: str) -> str:
    return f"POST {path}"


# ---- rows ----------------------------------------------------------------------------------------------------
INTERVAL_MARK = "unknown funding interval"


class UnknownIntervalError(UnknownUnitError):
    """A perp whose funding interval we do not know; its rows are quarantined, never given a default.

    Its message must start with :data:`INTERVAL_MARK` so :func:`label_unknown_intervals` can find it.
    """


def label_unknown_intervals(batch: Batch[T]) -> Batch[T]:
    """Relabel the rejects an :class:`UnknownIntervalError` caused ``unknown_interval`` (in place)."""
    batch.rejects = [
        replace(r, reason_code="unknown_interval") if r.detail.startswith(INTERVAL_MARK) else r
        for r in batch.rejects
    ]
    return batch


def add_page_in_window(
    out: Batch[FundingRate], page: Batch[FundingRate], start: datetime, end: datetime, seen: set[datetime]
) -> None:
    """Add one history page to ``out``: its rejects, and its settlements with ``start <= t < end`` not seen on
    an earlier page (pages and query windows overlap at their edges)."""
    out.rejects.extend(page.rejects)
    for rate in page.items:
        if start <= rate.funding_time < end and rate.funding_time not in seen:
            seen.add(rate.funding_time)
            out.items.append(rate)


def map_body_rows(items: Iterable[Any], convert: Callable[[Any], T | None], venue: str, endpoint: str) -> Batch[T]:
    """``map_rows`` over a body's rows, each reject carrying the raw row as its payload."""
    return map_rows(items, convert, venue, endpoint, lambda r: r)


def expect_list(body: Any, venue: str, endpoint: str) -> list[Any]:
    if not isinstance(body, list):
        raise VenueParseError(venue, endpoint, "<body>", f"expected a JSON list, got {type(body).__name__}")
    return body


def asset_of(base: str, symbol: str) -> tuple[str, Decimal]:
    """``canonical_asset`` with the venue symbol in the error (the row's reject says which market)."""
    try:
        return canonical_asset(base)
    except UnknownSymbolError as exc:
        raise ValueError(f"{symbol}: {exc}") from exc


def perp_base(symbol: str, sep: str, kind: str, venue: str) -> str:
    """The base of a ``BASE<sep>QUOTE<sep>kind`` symbol (``BTC_USDT_Perp``, ``BTC-USD-PERP``) -> ``BTC``."""
    parts = symbol.split(sep)
    if len(parts) != 3 or parts[2] != kind or not parts[0]:
        raise ValueError(f"not a {venue} perpetual symbol: {symbol!r}")
    return parts[0]


def leverage_from_margin_fraction(fraction: Decimal | None) -> Decimal | None:
    """1 / initial margin fraction: an integer when it is one (0.02 -> 50), else to 0.01; unknown -> None."""
    if fraction is None or fraction <= 0:
        return None
    lev = Decimal(1) / fraction
    return lev.quantize(Decimal(1) if lev == lev.to_integral_value() else Decimal("0.01"))


def notional_usd(size_base: Decimal | None, price_usd: Decimal | None) -> Decimal | None:
    """Base units x USD price; unknown when either is (one-sided OI in USD = OI base x mark)."""
    return size_base * price_usd if size_base is not None and price_usd is not None else None


# ---- order books ---------------------------------------------------------------------------------------------
def price_size(level: Any) -> tuple[Decimal, Decimal]:
    """A wire level model with ``price`` and ``size`` fields as ``(price, size)``."""
    return level.price, level.size


def book_side(
    levels: Iterable[T],
    *,
    best_high: bool,
    depth: int | None = None,
    level: Callable[[T], tuple[Decimal, Decimal]] = lambda lv: lv,  # type: ignore[assignment,return-value]
    drop_empty: bool = False,
) -> tuple[OrderBookLevel, ...]:
    """One side of a book, best first (bids high -> low, asks low -> high) whatever order the venue used.

    ``level`` turns a wire level into ``(price, size)``; ``drop_empty`` leaves out zero-size levels (venues
    that send them as deletions); ``depth`` keeps the best ``depth`` levels.
    """
    out = [OrderBookLevel(p, s) for p, s in map(level, levels) if not (drop_empty and s <= 0)]
    out.sort(key=lambda lv: lv.price, reverse=best_high)
    return tuple(out if depth is None else out[:depth])

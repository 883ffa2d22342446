"""Inputs and outputs of the opportunity engine (Decimal throughout; rates are fractions per hour)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

BookSide = tuple[tuple[Decimal, Decimal], ...]  # (price, size) in venue units, best level first


class ReasonCode(StrEnum):
    """Why a pair produced no opportunity. Leg checks come first (long leg, then short), in this order."""

    INSTRUMENT_INACTIVE = "instrument_inactive"
    MISSING_FUNDING = "missing_funding"
    STALE_FUNDING = "stale_funding"
    MISSING_SNAPSHOT = "missing_snapshot"
    STALE_SNAPSHOT = "stale_snapshot"
    MISSING_MARK = "missing_mark"
    MISSING_VOLUME = "missing_volume"
    MISSING_OPEN_INTEREST = "missing_open_interest"
    MISSING_BOOK = "missing_book"
    STALE_BOOK = "stale_book"
    MISSING_FEE = "missing_fee"
    INSUFFICIENT_DEPTH = "insufficient_depth"
    # pair checks
    SPREAD_BELOW_MIN = "spread_below_min"
    BASIS_ABOVE_MAX = "basis_above_max"
    SLIPPAGE_ABOVE_MAX = "slippage_above_max"
    VOLUME_BELOW_MIN = "volume_below_min"
    OI_SHARE_ABOVE_MAX = "oi_share_above_max"
    NET_APR_BELOW_MIN = "net_apr_below_min"
    HISTORY_TOO_SHORT = "history_too_short"


@dataclass(frozen=True, slots=True)
class LegQuote:
    """Everything the engine needs about one instrument on one venue, with each input's timestamp.

    ``None`` means the input is missing; the engine then rejects every pair using this leg.
    """

    venue: str
    venue_symbol: str
    asset: str
    multiplier: Decimal  # canonical units per venue unit: compare prices as mark_price / multiplier
    status: str
    interval_hours: Decimal
    continuous_funding: bool
    rate_per_hour: Decimal | None  # latest predicted rate, fraction per hour
    funding_time: datetime | None  # the settlement that prediction is for
    funding_observed_at: datetime | None
    mark_price: Decimal | None  # venue units
    open_interest_usd: Decimal | None  # one side
    volume_24h_usd: Decimal | None
    snapshot_ts: datetime | None
    bids: BookSide | None
    asks: BookSide | None
    book_ts: datetime | None
    maker_fee: Decimal | None
    taker_fee: Decimal | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.venue, self.venue_symbol)


@dataclass(frozen=True, slots=True)
class SettledRate:
    """One settled funding payment (or, for continuous venues, one observation) of a leg."""

    funding_time: datetime
    rate_per_hour: Decimal
    interval_hours: Decimal


@dataclass(frozen=True, slots=True)
class MarketInputs:
    legs: tuple[LegQuote, ...]
    history: Mapping[tuple[str, str], tuple[SettledRate, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Persistence:
    """Statistics of the hourly settled spread (short minus long) over one window."""

    hours: int
    mean: Decimal | None
    stdev: Decimal | None  # sample standard deviation; None below 2 hours
    share_positive: Decimal | None


@dataclass(frozen=True, slots=True)
class Opportunity:
    rank: int
    asset: str
    long_venue: str
    long_symbol: str
    short_venue: str
    short_symbol: str
    long_rate_per_hour: Decimal
    short_rate_per_hour: Decimal
    spread_per_hour: Decimal
    gross_apr: Decimal
    notional_usd: Decimal
    horizon_hours: Decimal
    execution_style: str
    fee_cost_usd: Decimal
    slippage_cost_usd: Decimal
    basis_bps: Decimal  # (long price - short price) / mean price, per canonical unit, in bps
    basis_cost_usd: Decimal
    total_cost_usd: Decimal
    funding_income_usd: Decimal  # spread * N * H
    net_usd: Decimal
    net_apr: Decimal
    break_even_hours: Decimal | None
    liquidity_cap_usd: Decimal
    oi_share: Decimal
    long_next_funding_s: Decimal
    short_next_funding_s: Decimal
    long_interval_hours: Decimal
    short_interval_hours: Decimal
    interval_mismatch: bool
    max_input_age_s: Decimal
    persistence_24h: Persistence
    persistence_7d: Persistence


@dataclass(frozen=True, slots=True)
class Rejection:
    asset: str
    long_venue: str
    long_symbol: str
    short_venue: str
    short_symbol: str
    reason_code: ReasonCode
    detail: str


@dataclass(frozen=True, slots=True)
class EngineResult:
    opportunities: tuple[Opportunity, ...]  # ranked, best first
    rejections: tuple[Rejection, ...]

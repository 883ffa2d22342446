"""Market-data domain models: what every venue connector produces, whatever the wire said.

Conventions: timestamps are timezone-aware UTC ``datetime``; prices, sizes and rates are ``Decimal``;
sizes are in the venue's base units of ``venue_symbol`` (multiply by ``Instrument.multiplier`` to get
units of the canonical ``asset``); open interest is one-sided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from perpdex_lib.domain.enums import FundingKind, InstrumentStatus, RateUnit, Venue
from perpdex_lib.domain.units import to_rate_per_hour


def _require_utc(name: str, ts: datetime | None) -> None:
    if ts is not None and (ts.tzinfo is None or ts.utcoffset() != UTC.utcoffset(None)):
        raise ValueError(f"{name} must be a UTC-aware datetime, got {ts!r}")


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradeable perpetual on one venue, with the rules that size an order."""

    venue: Venue
    venue_symbol: str  # exactly as the venue names it: "BTC-USD-PERP", "BTC_USDT_Perp", "1000PEPEUSDT"
    asset: str  # canonical base asset: "BTC", "PEPE"
    multiplier: Decimal  # canonical asset units per 1 venue base unit (1000 for kPEPE / 1000PEPE)
    quote: str  # "USD", "USDT", "USDC"
    tick_size: Decimal
    lot_size: Decimal
    min_size: Decimal | None  # minimum order size in venue base units
    min_notional_usd: Decimal | None
    max_leverage: Decimal | None
    funding_interval_hours: Decimal  # settlement interval; Paradex: the quoting period of continuous accrual
    status: InstrumentStatus
    venue_market_id: str | None = None  # numeric or opaque id when the venue has one (Lighter market_id 1)
    continuous_funding: bool = False  # accrues continuously (Paradex) rather than at discrete settlements


@dataclass(frozen=True, slots=True)
class FundingRate:
    """One funding observation, keeping what the venue said next to the normalised value.

    Natural key: ``(venue, venue_symbol, funding_time, kind)``. For ``settled`` rows ``funding_time`` is
    the settlement time; for ``predicted`` rows it is the settlement the estimate is for (the next one),
    so re-observing the same estimate upserts one row.
    """

    venue: Venue
    venue_symbol: str
    asset: str
    kind: FundingKind
    funding_time: datetime
    raw_rate: Decimal
    raw_unit: RateUnit
    interval_hours: Decimal
    venue_ts: datetime | None  # the venue's own timestamp for this observation, if it sent one
    observed_at: datetime  # when we received it
    rate_per_hour: Decimal = field(default=Decimal(0))  # derived: fraction per hour

    def __post_init__(self) -> None:
        _require_utc("funding_time", self.funding_time)
        _require_utc("venue_ts", self.venue_ts)
        _require_utc("observed_at", self.observed_at)
        object.__setattr__(
            self, "rate_per_hour", to_rate_per_hour(self.raw_rate, self.raw_unit, self.interval_hours)
        )


@dataclass(frozen=True, slots=True)
class OrderBookLevel:
    price: Decimal
    size: Decimal  # venue base units


@dataclass(frozen=True, slots=True)
class OrderBook:
    """Top-N levels; bids best (highest) first, asks best (lowest) first."""

    venue: Venue
    venue_symbol: str
    ts: datetime
    bids: tuple[OrderBookLevel, ...]
    asks: tuple[OrderBookLevel, ...]

    def __post_init__(self) -> None:
        _require_utc("ts", self.ts)

    @property
    def best_bid(self) -> Decimal | None:
        return self.bids[0].price if self.bids else None

    @property
    def best_ask(self) -> Decimal | None:
        return self.asks[0].price if self.asks else None

    @property
    def mid(self) -> Decimal | None:
        if not self.bids or not self.asks:
            return None
        return (self.bids[0].price + self.asks[0].price) / 2


@dataclass(frozen=True, slots=True)
class MarketSnapshot:
    """Mark/index, open interest, volume and top of book at one instant. Natural key (venue, symbol, ts)."""

    venue: Venue
    venue_symbol: str
    asset: str
    ts: datetime
    mark_price: Decimal | None
    index_price: Decimal | None
    open_interest_base: Decimal | None  # one side, venue base units
    open_interest_usd: Decimal | None  # one side
    volume_24h_usd: Decimal | None
    best_bid: Decimal | None = None
    best_ask: Decimal | None = None
    bid_depth_usd: Decimal | None = None  # resting notional within DEPTH_BAND_BPS of mid
    ask_depth_usd: Decimal | None = None
    next_funding_time: datetime | None = None

    def __post_init__(self) -> None:
        _require_utc("ts", self.ts)
        _require_utc("next_funding_time", self.next_funding_time)


DEPTH_BAND_BPS = Decimal(50)  # depth fields count resting size within ±0.5 % of mid

"""Deterministic market model: every quantity is a pure function of (seed, venue, asset, time).

No state is stepped forward, so any instant (past or future) can be queried in O(1); the live values the
simulator serves and the settled history it reports are therefore consistent by construction, and tests
can ask the same functions for the ground truth.

- Mid price: a slow multi-period walk around the asset's base price plus minute-level noise.
- Mark per venue: mid x (1 + basis), basis a small venue-specific oscillation.
- Funding per (venue, asset): an hourly fraction-per-hour series, mean-reverting around a venue/asset mean
  (sum of random-phase cycles + noise), with rare spikes; sign flips happen when the cycles beat the mean.
- Settled rate for a settlement at T with interval I: the mean of the hourly series over [T - I, T).
  Predicted rate at t: the mean of the hours elapsed so far in the running interval (including the
  current hour) - what a venue's premium-index estimate converges to.
"""

from __future__ import annotations

import hashlib
import math
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from perpdex_lib.domain.enums import Venue
from perpdex_lib.sim.universe import SimAsset, build_universe

HOUR_S = 3600
RATE_Q = Decimal("1e-10")

# Settlement interval (hours) per venue; some venues vary it per market (see interval_hours()).
VENUE_INTERVAL_H: dict[Venue, int] = {
    Venue.LIGHTER: 1,
    Venue.GRVT: 8,
    Venue.EDGEX: 4,
    Venue.BACKPACK: 1,
    Venue.ASTER: 8,
    Venue.PARADEX: 8,  # continuous accrual, quoted per 8 h period
    Venue.HYPERLIQUID: 1,
}
# Venues quoting sub-cent assets per 1000 units (kPEPE on Hyperliquid, 1000PEPE elsewhere).
THOUSAND_X_VENUES = {Venue.HYPERLIQUID, Venue.ASTER, Venue.LIGHTER, Venue.BACKPACK}


def _u(*keys: object) -> float:
    """A uniform number in [0, 1) determined by ``keys``."""
    digest = hashlib.blake2b(repr(keys).encode(), digest_size=8).digest()
    return struct.unpack("<Q", digest)[0] / 2**64


def _n(*keys: object) -> float:
    """A standard normal determined by ``keys`` (Box-Muller on two hashed uniforms)."""
    u1 = max(_u("a", *keys), 1e-12)
    u2 = _u("b", *keys)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2 * math.pi * u2)


def _hour_floor(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def _pow10_step(x: Decimal, digits: int) -> Decimal:
    """A power of ten about ``digits`` orders below ``x``: the tick for a price of ``x``."""
    if x <= 0:
        return Decimal(1)
    exp = math.floor(math.log10(float(x))) - digits
    return Decimal(1).scaleb(exp)


@dataclass(frozen=True, slots=True)
class Spec:
    """Instrument rules on one venue, in venue units (price per venue base unit)."""

    tick: Decimal
    lot: Decimal
    min_size: Decimal
    min_notional_usd: Decimal
    max_leverage: int
    multiplier: int
    interval_h: int


@dataclass
class MarketModel:
    seed: int = 7
    n_assets: int = 20
    venues: tuple[Venue, ...] = tuple(Venue)
    # (venue, asset) -> forced fraction per hour, set from the admin API (tests, benchmarks)
    overrides: dict[tuple[Venue, str], Decimal] = field(default_factory=dict)
    # (venue, asset) -> forced half spread of the book in bps (tests: wide-spread protection)
    half_spread_overrides: dict[tuple[Venue, str], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.assets = build_universe(self.n_assets)
        self._by_name = {a.name: a for a in self.assets}

    # ---- universe -----------------------------------------------------------------------------
    def asset(self, name: str) -> SimAsset:
        return self._by_name[name]

    def listed(self, venue: Venue) -> list[SimAsset]:
        """Assets listed on ``venue``: every major, ~85 % of the synthetic tail."""
        return [a for a in self.assets if a.rank < 10 or _u(self.seed, "listed", venue, a.name) < 0.85]

    def multiplier(self, venue: Venue, asset: SimAsset) -> int:
        return 1000 if asset.small and venue in THOUSAND_X_VENUES else 1

    def interval_hours(self, venue: Venue, asset: SimAsset) -> int:
        base = VENUE_INTERVAL_H[venue]
        if venue in (Venue.GRVT, Venue.ASTER) and asset.rank >= 10:
            r = _u(self.seed, "interval", venue, asset.name)
            return 4 if r < 0.2 else 1 if r < 0.3 else base
        return base

    def spec(self, venue: Venue, asset: SimAsset) -> Spec:
        mult = self.multiplier(venue, asset)
        ref = asset.base_price * mult
        tick = _pow10_step(ref, 5)
        lot = max(Decimal(1).scaleb(-6), _pow10_step(Decimal(10) / ref, 0)) if ref > 0 else Decimal(1)
        return Spec(
            tick=tick,
            lot=lot,
            min_size=lot,
            min_notional_usd=Decimal(10),
            max_leverage=50 if asset.rank < 2 else 20 if asset.rank < 10 else 5,
            multiplier=mult,
            interval_h=self.interval_hours(venue, asset),
        )

    # ---- prices -------------------------------------------------------------------------------
    def mid_usd(self, asset: SimAsset, t: datetime) -> Decimal:
        """Mid price in USD per canonical unit."""
        s = t.timestamp()
        x = 0.0
        for k, (period_h, amp) in enumerate(((240, 0.06), (60, 0.025), (9, 0.008))):
            phase = 2 * math.pi * _u(self.seed, "px", asset.name, k)
            x += amp * math.sin(2 * math.pi * s / (period_h * HOUR_S) + phase)
        x += 0.0008 * _n(self.seed, "pxn", asset.name, int(s // 60))
        return (asset.base_price * Decimal(math.exp(x))).quantize(_pow10_step(asset.base_price, 8))

    def basis(self, venue: Venue, asset: SimAsset, t: datetime) -> float:
        phase = 2 * math.pi * _u(self.seed, "basis", venue, asset.name)
        return 0.0004 * math.sin(2 * math.pi * t.timestamp() / (37 * HOUR_S) + phase)

    def index_price(self, venue: Venue, asset: SimAsset, t: datetime) -> Decimal:
        spec = self.spec(venue, asset)
        return (self.mid_usd(asset, t) * spec.multiplier).quantize(spec.tick, ROUND_HALF_EVEN)

    def mark_price(self, venue: Venue, asset: SimAsset, t: datetime) -> Decimal:
        spec = self.spec(venue, asset)
        mark = self.mid_usd(asset, t) * spec.multiplier * Decimal(1 + self.basis(venue, asset, t))
        return mark.quantize(spec.tick, ROUND_HALF_EVEN)

    # ---- funding ------------------------------------------------------------------------------
    def hourly_rate(self, venue: Venue, asset: SimAsset, hour: datetime) -> Decimal:
        """Fraction per hour accruing during the hour starting at ``hour``."""
        forced = self.overrides.get((venue, asset.name))
        if forced is not None:
            return forced
        h = int(hour.timestamp() // HOUR_S)
        key = (self.seed, venue, asset.name)
        mean = 0.0000125 + 0.00002 * (_u("mean", *key) - 0.35)
        x = mean
        for k, (period_h, amp) in enumerate(((170, 2.5e-5), (41, 1.5e-5), (11, 0.8e-5))):
            phase = 2 * math.pi * _u("fph", *key, k)
            x += amp * _u("famp", *key, k) * math.sin(2 * math.pi * h / period_h + phase)
        x += 0.4e-5 * _n("fn", *key, h)
        if _u("spike", *key, h) < 0.01:
            x += (1 if _u("spsign", *key, h) < 0.5 else -1) * (5e-5 + 1.5e-4 * _u("spsz", *key, h))
        return Decimal(x).quantize(RATE_Q)

    def last_settlement(self, venue: Venue, asset: SimAsset, t: datetime) -> datetime:
        interval = self.interval_hours(venue, asset)
        h = int(t.timestamp() // HOUR_S)
        return datetime.fromtimestamp((h - h % interval) * HOUR_S, UTC)

    def next_settlement(self, venue: Venue, asset: SimAsset, t: datetime) -> datetime:
        return self.last_settlement(venue, asset, t) + timedelta(hours=self.interval_hours(venue, asset))

    def settlement_times(self, venue: Venue, asset: SimAsset, start: datetime, end: datetime) -> list[datetime]:
        """Settlements with ``start <= T < end`` (and ``T <= now``)."""
        interval = timedelta(hours=self.interval_hours(venue, asset))
        end = min(end, datetime.now(UTC))
        t = self.last_settlement(venue, asset, start)
        if t < start:
            t += interval
        out = []
        while t < end:
            out.append(t)
            t += interval
        return out

    def settled_rate_per_hour(self, venue: Venue, asset: SimAsset, settlement: datetime) -> Decimal:
        """Mean hourly rate over the interval that ends at ``settlement``."""
        n = self.interval_hours(venue, asset)
        hours = [settlement - timedelta(hours=i + 1) for i in range(n)]
        return (sum((self.hourly_rate(venue, asset, h) for h in hours), Decimal(0)) / n).quantize(RATE_Q)

    def predicted_rate_per_hour(self, venue: Venue, asset: SimAsset, t: datetime) -> Decimal:
        """Estimate for the next settlement: mean of the hours so far in the running interval."""
        start = self.last_settlement(venue, asset, t)
        hours = []
        h = start
        while h <= _hour_floor(t):
            hours.append(self.hourly_rate(venue, asset, h))
            h += timedelta(hours=1)
        return (sum(hours, Decimal(0)) / len(hours)).quantize(RATE_Q)

    # ---- size, liquidity ----------------------------------------------------------------------
    def open_interest_usd(self, venue: Venue, asset: SimAsset, t: datetime) -> Decimal:
        scale = 2e9 / (1 + asset.rank) ** 1.6 * (0.3 + _u(self.seed, "oi", venue, asset.name))
        wobble = 1 + 0.05 * math.sin(t.timestamp() / (29 * HOUR_S))
        return Decimal(scale * wobble).quantize(Decimal(1))

    def open_interest_base(self, venue: Venue, asset: SimAsset, t: datetime) -> Decimal:
        spec = self.spec(venue, asset)
        mark = self.mark_price(venue, asset, t)
        return (self.open_interest_usd(venue, asset, t) / mark).quantize(spec.lot, ROUND_DOWN)

    def volume_24h_usd(self, venue: Venue, asset: SimAsset, t: datetime) -> Decimal:
        return (self.open_interest_usd(venue, asset, t) * Decimal("1.7")).quantize(Decimal(1))

    def order_book(
        self, venue: Venue, asset: SimAsset, t: datetime, depth: int = 20
    ) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        """(bids, asks) as (price, size) in venue units, best first, around the mark price."""
        spec = self.spec(venue, asset)
        mark = self.mark_price(venue, asset, t)
        # notional per level shrinks with rank: BTC ~ 400k USD per level, the tail ~ 2k USD.
        level_usd = 400_000 / (1 + asset.rank) ** 1.3 + 2_000
        half_spread_bps = self.half_spread_overrides.get((venue, asset.name), 0.5 + 0.3 * asset.rank**0.5)
        step_bps = 1.0 + 0.2 * asset.rank**0.5
        sec = int(t.timestamp())
        bids, asks = [], []
        for i in range(depth):
            off = (half_spread_bps + i * step_bps) / 10_000
            for side, sign, book in (("b", -1, bids), ("a", 1, asks)):
                px = (mark * Decimal(1 + sign * off)).quantize(spec.tick, ROUND_DOWN if sign < 0 else "ROUND_UP")
                usd = level_usd * (1 + 0.35 * i) * (0.5 + _u(self.seed, "bk", venue, asset.name, side, i, sec))
                size = (Decimal(usd) / px).quantize(spec.lot, ROUND_DOWN) if px > 0 else Decimal(0)
                book.append((px, max(size, spec.lot)))
        # merge levels that collapsed onto the same tick
        return _merge(bids), _merge(asks)


def _merge(levels: list[tuple[Decimal, Decimal]]) -> list[tuple[Decimal, Decimal]]:
    out: list[tuple[Decimal, Decimal]] = []
    for px, sz in levels:
        if out and out[-1][0] == px:
            out[-1] = (px, out[-1][1] + sz)
        else:
            out.append((px, sz))
    return out

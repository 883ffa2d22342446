"""Exit rules, with the old system's defaults (shared/docs/prior_art.md §2 items 13–14), evaluated in order.

Divergence here is the funding spread the pair earns, ``rate_short − rate_long`` (a fraction per hour; the ratios
are unit-free so the old per-8 h thresholds carry over). Urgent reasons exit even through a wide spread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum


class ExitReason(StrEnum):
    LIQUIDATION_RISK = "liquidation_risk"
    LEG_IMBALANCE = "leg_imbalance"
    DIVERGENCE_FLIPPED = "divergence_flipped"
    SEVERE_EROSION = "severe_erosion"
    PROFIT_EROSION = "profit_erosion"
    TIME_LIMIT = "time_limit"
    MANUAL = "manual"
    HALTED = "halted"


URGENT = frozenset({ExitReason.LIQUIDATION_RISK, ExitReason.LEG_IMBALANCE, ExitReason.DIVERGENCE_FLIPPED,
                    ExitReason.SEVERE_EROSION, ExitReason.MANUAL})


@dataclass(frozen=True, slots=True)
class ExitRules:
    flip_margin: Decimal = Decimal(0)
    severe_erosion_ratio: Decimal = Decimal("0.2")
    min_erosion_ratio: Decimal = Decimal("0.5")
    max_age: timedelta = timedelta(hours=168)
    min_hold: timedelta = timedelta(0)
    max_leg_imbalance: Decimal = Decimal("0.05")
    min_liquidation_distance: Decimal = Decimal("0.10")
    max_exit_spread: Decimal = Decimal("0.02")  # bid/ask spread above which non-urgent exits wait
    emergency_spread: Decimal = Decimal("0.03")  # above this even urgent exits use aggressive limits


def leg_imbalance(qty_a: Decimal | None, qty_b: Decimal | None) -> Decimal | None:
    """(max − min) / max of the legs' absolute canonical quantities; None when a leg is missing or zero."""
    if qty_a is None or qty_b is None:
        return None
    a, b = abs(qty_a), abs(qty_b)
    if a == 0 or b == 0:
        return None
    return (max(a, b) - min(a, b)) / max(a, b)


def liquidation_distance(side: str, mark: Decimal, liquidation_price: Decimal | None) -> Decimal | None:
    """Fractional distance from mark to the liquidation price (long: below, short: above)."""
    if liquidation_price is None or mark <= 0:
        return None
    return (mark - liquidation_price) / mark if side == "long" else (liquidation_price - mark) / mark


def spread_fraction(bid: Decimal | None, ask: Decimal | None) -> Decimal | None:
    """(ask − bid) / mid; None for an empty or crossed book."""
    if bid is None or ask is None or bid <= 0 or ask <= 0 or bid > ask:
        return None
    return (ask - bid) / ((ask + bid) / 2)


@dataclass(frozen=True, slots=True)
class PairView:
    """What the exit evaluator needs to know about an open pair right now."""

    opened_at: datetime
    entry_divergence: Decimal
    current_divergence: Decimal | None  # None when live funding is unavailable: no funding-based exit then
    long_canonical_qty: Decimal
    short_canonical_qty: Decimal
    long_liq_distance: Decimal | None = None
    short_liq_distance: Decimal | None = None


def evaluate_exit(view: PairView, rules: ExitRules, now: datetime) -> ExitReason | None:
    """The first exit reason that applies, or None to hold."""
    for dist in (view.long_liq_distance, view.short_liq_distance):
        if dist is not None and dist < rules.min_liquidation_distance:
            return ExitReason.LIQUIDATION_RISK
    imbalance = leg_imbalance(view.long_canonical_qty, view.short_canonical_qty)
    if imbalance is not None and imbalance > rules.max_leg_imbalance:
        return ExitReason.LEG_IMBALANCE
    if now - view.opened_at < rules.min_hold:
        return None
    d_now = view.current_divergence
    if d_now is not None:
        if d_now < rules.flip_margin:
            return ExitReason.DIVERGENCE_FLIPPED
        if view.entry_divergence > 0:
            ratio = d_now / view.entry_divergence
            if ratio < rules.severe_erosion_ratio:
                return ExitReason.SEVERE_EROSION
            if ratio < rules.min_erosion_ratio:
                return ExitReason.PROFIT_EROSION
    if now - view.opened_at >= rules.max_age:
        return ExitReason.TIME_LIMIT
    return None


def should_defer_exit(reason: ExitReason, spreads: list[Decimal | None], rules: ExitRules) -> bool:
    """Wide-spread protection: a non-urgent exit waits while any leg's book is wider than the exit limit."""
    if reason in URGENT:
        return False
    return any(s is None or s > rules.max_exit_spread for s in spreads)

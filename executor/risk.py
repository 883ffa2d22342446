"""Pre-trade risk gate: every denial carries a reason code and the numbers that caused it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"  # entries and exits allowed
    REDUCE_ONLY = "REDUCE_ONLY"  # exits, hedges and unwinds only
    HALTED = "HALTED"  # nothing is submitted; working orders are cancelled


class Denial(StrEnum):
    TRADING_STATE = "trading_state"
    UNKNOWN_ORDERS = "unknown_orders"
    BROKEN_PAIRS = "broken_pairs"
    STALE_INPUTS = "stale_inputs"
    ORDER_NOTIONAL = "order_notional"
    PAIR_NOTIONAL = "pair_notional"
    VENUE_NOTIONAL = "venue_notional"
    GLOBAL_NOTIONAL = "global_notional"
    MAX_OPEN_PAIRS = "max_open_pairs"
    MAX_LEVERAGE = "max_leverage"
    ASSET_BUSY = "asset_busy"
    RECONCILIATION = "reconciliation"


@dataclass(frozen=True, slots=True)
class RiskLimits:
    max_order_notional_usd: Decimal = Decimal(5_000)
    max_pair_notional_usd: Decimal = Decimal(5_000)  # per leg
    max_venue_notional_usd: Decimal = Decimal(20_000)  # gross over both sides on one venue
    max_global_notional_usd: Decimal = Decimal(50_000)  # gross over every leg
    max_open_pairs: int = 5
    max_leverage: Decimal = Decimal(3)
    max_input_age_s: int = 120


@dataclass(frozen=True, slots=True)
class Exposure:
    """Current book of the executor, from the journal (every non-terminal pair counts at its target)."""

    open_pairs: int = 0
    gross_usd_by_venue: dict[str, Decimal] = field(default_factory=dict)
    assets_in_use: frozenset[str] = frozenset()
    unknown_orders: int = 0
    broken_pairs: int = 0
    reconciled: bool = False


@dataclass(frozen=True, slots=True)
class EntryRequest:
    asset: str
    long_venue: str
    short_venue: str
    notional_usd: Decimal  # per leg
    leverage: Decimal
    input_age_s: float


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    code: Denial | None = None
    detail: str = ""


def check_entry(req: EntryRequest, state: TradingState, exposure: Exposure, limits: RiskLimits) -> Decision:
    """Rule 5: no new entry unless ACTIVE, nothing unknown or broken, inputs fresh, and every limit holds."""

    def deny(code: Denial, detail: str) -> Decision:
        return Decision(False, code, detail)

    if state is not TradingState.ACTIVE:
        return deny(Denial.TRADING_STATE, f"state={state}")
    if not exposure.reconciled:
        return deny(Denial.RECONCILIATION, "venues and journal not reconciled yet")
    if exposure.unknown_orders:
        return deny(Denial.UNKNOWN_ORDERS, f"unknown_orders={exposure.unknown_orders}")
    if exposure.broken_pairs:
        return deny(Denial.BROKEN_PAIRS, f"broken_pairs={exposure.broken_pairs}")
    if req.input_age_s > limits.max_input_age_s:
        return deny(Denial.STALE_INPUTS, f"input_age_s={req.input_age_s:.0f} > {limits.max_input_age_s}")
    if req.asset in exposure.assets_in_use:
        return deny(Denial.ASSET_BUSY, f"asset={req.asset} already has a live pair")
    if exposure.open_pairs >= limits.max_open_pairs:
        return deny(Denial.MAX_OPEN_PAIRS, f"open_pairs={exposure.open_pairs} >= {limits.max_open_pairs}")
    if req.notional_usd > limits.max_order_notional_usd:
        return deny(Denial.ORDER_NOTIONAL, f"notional_usd={req.notional_usd} > {limits.max_order_notional_usd}")
    if req.notional_usd > limits.max_pair_notional_usd:
        return deny(Denial.PAIR_NOTIONAL, f"notional_usd={req.notional_usd} > {limits.max_pair_notional_usd}")
    if req.leverage > limits.max_leverage:
        return deny(Denial.MAX_LEVERAGE, f"leverage={req.leverage} > {limits.max_leverage}")
    for venue in (req.long_venue, req.short_venue):
        after = exposure.gross_usd_by_venue.get(venue, Decimal(0)) + req.notional_usd
        if after > limits.max_venue_notional_usd:
            return deny(Denial.VENUE_NOTIONAL, f"venue={venue} gross_after={after} > {limits.max_venue_notional_usd}")
    total_after = sum(exposure.gross_usd_by_venue.values(), Decimal(0)) + 2 * req.notional_usd
    if total_after > limits.max_global_notional_usd:
        return deny(Denial.GLOBAL_NOTIONAL, f"gross_after={total_after} > {limits.max_global_notional_usd}")
    return Decision(True)

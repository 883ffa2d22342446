"""Explicit state machines for orders and pairs: every allowed transition is in a table, nothing else is legal."""

from __future__ import annotations

from enum import StrEnum


class IllegalTransition(RuntimeError):
    """A state change the tables do not allow: a bug, never a venue condition."""


class OrderState(StrEnum):
    PENDING_SUBMIT = "pending_submit"  # journaled, request not yet known to have left
    SUBMITTED = "submitted"  # request sent, no definitive answer yet
    UNKNOWN = "unknown"  # timeout/5xx/429/disconnect on submit: resolve by lookup
    OPEN = "open"  # resting at the venue
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"  # terminal; may carry a partial fill
    REJECTED = "rejected"  # terminal; only on venue evidence
    NOT_PLACED = "not_placed"  # terminal; venue confirmed it never saw the order (after a crash/unknown)


ORDER_TERMINAL = frozenset({OrderState.FILLED, OrderState.CANCELED, OrderState.REJECTED, OrderState.NOT_PLACED})
ORDER_UNRESOLVED = frozenset({OrderState.PENDING_SUBMIT, OrderState.SUBMITTED, OrderState.UNKNOWN})

ORDER_TRANSITIONS: dict[OrderState, frozenset[OrderState]] = {
    OrderState.PENDING_SUBMIT: frozenset({OrderState.SUBMITTED, OrderState.UNKNOWN, OrderState.NOT_PLACED}),
    OrderState.SUBMITTED: frozenset({
        OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.FILLED, OrderState.CANCELED,
        OrderState.REJECTED, OrderState.UNKNOWN, OrderState.NOT_PLACED,
    }),
    OrderState.UNKNOWN: frozenset({
        OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.FILLED, OrderState.CANCELED,
        OrderState.REJECTED, OrderState.NOT_PLACED,
    }),
    OrderState.OPEN: frozenset({
        OrderState.PARTIALLY_FILLED, OrderState.FILLED, OrderState.CANCELED, OrderState.UNKNOWN,
    }),
    OrderState.PARTIALLY_FILLED: frozenset({
        OrderState.PARTIALLY_FILLED, OrderState.FILLED, OrderState.CANCELED, OrderState.UNKNOWN,
    }),
    OrderState.FILLED: frozenset(),
    OrderState.CANCELED: frozenset(),
    OrderState.REJECTED: frozenset(),
    OrderState.NOT_PLACED: frozenset(),
}


class PairState(StrEnum):
    PLANNED = "planned"  # risk-approved, sized; no order yet
    ENTERING = "entering"  # entry legs working
    HEDGING = "hedging"  # one leg filled (fully or partly), completing the other to the filled quantity
    OPEN = "open"  # both legs filled and balanced
    EXITING = "exiting"  # exit orders working on both legs
    UNWINDING = "unwinding"  # entry failed on one side: reducing the filled leg back to zero
    BROKEN = "broken"  # legs do not net to zero and the automatic repair ran out: operator attention
    CLOSED = "closed"  # flat on both venues
    ABANDONED = "abandoned"  # nothing was ever filled


PAIR_TERMINAL = frozenset({PairState.CLOSED, PairState.ABANDONED})

PAIR_TRANSITIONS: dict[PairState, frozenset[PairState]] = {
    PairState.PLANNED: frozenset({PairState.ENTERING, PairState.ABANDONED}),
    PairState.ENTERING: frozenset({PairState.OPEN, PairState.HEDGING, PairState.UNWINDING, PairState.ABANDONED,
                                   PairState.BROKEN}),
    PairState.HEDGING: frozenset({PairState.OPEN, PairState.UNWINDING, PairState.BROKEN, PairState.CLOSED}),
    PairState.OPEN: frozenset({PairState.EXITING, PairState.HEDGING, PairState.BROKEN}),
    PairState.EXITING: frozenset({PairState.CLOSED, PairState.EXITING, PairState.BROKEN, PairState.UNWINDING}),
    PairState.UNWINDING: frozenset({PairState.CLOSED, PairState.ABANDONED, PairState.BROKEN, PairState.UNWINDING,
                                    PairState.OPEN}),
    PairState.BROKEN: frozenset({PairState.UNWINDING, PairState.HEDGING, PairState.OPEN, PairState.CLOSED}),
    PairState.CLOSED: frozenset(),
    PairState.ABANDONED: frozenset(),
}


def check_order(current: OrderState, new: OrderState) -> OrderState:
    if current == new and current not in (OrderState.PARTIALLY_FILLED,):
        return new  # idempotent re-application of the same state
    if new not in ORDER_TRANSITIONS[current]:
        raise IllegalTransition(f"order {current} -> {new}")
    return new


def check_pair(current: PairState, new: PairState) -> PairState:
    if current == new:
        return new
    if new not in PAIR_TRANSITIONS[current]:
        raise IllegalTransition(f"pair {current} -> {new}")
    return new

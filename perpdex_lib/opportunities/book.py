"""Walking an order book at a target notional: slippage cost and the largest notional under a limit.

The target notional N is turned into a quantity at the venue's mid, ``q = N / mid`` (venue units), and
the walk consumes ``q`` from the best level outwards. Slippage is ``sum(taken_i * |price_i - mid|)`` USD,
so it includes the half-spread a taker pays. Each level's cost per unit, ``|price_i - mid|``, grows along
the book, so the average cost grows with size and the liquidity cap (the largest notional whose
slippage stays within ``limit * notional``) is solved at the first level that costs more than the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from perpdex_lib.opportunities.models import BookSide
from perpdex_lib.opportunities.numeric import div18

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Walk:
    slippage_usd: Decimal  # cost of trading the target quantity through this side, versus mid
    depth_qty: Decimal  # total size resting on this side, venue units
    cap_usd: Decimal  # largest notional (at mid) whose slippage stays <= limit * notional


def valid_side(side: BookSide | None) -> bool:
    return bool(side) and all(p > 0 and s >= 0 for p, s in side)  # type: ignore[union-attr]


def mid_price(bids: BookSide, asks: BookSide) -> Decimal:
    return div18(bids[0][0] + asks[0][0], Decimal(2))


def walk(side: BookSide, mid: Decimal, qty: Decimal, limit_fraction: Decimal) -> Walk:
    """Consume ``qty`` from ``side`` best level first.

    SQL mirror: the walk arrays stored with each book (``analytics.opp_side_walk``, migration 0054) searched
    with ``width_bucket`` in ``analytics.compute_opportunities`` (0055); same sums, so the same digits.
    """
    limit_per_unit = limit_fraction * mid  # USD of slippage allowed per unit at the limit
    cum_q = _ZERO  # size of the levels before this one
    cum_s = _ZERO  # their slippage, whole levels
    slip = _ZERO
    cap_qty: Decimal | None = None
    for price, size in side:
        d = abs(price - mid)
        take = max(_ZERO, min(size, qty - cum_q))
        slip += take * d
        if cap_qty is None and d > limit_per_unit:
            x = div18(limit_per_unit * cum_q - cum_s, d - limit_per_unit)
            cap_qty = cum_q + min(size, max(_ZERO, x))
        cum_s += size * d
        cum_q += size
    return Walk(slippage_usd=slip, depth_qty=cum_q, cap_usd=(cum_q if cap_qty is None else cap_qty) * mid)

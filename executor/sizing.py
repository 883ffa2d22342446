"""USD notional → venue quantities for both legs that represent exactly the same amount of the asset.

Each leg's quantity must be a multiple of its venue's lot; in canonical asset units a lot is
``lot_size × multiplier``. Both legs hedge each other only if they hold the same canonical quantity, so the
quantity is rounded down to a common multiple of both canonical lots (their least common multiple).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal

from perpdex_lib.domain import Instrument


class SizingError(ValueError):
    """The target cannot be expressed on both venues (below a minimum, no price, incompatible lots)."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        super().__init__(f"{code}: {detail}")


@dataclass(frozen=True, slots=True)
class LegSize:
    qty: Decimal  # venue base units
    price: Decimal  # venue price used for sizing (per venue unit)
    notional_usd: Decimal


@dataclass(frozen=True, slots=True)
class PairSize:
    canonical_qty: Decimal  # units of the canonical asset on each leg
    long: LegSize
    short: LegSize


def decimal_lcm(a: Decimal, b: Decimal) -> Decimal:
    """Least common multiple of two positive decimals (e.g. 0.001 and 0.0004 → 0.002)."""
    if a <= 0 or b <= 0:
        raise ValueError("lcm of non-positive values")
    exp = max(-a.as_tuple().exponent, -b.as_tuple().exponent, 0)  # type: ignore[operator]
    scale = Decimal(10) ** exp
    ia, ib = int(a * scale), int(b * scale)
    return Decimal(math.lcm(ia, ib)) / scale


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(ROUND_DOWN) * step


def size_pair(
    long: Instrument,
    short: Instrument,
    long_price: Decimal,
    short_price: Decimal,
    notional_usd: Decimal,
) -> PairSize:
    """Size both legs for ``notional_usd`` (per leg), rounding down so neither leg exceeds it."""
    if long.asset != short.asset:
        raise SizingError("asset_mismatch", f"{long.asset} vs {short.asset}")
    if long_price <= 0 or short_price <= 0:
        raise SizingError("no_price", "a leg has no positive price")
    canonical_price = max(long_price / long.multiplier, short_price / short.multiplier)
    step = decimal_lcm(long.lot_size * long.multiplier, short.lot_size * short.multiplier)
    canonical_qty = floor_to(notional_usd / canonical_price, step)
    if canonical_qty <= 0:
        raise SizingError("below_lot", f"{notional_usd} USD is less than one common lot ({step} {long.asset})")
    legs = []
    for inst, price in ((long, long_price), (short, short_price)):
        qty = canonical_qty / inst.multiplier
        notional = qty * price
        if inst.min_size is not None and qty < inst.min_size:
            raise SizingError("below_min_size", f"{inst.venue} {inst.venue_symbol}: {qty} < {inst.min_size}")
        if inst.min_notional_usd is not None and notional < inst.min_notional_usd:
            raise SizingError(
                "below_min_notional", f"{inst.venue} {inst.venue_symbol}: {notional} < {inst.min_notional_usd} USD"
            )
        legs.append(LegSize(qty=qty.normalize(), price=price, notional_usd=notional))
    return PairSize(canonical_qty=canonical_qty.normalize(), long=legs[0], short=legs[1])


def round_price(price: Decimal, tick: Decimal, *, side: str) -> Decimal:
    """Round a limit price to the tick, never in the direction that would cross more (buy down, sell up)."""
    rounded = (price / tick).to_integral_value(ROUND_FLOOR if side == "buy" else ROUND_CEILING)
    return (rounded * tick).normalize()

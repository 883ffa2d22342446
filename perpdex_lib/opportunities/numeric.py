"""Exact-decimal helpers that the SQL engine mirrors one for one (see ``analytics.opp_div18`` etc.).

Addition, subtraction and multiplication are exact in both Python ``Decimal`` (at the engine's 80-digit
context) and PostgreSQL ``numeric``. Every division and square root is rounded half away from zero to a
fixed number of decimal places, computed from at least 30 exact places, so both engines produce the
same digits rather than merely close ones.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

SCALE = 18  # decimal places of every derived quantity
_Q18 = Decimal(1).scaleb(-18)
_Q36 = Decimal(1).scaleb(-36)
PRECISION = 80
HOURS_PER_YEAR = Decimal(8760)
BPS = Decimal(10_000)
ONE_BP = Decimal("0.0001")  # multiply, never divide, so both engines stay exact
_MICRO = Decimal(1).scaleb(-6)


def engine_context() -> AbstractContextManager[Context]:
    """A local context wide enough that no sum or product in the engine is ever rounded."""
    return localcontext(prec=PRECISION)


def div18(a: Decimal, b: Decimal) -> Decimal:
    """a / b rounded half away from zero to 18 places (SQL: ``analytics.opp_div18``)."""
    return (a / b).quantize(_Q18, rounding=ROUND_HALF_UP)


def div36(a: Decimal, b: Decimal) -> Decimal:
    """a / b to 36 places: variances of hourly rates are ~1e-12 and need the extra digits."""
    return (a / b).quantize(_Q36, rounding=ROUND_HALF_UP)


def sqrt18(a: Decimal) -> Decimal:
    return a.sqrt().quantize(_Q18, rounding=ROUND_HALF_UP)


def seconds_between(later: datetime, earlier: datetime) -> Decimal:
    """Exact seconds (microsecond resolution), like ``extract(epoch from later - earlier)`` in PostgreSQL."""
    td: timedelta = later - earlier
    micros = (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds
    return Decimal(micros) * _MICRO


def floor_hour(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(minute=0, second=0, microsecond=0)

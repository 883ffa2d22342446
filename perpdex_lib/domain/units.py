"""Funding-rate unit normalisation: everything becomes a fraction per hour, exactly (Decimal)."""

from __future__ import annotations

from decimal import Decimal

from perpdex_lib.domain.enums import RateUnit

_HUNDRED = Decimal(100)
_EIGHT = Decimal(8)


class UnknownUnitError(ValueError):
    """A rate unit or interval we cannot interpret; never guessed."""


def to_rate_per_hour(raw_rate: Decimal, unit: RateUnit | str, interval_hours: Decimal | None) -> Decimal:
    """Convert a venue's raw funding rate to a fraction per hour.

    ``interval_hours`` is the venue's settlement interval; it is required for the per-interval units
    and must be positive. There is no default interval: an unknown one is an error.
    """
    try:
        unit = RateUnit(unit)
    except ValueError as exc:
        raise UnknownUnitError(f"unknown funding rate unit {unit!r}") from exc
    if not isinstance(raw_rate, Decimal):
        raise TypeError("raw_rate must be a Decimal")
    if not raw_rate.is_finite():
        raise UnknownUnitError(f"funding rate is not finite: {raw_rate}")
    match unit:
        case RateUnit.FRACTION_PER_HOUR:
            return raw_rate
        case RateUnit.PERCENT_PER_HOUR:
            return raw_rate / _HUNDRED
        case RateUnit.FRACTION_PER_8H:
            return raw_rate / _EIGHT
        case RateUnit.PERCENT_PER_8H:
            return raw_rate / _HUNDRED / _EIGHT
    if interval_hours is None or not interval_hours.is_finite() or interval_hours <= 0:
        raise UnknownUnitError(f"unit {unit} needs a positive funding interval, got {interval_hours!r}")
    if unit is RateUnit.FRACTION_PER_INTERVAL:
        return raw_rate / interval_hours
    return raw_rate / _HUNDRED / interval_hours

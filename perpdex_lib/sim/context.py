"""What a venue's simulator routes see: the model, the clock (with staleness), faults and venue state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from perpdex_lib.domain.enums import Venue
from perpdex_lib.sim.faults import FaultInjector
from perpdex_lib.sim.model import MarketModel


@dataclass
class SimContext:
    venue: Venue
    model: MarketModel
    faults: FaultInjector
    state: dict[str, Any] = field(default_factory=dict)  # private trading state (accounts, orders) later

    def now(self) -> datetime:
        """Wall-clock UTC, shifted into the past when the 'stale' fault is on."""
        stale = self.faults.config.stale_s
        t = datetime.now(UTC)
        return t - timedelta(seconds=stale) if stale else t


def fmt(value: Decimal) -> str:
    """A Decimal as a plain JSON decimal string, never in exponent form ("0.00001", not "1E-5")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".") or "0"
    return text


def num(value: Decimal) -> float | int:
    """A Decimal as a JSON number (for fields a venue sends as numbers)."""
    if value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    return float(value)


def ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)

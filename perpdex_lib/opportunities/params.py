"""Parameters of the opportunity engine: one frozen object shared by the SQL and Python engines.

Every threshold is explicit and has a documented default; the SQL function receives the same values as
JSON (:meth:`OpportunityParams.to_json`) and refuses a payload with a missing key, so the two engines can
never drift apart through hidden defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from perpdex_lib.domain.enums import Venue
from perpdex_lib.fees import ExecutionStyle

PERSISTENCE_WINDOWS_HOURS: tuple[int, int] = (24, 168)  # "last 24 h" and "last 7 d" of settled history


@dataclass(frozen=True, slots=True)
class OpportunityParams:
    """What to trade and what to refuse.

    Sizes are USD per leg; ages are seconds; bps are basis points (1 bp = 0.0001). ``min_*``/``max_*``
    thresholds are inclusive bounds on what is *accepted*.
    """

    notional_usd: Decimal = Decimal(10_000)  # per leg; the long and the short each carry this notional
    horizon_hours: Decimal = Decimal(72)  # holding horizon H over which the one-off cost is amortised
    execution_style: ExecutionStyle = ExecutionStyle.TAKER  # fees on entry and exit of both legs
    max_funding_age_s: Decimal = Decimal(900)  # predicted-rate observation older than this = stale
    max_snapshot_age_s: Decimal = Decimal(900)  # mark / OI / volume snapshot older than this = stale
    max_book_age_s: Decimal = Decimal(300)  # order book older than this = stale
    max_slippage_bps: Decimal = Decimal(20)  # per book walk (entry or exit of one leg) at notional_usd
    max_basis_bps: Decimal = Decimal(100)  # |mark price gap| between the venues per canonical unit
    min_spread_per_hour: Decimal = Decimal(0)  # accepted spreads are strictly above this
    min_net_apr: Decimal = Decimal(0)  # accepted net APR at H is >= this (fraction: 0.1 = 10 %)
    min_volume_24h_usd: Decimal = Decimal(0)  # each leg
    max_oi_share: Decimal = Decimal("0.1")  # notional / smaller leg's one-sided open interest
    min_history_hours: int = 0  # hours of common settled history required in the 7 d window
    credit_basis_gain: bool = False  # count a favourable basis as a gain (assumes convergence)
    lookback_hours: int = 168  # how far back "latest" inputs are searched (older = missing)
    fee_tiers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # venue -> tier

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.type == "Decimal" and not isinstance(v, Decimal):
                object.__setattr__(self, f.name, Decimal(str(v)))
        object.__setattr__(self, "execution_style", ExecutionStyle(self.execution_style))
        object.__setattr__(self, "fee_tiers", MappingProxyType({str(Venue(k)): str(v) for k, v in
                                                                 dict(self.fee_tiers).items()}))
        if self.notional_usd <= 0 or self.horizon_hours <= 0:
            raise ValueError("notional_usd and horizon_hours must be positive")
        if self.lookback_hours < max(1, self.min_history_hours) or self.lookback_hours <= 0:
            raise ValueError("lookback_hours must be positive and cover min_history_hours")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> OpportunityParams:
        """Build from a YAML/JSON mapping; unknown keys are an error (a typo must not silently do nothing)."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown opportunity parameters: {sorted(unknown)}")
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            v = data[f.name]
            if f.type == "Decimal":
                v = Decimal(str(v))
            elif f.type == "int":
                v = int(v)
            elif f.type == "bool":
                v = bool(v)
            kwargs[f.name] = v
        return cls(**kwargs)

    def to_json(self) -> dict[str, Any]:
        """JSON-safe mapping (Decimals as strings) accepted by ``analytics.compute_opportunities``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, Decimal):
                out[f.name] = str(v)
            elif isinstance(v, ExecutionStyle):
                out[f.name] = v.value
            elif isinstance(v, Mapping):
                out[f.name] = dict(v)
            else:
                out[f.name] = v
        return out

    def fee_tier(self, venue: str) -> str:
        return self.fee_tiers.get(venue, "default")

"""Executor configuration (YAML, validated). Secrets never live here: they come from perpdex_lib.config."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from executor.exits import ExitRules
from executor.risk import RiskLimits
from perpdex_lib.domain.enums import Venue


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoopConfig(_Model):
    poll_interval_s: float = 30.0  # idle wake-up when no NOTIFY arrives
    active_interval_s: float = 0.5  # cadence while any pair is being entered, hedged or exited
    reconcile_interval_s: float = 30.0
    heartbeat_interval_s: float = 5.0
    monitor_interval_s: float = 15.0


class StrategyConfig(_Model):
    notional_usd: Decimal = Decimal(1000)  # per leg
    leverage: Decimal = Decimal(2)
    max_new_pairs_per_cycle: int = 1
    min_net_apr: Decimal = Decimal("0.10")  # fraction: 0.10 = 10 % APR at the horizon
    horizon_hours: Decimal = Decimal(24)
    max_candidate_age_s: int = 900
    assets: list[str] | None = None  # whitelist; None = all
    exclude_assets: list[str] = Field(default_factory=list)


class EntryConfig(_Model):
    style: Literal["maker", "taker"] = "taker"
    post_only_timeout_s: float = 10.0
    fallback: Literal["ioc", "none"] = "ioc"
    ioc_slippage_bps: Decimal = Decimal(30)  # price cap for IOC orders relative to the touch
    hedge_attempts: int = 3
    unwind_attempts: int = 5
    exit_attempts: int = 5
    lookup_attempts: int = 8  # unknown-outcome lookups before the pair is declared broken
    leg_tolerance: Decimal = Decimal("0.000001")  # canonical units considered equal


class ExitConfig(_Model):
    flip_margin: Decimal = Decimal(0)
    severe_erosion_ratio: Decimal = Decimal("0.2")
    min_erosion_ratio: Decimal = Decimal("0.5")
    max_age_hours: float = 168
    min_hold_hours: float = 0
    max_leg_imbalance: Decimal = Decimal("0.05")
    min_liquidation_distance: Decimal = Decimal("0.10")
    max_exit_spread: Decimal = Decimal("0.02")
    emergency_spread: Decimal = Decimal("0.03")

    def rules(self) -> ExitRules:
        return ExitRules(
            flip_margin=self.flip_margin, severe_erosion_ratio=self.severe_erosion_ratio,
            min_erosion_ratio=self.min_erosion_ratio, max_age=timedelta(hours=self.max_age_hours),
            min_hold=timedelta(hours=self.min_hold_hours), max_leg_imbalance=self.max_leg_imbalance,
            min_liquidation_distance=self.min_liquidation_distance, max_exit_spread=self.max_exit_spread,
            emergency_spread=self.emergency_spread,
        )


class RiskConfig(_Model):
    max_order_notional_usd: Decimal = Decimal(5000)
    max_pair_notional_usd: Decimal = Decimal(5000)
    max_venue_notional_usd: Decimal = Decimal(20000)
    max_global_notional_usd: Decimal = Decimal(50000)
    max_open_pairs: int = 5
    max_leverage: Decimal = Decimal(3)
    max_input_age_s: int = 120
    reconcile_tolerance: Decimal = Decimal("0.000001")  # venue units

    def limits(self) -> RiskLimits:
        return RiskLimits(
            max_order_notional_usd=self.max_order_notional_usd, max_pair_notional_usd=self.max_pair_notional_usd,
            max_venue_notional_usd=self.max_venue_notional_usd, max_global_notional_usd=self.max_global_notional_usd,
            max_open_pairs=self.max_open_pairs, max_leverage=self.max_leverage, max_input_age_s=self.max_input_age_s,
        )


class PaperFeeConfig(_Model):
    maker: Decimal
    taker: Decimal


class PaperConfig(_Model):
    leverage: Decimal = Decimal(3)
    seed: int | None = None
    fees: dict[Venue, PaperFeeConfig] = Field(default_factory=dict)  # overrides of perpdex_lib.fees defaults


class ExecutorConfig(_Model):
    executor_id: str = "paper-1"
    mode: Literal["paper", "live"] = "paper"
    venues: list[Venue] = Field(default_factory=lambda: list(Venue))
    loop: LoopConfig = LoopConfig()
    strategy: StrategyConfig = StrategyConfig()
    entry: EntryConfig = EntryConfig()
    exits: ExitConfig = ExitConfig()
    risk: RiskConfig = RiskConfig()
    paper: PaperConfig = PaperConfig()

    @classmethod
    def load(cls, path: Path | str) -> ExecutorConfig:
        data = yaml.safe_load(Path(path).read_text()) or {}
        return cls.model_validate(data)

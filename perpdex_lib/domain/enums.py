"""Closed vocabularies: a value outside these enums is a parse error, never a default."""

from __future__ import annotations

from enum import StrEnum


class Venue(StrEnum):
    LIGHTER = "lighter"
    GRVT = "grvt"
    EDGEX = "edgex"
    BACKPACK = "backpack"
    ASTER = "aster"
    PARADEX = "paradex"
    HYPERLIQUID = "hyperliquid"


class FundingKind(StrEnum):
    SETTLED = "settled"  # a payment that happened (history)
    PREDICTED = "predicted"  # the venue's live estimate for the next settlement


class RateUnit(StrEnum):
    """How the venue quoted a funding rate. The interval is carried separately."""

    FRACTION_PER_INTERVAL = "fraction_per_interval"  # 0.0001 = 0.01 % per funding interval
    PERCENT_PER_INTERVAL = "percent_per_interval"  # 0.01 = 0.01 % per funding interval
    FRACTION_PER_HOUR = "fraction_per_hour"
    PERCENT_PER_HOUR = "percent_per_hour"
    FRACTION_PER_8H = "fraction_per_8h"
    PERCENT_PER_8H = "percent_per_8h"


class InstrumentStatus(StrEnum):
    ACTIVE = "active"
    REDUCE_ONLY = "reduce_only"
    HALTED = "halted"
    DELISTED = "delisted"

"""Trading-fee schedules per venue and tier, as fractions of notional (0.0004 = 4 bps).

Fees decide whether an opportunity clears its one-off round-trip cost, so every default says where it
comes from and how sure we are. A negative maker fee is a rebate. Defaults can be overridden by a YAML
file (``configs/fees.yml`` by default) shaped like::

    lighter:
      premium: {maker: "0.00004", taker: "0.00028", source: "...", confidence: high}

The SQL engine reads the same numbers from ``analytics.fee_schedules`` (seeded by migration 0050 with the
defaults below and kept in sync with :func:`sync_fee_table`), so both engines charge identical fees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from perpdex_lib.domain.enums import Venue

DEFAULT_TIER = "default"
DEFAULT_FEES_FILE = Path(__file__).resolve().parent.parent / "configs" / "fees.yml"


class ExecutionStyle(StrEnum):
    MAKER = "maker"  # post-only limit orders on entry and exit
    TAKER = "taker"  # crossing orders on entry and exit


class Confidence(StrEnum):
    HIGH = "high"  # read from the venue's own docs or fee endpoint
    MEDIUM = "medium"  # consistent across two secondary sources
    LOW = "low"  # one secondary source (the old system's hard-coded table); verify with a live account


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    venue: Venue
    tier: str
    maker: Decimal  # fraction of notional; negative = rebate
    taker: Decimal
    source: str
    confidence: Confidence

    def rate(self, style: ExecutionStyle | str) -> Decimal:
        return self.maker if ExecutionStyle(style) is ExecutionStyle.MAKER else self.taker


def _fee(venue: Venue, tier: str, maker: str, taker: str, source: str, confidence: Confidence) -> FeeSchedule:
    return FeeSchedule(venue, tier, Decimal(maker), Decimal(taker), source, confidence)


# "prior_art §1a" = the fee table hard-coded in perp-dex-tools (FundingArbFeeCalculator.DEFAULT_FEES),
# "venues.md" = our wire-format research, "sample" = exchange_samples/<venue>/<file>.json.
DEFAULT_FEES: tuple[FeeSchedule, ...] = (
    _fee(Venue.LIGHTER, DEFAULT_TIER, "0", "0",
         "venues.md §1 fees (Lighter docs: Standard account 0 %/0 %); prior_art §1a 0/0; sample fee_tiers.json "
         "tier 'standard' 0/0 ticks", Confidence.HIGH),
    _fee(Venue.LIGHTER, "premium", "0.00004", "0.00028",
         "venues.md §1 fees (Lighter docs: Premium 0.004 %/0.028 % at 0 staked LIT); sample fee_tiers.json "
         "premium 40/280 ticks", Confidence.HIGH),
    _fee(Venue.GRVT, DEFAULT_TIER, "-0.0001", "0.00055",
         "prior_art §1a (maker rebate 1 bp, taker 5.5 bps); GRVT has no fee endpoint (venues.md §2)",
         Confidence.LOW),
    _fee(Venue.EDGEX, DEFAULT_TIER, "0.00015", "0.00038",
         "prior_art §1a; matches getMetaData defaultMakerFeeRate/defaultTakerFeeRate in venues.md §3 and sample "
         "meta_data.json", Confidence.MEDIUM),
    _fee(Venue.BACKPACK, DEFAULT_TIER, "0.0002", "0.0005",
         "prior_art §1a; matches account futuresMakerFee/futuresTakerFee 2/5 bps in sample account.json",
         Confidence.MEDIUM),
    _fee(Venue.ASTER, DEFAULT_TIER, "0.00005", "0.0004",
         "prior_art §1a (sample commission_rate.json shows 0.0001/0.00035 for one account: per-account rates "
         "differ; set yours in configs/fees.yml)", Confidence.LOW),
    _fee(Venue.PARADEX, DEFAULT_TIER, "0.00003", "0.0002",
         "prior_art §1a; matches markets fee_config.api_fee maker/taker in sample markets.json", Confidence.MEDIUM),
    _fee(Venue.HYPERLIQUID, DEFAULT_TIER, "0.00015", "0.00045",
         "venues.md §7 (userFees base tier 0.045 % taker / 0.015 % maker); prior_art §1a same; sample "
         "user_fees.json userAddRate/userCrossRate", Confidence.HIGH),
)


class FeeTable:
    """Lookup by (venue, tier); a missing entry is ``None`` (the engines then reject the leg, never guess)."""

    def __init__(self, schedules: Iterable[FeeSchedule]) -> None:
        self._by_key: dict[tuple[Venue, str], FeeSchedule] = {(s.venue, s.tier): s for s in schedules}

    def get(self, venue: Venue | str, tier: str = DEFAULT_TIER) -> FeeSchedule | None:
        return self._by_key.get((Venue(venue), tier))

    def for_tiers(self, venue: Venue | str, tiers: Mapping[str, str]) -> FeeSchedule | None:
        """The schedule of ``venue`` at the tier the parameters choose for it (``default`` when unnamed)."""
        return self.get(venue, tiers.get(str(Venue(venue)), DEFAULT_TIER))

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._by_key.values(), key=lambda s: (s.venue, s.tier)))


def parse_fee_overrides(doc: Mapping[str, Any]) -> list[FeeSchedule]:
    """Schedules from a ``{venue: {tier: {maker, taker, source?, confidence?}}}`` mapping."""
    out: list[FeeSchedule] = []
    for venue_name, tiers in doc.items():
        venue = Venue(venue_name)
        if not isinstance(tiers, Mapping):
            raise ValueError(f"fees for {venue_name} must be a mapping of tiers")
        for tier, spec in tiers.items():
            if not isinstance(spec, Mapping) or "maker" not in spec or "taker" not in spec:
                raise ValueError(f"fees {venue_name}/{tier} need 'maker' and 'taker'")
            out.append(FeeSchedule(
                venue, str(tier), Decimal(str(spec["maker"])), Decimal(str(spec["taker"])),
                str(spec.get("source", "configs/fees.yml")), Confidence(spec.get("confidence", Confidence.HIGH)),
            ))
    return out


def load_fee_table(path: Path | None = None) -> FeeTable:
    """Defaults, overridden entry by entry by the YAML file when it exists."""
    merged = {(s.venue, s.tier): s for s in DEFAULT_FEES}
    path = path or DEFAULT_FEES_FILE
    if path.exists():
        doc = yaml.safe_load(path.read_text()) or {}
        for s in parse_fee_overrides(doc):
            merged[(s.venue, s.tier)] = s
    return FeeTable(merged.values())


def sync_fee_table(conn: Any, table: FeeTable) -> int:
    """Upsert schedules into ``analytics.fee_schedules`` so the SQL engine charges the same fees."""
    rows = [(s.venue.value, s.tier, s.maker, s.taker, s.source, s.confidence.value) for s in table]
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO analytics.fee_schedules (venue, tier, maker_fee, taker_fee, source, confidence)
               VALUES (%s, %s, %s, %s, %s, %s)
               ON CONFLICT (venue, tier) DO UPDATE SET maker_fee = EXCLUDED.maker_fee,
                 taker_fee = EXCLUDED.taker_fee, source = EXCLUDED.source, confidence = EXCLUDED.confidence,
                 updated_at = now()""",
            rows,
        )
    return len(rows)

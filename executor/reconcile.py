"""Reconciliation: the venues' positions against what the journal says they should be (rules 3 and 6).

A venue whose query fails is *unknown*, never flat: the result is "not reconciled", which blocks entries. A
difference beyond tolerance is a mismatch: trading tightens to REDUCE_ONLY and an alert goes out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from executor.journal import Journal
from perpdex_lib.domain import Venue
from perpdex_lib.venues.errors import VenueError
from perpdex_lib.venues.trading_base import TradingClient

log = logging.getLogger(__name__)


@dataclass
class ReconcileResult:
    status: str  # ok | mismatch | error | deferred
    mismatches: dict[str, dict[str, str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


async def reconcile(journal: Journal, trading: dict[Venue, TradingClient], tolerance: Decimal) -> ReconcileResult:
    if await journal.unresolved_orders():
        return ReconcileResult("deferred")  # positions may legitimately differ until outcomes are known
    expected = await journal.expected_venue_positions()
    result = ReconcileResult("ok")
    for venue, client in trading.items():
        try:
            actual = {sym: pos.qty for sym, pos in (await client.positions()).items()}
        except VenueError as exc:
            result.errors[venue.value] = str(exc)
            continue
        symbols = {s for (v, s) in expected if v == venue.value} | set(actual)
        for sym in sorted(symbols):
            want = expected.get((venue.value, sym), Decimal(0))
            have = actual.get(sym, Decimal(0))
            if abs(want - have) > tolerance:
                result.mismatches[f"{venue.value}:{sym}"] = {"journal": str(want), "venue": str(have)}
    if result.mismatches:
        result.status = "mismatch"
    elif result.errors:
        result.status = "error"
    await journal.record_reconciliation(result.status, {"mismatches": result.mismatches, "errors": result.errors})
    return result

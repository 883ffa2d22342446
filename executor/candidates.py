"""Where entry candidates come from, and the pre-trade re-check on live venue data.

The pipeline's opportunity run (in the warehouse) is only a *candidate list*; right before trading the executor
re-reads both legs' funding, mark and order book from the venues and re-evaluates the pair with the same Python
engine (``perpdex_lib.opportunities.engine.evaluate_pair``). The ``live`` source skips the warehouse entirely and
ranks pairs from live venue data, for running the executor without the pipeline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from executor.driver import Venues
from perpdex_lib.domain import FundingRate, Instrument, InstrumentStatus, MarketSnapshot, Venue
from perpdex_lib.fees import FeeTable
from perpdex_lib.opportunities.engine import compute, evaluate_pair
from perpdex_lib.opportunities.inputs import leg_from_market
from perpdex_lib.opportunities.models import LegQuote, MarketInputs, Opportunity, Rejection
from perpdex_lib.opportunities.params import OpportunityParams
from perpdex_lib.venues.errors import VenueError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Candidate:
    asset: str
    long_venue: Venue
    long_symbol: str
    short_venue: Venue
    short_symbol: str
    net_apr: Decimal
    ref: str  # where it came from (run id / "live")


class LiveMarket:
    """Per-cycle cache of each venue's current funding and snapshots (one request per venue per cycle)."""

    def __init__(self, venues: Venues, fees: FeeTable, params: OpportunityParams, ttl_s: float = 5.0) -> None:
        self.venues = venues
        self.fees = fees
        self.params = params
        self.ttl_s = ttl_s
        self._funding: dict[Venue, tuple[float, dict[str, FundingRate]]] = {}
        self._snapshots: dict[Venue, tuple[float, dict[str, MarketSnapshot]]] = {}

    async def funding(self, venue: Venue) -> dict[str, FundingRate]:
        hit = self._funding.get(venue)
        if hit is None or time.monotonic() - hit[0] > self.ttl_s:
            batch = await self.venues.market[venue].funding_current()
            hit = (time.monotonic(), {f.venue_symbol: f for f in batch.items})
            self._funding[venue] = hit
        return hit[1]

    async def snapshots(self, venue: Venue) -> dict[str, MarketSnapshot]:
        hit = self._snapshots.get(venue)
        if hit is None or time.monotonic() - hit[0] > self.ttl_s:
            batch = await self.venues.market[venue].snapshots()
            hit = (time.monotonic(), {s.venue_symbol: s for s in batch.items})
            self._snapshots[venue] = hit
        return hit[1]

    async def quote(self, inst: Instrument) -> LegQuote:
        """A leg with every input freshly read from the venue (a missing one fails the engine's checks)."""
        funding = (await self.funding(inst.venue)).get(inst.venue_symbol)
        snapshot = (await self.snapshots(inst.venue)).get(inst.venue_symbol)
        book = await self.venues.market[inst.venue].order_book(inst, depth=20)
        fees = self.fees.for_tiers(inst.venue, self.params.fee_tiers)
        return leg_from_market(inst, funding, snapshot, book, fees)

    async def recheck(self, c: Candidate, now: datetime) -> Opportunity | Rejection:
        long_inst = await self.venues.instrument(c.long_venue, c.long_symbol)
        short_inst = await self.venues.instrument(c.short_venue, c.short_symbol)
        long_q, short_q = await asyncio.gather(self.quote(long_inst), self.quote(short_inst))
        return evaluate_pair(long_q, short_q, self.params, now)


async def live_candidates(
    market: LiveMarket, venues: list[Venue], assets: set[str] | None, exclude: set[str], now: datetime
) -> list[Candidate]:
    """Rank every cross-venue pair of the allowed assets from live venue data."""
    legs: list[LegQuote] = []
    for venue in venues:
        try:
            batch = await market.venues.market[venue].instruments()
        except VenueError as exc:
            log.warning("no candidates from %s: %s", venue, exc)
            continue
        for inst in batch.items:
            market.venues.instruments[(venue, inst.venue_symbol)] = inst
            if inst.status is not InstrumentStatus.ACTIVE or inst.asset in exclude:
                continue
            if assets is not None and inst.asset not in assets:
                continue
            try:
                legs.append(await market.quote(inst))
            except VenueError as exc:
                log.warning("no quote for %s %s: %s", venue, inst.venue_symbol, exc)
    result = compute(MarketInputs(legs=tuple(legs)), market.params, now)
    return [
        Candidate(o.asset, Venue(o.long_venue), o.long_symbol, Venue(o.short_venue), o.short_symbol, o.net_apr,
                  "live")
        for o in result.opportunities
    ]


def warehouse_candidates(conn: Any, max_age_s: int, venues: list[Venue]) -> list[Candidate]:
    """The latest opportunity run computed by the pipeline, if it is fresh enough (sync psycopg connection)."""
    rows = conn.execute(
        "SELECT o.asset, o.long_venue, o.long_symbol, o.short_venue, o.short_symbol, o.net_apr, r.run_id::text "
        "FROM analytics.opportunities o JOIN analytics.opportunity_runs r USING (run_id) "
        "WHERE r.run_id = (SELECT run_id FROM analytics.opportunity_runs ORDER BY computed_at DESC LIMIT 1) "
        "AND r.computed_at > now() - make_interval(secs => %s) ORDER BY o.rank",
        (max_age_s,),
    ).fetchall()
    allowed = {v.value for v in venues}
    return [
        Candidate(r[0], Venue(r[1]), r[2], Venue(r[3]), r[4], r[5], f"run:{r[6]}")
        for r in rows if r[1] in allowed and r[3] in allowed
    ]

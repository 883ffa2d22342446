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
from perpdex_lib.opportunities.engine import evaluate_pair, ranking_key
from perpdex_lib.opportunities.inputs import leg_from_market
from perpdex_lib.opportunities.models import LegQuote, Opportunity, Rejection
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
    market: LiveMarket, venues: list[Venue], assets: set[str] | None, exclude: set[str], now: datetime,
    *, top_k: int = 8,
) -> list[Candidate]:
    """Rank cross-venue pairs of the allowed assets from live venue data, cheaply.

    Stage 1 uses only what one request per venue gives (instruments, current funding): every ordered pair whose
    funding spread is positive, best first. Stage 2 reads order books for the legs of the ``top_k`` pairs only
    and evaluates them with the engine (fees, slippage, basis, staleness). Fetching every book on every venue each
    pass would be bound by the strictest venue's rate limit (Lighter: 60 requests/min).
    """
    by_asset: dict[str, list[tuple[Instrument, FundingRate]]] = {}
    for venue in venues:
        try:
            batch = await market.venues.market[venue].instruments()
            funding = await market.funding(venue)
        except VenueError as exc:
            log.warning("no candidates from %s: %s", venue, exc)
            continue
        for inst in batch.items:
            market.venues.instruments[(venue, inst.venue_symbol)] = inst
            if inst.status is not InstrumentStatus.ACTIVE or inst.asset in exclude:
                continue
            if assets is not None and inst.asset not in assets:
                continue
            rate = funding.get(inst.venue_symbol)
            if rate is not None:
                by_asset.setdefault(inst.asset, []).append((inst, rate))
    rough = sorted(
        (
            (s_rate.rate_per_hour - l_rate.rate_per_hour, li, si)
            for legs in by_asset.values()
            for li, l_rate in legs
            for si, s_rate in legs
            if li.venue != si.venue and s_rate.rate_per_hour > l_rate.rate_per_hour
        ),
        key=lambda t: (-t[0], t[1].asset, t[1].venue, t[2].venue),
    )[:top_k]
    quotes: dict[tuple[Venue, str], LegQuote] = {}
    found: list[Opportunity] = []
    for _, li, si in rough:
        try:
            for inst in (li, si):
                if (inst.venue, inst.venue_symbol) not in quotes:
                    quotes[(inst.venue, inst.venue_symbol)] = await market.quote(inst)
        except VenueError as exc:
            log.warning("no quote for %s/%s: %s", li.venue_symbol, si.venue_symbol, exc)
            continue
        result = evaluate_pair(quotes[(li.venue, li.venue_symbol)], quotes[(si.venue, si.venue_symbol)],
                               market.params, now)
        if isinstance(result, Opportunity):
            found.append(result)
    found.sort(key=ranking_key)
    return [
        Candidate(o.asset, Venue(o.long_venue), o.long_symbol, Venue(o.short_venue), o.short_symbol, o.net_apr,
                  "live")
        for o in found
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

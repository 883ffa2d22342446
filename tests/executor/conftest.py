"""Executor fixtures: a journal + paper venues on two simulated venues, in this worker's database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest_asyncio

from executor import driver as driver_mod
from executor.config import ExecutorConfig
from executor.driver import PairDriver, Venues
from executor.journal import Journal, PairRow
from executor.paper import PaperFees, PaperVenue
from executor.sizing import size_pair
from perpdex_lib.domain import Venue
from perpdex_lib.venues.base import open_market_data

LONG, SHORT = Venue.LIGHTER, Venue.HYPERLIQUID


@dataclass
class Rig:
    conn: psycopg.AsyncConnection
    journal: Journal
    venues: Venues
    driver: PairDriver
    paper: dict[Venue, PaperVenue]

    async def set_faults(self, venue: Venue, **faults: object) -> None:
        await self.conn.execute(
            "INSERT INTO execution.paper_faults (venue, config) VALUES (%s, %s) "
            "ON CONFLICT (venue) DO UPDATE SET config = EXCLUDED.config",
            (venue.value, json.dumps(faults)),
        )
        await self.conn.commit()
        self.paper[venue]._faults_read = 0.0  # read at the next call

    async def plan(self, asset: str = "BTC", notional: Decimal = Decimal(2000)) -> PairRow:
        li = await self.venues.instrument(LONG, self.symbol(LONG, asset))
        si = await self.venues.instrument(SHORT, self.symbol(SHORT, asset))
        lb, sb = await self.venues.book(LONG, li.venue_symbol), await self.venues.book(SHORT, si.venue_symbol)
        size = size_pair(li, si, lb.best_ask, sb.best_bid, notional)
        return await self.journal.create_pair(
            asset=asset, long=(LONG.value, li.venue_symbol, li.multiplier),
            short=(SHORT.value, si.venue_symbol, si.multiplier), canonical_qty=size.canonical_qty,
            notional_usd=notional, spread_per_hour=Decimal("0.0001"), apr=None, opportunity_ref=None,
        )

    def symbol(self, venue: Venue, asset: str) -> str:
        for (v, sym), inst in self.venues.instruments.items():
            if v is venue and inst.asset == asset:
                return sym
        raise KeyError((venue, asset))

    async def run(self, pair: PairRow, *, until: set[str], max_steps: int = 30) -> PairRow:
        for _ in range(max_steps):
            pair = await self.driver.step(pair)
            if pair.state.value in until:
                return pair
        return pair

    async def venue_qty(self, venue: Venue, symbol: str) -> Decimal:
        positions = await self.paper[venue].positions()
        return positions[symbol].qty if symbol in positions else Decimal(0)


@pytest_asyncio.fixture
async def rig(clean_db: str, sim_settings) -> AsyncIterator[Rig]:
    conn = await psycopg.AsyncConnection.connect(clean_db)
    cfg = ExecutorConfig(executor_id="test-exec")
    journal = Journal(conn, cfg.executor_id, "paper")
    market = {v: open_market_data(v, sim_settings) for v in (LONG, SHORT)}
    paper_conns = [await psycopg.AsyncConnection.connect(clean_db) for _ in (LONG, SHORT)]
    paper = {
        v: PaperVenue(v, market[v], c, PaperFees(Decimal("0.0002"), Decimal("0.0005")), seed=1)
        for v, c in zip((LONG, SHORT), paper_conns, strict=True)
    }
    venues = Venues(trading=dict(paper), market=market, instruments={})
    for v in (LONG, SHORT):
        for inst in (await market[v].instruments()).items:
            venues.instruments[(v, inst.venue_symbol)] = inst
    old_grace = driver_mod.NOT_FOUND_GRACE
    driver_mod.NOT_FOUND_GRACE = timedelta(0)
    try:
        yield Rig(conn, journal, venues, PairDriver(journal, venues, cfg), paper)
    finally:
        driver_mod.NOT_FOUND_GRACE = old_grace
        for md in market.values():
            await md.http.close()
        for c in (conn, *paper_conns):
            await c.close()

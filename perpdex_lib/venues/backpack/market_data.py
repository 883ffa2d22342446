"""Backpack public market data over REST."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook, Venue
from perpdex_lib.venues.backpack import constants as c
from perpdex_lib.venues.backpack import parse
from perpdex_lib.venues.base import MarketDataClient
from perpdex_lib.venues.batch import Batch


class MarketData(MarketDataClient):
    venue = Venue.BACKPACK

    async def instruments(self) -> Batch[Instrument]:
        return parse.parse_markets(await self.http.get(c.MARKETS_PATH, {"marketType": c.PERP_MARKET_TYPE}))

    async def _instrument_map(self) -> dict[str, Instrument]:
        return {i.venue_symbol: i for i in (await self.instruments()).items}

    async def funding_current(self) -> Batch[FundingRate]:
        instruments, body = await asyncio.gather(self._instrument_map(), self.http.get(c.MARK_PRICES_PATH))
        return parse.parse_mark_prices(body, instruments, datetime.now(UTC))

    async def funding_history(self, instrument: Instrument, start: datetime, end: datetime) -> Batch[FundingRate]:
        """Pages newest-first by offset until a page reaches back past ``start`` (the API has no time filter)."""
        out: Batch[FundingRate] = Batch()
        offset = 0
        while True:
            params = {"symbol": instrument.venue_symbol, "limit": c.HISTORY_PAGE_LIMIT, "offset": offset}
            body = await self.http.get(c.FUNDING_RATES_PATH, params)
            page = parse.parse_funding_history(body, instrument, datetime.now(UTC))
            out.rejects.extend(page.rejects)
            out.items.extend(r for r in page.items if start <= r.funding_time < end)
            n_rows = len(body)  # parse_funding_history has checked that the body is a list
            oldest = min((r.funding_time for r in page.items), default=None)
            if n_rows < c.HISTORY_PAGE_LIMIT or (oldest is not None and oldest < start):
                break
            offset += n_rows
        out.items.sort(key=lambda r: r.funding_time)
        return out

    async def snapshots(self) -> Batch[MarketSnapshot]:
        instruments, marks, oi, tickers = await asyncio.gather(
            self._instrument_map(),
            self.http.get(c.MARK_PRICES_PATH),
            self.http.get(c.OPEN_INTEREST_PATH),
            self.http.get(c.TICKERS_PATH),
        )
        return parse.parse_snapshots(marks, oi, tickers, instruments, datetime.now(UTC))

    async def order_book(self, instrument: Instrument, depth: int = 20) -> OrderBook:
        limit = next((n for n in c.DEPTH_LIMITS if n >= depth), c.DEPTH_LIMITS[-1])
        body = await self.http.get(c.DEPTH_PATH, {"symbol": instrument.venue_symbol, "limit": limit})
        return parse.parse_depth(body, instrument.venue_symbol, depth)

"""Paradex public market data: /markets, /markets/summary (all markets in one call), /funding/data, /orderbook."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, ClassVar

from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook, Venue
from perpdex_lib.venues.base import MarketDataClient
from perpdex_lib.venues.batch import Batch
from perpdex_lib.venues.common import require_aware
from perpdex_lib.venues.paradex import constants as c
from perpdex_lib.venues.paradex import parse
from perpdex_lib.venues.paradex.schemas import FundingDataRow


class MarketData(MarketDataClient):
    venue: ClassVar[Venue] = Venue.PARADEX

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self.http.get(path, params, scope=c.SCOPE)

    async def instruments(self) -> Batch[Instrument]:
        return parse.instruments_from_body(await self._get(c.MARKETS_PATH))

    async def funding_current(self) -> Batch[FundingRate]:
        """Needs /markets too: the summary's ``funding_rate`` is per the market's ``funding_period_hours``."""
        instruments = (await self.instruments()).items
        body = await self._get(c.MARKETS_SUMMARY_PATH, {"market": c.ALL_MARKETS})
        return parse.funding_from_summary(body, instruments, datetime.now(UTC))

    async def snapshots(self) -> Batch[MarketSnapshot]:
        instruments = (await self.instruments()).items
        body = await self._get(c.MARKETS_SUMMARY_PATH, {"market": c.ALL_MARKETS})
        return parse.snapshots_from_summary(body, instruments)

    async def _window(self, instrument: Instrument, boundary: datetime) -> Batch[FundingDataRow]:
        """Observations in ``[boundary - window, boundary]``, following the cursor if the window spans pages."""
        end_ms = parse.utc_to_ms(boundary)
        params: dict[str, Any] = {
            "market": instrument.venue_symbol,
            "start_at": end_ms - c.FUNDING_WINDOW_MS,
            "end_at": end_ms,
            "page_size": c.FUNDING_PAGE_SIZE,
        }
        out: Batch[FundingDataRow] = Batch()
        seen_cursors: set[str] = set()
        for _ in range(c.FUNDING_WINDOW_MAX_PAGES):
            page, cursor = parse.funding_page_from_body(await self._get(c.FUNDING_DATA_PATH, params), instrument)
            out.extend(page)
            if not cursor or cursor in seen_cursors:  # a repeated cursor would loop forever
                break
            seen_cursors.add(cursor)
            params = {**params, "cursor": cursor}
        return out

    async def funding_history(self, instrument: Instrument, start: datetime, end: datetime) -> Batch[FundingRate]:
        """One settled row per period boundary in ``[start, end)``: the last observation at or before it."""
        require_aware(start, end)
        if start >= end:
            return Batch()
        now = datetime.now(UTC)
        boundaries = parse.period_boundaries(start, min(end, now), int(instrument.funding_interval_hours))
        gate = asyncio.Semaphore(c.HISTORY_CONCURRENCY)

        async def one(boundary: datetime) -> Batch[FundingDataRow]:
            async with gate:
                return await self._window(instrument, boundary)

        results = await asyncio.gather(*(one(b) for b in boundaries), return_exceptions=True)
        rows: list[FundingDataRow] = []
        out: Batch[FundingRate] = Batch()
        for res in results:
            if isinstance(res, BaseException):
                raise res  # only after every window finished: no request is left running
            rows.extend(res.items)
            out.rejects.extend(res.rejects)
        settled = parse.settled_from_observations(rows, instrument, now)
        out.items.extend(r for r in settled if start <= r.funding_time < end)
        return out

    async def order_book(self, instrument: Instrument, depth: int = 20) -> OrderBook:
        path = c.ORDERBOOK_PATH.format(market=instrument.venue_symbol)
        body = await self._get(path, {"depth": depth})
        return parse.book_from_body(body, instrument, depth)

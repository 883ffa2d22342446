"""Paradex public market data: /markets, /markets/summary (all markets in one call), /funding/data, /orderbook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook, Venue
from perpdex_lib.venues.base import MarketDataClient
from perpdex_lib.venues.batch import Batch
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

    async def funding_history(self, instrument: Instrument, start: datetime, end: datetime) -> Batch[FundingRate]:
        """Scan observations in ``[start - period, end)`` by cursor; keep one per period boundary in range."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware (UTC)")
        if start >= end:
            return Batch()
        period = timedelta(hours=float(instrument.funding_interval_hours))
        params: dict[str, Any] = {
            "market": instrument.venue_symbol,
            "start_at": parse.utc_to_ms(start - period),
            "end_at": parse.utc_to_ms(end),
            "page_size": c.FUNDING_PAGE_SIZE,
        }
        rows: list[FundingDataRow] = []
        out: Batch[FundingRate] = Batch()
        seen_cursors: set[str] = set()
        while True:
            page, cursor = parse.funding_page_from_body(await self._get(c.FUNDING_DATA_PATH, params), instrument)
            rows.extend(page.items)
            out.rejects.extend(page.rejects)
            if not cursor or cursor in seen_cursors:  # a repeated cursor would loop forever
                break
            seen_cursors.add(cursor)
            params = {**params, "cursor": cursor}
        settled = parse.settled_from_observations(rows, instrument, datetime.now(UTC))
        out.items.extend(r for r in settled if start <= r.funding_time < end)
        return out

    async def order_book(self, instrument: Instrument, depth: int = 20) -> OrderBook:
        path = c.ORDERBOOK_PATH.format(market=instrument.venue_symbol)
        body = await self._get(path, {"depth": depth})
        return parse.book_from_body(body, instrument, depth)

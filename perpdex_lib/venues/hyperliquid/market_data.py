"""Hyperliquid public market data over POST /info, weighted against the venue's 1200/min budget."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, ClassVar

from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook, Venue
from perpdex_lib.venues.base import MarketDataClient
from perpdex_lib.venues.batch import Batch
from perpdex_lib.venues.common import add_page_in_window, ms_from_utc
from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.http import VenueHttp
from perpdex_lib.venues.hyperliquid import constants as c
from perpdex_lib.venues.hyperliquid import parse


class MarketData(MarketDataClient):
    venue: ClassVar[Venue] = Venue.HYPERLIQUID

    def __init__(self, http: VenueHttp) -> None:
        super().__init__(http)
        self._ctxs_in_flight: asyncio.Task[Any] | None = None

    async def meta_and_asset_ctxs(self) -> Any:
        """``metaAndAssetCtxs``, shared by concurrent callers (a sweep asks for instruments and snapshots at
        once: one request of weight 20 serves both). A finished request is never reused."""
        task = self._ctxs_in_flight
        if task is None or task.done():
            task = asyncio.ensure_future(self.info({"type": c.META_AND_ASSET_CTXS}))
            self._ctxs_in_flight = task
        return await asyncio.shield(task)

    async def info(self, body: dict[str, Any]) -> Any:
        """One /info request, paying its documented weight in the shared budget."""
        return await self.http.request(
            "POST", c.INFO_PATH, json_body=body, scope=c.SCOPE_INFO, weight=c.REQUEST_WEIGHT[body["type"]]
        )

    async def instruments(self) -> Batch[Instrument]:
        # metaAndAssetCtxs rather than meta: the tick depends on the price (5 significant figures).
        return parse.instruments_from_meta_and_ctxs(await self.meta_and_asset_ctxs())

    async def funding_current(self) -> Batch[FundingRate]:
        # predictedFundings carries the venue's own nextFundingTime and interval for every coin.
        body = await self.info({"type": c.PREDICTED_FUNDINGS})
        return parse.predicted_fundings(body, datetime.now(UTC))

    async def snapshots(self) -> Batch[MarketSnapshot]:
        body = await self.meta_and_asset_ctxs()
        return parse.snapshots_from_meta_and_ctxs(body, datetime.now(UTC))

    async def funding_history(self, instrument: Instrument, start: datetime, end: datetime) -> Batch[FundingRate]:
        """Settlements in ``[start, end)``, paging by ``startTime = last print + 1`` (500 rows per call)."""
        out: Batch[FundingRate] = Batch()
        seen: set[datetime] = set()
        cursor, end_ms = ms_from_utc(start), ms_from_utc(end)
        while cursor < end_ms:
            body = await self.info(
                {"type": c.FUNDING_HISTORY, "coin": instrument.venue_symbol, "startTime": cursor, "endTime": end_ms - 1}
            )
            rows = parse.history_rows(body)
            page = parse.funding_history(rows, datetime.now(UTC))
            add_page_in_window(out, page, start, end, seen)
            if len(rows) < c.HISTORY_PAGE_ROWS:
                break
            last = rows[-1].get("time") if isinstance(rows[-1], dict) else None
            if not isinstance(last, int) or isinstance(last, bool) or last < cursor:
                raise VenueParseError(
                    self.venue.value, parse.endpoint(c.FUNDING_HISTORY), f"{len(rows) - 1}.time",
                    "cannot continue paging: last row has no usable time",
                )
            cursor = last + 1
        out.items.sort(key=lambda r: r.funding_time)
        return out

    async def order_book(self, instrument: Instrument, depth: int = 20) -> OrderBook:
        body = await self.info({"type": c.L2_BOOK, "coin": instrument.venue_symbol})
        return parse.order_book_from(body, depth)

"""Lighter public market data over REST (see constants.py for endpoints, units and limits)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook, Venue
from perpdex_lib.venues.base import MarketDataClient
from perpdex_lib.venues.batch import Batch
from perpdex_lib.venues.common import add_page_in_window, get_endpoint, require_aware
from perpdex_lib.venues.lighter import constants as c
from perpdex_lib.venues.lighter import parse


class MarketData(MarketDataClient):
    venue: ClassVar[Venue] = Venue.LIGHTER

    async def instruments(self) -> Batch[Instrument]:
        payload = await self.http.get(c.ORDER_BOOK_DETAILS_PATH, {"filter": c.PERP_MARKET_TYPE})
        return parse.instruments_body(payload, get_endpoint(c.ORDER_BOOK_DETAILS_PATH))

    async def funding_current(self) -> Batch[FundingRate]:
        payload = await self.http.get(c.FUNDING_RATES_PATH)
        return parse.current_funding_body(payload, datetime.now(UTC), get_endpoint(c.FUNDING_RATES_PATH))

    async def funding_history(self, instrument: Instrument, start: datetime, end: datetime) -> Batch[FundingRate]:
        """Hourly settlements in [start, end), fetched in 720-hour windows (the venue caps a call at 750 rows)."""
        if instrument.venue_market_id is None:
            raise ValueError(f"{instrument.venue_symbol}: Lighter history needs the market id")
        require_aware(start, end)
        ep = get_endpoint(c.FUNDINGS_PATH)
        out: Batch[FundingRate] = Batch()
        seen: set[datetime] = set()
        cursor = start
        while cursor < end:
            window_end = min(end, cursor + timedelta(hours=c.HISTORY_WINDOW_HOURS))
            payload = await self.http.get(
                c.FUNDINGS_PATH,
                {
                    "market_id": instrument.venue_market_id,
                    "resolution": c.HISTORY_RESOLUTION,
                    "start_timestamp": math.floor(cursor.timestamp()),
                    "end_timestamp": math.ceil(window_end.timestamp()),
                    "count_back": c.HISTORY_MAX_ROWS,
                },
            )
            page = parse.history_body(payload, instrument.venue_symbol, instrument.asset, datetime.now(UTC), ep)
            add_page_in_window(out, page, cursor, window_end, seen)
            cursor = window_end
        out.items.sort(key=lambda f: f.funding_time)
        return out

    async def snapshots(self) -> Batch[MarketSnapshot]:
        payload = await self.http.get(c.ORDER_BOOK_DETAILS_PATH, {"filter": c.PERP_MARKET_TYPE})
        return parse.snapshots_body(payload, datetime.now(UTC), get_endpoint(c.ORDER_BOOK_DETAILS_PATH))

    async def order_book(self, instrument: Instrument, depth: int = 20) -> OrderBook:
        """Top ``depth`` levels, aggregated from the venue's individual resting orders (at most 250 per side)."""
        if instrument.venue_market_id is None:
            raise ValueError(f"{instrument.venue_symbol}: Lighter order book needs the market id")
        limit = c.BOOK_ORDERS_MAX
        payload = await self.http.get(
            c.ORDER_BOOK_ORDERS_PATH, {"market_id": instrument.venue_market_id, "limit": limit}
        )
        return parse.order_book(
            payload, instrument.venue_symbol, datetime.now(UTC), depth, limit, get_endpoint(c.ORDER_BOOK_ORDERS_PATH)
        )

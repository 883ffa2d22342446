"""EdgeX public market data over REST (see constants.py for endpoints, units and limits)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import ClassVar

from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook, Venue
from perpdex_lib.venues.base import MarketDataClient
from perpdex_lib.venues.batch import Batch
from perpdex_lib.venues.common import add_page_in_window, get_endpoint, ms_from_utc, require_aware
from perpdex_lib.venues.edgex import constants as c
from perpdex_lib.venues.edgex import parse
from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.http import VenueHttp


class MarketData(MarketDataClient):
    venue: ClassVar[Venue] = Venue.EDGEX

    def __init__(self, http: VenueHttp) -> None:
        super().__init__(http)
        self._contracts_cache: dict[str, parse.ContractInfo] = {}
        self._contracts_at = 0.0

    async def _contracts(self) -> dict[str, parse.ContractInfo]:
        """Contract id -> name/asset (funding and ticker rows carry only the id); cached for a few minutes."""
        if not self._contracts_cache or time.monotonic() - self._contracts_at > c.CONTRACT_CACHE_S:
            payload = await self.http.get(c.META_PATH)
            self._contracts_cache = parse.contracts_body(payload, get_endpoint(c.META_PATH))
            self._contracts_at = time.monotonic()
        return self._contracts_cache

    async def instruments(self) -> Batch[Instrument]:
        payload = await self.http.get(c.META_PATH)
        ep = get_endpoint(c.META_PATH)
        batch = parse.instruments_body(payload, ep)
        self._contracts_cache = parse.contracts_body(payload, ep)
        self._contracts_at = time.monotonic()
        return batch

    async def funding_current(self) -> Batch[FundingRate]:
        """Latest estimates, asking for the known contract ids in batches (the endpoint takes ``contractId=a,b``)."""
        contracts = await self._contracts()
        ids = sorted(contracts)
        out: Batch[FundingRate] = Batch()
        for i in range(0, len(ids), c.LATEST_FUNDING_BATCH):
            chunk = ids[i : i + c.LATEST_FUNDING_BATCH]
            payload = await self.http.get(c.LATEST_FUNDING_PATH, {"contractId": ",".join(chunk)})
            out.extend(
                parse.current_funding_body(payload, contracts, datetime.now(UTC), get_endpoint(c.LATEST_FUNDING_PATH))
            )
        return out

    async def funding_history(self, instrument: Instrument, start: datetime, end: datetime) -> Batch[FundingRate]:
        """Settlements in [start, end), following ``nextPageOffsetData`` (pages of 100, newest first)."""
        if instrument.venue_market_id is None:
            raise ValueError(f"{instrument.venue_symbol}: EdgeX history needs the contract id")
        require_aware(start, end)
        ep = get_endpoint(c.FUNDING_PAGE_PATH)
        out: Batch[FundingRate] = Batch()
        seen: set[datetime] = set()
        cursors: set[str] = set()
        cursor = ""
        while True:
            params = {
                "contractId": instrument.venue_market_id,
                "size": c.HISTORY_PAGE_SIZE,
                "filterSettlementFundingRate": "true",
                "filterBeginTimeInclusive": ms_from_utc(start),
                "filterEndTimeExclusive": ms_from_utc(end),
                "offsetData": cursor or None,
            }
            payload = await self.http.get(c.FUNDING_PAGE_PATH, params)
            page, cursor, n_rows = parse.history_body(
                payload, instrument.venue_symbol, instrument.asset, datetime.now(UTC), ep
            )
            add_page_in_window(out, page, start, end, seen)
            if not cursor or n_rows == 0:
                break
            if cursor in cursors:
                raise VenueParseError(self.venue.value, ep, "data.nextPageOffsetData", "pagination cursor repeats")
            cursors.add(cursor)
        out.items.sort(key=lambda f: f.funding_time)
        return out

    async def snapshots(self) -> Batch[MarketSnapshot]:
        contracts = await self._contracts()
        payload = await self.http.get(c.TICKER_PATH)
        return parse.snapshots_body(payload, contracts, datetime.now(UTC), get_endpoint(c.TICKER_PATH))

    async def order_book(self, instrument: Instrument, depth: int = 20) -> OrderBook:
        """Top ``depth`` levels; the venue serves 15 or 200 levels, so ask for the smaller one that suffices."""
        if instrument.venue_market_id is None:
            raise ValueError(f"{instrument.venue_symbol}: EdgeX depth needs the contract id")
        level = next((lv for lv in c.DEPTH_LEVELS if lv >= depth), c.DEPTH_LEVELS[-1])
        payload = await self.http.get(c.DEPTH_PATH, {"contractId": instrument.venue_market_id, "level": level})
        return parse.order_book(payload, instrument.venue_symbol, datetime.now(UTC), depth, get_endpoint(c.DEPTH_PATH))

"""EdgeX public market data over REST (see constants.py for endpoints, units and limits)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import ClassVar

from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook, Venue
from perpdex_lib.venues.base import MarketDataClient
from perpdex_lib.venues.batch import Batch, map_rows
from perpdex_lib.venues.edgex import constants as c
from perpdex_lib.venues.edgex import parse
from perpdex_lib.venues.edgex import schemas as s
from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.http import VenueHttp


def _endpoint(path: str) -> str:
    return f"GET {path}"


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


class MarketData(MarketDataClient):
    venue: ClassVar[Venue] = Venue.EDGEX

    def __init__(self, http: VenueHttp) -> None:
        super().__init__(http)
        self._contracts_cache: dict[str, parse.ContractInfo] = {}
        self._contracts_at = 0.0

    async def _meta(self) -> tuple[list, dict[str, str]]:
        ep = _endpoint(c.META_PATH)
        body = parse.envelope(s.MetaBody, await self.http.get(c.META_PATH), ep)
        return body.data.contractList, parse.coin_names(body.data.coinList)

    def _remember(self, rows: list, coins: dict[str, str]) -> None:
        """Contract id -> name/asset map for funding and ticker rows (which carry only the id)."""
        ep = _endpoint(c.META_PATH)
        contracts = map_rows(rows, lambda r: parse.contract_info(r, coins, ep), self.venue.value, ep, lambda r: r)
        self._contracts_cache = {ci.contract_id: ci for ci in contracts.items}
        self._contracts_at = time.monotonic()

    async def _contracts(self) -> dict[str, parse.ContractInfo]:
        if not self._contracts_cache or time.monotonic() - self._contracts_at > c.CONTRACT_CACHE_S:
            self._remember(*await self._meta())
        return self._contracts_cache

    async def instruments(self) -> Batch[Instrument]:
        rows, coins = await self._meta()
        self._remember(rows, coins)
        ep = _endpoint(c.META_PATH)
        return map_rows(rows, lambda r: parse.instrument(r, coins, ep), self.venue.value, ep, lambda r: r)

    async def funding_current(self) -> Batch[FundingRate]:
        contracts = await self._contracts()
        ep = _endpoint(c.LATEST_FUNDING_PATH)
        ids = sorted(contracts)
        out: Batch[FundingRate] = Batch()
        for i in range(0, len(ids), c.LATEST_FUNDING_BATCH):
            chunk = ids[i : i + c.LATEST_FUNDING_BATCH]
            payload = await self.http.get(c.LATEST_FUNDING_PATH, {"contractId": ",".join(chunk)})
            observed_at = datetime.now(UTC)
            body = parse.envelope(s.ListBody, payload, ep)
            out.extend(
                map_rows(
                    body.data,
                    lambda r, at=observed_at: parse.current_funding(r, contracts, at, ep),
                    self.venue.value,
                    ep,
                    lambda r: r,
                )
            )
        return out

    async def funding_history(self, instrument: Instrument, start: datetime, end: datetime) -> Batch[FundingRate]:
        """Settlements in [start, end), following ``nextPageOffsetData`` (pages of 100, newest first)."""
        if instrument.venue_market_id is None:
            raise ValueError(f"{instrument.venue_symbol}: EdgeX history needs the contract id")
        ep = _endpoint(c.FUNDING_PAGE_PATH)
        out: Batch[FundingRate] = Batch()
        seen: set[datetime] = set()
        offsets: set[str] = set()
        offset = ""
        while True:
            params = {
                "contractId": instrument.venue_market_id,
                "size": c.HISTORY_PAGE_SIZE,
                "filterSettlementFundingRate": "true",
                "filterBeginTimeInclusive": _ms(start),
                "filterEndTimeExclusive": _ms(end),
                "offsetData": offset or None,
            }
            payload = await self.http.get(c.FUNDING_PAGE_PATH, params)
            observed_at = datetime.now(UTC)
            body = parse.envelope(s.FundingPageBody, payload, ep)
            page = map_rows(
                body.data.dataList,
                lambda r, at=observed_at: parse.settled_funding(r, instrument.venue_symbol, instrument.asset, at, ep),
                self.venue.value,
                ep,
                lambda r: r,
            )
            out.rejects.extend(page.rejects)
            for item in page.items:
                if start <= item.funding_time < end and item.funding_time not in seen:
                    seen.add(item.funding_time)
                    out.items.append(item)
            offset = body.data.nextPageOffsetData or ""
            if not offset or not body.data.dataList:
                break
            if offset in offsets:
                raise VenueParseError(self.venue.value, ep, "data.nextPageOffsetData", "pagination cursor repeats")
            offsets.add(offset)
        out.items.sort(key=lambda f: f.funding_time)
        return out

    async def snapshots(self) -> Batch[MarketSnapshot]:
        contracts = await self._contracts()
        ep = _endpoint(c.TICKER_PATH)
        payload = await self.http.get(c.TICKER_PATH)
        observed_at = datetime.now(UTC)
        body = parse.envelope(s.ListBody, payload, ep)
        return map_rows(
            body.data, lambda r: parse.snapshot(r, contracts, observed_at, ep), self.venue.value, ep, lambda r: r
        )

    async def order_book(self, instrument: Instrument, depth: int = 20) -> OrderBook:
        """Top ``depth`` levels; the venue serves 15 or 200 levels, so ask for the smaller one that suffices."""
        if instrument.venue_market_id is None:
            raise ValueError(f"{instrument.venue_symbol}: EdgeX depth needs the contract id")
        level = next((lv for lv in c.DEPTH_LEVELS if lv >= depth), c.DEPTH_LEVELS[-1])
        payload = await self.http.get(c.DEPTH_PATH, {"contractId": instrument.venue_market_id, "level": level})
        observed_at = datetime.now(UTC)
        return parse.order_book(payload, instrument.venue_symbol, observed_at, depth, _endpoint(c.DEPTH_PATH))

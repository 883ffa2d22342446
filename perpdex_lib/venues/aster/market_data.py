"""Aster public market data over REST, paying each call's request weight from the shared budget."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from perpdex_lib.domain import FundingRate, Instrument, InstrumentStatus, MarketSnapshot, OrderBook, Venue
from perpdex_lib.venues.aster import constants as c
from perpdex_lib.venues.aster import parse
from perpdex_lib.venues.aster.schemas import OpenInterest
from perpdex_lib.venues.base import MarketDataClient
from perpdex_lib.venues.batch import Batch, Reject
from perpdex_lib.venues.errors import VenueHttpError, VenueParseError


class MarketData(MarketDataClient):
    venue = Venue.ASTER

    async def _get(self, path: str, params: Mapping[str, Any] | None = None, *, weight: int | None = None) -> Any:
        w = weight if weight is not None else c.WEIGHTS[path]
        return await self.http.get(path, params, scope=c.WEIGHT_SCOPE, weight=w)

    async def _instruments_with_rejects(self) -> Batch[Instrument]:
        info, funding_info = await asyncio.gather(
            self._get(c.EXCHANGE_INFO_PATH), self._get(c.FUNDING_INFO_PATH)
        )
        intervals = parse.parse_funding_info(funding_info)
        out = parse.parse_exchange_info(info, dict(intervals.items))
        out.rejects[:0] = intervals.rejects
        return out

    async def instruments(self) -> Batch[Instrument]:
        return await self._instruments_with_rejects()

    async def _instrument_map(self) -> dict[str, Instrument]:
        return {i.venue_symbol: i for i in (await self._instruments_with_rejects()).items}

    async def funding_current(self) -> Batch[FundingRate]:
        instruments, body = await asyncio.gather(self._instrument_map(), self._get(c.PREMIUM_INDEX_PATH))
        return parse.parse_premium_index(body, instruments, datetime.now(UTC))

    async def funding_history(self, instrument: Instrument, start: datetime, end: datetime) -> Batch[FundingRate]:
        """Pages forward (the API's start/end are inclusive ms; ours is ``start <= t < end``).

        The query starts ``HISTORY_LOOKBACK_H`` early so the first row in the window has a predecessor whose
        gap tells the interval it settled (see ``parse.parse_funding_history``).
        """
        out: Batch[FundingRate] = Batch()
        cursor_ms = parse.to_ms(start - timedelta(hours=c.HISTORY_LOOKBACK_H))
        end_ms = parse.to_ms(end) - 1
        previous: datetime | None = None
        while cursor_ms <= end_ms:
            params = {
                "symbol": instrument.venue_symbol,
                "startTime": cursor_ms,
                "endTime": end_ms,
                "limit": c.HISTORY_PAGE_LIMIT,
            }
            body = await self._get(c.FUNDING_RATE_PATH, params)
            page = parse.parse_funding_history(body, instrument, datetime.now(UTC), previous)
            out.rejects.extend(page.rejects)
            out.items.extend(r for r in page.items if start <= r.funding_time < end)
            if page.items:
                previous = page.items[-1].funding_time
            if len(body) < c.HISTORY_PAGE_LIMIT or previous is None:
                break
            cursor_ms = parse.to_ms(previous) + 1
        out.items.sort(key=lambda r: r.funding_time)
        return out

    async def snapshots(self) -> Batch[MarketSnapshot]:
        instruments, premium, tickers = await asyncio.gather(
            self._instrument_map(),
            self._get(c.PREMIUM_INDEX_PATH),
            self._get(c.TICKER_24HR_PATH, weight=c.TICKER_24HR_WEIGHT_ALL),
        )
        live = [s for s, i in instruments.items() if i.status is not InstrumentStatus.DELISTED]
        oi, oi_rejects = await self._open_interest(live)
        out = parse.parse_snapshots(premium, tickers, oi, instruments, datetime.now(UTC))
        out.rejects[:0] = oi_rejects
        return out

    async def _open_interest(self, symbols: list[str]) -> tuple[dict[str, OpenInterest], list[Reject]]:
        """One call per symbol (Aster has no bulk OI), at most a few in flight; a bad answer is a reject."""
        gate = asyncio.Semaphore(c.OPEN_INTEREST_CONCURRENCY)
        found: dict[str, OpenInterest] = {}
        rejects: list[Reject] = []
        ep = parse.endpoint(c.OPEN_INTEREST_PATH)

        async def one(symbol: str) -> None:
            async with gate:
                body = None
                try:
                    body = await self._get(c.OPEN_INTEREST_PATH, {"symbol": symbol})
                    found[symbol] = parse.parse_open_interest(body, symbol)
                except VenueParseError as exc:
                    rejects.append(Reject(self.venue.value, ep, "parse_error", f"{exc.field}: {exc.reason}", body))
                except VenueHttpError as exc:
                    rejects.append(Reject(self.venue.value, ep, "http_error", str(exc), {"symbol": symbol}))

        await asyncio.gather(*(one(s) for s in symbols))
        return found, rejects

    async def order_book(self, instrument: Instrument, depth: int = 20) -> OrderBook:
        limit = next((n for n in c.DEPTH_WEIGHTS if n >= depth), max(c.DEPTH_WEIGHTS))
        body = await self._get(
            c.DEPTH_PATH, {"symbol": instrument.venue_symbol, "limit": limit}, weight=c.DEPTH_WEIGHTS[limit]
        )
        return parse.parse_depth(body, instrument.venue_symbol, depth)



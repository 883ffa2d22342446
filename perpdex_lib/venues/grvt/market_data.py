"""GRVT public market data: instruments, live funding and snapshots (one shared ticker round), history, book."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook, Venue
from perpdex_lib.venues.base import MarketDataClient
from perpdex_lib.venues.batch import Batch, Reject
from perpdex_lib.venues.common import require_aware
from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from perpdex_lib.venues.grvt import constants as c
from perpdex_lib.venues.grvt import parse
from perpdex_lib.venues.http import VenueHttp

TickerRound = tuple[list[parse.TickerReply], list[Reject]]


@dataclass
class _SharedRound:
    """One ticker round (instruments + a /ticker per instrument) and which consumers have used it."""

    task: asyncio.Task[TickerRound]
    started_at: float
    used_by: set[str] = field(default_factory=set)

    def reusable(self) -> bool:
        """Still in flight, or finished well (not failed, not cancelled) less than TICKER_ROUND_TTL_S ago."""
        if not self.task.done():
            return True
        ok = not self.task.cancelled() and self.task.exception() is None
        return ok and time.monotonic() - self.started_at <= c.TICKER_ROUND_TTL_S


class MarketData(MarketDataClient):
    venue: ClassVar[Venue] = Venue.GRVT

    def __init__(self, http: VenueHttp) -> None:
        super().__init__(http)
        self._instruments_in_flight: asyncio.Task[Any] | None = None
        self._round: _SharedRound | None = None

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        return await self.http.post(path, body, scope=c.SCOPE)

    async def instruments(self) -> Batch[Instrument]:
        """Concurrent callers share one in-flight request; a finished one is never reused."""
        task = self._instruments_in_flight
        if task is None or task.done():
            task = asyncio.ensure_future(self._post(c.ALL_INSTRUMENTS_PATH, {"is_active": True}))
            self._instruments_in_flight = task
        return parse.instruments_from_body(await asyncio.shield(task), c.ALL_INSTRUMENTS_PATH)

    async def _tickers(self, instruments: list[Instrument]) -> tuple[list[parse.TickerReply], list[Reject]]:
        """One /ticker call per instrument (no bulk ticker exists), at most TICKER_CONCURRENCY in flight.

        A 4xx or an undecodable body for one instrument (e.g. delisted between the two calls) becomes a
        reject for that instrument; transport failures that outlived the retries fail the whole call, because
        the venue is then unavailable.
        """
        gate = asyncio.Semaphore(c.TICKER_CONCURRENCY)

        async def one(inst: Instrument) -> Any:
            async with gate:
                return await self._post(c.TICKER_PATH, {"instrument": inst.venue_symbol})

        results = await asyncio.gather(*(one(i) for i in instruments), return_exceptions=True)
        replies: list[parse.TickerReply] = []
        rejects: list[Reject] = []
        for inst, res in zip(instruments, results, strict=True):
            if isinstance(res, VenueHttpError):
                rejects.append(Reject(self.venue.value, res.endpoint, "http_error", str(res), inst.venue_symbol))
            elif isinstance(res, VenueParseError):
                rejects.append(Reject(self.venue.value, res.endpoint, "parse_error", str(res), inst.venue_symbol))
            elif isinstance(res, BaseException):
                raise res
            else:
                replies.append((inst, res))
        return replies, rejects

    async def _fetch_round(self) -> TickerRound:
        return await self._tickers((await self.instruments()).items)

    async def _ticker_round(self, consumer: str) -> TickerRound:
        """The ticker bodies for ``consumer`` ("funding" or "snapshots").

        GRVT has no bulk ticker, and one /ticker body carries both the funding estimate and the snapshot
        fields, so a round started by one consumer also serves the other if it asks while the round is in
        flight or within ``TICKER_ROUND_TTL_S`` after: one ingest (funding + snapshots) costs one round.
        A consumer never gets the same round twice (asking again means wanting fresh data), and a failed
        round is never reused.
        """
        r = self._round
        if r is None or consumer in r.used_by or not r.reusable():
            r = _SharedRound(asyncio.ensure_future(self._fetch_round()), time.monotonic())
            self._round = r
        r.used_by.add(consumer)
        return await asyncio.shield(r.task)

    async def funding_current(self) -> Batch[FundingRate]:
        replies, rejects = await self._ticker_round("funding")
        batch = parse.funding_from_tickers(replies, datetime.now(UTC))
        batch.rejects.extend(rejects)
        return batch

    async def snapshots(self) -> Batch[MarketSnapshot]:
        replies, rejects = await self._ticker_round("snapshots")
        batch = parse.snapshots_from_tickers(replies)
        batch.rejects.extend(rejects)
        return batch

    async def funding_history(self, instrument: Instrument, start: datetime, end: datetime) -> Batch[FundingRate]:
        """Pages newest-first through ``next`` until the venue says done; keeps ``start <= t < end``."""
        require_aware(start, end)
        if start >= end:
            return Batch()
        out: Batch[FundingRate] = Batch()
        request: dict[str, Any] = {
            "instrument": instrument.venue_symbol,
            "start_time": str(parse.utc_to_ns(start)),
            "end_time": str(parse.utc_to_ns(end)),
            "limit": c.FUNDING_PAGE_LIMIT,
        }
        seen_cursors: set[str] = set()
        while True:
            body = await self._post(c.FUNDING_PATH, request)
            page, cursor = parse.funding_history_from_body(body, instrument, datetime.now(UTC))
            out.rejects.extend(page.rejects)
            out.items.extend(r for r in page.items if start <= r.funding_time < end)
            if not cursor or cursor in seen_cursors:  # a repeated cursor would loop forever
                break
            seen_cursors.add(cursor)
            request = {**request, "cursor": cursor}
        out.items = sorted({r.funding_time: r for r in out.items}.values(), key=lambda r: r.funding_time)
        return out

    async def order_book(self, instrument: Instrument, depth: int = 20) -> OrderBook:
        body = await self._post(
            c.BOOK_PATH, {"instrument": instrument.venue_symbol, "depth": parse.book_depth_for(depth)}
        )
        return parse.book_from_body(body, instrument, depth)

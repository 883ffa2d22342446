"""One market-data sweep: instruments, live funding, snapshots and order books of many venues at once.

Each venue runs on its own (its own client, limiter and error), so a venue that is down, slow or sends
garbage never takes the others down: its :class:`VenueSweep` records why, and what it did get. Books are
fetched with bounded concurrency per venue through the venue's own rate limiter, and their top of book and
depth within ``DEPTH_BAND_BPS`` of mid are merged into the snapshots.

The Airflow pipeline calls :func:`sweep_venue` once per venue (one task each); the CLI and benchmarks call
:func:`sweep` for several venues concurrently.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from perpdex_lib.config import Settings, get_settings
from perpdex_lib.domain import FundingRate, Instrument, InstrumentStatus, MarketSnapshot, OrderBook, Venue
from perpdex_lib.domain.market import DEPTH_BAND_BPS
from perpdex_lib.venues.base import MarketDataClient, open_market_data
from perpdex_lib.venues.batch import Batch, Reject
from perpdex_lib.venues.errors import VenueError

log = logging.getLogger(__name__)
T = TypeVar("T")

HistoryWindow = tuple[datetime, datetime] | timedelta | None
DEFAULT_BOOK_CONCURRENCY = 8
DEFAULT_BOOK_DEPTH = 20
_BPS = Decimal(10_000)


@dataclass
class VenueSweep:
    """What one venue returned in one sweep, with per-step timings and the first failure, if any."""

    venue: Venue
    started_at: datetime
    instruments: Batch[Instrument] = field(default_factory=Batch)
    funding: Batch[FundingRate] = field(default_factory=Batch)
    snapshots: Batch[MarketSnapshot] = field(default_factory=Batch)
    history: Batch[FundingRate] = field(default_factory=Batch)
    books: dict[str, OrderBook] = field(default_factory=dict)  # venue_symbol -> book
    book_errors: dict[str, str] = field(default_factory=dict)  # venue_symbol -> reason
    timings_s: dict[str, float] = field(default_factory=dict)  # step -> seconds
    requests: int = 0
    # "step: reason", one per failed step; steps are instruments, funding, snapshots, books, history, plus
    # sweep (the venue's time budget ran out) and setup (no client) - the pipeline matches on these prefixes.
    errors: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """None when every step succeeded; else a one-line reason naming the venue and the failed steps."""
        return f"{self.venue.value}: " + "; ".join(self.errors) if self.errors else None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rejects(self) -> list[Reject]:
        return [*self.instruments.rejects, *self.funding.rejects, *self.snapshots.rejects, *self.history.rejects]

    @property
    def wall_s(self) -> float:
        return self.timings_s.get("total", 0.0)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, VenueError):
        return f"{type(exc).__name__}: {exc}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ModuleNotFoundError):
        return f"no connector ({exc.name})"
    return f"{type(exc).__name__}: {exc}"


async def _step(result: VenueSweep, name: str, make: Callable[[], Awaitable[T]]) -> T | None:
    """Run one step, timing it; a failure is recorded on ``result`` instead of raised."""
    t0 = time.perf_counter()
    try:
        return await make()
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # any connector bug stays inside its venue
        result.errors.append(f"{name}: {_reason(exc)}")
        log.warning("sweep %s %s failed: %s", result.venue.value, name, _reason(exc))
        return None
    finally:
        result.timings_s[name] = time.perf_counter() - t0


def select_for_books(
    instruments: list[Instrument], snapshots: list[MarketSnapshot], books: bool | int
) -> list[Instrument]:
    """Active instruments, all of them (``True``) or the top ``books`` by one-sided OI in USD."""
    if books is False:
        return []
    active = [i for i in instruments if i.status in (InstrumentStatus.ACTIVE, InstrumentStatus.REDUCE_ONLY)]
    if books is True:
        return active
    oi = {s.venue_symbol: s.open_interest_usd or Decimal(0) for s in snapshots}
    return sorted(active, key=lambda i: oi.get(i.venue_symbol, Decimal(-1)), reverse=True)[: max(0, int(books))]


def depth_within_band(book: OrderBook, band_bps: Decimal = DEPTH_BAND_BPS) -> tuple[Decimal | None, Decimal | None]:
    """(bid, ask) resting notional in USD within ``band_bps`` of mid; prices are USD per venue unit."""
    mid = book.mid
    if mid is None:
        return None, None
    lo, hi = mid * (1 - band_bps / _BPS), mid * (1 + band_bps / _BPS)
    bid = sum((lv.price * lv.size for lv in book.bids if lv.price >= lo), Decimal(0))
    ask = sum((lv.price * lv.size for lv in book.asks if lv.price <= hi), Decimal(0))
    return bid, ask


def merge_books(snapshots: list[MarketSnapshot], books: dict[str, OrderBook]) -> list[MarketSnapshot]:
    """Snapshots with best bid/ask and band depth taken from the matching book (others unchanged)."""
    out = []
    for snap in snapshots:
        book = books.get(snap.venue_symbol)
        if book is None:
            out.append(snap)
            continue
        bid_depth, ask_depth = depth_within_band(book)
        out.append(dataclasses.replace(
            snap, best_bid=book.best_bid, best_ask=book.best_ask, bid_depth_usd=bid_depth, ask_depth_usd=ask_depth
        ))
    return out


async def _fetch_books(
    client: MarketDataClient, result: VenueSweep, chosen: list[Instrument], depth: int, concurrency: int
) -> None:
    sem = asyncio.Semaphore(max(1, concurrency))

    async def one(inst: Instrument) -> None:
        async with sem:
            try:
                result.books[inst.venue_symbol] = await client.order_book(inst, depth)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                result.book_errors[inst.venue_symbol] = _reason(exc)

    await asyncio.gather(*(one(i) for i in chosen))
    if chosen and not result.books:
        first = next(iter(result.book_errors.values()))
        raise RuntimeError(f"all {len(chosen)} order books failed, e.g. {first}")


async def _fetch_history(
    client: MarketDataClient, result: VenueSweep, chosen: list[Instrument], window: tuple[datetime, datetime],
    concurrency: int,
) -> None:
    sem = asyncio.Semaphore(max(1, concurrency))
    start, end = window

    async def one(inst: Instrument) -> None:
        async with sem:
            result.history.extend(await client.funding_history(inst, start, end))

    await asyncio.gather(*(one(i) for i in chosen))


async def sweep_venue(
    venue: Venue,
    settings: Settings | None = None,
    *,
    books: bool | int = True,
    history: HistoryWindow = None,
    book_depth: int = DEFAULT_BOOK_DEPTH,
    concurrency: int = DEFAULT_BOOK_CONCURRENCY,
    timeout_s: float | None = None,
) -> VenueSweep:
    """Sweep one venue. Never raises for venue trouble: look at ``.error`` / ``.errors``.

    ``history`` = ``(start, end)`` (or a ``timedelta`` back from now) also fetches settled funding of every
    active instrument in that window. ``timeout_s`` bounds the whole venue (the pipeline task's budget).
    """
    result = VenueSweep(venue, datetime.now(UTC))
    if isinstance(history, timedelta):
        history = (result.started_at - history, result.started_at)
    t0 = time.perf_counter()
    client: MarketDataClient | None = None
    try:
        client = open_market_data(venue, settings or get_settings())
        body = _sweep_body(client, result, books, history, book_depth, concurrency)
        await (asyncio.wait_for(body, timeout_s) if timeout_s else body)
    except TimeoutError:
        result.errors.append(f"sweep: timed out after {timeout_s} s")
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        result.errors.append(f"setup: {_reason(exc)}")
    finally:
        if client is not None:
            result.requests = client.http.requests_sent
            await client.http.close()
        result.timings_s["total"] = time.perf_counter() - t0
    return result


async def _sweep_body(
    client: MarketDataClient, result: VenueSweep, books: bool | int, history: tuple[datetime, datetime] | None,
    book_depth: int, concurrency: int,
) -> None:
    instruments, funding, snapshots = await asyncio.gather(
        _step(result, "instruments", client.instruments),
        _step(result, "funding", client.funding_current),
        _step(result, "snapshots", client.snapshots),
    )
    result.instruments = instruments or Batch()
    result.funding = funding or Batch()
    result.snapshots = snapshots or Batch()
    if instruments is None:
        return
    chosen = select_for_books(instruments.items, result.snapshots.items, books)
    tasks: list[Awaitable[Any]] = []
    if chosen:
        tasks.append(_step(result, "books", lambda: _fetch_books(client, result, chosen, book_depth, concurrency)))
    if history is not None:
        active = select_for_books(instruments.items, [], True)
        tasks.append(_step(result, "history", lambda: _fetch_history(client, result, active, history, concurrency)))
    await asyncio.gather(*tasks)
    if result.books:
        result.snapshots = Batch(merge_books(result.snapshots.items, result.books), result.snapshots.rejects)


async def sweep(
    venues: Iterable[Venue],
    settings: Settings | None = None,
    *,
    books: bool | int = True,
    history: HistoryWindow = None,
    book_depth: int = DEFAULT_BOOK_DEPTH,
    concurrency: int = DEFAULT_BOOK_CONCURRENCY,
    timeout_s: float | None = None,
) -> dict[Venue, VenueSweep]:
    """Sweep every venue concurrently; one venue's failure only shows in its own ``VenueSweep.error``."""
    settings = settings or get_settings()
    order = list(dict.fromkeys(venues))
    results = await asyncio.gather(*(
        sweep_venue(v, settings, books=books, history=history, book_depth=book_depth, concurrency=concurrency,
                    timeout_s=timeout_s)
        for v in order
    ))
    return dict(zip(order, results, strict=True))

"""The interface every venue's public market-data client implements."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from datetime import datetime
from typing import ClassVar

from perpdex_lib.config import Settings, get_settings
from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook, Venue
from perpdex_lib.venues.batch import Batch
from perpdex_lib.venues.http import VenueHttp


class MarketDataClient(ABC):
    """Public market data of one venue, mapped to domain models.

    Whole-body problems (not JSON, envelope missing, error code) raise a ``VenueError``; a bad row inside
    a list becomes a ``Reject`` in the returned :class:`Batch` so the other rows still load.
    """

    venue: ClassVar[Venue]

    def __init__(self, http: VenueHttp) -> None:
        self.http = http

    @abstractmethod
    async def instruments(self) -> Batch[Instrument]:
        """Every perpetual the venue lists (all statuses), with sizing rules and funding interval."""

    @abstractmethod
    async def funding_current(self) -> Batch[FundingRate]:
        """The live (predicted) funding rate of every perpetual, kind=predicted."""

    @abstractmethod
    async def funding_history(self, instrument: Instrument, start: datetime, end: datetime) -> Batch[FundingRate]:
        """Settled funding of one instrument with ``start <= funding_time < end``, paginating as needed."""

    @abstractmethod
    async def snapshots(self) -> Batch[MarketSnapshot]:
        """Mark, index, one-sided open interest (base and USD), 24 h volume of every perpetual."""

    @abstractmethod
    async def order_book(self, instrument: Instrument, depth: int = 20) -> OrderBook:
        """Top ``depth`` levels per side."""


def market_data_class(venue: Venue) -> type[MarketDataClient]:
    module = importlib.import_module(f"perpdex_lib.venues.{venue.value}.market_data")
    return module.MarketData  # type: ignore[no-any-return]


def open_market_data(venue: Venue, settings: Settings | None = None) -> MarketDataClient:
    """A client for ``venue`` with its declared rate limits and the configured base URL.

    Close it with ``await client.http.close()`` (or ``async with client.http:``).
    """
    settings = settings or get_settings()
    constants = importlib.import_module(f"perpdex_lib.venues.{venue.value}.constants")
    http = VenueHttp(
        venue.value,
        settings.venue_url(venue),
        constants.RATE_LIMITS,
        timeout_s=settings.http_timeout_s,
        max_attempts=settings.http_max_attempts,
    )
    return market_data_class(venue)(http)

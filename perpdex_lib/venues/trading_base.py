"""The interface every trading client implements: the paper venue now, each venue's ``trading.py`` later.

Outcome policy (docs/EXECUTOR.md): a method either returns venue evidence, raises :class:`OrderRejected` when the
venue definitively refused, or raises ``VenueUnavailable`` (timeout, 5xx, 429, disconnect) when the outcome is
unknown. Callers must treat the last as "unknown" and resolve it with :meth:`TradingClient.get_order`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from perpdex_lib.domain.enums import Venue
from perpdex_lib.domain.trading import Fill, FundingPayment, OrderRequest, Position, VenueOrder


class OrderRejected(Exception):
    """The venue definitively refused the order (evidence, not a transport failure)."""

    def __init__(self, client_order_id: str, reason: str) -> None:
        self.client_order_id = client_order_id
        self.reason = reason
        super().__init__(f"order {client_order_id} rejected: {reason}")


class TradingClient(ABC):
    venue: Venue

    @abstractmethod
    async def submit(self, request: OrderRequest) -> VenueOrder:
        """Place an order. Idempotent on ``client_order_id``: a duplicate returns the existing order."""

    @abstractmethod
    async def get_order(self, client_order_id: str) -> VenueOrder | None:
        """The order by our id; ``None`` only when the venue affirms it does not exist."""

    @abstractmethod
    async def cancel(self, client_order_id: str) -> VenueOrder | None:
        """Cancel what remains; returns the final view (or None if the venue never had it)."""

    @abstractmethod
    async def positions(self) -> dict[str, Position]:
        """Every non-zero position keyed by venue symbol. Raises on failure — never an empty dict for 'unknown'."""

    @abstractmethod
    async def fills(self, client_order_id: str) -> list[Fill]:
        """Fills of one order (deduplicated by trade id)."""

    @abstractmethod
    async def funding_payments(self, since: datetime) -> list[FundingPayment]:
        """Funding settled on our positions since ``since``."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

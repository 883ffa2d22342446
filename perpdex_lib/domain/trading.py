"""Trading domain models shared by the executor, the paper venue and (later) live venue clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from perpdex_lib.domain.enums import Venue


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1

    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    POST_ONLY = "post_only"  # limit that must rest (maker); rejected if it would cross
    IOC = "ioc"  # limit, immediate-or-cancel (taker with a price cap)
    MARKET = "market"


class VenueOrderStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class OrderRequest:
    client_order_id: str
    venue: Venue
    venue_symbol: str
    side: Side
    qty: Decimal  # venue base units
    order_type: OrderType
    limit_price: Decimal | None = None
    reduce_only: bool = False


@dataclass(frozen=True, slots=True)
class VenueOrder:
    """The venue's view of one order (looked up by our client order id)."""

    client_order_id: str
    venue_order_id: str | None
    status: VenueOrderStatus
    qty: Decimal
    filled_qty: Decimal
    avg_price: Decimal | None
    fee_usd: Decimal
    reject_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Fill:
    venue: Venue
    trade_id: str
    client_order_id: str
    venue_symbol: str
    side: Side
    qty: Decimal
    price: Decimal
    fee_usd: Decimal
    is_maker: bool
    ts: datetime


@dataclass(frozen=True, slots=True)
class Position:
    venue: Venue
    venue_symbol: str
    qty: Decimal  # signed venue base units: + long, − short
    avg_entry_price: Decimal | None
    mark_price: Decimal | None = None
    liquidation_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class FundingPayment:
    venue: Venue
    venue_symbol: str
    funding_time: datetime
    position_qty: Decimal  # signed, at the settlement
    rate: Decimal  # fraction applied for this settlement
    amount_usd: Decimal  # + received, − paid

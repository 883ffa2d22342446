"""Domain models shared by every component; wire formats live in perpdex_lib.venues.<venue>.schemas."""

from perpdex_lib.domain.enums import FundingKind, InstrumentStatus, RateUnit, Venue
from perpdex_lib.domain.market import FundingRate, Instrument, MarketSnapshot, OrderBook, OrderBookLevel
from perpdex_lib.domain.units import to_rate_per_hour

__all__ = [
    "FundingKind",
    "FundingRate",
    "Instrument",
    "InstrumentStatus",
    "MarketSnapshot",
    "OrderBook",
    "OrderBookLevel",
    "RateUnit",
    "Venue",
    "to_rate_per_hour",
]

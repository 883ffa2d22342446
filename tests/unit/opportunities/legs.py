"""Small builders for engine inputs used by the opportunity tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from perpdex_lib.opportunities.models import BookSide, LegQuote

NOW = datetime(2026, 2, 20, 12, 30, tzinfo=UTC)
D = Decimal


def flat_book(price: str, size: str = "1000000000") -> tuple[BookSide, BookSide]:
    """A book with zero slippage: one huge level at the mid on each side."""
    return ((D(price), D(size)),), ((D(price), D(size)),)


def leg(venue: str, rate_per_hour: str | Decimal, *, asset: str = "BTC", symbol: str | None = None,
        mark: str = "100", multiplier: str = "1", interval: str = "1", continuous: bool = False,
        bids: BookSide | None = None, asks: BookSide | None = None, maker: str | None = "0",
        taker: str | None = "0", oi: str | None = "100000000", volume: str | None = "100000000",
        funding_age_s: int = 60, snapshot_age_s: int = 30, book_age_s: int = 10,
        funding_time: datetime | None = None, status: str = "active", now: datetime = NOW) -> LegQuote:
    if bids is None or asks is None:
        bids, asks = flat_book(mark)
    return LegQuote(
        venue=venue, venue_symbol=symbol or f"{asset}-{venue}", asset=asset, multiplier=D(multiplier),
        status=status, interval_hours=D(interval), continuous_funding=continuous,
        rate_per_hour=None if rate_per_hour is None else D(rate_per_hour),
        funding_time=funding_time or now.replace(minute=0) + timedelta(hours=1),
        funding_observed_at=now - timedelta(seconds=funding_age_s), mark_price=D(mark),
        open_interest_usd=None if oi is None else D(oi), volume_24h_usd=None if volume is None else D(volume),
        snapshot_ts=now - timedelta(seconds=snapshot_age_s), bids=bids, asks=asks,
        book_ts=now - timedelta(seconds=book_age_s),
        maker_fee=None if maker is None else D(maker), taker_fee=None if taker is None else D(taker),
    )

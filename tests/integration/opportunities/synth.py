"""Seeded synthetic market data for the opportunity engine: parity tests and the benchmark.

Domain objects (instruments, predicted + settled funding, snapshots, books) with realistic variety: 1 h,
4 h, 8 h and continuous intervals, kPEPE-style multipliers, stale and missing inputs, halted markets,
thin books, gaps in history. Loaded through the warehouse's own bulk loaders.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from perpdex_lib.domain.enums import FundingKind, InstrumentStatus, RateUnit, Venue
from perpdex_lib.domain.market import FundingRate, Instrument, MarketSnapshot, OrderBook, OrderBookLevel

NOW = datetime(2026, 2, 20, 12, 30, 15, 123456, tzinfo=UTC)
H = timedelta(hours=1)

# (interval hours, continuous, unit the venue quotes in)
VENUE_STYLE: dict[Venue, tuple[int, bool, RateUnit]] = {
    Venue.LIGHTER: (1, False, RateUnit.PERCENT_PER_HOUR),
    Venue.GRVT: (8, False, RateUnit.PERCENT_PER_INTERVAL),
    Venue.EDGEX: (4, False, RateUnit.FRACTION_PER_INTERVAL),
    Venue.BACKPACK: (1, False, RateUnit.FRACTION_PER_INTERVAL),
    Venue.ASTER: (8, False, RateUnit.FRACTION_PER_INTERVAL),
    Venue.PARADEX: (8, True, RateUnit.FRACTION_PER_INTERVAL),
    Venue.HYPERLIQUID: (1, False, RateUnit.FRACTION_PER_HOUR),
}


@dataclass
class Universe:
    instruments: list[Instrument] = field(default_factory=list)
    funding: list[FundingRate] = field(default_factory=list)
    snapshots: list[MarketSnapshot] = field(default_factory=list)
    books: list[OrderBook] = field(default_factory=list)


def _sig(x: float, digits: int = 6) -> Decimal:
    return Decimal(f"{x:.{digits}g}")


def generate(seed: int, venues: list[Venue], assets: int, *, now: datetime = NOW, history_hours: int = 170,
             listing_p: float = 0.85, faults: bool = True, book_levels: int = 12,
             hourly_everywhere: bool = False) -> Universe:
    """``hourly_everywhere`` makes every discrete venue settle hourly (the benchmark's worst case)."""
    rng = random.Random(seed)
    u = Universe()
    week_start = now.replace(minute=0, second=0, microsecond=0) - history_hours * H
    for a in range(assets):
        asset = f"A{a:03d}"
        base_price = 10 ** rng.uniform(-4, 4.5)
        base_rate_h = rng.gauss(0.00001, 0.00003)  # fraction per hour
        for venue in venues:
            if rng.random() > listing_p:
                continue
            interval, continuous, unit = VENUE_STYLE[venue]
            if venue is Venue.ASTER and rng.random() < 0.3:
                interval = rng.choice((1, 4))
            if hourly_everywhere:
                interval = 1 if not continuous else interval
            multiplier = Decimal(1000) if base_price < 0.01 and rng.random() < 0.5 else Decimal(1)
            symbol = f"{'k' if multiplier > 1 else ''}{asset}-{venue.value[:3].upper()}"
            roll = rng.random() if faults else 1.0
            status = InstrumentStatus.HALTED if roll < 0.02 else InstrumentStatus.ACTIVE
            u.instruments.append(Instrument(
                venue=venue, venue_symbol=symbol, asset=asset, multiplier=multiplier, quote="USD",
                tick_size=Decimal("0.0001"), lot_size=Decimal("0.001"), min_size=None, min_notional_usd=None,
                max_leverage=Decimal(20), funding_interval_hours=Decimal(interval), status=status,
                continuous_funding=continuous,
            ))

            def raw(rate_h: float, unit: RateUnit = unit, interval: int = interval) -> Decimal:
                if unit is RateUnit.PERCENT_PER_HOUR:
                    return _sig(rate_h * 100, 5)
                if unit is RateUnit.FRACTION_PER_HOUR:
                    return _sig(rate_h, 5)
                if unit is RateUnit.PERCENT_PER_INTERVAL:
                    return _sig(rate_h * interval * 100, 5)
                return _sig(rate_h * interval, 5)

            venue_rate = base_rate_h + rng.gauss(0, 0.00006)
            # predicted
            fault = rng.random() if faults else 1.0
            if fault >= 0.03:
                age_s = rng.uniform(1, 600) if fault >= 0.08 else rng.uniform(901, 5000)
                observed = now - timedelta(seconds=age_s)
                next_settle = (now.replace(minute=0, second=0, microsecond=0) + H) if continuous else \
                    _next_settlement(now, interval)
                u.funding.append(FundingRate(
                    venue=venue, venue_symbol=symbol, asset=asset, kind=FundingKind.PREDICTED,
                    funding_time=next_settle, raw_rate=raw(venue_rate), raw_unit=unit,
                    interval_hours=Decimal(interval), venue_ts=observed, observed_at=observed,
                ))
            # settled history
            t = week_start
            step = H if continuous else interval * H
            r = venue_rate
            while t <= now:
                r = 0.9 * r + 0.1 * venue_rate + rng.gauss(0, 0.00001)
                if not faults or rng.random() > 0.05:
                    ft = t + timedelta(minutes=rng.randint(0, 59)) if continuous else t
                    if ft <= now:
                        u.funding.append(FundingRate(
                            venue=venue, venue_symbol=symbol, asset=asset, kind=FundingKind.SETTLED, funding_time=ft,
                            raw_rate=raw(r), raw_unit=unit, interval_hours=Decimal(interval), venue_ts=ft,
                            observed_at=ft,
                        ))
                t += step
            # snapshot
            mark = base_price * float(multiplier) * (1 + rng.uniform(-0.003, 0.003))
            fault = rng.random() if faults else 1.0
            if fault >= 0.02:
                ts = now - timedelta(seconds=rng.uniform(1, 600) if fault >= 0.05 else rng.uniform(901, 3000))
                oi = None if (faults and rng.random() < 0.01) else _sig(10 ** rng.uniform(4.5, 8), 8)
                u.snapshots.append(MarketSnapshot(
                    venue=venue, venue_symbol=symbol, asset=asset, ts=ts, mark_price=_sig(mark, 7),
                    index_price=_sig(mark, 7), open_interest_base=None, open_interest_usd=oi,
                    volume_24h_usd=_sig(10 ** rng.uniform(4, 9), 8),
                ))
            # book
            fault = rng.random() if faults else 1.0
            if fault >= 0.02:
                ts = now - timedelta(seconds=rng.uniform(1, 250) if fault >= 0.05 else rng.uniform(301, 2000))
                half = mark * rng.uniform(0.00003, 0.0008)
                level_usd = 10 ** rng.uniform(3, 4.8)
                bids, asks = [], []
                for i in range(book_levels):
                    gap = half + i * mark * rng.uniform(0.00005, 0.0004)
                    bids.append(OrderBookLevel(_sig(mark - gap, 8), _sig(level_usd * rng.uniform(0.3, 2) / mark, 5)))
                    asks.append(OrderBookLevel(_sig(mark + gap, 8), _sig(level_usd * rng.uniform(0.3, 2) / mark, 5)))
                u.books.append(OrderBook(venue=venue, venue_symbol=symbol, ts=ts, bids=tuple(bids),
                                         asks=tuple(asks)))
    return u


def _next_settlement(now: datetime, interval: int) -> datetime:
    hour = now.replace(minute=0, second=0, microsecond=0)
    step = hour + H
    while step.hour % interval:
        step += H
    return step


def load(conn, u: Universe) -> None:  # type: ignore[no-untyped-def]
    from perpdex_lib.warehouse.load import load_funding_rates, load_instruments, load_order_books, load_snapshots

    load_instruments(conn, u.instruments, observed_at=NOW)
    load_funding_rates(conn, u.funding)
    load_snapshots(conn, u.snapshots)
    load_order_books(conn, u.books)
    conn.commit()

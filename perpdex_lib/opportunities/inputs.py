"""Engine inputs, from the warehouse (``load_inputs``) or from live venue data (``leg_from_market``).

The warehouse path reads the legs through ``analytics.opp_legs(now, lookback)``: the same SQL function
the SQL engine uses to pick each instrument's latest predicted rate, snapshot and book, so the two engines
start from identical inputs. Settled history comes from ``analytics.opp_settled(now)``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from perpdex_lib.domain.enums import FundingKind
from perpdex_lib.domain.market import FundingRate, Instrument, MarketSnapshot, OrderBook
from perpdex_lib.fees import FeeSchedule
from perpdex_lib.opportunities.models import BookSide, LegQuote, MarketInputs, SettledRate
from perpdex_lib.opportunities.params import OpportunityParams


def _side_from_json(raw: Any) -> BookSide | None:
    if raw is None:
        return None
    levels = json.loads(raw) if isinstance(raw, str) else raw
    return tuple((Decimal(str(p)), Decimal(str(s))) for p, s in levels)


def load_inputs(conn: Any, now: datetime, params: OpportunityParams | None = None) -> MarketInputs:
    """Everything the engine needs, in two queries (legs + settled history) plus the fee table."""
    params = params or OpportunityParams()
    with conn.cursor() as cur:
        cur.execute("SELECT venue, tier, maker_fee, taker_fee FROM analytics.fee_schedules")
        fees = {(v, t): (m, tk) for v, t, m, tk in cur.fetchall()}
        cur.execute(
            """SELECT venue, venue_symbol, asset, multiplier, status, interval_hours, continuous_funding,
                      rate_per_hour, funding_time, funding_observed_at, mark_price, open_interest_usd,
                      volume_24h_usd, snapshot_ts, bids, asks, book_ts
                 FROM analytics.opp_legs(%s, make_interval(hours => %s))""",
            (now, params.lookback_hours),
        )
        legs: list[LegQuote] = []
        for row in cur.fetchall():
            (venue, symbol, asset, mult, status, interval, continuous, rate, ftime, fobs, mark, oi, vol,
             sts, bids, asks, bts) = row
            maker, taker = fees.get((venue, params.fee_tier(venue)), (None, None))
            legs.append(LegQuote(
                venue=venue, venue_symbol=symbol, asset=asset, multiplier=mult, status=status,
                interval_hours=interval, continuous_funding=continuous, rate_per_hour=rate, funding_time=ftime,
                funding_observed_at=fobs, mark_price=mark, open_interest_usd=oi, volume_24h_usd=vol,
                snapshot_ts=sts, bids=_side_from_json(bids), asks=_side_from_json(asks), book_ts=bts,
                maker_fee=maker, taker_fee=taker,
            ))
        cur.execute(
            "SELECT venue, venue_symbol, funding_time, rate_per_hour, interval_hours FROM analytics.opp_settled(%s)",
            (now,),
        )
        history: dict[tuple[str, str], list[SettledRate]] = defaultdict(list)
        for venue, symbol, ftime, rate, interval in cur.fetchall():
            history[(venue, symbol)].append(SettledRate(ftime, rate, interval))
    return MarketInputs(legs=tuple(legs), history={k: tuple(v) for k, v in history.items()})


def _book_side(levels: Sequence[Any]) -> BookSide:
    return tuple((lv.price, lv.size) for lv in levels)


def leg_from_market(
    instrument: Instrument,
    funding: FundingRate | None,
    snapshot: MarketSnapshot | None,
    book: OrderBook | None,
    fees: FeeSchedule | None,
) -> LegQuote:
    """A leg built from freshly read venue data (the executor's pre-trade re-check).

    ``funding`` must be the venue's *predicted* rate; any input may be ``None`` and then fails the checks.
    """
    if funding is not None and funding.kind is not FundingKind.PREDICTED:
        raise ValueError("leg_from_market needs the predicted (current) funding rate, not a settled one")
    return LegQuote(
        venue=instrument.venue.value,
        venue_symbol=instrument.venue_symbol,
        asset=instrument.asset,
        multiplier=instrument.multiplier,
        status=instrument.status.value,
        interval_hours=instrument.funding_interval_hours,
        continuous_funding=instrument.continuous_funding,
        rate_per_hour=funding.rate_per_hour if funding else None,
        funding_time=funding.funding_time if funding else None,
        funding_observed_at=funding.observed_at if funding else None,
        mark_price=snapshot.mark_price if snapshot else None,
        open_interest_usd=snapshot.open_interest_usd if snapshot else None,
        volume_24h_usd=snapshot.volume_24h_usd if snapshot else None,
        snapshot_ts=snapshot.ts if snapshot else None,
        bids=_book_side(book.bids) if book else None,
        asks=_book_side(book.asks) if book else None,
        book_ts=book.ts if book else None,
        maker_fee=fees.maker if fees else None,
        taker_fee=fees.taker if fees else None,
    )


def settled_from_rates(rates: Sequence[FundingRate]) -> tuple[SettledRate, ...]:
    """Settled history for :func:`perpdex_lib.opportunities.engine.evaluate_pair` from domain rows."""
    return tuple(SettledRate(r.funding_time, r.rate_per_hour, r.interval_hours)
                 for r in rates if r.kind is FundingKind.SETTLED)

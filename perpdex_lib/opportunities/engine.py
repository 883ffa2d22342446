"""The opportunity maths in Python (the executor's pre-trade re-check and the CLI's ``--engine python``).

For asset A, long venue L, short venue S and notional N per leg (docs/OPPORTUNITIES.md has the full
derivation and a worked example)::

    spread      = r_S - r_L                                   fraction per hour
    fees        = N * 2 * (f_L + f_S)                         entry + exit of both legs, maker or taker
    slippage    = walk(L asks) + walk(L bids) + walk(S bids) + walk(S asks)   versus each venue's mid
    basis       = N * max(0, (P_L - P_S) / mean(P_L, P_S))    P = mark / multiplier (canonical unit)
    C           = fees + slippage + basis                     one-off, not per interval
    net(H)      = spread * N * H - C
    APR         = net(H) / (N * H) * 8760
    break_even  = C / (spread * N)                            hours

The SQL engine (``analytics.compute_opportunities``) implements the same rules; the parity test proves
they agree digit for digit. Checks fail closed: a missing or stale input rejects the pair with a reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from perpdex_lib.fees import ExecutionStyle
from perpdex_lib.opportunities.book import Walk, mid_price, valid_side, walk
from perpdex_lib.opportunities.models import (
    EngineResult,
    LegQuote,
    MarketInputs,
    Opportunity,
    Persistence,
    ReasonCode,
    Rejection,
    SettledRate,
)
from perpdex_lib.opportunities.numeric import (
    BPS,
    HOURS_PER_YEAR,
    ONE_BP,
    div18,
    engine_context,
    floor_hour,
    seconds_between,
)
from perpdex_lib.opportunities.params import PERSISTENCE_WINDOWS_HOURS, OpportunityParams
from perpdex_lib.opportunities.persistence import hourly_series, spread_stats

_ZERO = Decimal(0)
_TWO = Decimal(2)
PairHistory = tuple[Sequence[SettledRate], Sequence[SettledRate]]  # (long leg, short leg)


@dataclass(frozen=True, slots=True)
class LegEval:
    """Per-leg results shared by every pair the leg is in: the check outcome, the book walks, ages."""

    leg: LegQuote
    reason: ReasonCode | None
    detail: str
    fee: Decimal = _ZERO
    buy: Walk | None = None  # walking the asks (long entry, short exit)
    sell: Walk | None = None  # walking the bids (long exit, short entry)
    max_age_s: Decimal = _ZERO
    next_funding_s: Decimal = _ZERO


def _leg_name(leg: LegQuote) -> str:
    return f"{leg.venue}:{leg.venue_symbol}"


def evaluate_leg(leg: LegQuote, params: OpportunityParams, now: datetime) -> LegEval:
    """Run the leg checks in their documented order; the first failure is the reason."""
    name = _leg_name(leg)

    def fail(code: ReasonCode, detail: str) -> LegEval:
        return LegEval(leg, code, f"{name} {detail}")

    if leg.status != "active":
        return fail(ReasonCode.INSTRUMENT_INACTIVE, f"status {leg.status}")
    if leg.rate_per_hour is None or leg.funding_observed_at is None or leg.funding_time is None:
        return fail(ReasonCode.MISSING_FUNDING, "has no predicted funding rate")
    funding_age = seconds_between(now, leg.funding_observed_at)
    if funding_age > params.max_funding_age_s:
        return fail(ReasonCode.STALE_FUNDING, f"funding age {funding_age}s > {params.max_funding_age_s}s")
    if leg.snapshot_ts is None:
        return fail(ReasonCode.MISSING_SNAPSHOT, "has no market snapshot")
    snapshot_age = seconds_between(now, leg.snapshot_ts)
    if snapshot_age > params.max_snapshot_age_s:
        return fail(ReasonCode.STALE_SNAPSHOT, f"snapshot age {snapshot_age}s > {params.max_snapshot_age_s}s")
    if leg.mark_price is None or leg.mark_price <= 0:
        return fail(ReasonCode.MISSING_MARK, "has no mark price")
    if leg.volume_24h_usd is None:
        return fail(ReasonCode.MISSING_VOLUME, "has no 24 h volume")
    if leg.open_interest_usd is None or leg.open_interest_usd <= 0:
        return fail(ReasonCode.MISSING_OPEN_INTEREST, "has no open interest")
    if leg.book_ts is None or not valid_side(leg.bids) or not valid_side(leg.asks):
        return fail(ReasonCode.MISSING_BOOK, "has no usable order book")
    book_age = seconds_between(now, leg.book_ts)
    if book_age > params.max_book_age_s:
        return fail(ReasonCode.STALE_BOOK, f"book age {book_age}s > {params.max_book_age_s}s")
    fee = leg.maker_fee if params.execution_style is ExecutionStyle.MAKER else leg.taker_fee
    if fee is None:
        return fail(ReasonCode.MISSING_FEE, f"has no {params.execution_style} fee")
    assert leg.bids is not None and leg.asks is not None
    mid = mid_price(leg.bids, leg.asks)
    qty = div18(params.notional_usd, mid)
    limit = params.max_slippage_bps * ONE_BP
    buy = walk(leg.asks, mid, qty, limit)
    sell = walk(leg.bids, mid, qty, limit)
    if buy.depth_qty < qty or sell.depth_qty < qty:
        return fail(ReasonCode.INSUFFICIENT_DEPTH,
                    f"book depth {min(buy.depth_qty, sell.depth_qty)} < {qty} units needed at mid {mid}")
    next_funding = _ZERO if leg.continuous_funding else max(_ZERO, seconds_between(leg.funding_time, now))
    return LegEval(leg, None, "", fee=fee, buy=buy, sell=sell,
                   max_age_s=max(funding_age, snapshot_age, book_age), next_funding_s=next_funding)


def _reject(long: LegQuote, short: LegQuote, code: ReasonCode, detail: str) -> Rejection:
    return Rejection(long.asset, long.venue, long.venue_symbol, short.venue, short.venue_symbol, code, detail)


Series = dict[datetime, Decimal]


def leg_series(leg: LegQuote, rates: Sequence[SettledRate], now: datetime) -> Series:
    """The leg's hourly settled series over the widest persistence window ending at the current hour."""
    window_end = floor_hour(now)
    window_start = window_end - timedelta(hours=max(PERSISTENCE_WINDOWS_HOURS))
    settled = (r for r in rates if r.funding_time <= now)  # a "settlement" after now has not happened
    return hourly_series(settled, leg.continuous_funding, window_start, window_end)


def _persistence(series: tuple[Series, Series] | None, now: datetime) -> tuple[Persistence, Persistence]:
    if series is None:
        empty = Persistence(0, None, None, None)
        return empty, empty
    window_end = floor_hour(now)
    day, week = (spread_stats(series[0], series[1], window_end - timedelta(hours=w))
                 for w in PERSISTENCE_WINDOWS_HOURS)
    return day, week


def _evaluate(le: LegEval, se: LegEval, params: OpportunityParams, now: datetime,
              series: Callable[[], tuple[Series, Series] | None]) -> Opportunity | Rejection:
    long, short = le.leg, se.leg
    for ev in (le, se):
        if ev.reason is not None:
            return _reject(long, short, ev.reason, ev.detail)
    assert long.rate_per_hour is not None and short.rate_per_hour is not None
    assert long.mark_price is not None and short.mark_price is not None
    assert long.volume_24h_usd is not None and short.volume_24h_usd is not None
    assert long.open_interest_usd is not None and short.open_interest_usd is not None
    assert le.buy and le.sell and se.buy and se.sell
    n, h = params.notional_usd, params.horizon_hours

    spread = short.rate_per_hour - long.rate_per_hour
    if spread <= params.min_spread_per_hour:
        return _reject(long, short, ReasonCode.SPREAD_BELOW_MIN,
                       f"spread {spread}/h <= {params.min_spread_per_hour}/h")
    price_long = div18(long.mark_price, long.multiplier)
    price_short = div18(short.mark_price, short.multiplier)
    basis = div18(_TWO * (price_long - price_short), price_long + price_short)
    basis_bps = basis * BPS
    if abs(basis_bps) > params.max_basis_bps:
        return _reject(long, short, ReasonCode.BASIS_ABOVE_MAX,
                       f"basis {basis_bps} bps beyond {params.max_basis_bps} bps")
    limit_usd = params.max_slippage_bps * ONE_BP * n
    walks = (le.buy, le.sell, se.buy, se.sell)
    worst = max(w.slippage_usd for w in walks)
    if worst > limit_usd:
        return _reject(long, short, ReasonCode.SLIPPAGE_ABOVE_MAX,
                       f"slippage {worst} USD on one walk > {limit_usd} USD")
    min_volume = min(long.volume_24h_usd, short.volume_24h_usd)
    if min_volume < params.min_volume_24h_usd:
        return _reject(long, short, ReasonCode.VOLUME_BELOW_MIN,
                       f"24 h volume {min_volume} USD < {params.min_volume_24h_usd} USD")
    oi_share = div18(n, min(long.open_interest_usd, short.open_interest_usd))
    if oi_share > params.max_oi_share:
        return _reject(long, short, ReasonCode.OI_SHARE_ABOVE_MAX,
                       f"notional is {oi_share} of open interest > {params.max_oi_share}")

    fee_cost = n * _TWO * (le.fee + se.fee)
    slippage_cost = sum((w.slippage_usd for w in walks), _ZERO)
    basis_cost = n * (basis if params.credit_basis_gain else max(basis, _ZERO))
    total_cost = fee_cost + slippage_cost + basis_cost
    income = spread * n * h
    net = income - total_cost
    net_apr = div18(net * HOURS_PER_YEAR, n * h)
    if net_apr < params.min_net_apr:
        return _reject(long, short, ReasonCode.NET_APR_BELOW_MIN, f"net APR {net_apr} < {params.min_net_apr}")
    if spread <= 0:
        break_even = None
    elif total_cost <= 0:
        break_even = _ZERO
    else:
        break_even = div18(total_cost, spread * n)

    day, week = _persistence(series(), now)
    if week.hours < params.min_history_hours:
        return _reject(long, short, ReasonCode.HISTORY_TOO_SHORT,
                       f"{week.hours} common settled hours in 7 d < {params.min_history_hours}")
    return Opportunity(
        rank=0, asset=long.asset, long_venue=long.venue, long_symbol=long.venue_symbol,
        short_venue=short.venue, short_symbol=short.venue_symbol,
        long_rate_per_hour=long.rate_per_hour, short_rate_per_hour=short.rate_per_hour,
        spread_per_hour=spread, gross_apr=spread * HOURS_PER_YEAR, notional_usd=n, horizon_hours=h,
        execution_style=params.execution_style.value, fee_cost_usd=fee_cost, slippage_cost_usd=slippage_cost,
        basis_bps=basis_bps, basis_cost_usd=basis_cost, total_cost_usd=total_cost, funding_income_usd=income,
        net_usd=net, net_apr=net_apr, break_even_hours=break_even,
        liquidity_cap_usd=min(w.cap_usd for w in walks), oi_share=oi_share,
        long_next_funding_s=le.next_funding_s, short_next_funding_s=se.next_funding_s,
        long_interval_hours=long.interval_hours, short_interval_hours=short.interval_hours,
        interval_mismatch=(long.interval_hours != short.interval_hours
                           or long.continuous_funding != short.continuous_funding),
        max_input_age_s=max(le.max_age_s, se.max_age_s), persistence_24h=day, persistence_7d=week,
    )


def evaluate_pair(long_leg: LegQuote, short_leg: LegQuote, params: OpportunityParams, now: datetime,
                  history: PairHistory | None = None) -> Opportunity | Rejection:
    """One pair, e.g. the executor's re-check on freshly read venue data right before trading."""
    with engine_context():
        if long_leg.asset != short_leg.asset:
            raise ValueError(f"legs trade different assets: {long_leg.asset} vs {short_leg.asset}")

        def series() -> tuple[Series, Series] | None:
            if history is None:
                return None
            return leg_series(long_leg, history[0], now), leg_series(short_leg, history[1], now)

        return _evaluate(evaluate_leg(long_leg, params, now), evaluate_leg(short_leg, params, now),
                         params, now, series)


def ranking_key(o: Opportunity) -> tuple:  # type: ignore[type-arg]
    """Net APR at H, then spread, both descending; then names, so equal scores order deterministically."""
    return (-o.net_apr, -o.spread_per_hour, o.asset, o.long_venue, o.long_symbol, o.short_venue, o.short_symbol)


def compute(inputs: MarketInputs, params: OpportunityParams, now: datetime) -> EngineResult:
    """Every ordered pair of legs on different venues for each asset listed on two or more venues."""
    with engine_context():
        by_asset: dict[str, list[LegQuote]] = defaultdict(list)
        for leg in inputs.legs:
            by_asset[leg.asset].append(leg)
        evals = {leg.key: evaluate_leg(leg, params, now) for leg in inputs.legs}
        history: Mapping[tuple[str, str], Sequence[SettledRate]] = inputs.history
        cache: dict[tuple[str, str], Series] = {}

        def cached(leg: LegQuote) -> Series:
            if leg.key not in cache:
                cache[leg.key] = leg_series(leg, history.get(leg.key, ()), now)
            return cache[leg.key]

        opportunities: list[Opportunity] = []
        rejections: list[Rejection] = []
        for asset in sorted(by_asset):
            legs = sorted(by_asset[asset], key=lambda leg: leg.key)
            if len({leg.venue for leg in legs}) < 2:
                continue
            for long in legs:
                for short in legs:
                    if long.venue == short.venue:
                        continue
                    out = _evaluate(evals[long.key], evals[short.key], params, now,
                                    lambda lg=long, sh=short: (cached(lg), cached(sh)))
                    (opportunities if isinstance(out, Opportunity) else rejections).append(out)  # type: ignore[arg-type]
        opportunities.sort(key=ranking_key)
        ranked = tuple(_with_rank(o, i) for i, o in enumerate(opportunities, start=1))
        return EngineResult(opportunities=ranked, rejections=tuple(rejections))


def _with_rank(o: Opportunity, rank: int) -> Opportunity:
    return replace(o, rank=rank)

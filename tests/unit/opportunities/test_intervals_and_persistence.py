"""1 h, 4 h, 8 h and continuously accrued funding: normalisation, hourly series and persistence."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from perpdex_lib.domain.enums import FundingKind, InstrumentStatus, RateUnit, Venue
from perpdex_lib.domain.market import FundingRate, Instrument, MarketSnapshot, OrderBook, OrderBookLevel
from perpdex_lib.fees import DEFAULT_FEES, FeeTable
from perpdex_lib.opportunities.engine import evaluate_pair
from perpdex_lib.opportunities.inputs import leg_from_market, settled_from_rates
from perpdex_lib.opportunities.models import Opportunity, SettledRate
from perpdex_lib.opportunities.params import OpportunityParams
from perpdex_lib.opportunities.persistence import hourly_series, spread_stats
from tests.unit.opportunities.legs import NOW, D, leg

H = timedelta(hours=1)
END = datetime(2026, 2, 20, 12, tzinfo=UTC)  # floor_hour(NOW)
START = END - 168 * H


def _s(t: datetime, rate: str, interval: str) -> SettledRate:
    return SettledRate(t, D(rate), D(interval))


def test_a_settlement_is_spread_over_the_hours_it_paid_for() -> None:
    one = hourly_series([_s(END, "0.00001", "1")], False, START, END)
    four = hourly_series([_s(END, "0.00002", "4")], False, START, END)
    eight = hourly_series([_s(END - 4 * H, "0.00003", "8")], False, START, END)
    assert one == {END - H: D("0.00001")}
    assert four == {END - k * H: D("0.00002") for k in (1, 2, 3, 4)}
    assert eight == {END - 4 * H - k * H: D("0.00003") for k in range(1, 9)}


def test_continuous_observations_average_within_their_hour() -> None:
    rates = [_s(END - 2 * H + timedelta(minutes=15), "0.00003", "8"),
             _s(END - 2 * H + timedelta(minutes=45), "0.00005", "8"),
             _s(END - H + timedelta(minutes=20), "0.00001", "8")]
    assert hourly_series(rates, True, START, END) == {END - 2 * H: D("0.00004"), END - H: D("0.00001")}


def test_buckets_outside_the_window_are_dropped() -> None:
    # a settlement at END + 4 h (the running interval) must not leak into the past window
    assert hourly_series([_s(END + 4 * H, "0.1", "8")], False, START, END) == {
        END - H: D("0.1"), END - 2 * H: D("0.1"), END - 3 * H: D("0.1"), END - 4 * H: D("0.1")}
    assert hourly_series([_s(START, "0.1", "1")], False, START, END) == {}


def test_persistence_from_a_known_history() -> None:
    # long: hourly 0.00001 for the last 8 h; short: 4 h settlements 0.00001 (04-08 h) and 0.00002 (08-12 h)
    long_rates = [_s(END - k * H, "0.00001", "1") for k in range(8)]
    short_rates = [_s(END - 4 * H, "0.00001", "4"), _s(END, "0.00002", "4")]
    ls = hourly_series(long_rates, False, START, END)
    ss = hourly_series(short_rates, False, START, END)
    stats = spread_stats(ls, ss, END - 24 * H)
    assert stats.hours == 8
    assert stats.mean == D("0.000005")  # four hours at 0, four at 0.00001
    assert stats.share_positive == D("0.5")
    assert abs(float(stats.stdev) - math.sqrt(8 * (5e-6) ** 2 / 7)) < 1e-18  # 18 decimal places
    assert spread_stats(ls, ss, END - 2 * H).hours == 2  # a narrower window sees fewer hours


def test_pair_persistence_reported_on_the_opportunity() -> None:
    long_rates = [_s(END - k * H, "0.00001", "1") for k in range(30)]
    short_rates = [_s(END - k * 8 * H, "0.00003", "8") for k in range(4)]  # 32 h, 8 h settlements
    opp = evaluate_pair(leg("lighter", "0.00001"), leg("aster", "0.00003", interval="8"), OpportunityParams(), NOW,
                        history=(long_rates, short_rates))
    assert isinstance(opp, Opportunity)
    assert opp.persistence_24h.hours == 24 and opp.persistence_7d.hours == 30  # long has 30 h, short 32 h
    assert opp.persistence_24h.mean == D("0.00002") and opp.persistence_24h.stdev == 0
    assert opp.persistence_7d.share_positive == 1


def _instrument(venue: Venue, interval: str, continuous: bool = False) -> Instrument:
    return Instrument(venue=venue, venue_symbol="BTC", asset="BTC", multiplier=D(1), quote="USD",
                      tick_size=D("0.1"), lot_size=D("0.001"), min_size=None, min_notional_usd=None,
                      max_leverage=None, funding_interval_hours=D(interval), status=InstrumentStatus.ACTIVE,
                      continuous_funding=continuous)


def _live_leg(venue: Venue, raw: str, unit: RateUnit, interval: str, continuous: bool = False):  # type: ignore[no-untyped-def]
    t = NOW - timedelta(seconds=5)
    fr = FundingRate(venue=venue, venue_symbol="BTC", asset="BTC", kind=FundingKind.PREDICTED,
                     funding_time=END + H, raw_rate=D(raw), raw_unit=unit, interval_hours=D(interval),
                     venue_ts=t, observed_at=t)
    snap = MarketSnapshot(venue=venue, venue_symbol="BTC", asset="BTC", ts=t, mark_price=D(100),
                          index_price=D(100), open_interest_base=D(10**6), open_interest_usd=D(10**8),
                          volume_24h_usd=D(10**8))
    book = OrderBook(venue=venue, venue_symbol="BTC", ts=t, bids=(OrderBookLevel(D(100), D(10**6)),),
                     asks=(OrderBookLevel(D(100), D(10**6)),))
    return leg_from_market(_instrument(venue, interval, continuous), fr, snap, book,
                           FeeTable(DEFAULT_FEES).get(venue))


def test_live_legs_at_1h_4h_8h_and_continuous_intervals_compare_per_hour() -> None:
    hl = _live_leg(Venue.HYPERLIQUID, "0.0000125", RateUnit.FRACTION_PER_HOUR, "1")  # 0.00125 %/h
    edgex = _live_leg(Venue.EDGEX, "0.0002", RateUnit.FRACTION_PER_INTERVAL, "4")  # 0.00005/h
    aster = _live_leg(Venue.ASTER, "0.0004", RateUnit.FRACTION_PER_INTERVAL, "8")  # 0.00005/h
    paradex = _live_leg(Venue.PARADEX, "0.0008", RateUnit.FRACTION_PER_INTERVAL, "8", continuous=True)  # 0.0001/h
    assert [x.rate_per_hour for x in (hl, edgex, aster, paradex)] == [
        D("0.0000125"), D("0.00005"), D("0.00005"), D("0.0001")]
    params = OpportunityParams(horizon_hours=D(168))
    same = evaluate_pair(edgex, aster, params, NOW)
    assert same.reason_code == "spread_below_min"  # type: ignore[union-attr]  # 4 h vs 8 h, equal per hour
    opp = evaluate_pair(hl, paradex, params, NOW)
    assert isinstance(opp, Opportunity)
    assert opp.spread_per_hour == D("0.0000875")
    assert opp.interval_mismatch is True
    assert opp.short_next_funding_s == 0  # continuous accrual: funding is earned right away
    assert opp.long_next_funding_s == D(1800)
    e_vs_a = evaluate_pair(aster, edgex, OpportunityParams(min_spread_per_hour=D(-1), min_net_apr=D(-1)), NOW)
    assert isinstance(e_vs_a, Opportunity) and e_vs_a.interval_mismatch is True


def test_settled_from_rates_keeps_only_settlements() -> None:
    t = END - H
    rows = [FundingRate(venue=Venue.LIGHTER, venue_symbol="BTC", asset="BTC", kind=k, funding_time=t,
                        raw_rate=D("0.001"), raw_unit=RateUnit.PERCENT_PER_HOUR, interval_hours=D(1),
                        venue_ts=None, observed_at=t) for k in (FundingKind.SETTLED, FundingKind.PREDICTED)]
    assert settled_from_rates(rows) == (SettledRate(t, Decimal("0.00001"), D(1)),)

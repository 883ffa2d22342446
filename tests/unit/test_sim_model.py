from datetime import UTC, datetime, timedelta
from decimal import Decimal

from perpdex_lib.domain.enums import Venue
from perpdex_lib.sim.model import MarketModel


def test_model_is_deterministic_per_seed():
    t = datetime(2026, 11, 1, 12, 30, tzinfo=UTC)
    a, b, c = MarketModel(seed=1), MarketModel(seed=1), MarketModel(seed=2)
    btc = a.asset("BTC")
    assert a.mark_price(Venue.ASTER, btc, t) == b.mark_price(Venue.ASTER, btc, t)
    assert a.hourly_rate(Venue.ASTER, btc, t) == b.hourly_rate(Venue.ASTER, btc, t)
    assert a.hourly_rate(Venue.ASTER, btc, t) != c.hourly_rate(Venue.ASTER, btc, t)


def test_settled_history_is_the_mean_of_the_hours_it_covers():
    m = MarketModel(seed=3)
    eth = m.asset("ETH")
    settlement = datetime(2026, 11, 1, 8, tzinfo=UTC)
    hours = [settlement - timedelta(hours=i + 1) for i in range(4)]  # EdgeX settles every 4 h
    expected = sum(m.hourly_rate(Venue.EDGEX, eth, h) for h in hours) / 4
    assert m.settled_rate_per_hour(Venue.EDGEX, eth, settlement) == expected.quantize(Decimal("1e-10"))
    # settlements fall on the venue's interval grid
    times = m.settlement_times(Venue.EDGEX, eth, settlement - timedelta(days=1), settlement)
    assert len(times) == 6 and all(t.hour % 4 == 0 for t in times)


def test_funding_flips_sign_somewhere_in_a_month():
    m = MarketModel(seed=5)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    signs = {
        m.hourly_rate(Venue.HYPERLIQUID, a, start + timedelta(hours=h)) > 0
        for a in m.assets[:5]
        for h in range(0, 24 * 30, 3)
    }
    assert signs == {True, False}


def test_sub_cent_assets_are_quoted_per_thousand_where_venues_do():
    m = MarketModel()
    pepe = m.asset("PEPE")
    assert m.multiplier(Venue.HYPERLIQUID, pepe) == 1000
    assert m.multiplier(Venue.GRVT, pepe) == 1
    t = datetime(2026, 11, 1, tzinfo=UTC)
    ratio = m.index_price(Venue.HYPERLIQUID, pepe, t) / m.index_price(Venue.GRVT, pepe, t)
    assert abs(ratio - 1000) < 1

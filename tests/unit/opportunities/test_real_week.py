"""The engine on a real multi-venue week: Loris Tools hourly funding, 2026-02-19 .. 2026-02-26.

Units (real_data README §3): ``y`` is funding in basis points normalised to 8 hours, an hourly series of
each venue's live rate, so rate_per_hour = y / 10_000 / 8. We treat each hourly value as the payment for
that hour (interval 1 h, settled at the end of the hour) and the last value as the live prediction.
Skipped when ../shared/real_data is absent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from perpdex_lib.fees import DEFAULT_FEES, FeeTable
from perpdex_lib.opportunities.engine import compute
from perpdex_lib.opportunities.models import MarketInputs, SettledRate
from perpdex_lib.opportunities.params import OpportunityParams
from tests.unit.opportunities.legs import leg

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "real_data" / "loris_tools_30_venues_hourly_2026-02"
OUR_VENUES = ("hyperliquid", "lighter", "paradex", "grvt", "edgex", "aster")
NOW = datetime(2026, 2, 26, 0, 10, tzinfo=UTC)
H = timedelta(hours=1)


def q18(x: Decimal) -> Decimal:
    return x.quantize(Decimal("1e-18"), rounding=ROUND_HALF_UP)


def _series() -> dict[str, dict[str, dict[datetime, Decimal]]]:
    if not DATA.is_dir():
        pytest.skip("real data not present")
    out: dict[str, dict[str, dict[datetime, Decimal]]] = {}
    for asset in ("BTC", "ETH", "SOL", "ARB"):
        doc = json.loads((DATA / f"loris_historical_{asset}.json").read_text())
        out[asset] = {
            venue: {datetime.fromisoformat(p["t"].replace("Z", "+00:00")): Decimal(str(p["y"])) / 80_000
                    for p in doc["series"][venue] if p["y"] is not None}
            for venue in OUR_VENUES if venue in doc["series"]
        }
    return out


def _inputs(series: dict[str, dict[str, dict[datetime, Decimal]]]) -> MarketInputs:
    fees = FeeTable(DEFAULT_FEES)
    legs, history = [], {}
    for asset, by_venue in series.items():
        for venue, points in by_venue.items():
            last_t = max(t for t in points if t < NOW)
            f = fees.get(venue)
            q = leg(venue, points[last_t], asset=asset, symbol=f"{asset}@{venue}", maker=str(f.maker),
                    taker=str(f.taker), now=NOW)
            legs.append(q)
            history[q.key] = tuple(SettledRate(t + H, r, Decimal(1)) for t, r in points.items() if t + H <= NOW)
    return MarketInputs(legs=tuple(legs), history=history)


def test_real_week_persistence_matches_an_independent_computation() -> None:
    series = _series()
    result = compute(_inputs(series), OpportunityParams(execution_style="maker", horizon_hours=Decimal(168)), NOW)
    assert result.opportunities, "this week had cross-venue spreads worth a week's maker round trip"
    end = NOW.replace(minute=0)
    for o in result.opportunities:
        long, short = series[o.asset][o.long_venue], series[o.asset][o.short_venue]
        hours = [end - k * H for k in range(1, 169)]
        # the engine keeps hourly values to 18 decimal places (docs/OPPORTUNITIES.md), so float noise in the
        # source such as 0.19999999999999998 bps does not count as a positive hour
        diffs = [q18(short[h]) - q18(long[h]) for h in hours if h in long and h in short]
        assert o.persistence_7d.hours == len(diffs) == 168
        mean = sum(diffs) / len(diffs)
        assert abs(o.persistence_7d.mean - mean) < Decimal("1e-18")
        assert o.persistence_7d.share_positive.quantize(Decimal("1e-12")) == \
            (Decimal(sum(d > 0 for d in diffs)) / len(diffs)).quantize(Decimal("1e-12"))
        day = [q18(short[h]) - q18(long[h]) for h in hours[:24]]
        assert abs(o.persistence_24h.mean - sum(day) / 24) < Decimal("1e-18")
        assert o.spread_per_hour > 0 and o.net_apr >= 0
    aprs = [o.net_apr for o in result.opportunities]
    assert aprs == sorted(aprs, reverse=True) and result.opportunities[0].rank == 1


def test_real_week_taker_set_is_a_subset_of_the_maker_set() -> None:
    # every venue's maker fee <= its taker fee, so anything worth trading with taker fees is worth it as maker
    inputs = _inputs(_series())
    pairs = {}
    for style in ("maker", "taker"):
        res = compute(inputs, OpportunityParams(execution_style=style, horizon_hours=Decimal(72)), NOW)
        pairs[style] = {(o.asset, o.long_venue, o.short_venue): o.net_apr for o in res.opportunities}
    assert set(pairs["taker"]) <= set(pairs["maker"])
    assert all(pairs["taker"][k] < pairs["maker"][k] for k in pairs["taker"])
    assert len(pairs["maker"]) > len(pairs["taker"])

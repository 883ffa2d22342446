"""Backpack's own SDK (bpx-py) reads the simulator: proof that the simulator speaks Backpack's protocol.

The SDK's base URL is a class attribute; overriding ``BASE_URL`` on the instance (with the trailing slash the
SDK expects) points it at the shared simulator. Values are checked against the market model.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from perpdex_lib.domain import Venue
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.venues.backpack import perp_symbol
from tests.venues_support import shape_diff

pytestmark = pytest.mark.integration
BP = Venue.BACKPACK
SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples" / "backpack"


@pytest.fixture
def public(sim_urls):
    from bpx.public import Public

    pub = Public()
    pub.BASE_URL = f"{sim_urls[BP]}/"
    return pub


@pytest.fixture
def async_public(sim_urls):
    from bpx.async_.public import Public

    pub = Public()
    pub.BASE_URL = f"{sim_urls[BP]}/"
    return pub


def test_sdk_reads_markets_and_market(public, sim_model: MarketModel) -> None:
    markets = public.get_markets()
    perps = [m for m in markets if m["marketType"] == "PERP"]
    listed = sim_model.listed(BP)
    assert len(perps) == len(listed)
    assert {m["symbol"] for m in perps} == {perp_symbol(sim_model, a) for a in listed}
    by_symbol = {m["symbol"]: m for m in perps}
    for a in listed:
        m, spec = by_symbol[perp_symbol(sim_model, a)], sim_model.spec(BP, a)
        assert Decimal(m["filters"]["price"]["tickSize"]) == spec.tick
        assert m["fundingInterval"] == spec.interval_h * 3_600_000
    assert by_symbol["kPEPE_USDC_PERP"]["baseSymbol"] == "kPEPE"
    one = public._endpoint("api/v1/markets/BTC_USDC_PERP")  # the SDK's single-market URL
    assert public.http_client.get(one)["symbol"] == "BTC_USDC_PERP"


def test_sdk_reads_mark_prices_and_funding(public, sim_model: MarketModel) -> None:
    before = datetime.now(UTC)
    marks = asyncio.run(public.get_all_mark_prices())  # an ``async def`` on the sync client (SDK quirk)
    after = datetime.now(UTC)
    perps = {m["symbol"]: m for m in marks if "fundingRate" in m}
    assert len(perps) == len(sim_model.listed(BP))
    for a in sim_model.listed(BP):
        row = perps[perp_symbol(sim_model, a)]
        interval = sim_model.interval_hours(BP, a)
        truths = {sim_model.predicted_rate_per_hour(BP, a, t) * interval for t in (before, after)}
        assert Decimal(row["fundingRate"]) in truths
        assert row["nextFundingTimestamp"] in {
            int(sim_model.next_settlement(BP, a, t).timestamp() * 1000) for t in (before, after)
        }


def test_sdk_reads_funding_history(public, sim_model: MarketModel) -> None:
    rows = public.get_funding_interval_rates("ETH_USDC_PERP")  # the SDK asks for limit=100
    a = sim_model.asset("ETH")
    assert len(rows) == 100
    times = [datetime.fromisoformat(r["intervalEndTimestamp"]).replace(tzinfo=UTC) for r in rows]
    assert times == sorted(times, reverse=True) and times[0] - times[1] == timedelta(hours=1)
    for t, r in zip(times[::9], rows[::9], strict=True):
        assert Decimal(r["fundingRate"]) == sim_model.settled_rate_per_hour(BP, a, t)


def test_sdk_reads_oi_tickers_depth_and_system(public, sim_model: MarketModel) -> None:
    n = len(sim_model.listed(BP))
    assert len(public.get_open_interest()) == n
    [oi] = public.get_open_interest("BTC_USDC_PERP")
    assert Decimal(oi["openInterest"]) > 0
    tickers = public.get_tickers()
    assert len([t for t in tickers if t["symbol"].endswith("_PERP")]) == n
    assert public.get_ticker("SOL_USDC_PERP")["symbol"] == "SOL_USDC_PERP"
    depth = public.get_depth("BTC_USDC_PERP")
    assert Decimal(depth["bids"][0][0]) < Decimal(depth["asks"][0][0])
    assert isinstance(depth["timestamp"], int) and isinstance(depth["lastUpdateId"], str)
    assert public.get_status() == {"status": "Ok", "message": None}
    assert public.get_ping() == "pong"
    assert abs(int(public.get_time()) / 1000 - datetime.now(UTC).timestamp()) < 60


def test_async_sdk_reads_the_same(async_public, sim_model: MarketModel) -> None:
    async def read():
        return await asyncio.gather(
            async_public.get_markets(),
            async_public.get_all_mark_prices(),
            async_public.get_funding_interval_rates("BTC_USDC_PERP", limit=5),
        )

    markets, marks, history = asyncio.run(read())
    n = len(sim_model.listed(BP))
    assert len([m for m in markets if m["marketType"] == "PERP"]) == n
    assert len([m for m in marks if "fundingRate" in m]) == n
    assert len(history) == 5 and {r["symbol"] for r in history} == {"BTC_USDC_PERP"}


# ---- body shapes against the recorded samples --------------------------------------------------------
SHAPES = [
    ("/api/v1/markets", "markets"),
    ("/api/v1/market?symbol=BTC_USDC_PERP", "market"),
    ("/api/v1/markPrices", "mark_prices"),
    ("/api/v1/openInterest", "open_interest"),
    ("/api/v1/fundingRates?symbol=BTC_USDC_PERP&limit=3", "funding_rates_history"),
    ("/api/v1/tickers", "tickers"),
    ("/api/v1/ticker?symbol=BTC_USDC_PERP", "ticker"),
    ("/api/v1/depth?symbol=BTC_USDC_PERP&limit=5", "depth"),
    ("/api/v1/status", "status"),
]


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared exchange_samples not present")
@pytest.mark.parametrize(("path", "sample"), SHAPES, ids=[s for _, s in SHAPES])
def test_simulator_body_has_the_sample_shape(sim_urls, path: str, sample: str) -> None:
    with urllib.request.urlopen(f"{sim_urls[BP]}{path}", timeout=10) as resp:
        body = json.loads(resp.read(), parse_float=Decimal)
    want = json.loads((SAMPLES / f"{sample}.json").read_text(), parse_float=Decimal)
    assert shape_diff(want, body, null_accepts_any=True) == []

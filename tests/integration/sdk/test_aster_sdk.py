"""Aster protocol compatibility: the simulator's bodies have the recorded bodies' exact shape.

Aster publishes no official Python SDK (the old system used a Binance-style connector pinned to a git commit),
and ccxt - the one client that speaks Aster - is not installed and is not added for this. So instead of an SDK
round trip, every public endpoint the connector uses is fetched from the shared simulator (``/fapi/v1`` and
``/fapi/v3``) and compared with the sample body in ``exchange_samples/aster``: same keys at every level, same
JSON types (string vs number vs bool vs null vs list), recursively; list items must each match one sample item
(exchangeInfo filters differ per ``filterType``). Any Binance-compatible client reading the real venue
therefore reads the simulator too. A few values are checked against the model as well.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from perpdex_lib.domain import Venue
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.venues.wire import decode_json
from tests.venues_support import shape_diff

pytestmark = pytest.mark.integration
AS = Venue.ASTER
SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples" / "aster"

# (path, query, sample file): every public endpoint the connector (and a Binance-style client) reads
ENDPOINTS = [
    ("exchangeInfo", {}, "exchange_info"),
    ("premiumIndex", {}, "premium_index_all"),
    ("premiumIndex", {"symbol": "BTCUSDT"}, "premium_index"),
    ("fundingInfo", {}, "funding_info"),
    ("fundingRate", {"symbol": "BTCUSDT", "limit": "5"}, "funding_rate_history"),
    ("ticker/24hr", {}, "ticker_24hr_all"),
    ("ticker/24hr", {"symbol": "BTCUSDT"}, "ticker_24hr"),
    ("openInterest", {"symbol": "BTCUSDT"}, "open_interest"),
    ("depth", {"symbol": "BTCUSDT", "limit": "10"}, "depth"),
]


async def _get(base: str, path: str, query: dict[str, str]) -> Any:
    async with aiohttp.ClientSession() as s, s.get(f"{base}{path}", params=query) as r:
        assert r.status == 200, await r.text()
        assert r.content_type == "application/json"
        return decode_json(await r.text())


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared exchange_samples not present")
@pytest.mark.parametrize("version", ["v1", "v3"])
@pytest.mark.parametrize(("path", "query", "sample"), ENDPOINTS, ids=[e[2] for e in ENDPOINTS])
async def test_simulator_body_has_the_sample_shape(sim_urls, version, path, query, sample) -> None:
    body = await _get(sim_urls[AS], f"/fapi/{version}/{path}", query)
    want = decode_json((SAMPLES / f"{sample}.json").read_text())
    assert shape_diff(want, body, null_accepts_any=True) == []
    if isinstance(body, list):
        assert body, "an empty list proves nothing about its items"


async def test_values_follow_the_model(sim_urls, sim_model: MarketModel) -> None:
    base = sim_urls[AS]
    info = await _get(base, "/fapi/v1/exchangeInfo", {})
    listed = sim_model.listed(AS)
    assert len(info["symbols"]) == len(listed)
    assert {s["baseAsset"] for s in info["symbols"]} >= {"BTC", "1000PEPE", "1000BONK"}
    intervals = {r["symbol"]: r["fundingIntervalHours"] for r in await _get(base, "/fapi/v1/fundingInfo", {})}
    assert intervals["BTCUSDT"] == 8 and intervals["OPUSDT"] == sim_model.interval_hours(AS, sim_model.asset("OP"))
    premium = await _get(base, "/fapi/v1/premiumIndex", {"symbol": "1000PEPEUSDT"})
    assert len(premium["lastFundingRate"].split(".")[1]) == 8  # Aster's fixed 8 places
    depth = await _get(base, "/fapi/v1/depth", {"symbol": "ETHUSDT", "limit": "5"})
    assert len(depth["bids"]) == len(depth["asks"]) == 5


async def test_errors_are_binance_shaped(sim_urls) -> None:
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{sim_urls[AS]}/fapi/v1/openInterest", params={"symbol": "NOPEUSDT"}) as r:
            assert r.status == 400 and await r.json() == {"code": -1121, "msg": "Invalid symbol."}
        async with s.get(f"{sim_urls[AS]}/fapi/v1/fundingRate", params={"symbol": "BTCUSDT", "limit": "5000"}) as r:
            assert r.status == 400 and (await r.json())["code"] == -1130
        async with s.get(f"{sim_urls[AS]}/fapi/v1/time") as r:
            assert isinstance((await r.json())["serverTime"], int)

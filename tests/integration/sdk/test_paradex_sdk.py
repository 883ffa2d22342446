"""Paradex has no SDK test: the simulator's bodies are checked against the recorded sample shapes instead.

Why: ``paradex-py`` cannot be installed in this Python 3.11 environment. Its ``starknet-crypto-py``
dependency ships only a cp310 wheel, and building the sdist needs Rust crates from crates.io (no network).
It also pins ``websockets>=15,<16`` while ``grvt-pysdk`` pins ``websockets==13.1``, so both SDKs cannot share
one environment. The samples in ``exchange_samples/paradex/`` were validated against paradex-py's own
pydantic/marshmallow models and round-tripped through the real SDK, so a simulator body with the
**same keys and the same JSON types, recursively**, is one that SDK reads. Every public endpoint the
simulator serves is checked here over real HTTP (``/v1/system/config`` included, which the SDK fetches
when it is constructed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from perpdex_lib.domain import Venue
from tests.venues_support import shape_diff as _shape_diff

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples" / "paradex"
CURSOR_KEYS = frozenset({"next", "prev"})  # opaque cursors: a string, or null on the first/last page


def shape_diff(sample: Any, body: Any) -> list[str]:
    """Paradex's wire shape: integers and decimals are different JSON types; cursors are a string or null."""
    return _shape_diff(sample, body, exact_numbers=True, nullable_keys=CURSOR_KEYS)


def load_sample(name: str) -> Any:
    path = SAMPLES / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"exchange sample {path} not available")
    return json.loads(path.read_text())


ENDPOINTS = [
    ("system_config", "/v1/system/config", {}),
    ("system_time", "/v1/system/time", {}),
    ("markets", "/v1/markets", {}),
    ("markets", "/v1/markets", {"market": "ETH-USD-PERP"}),
    ("markets_summary", "/v1/markets/summary", {"market": "ALL"}),
    ("markets_summary", "/v1/markets/summary", {"market": "BTC-USD-PERP"}),
    ("funding_data", "/v1/funding/data", {"market": "BTC-USD-PERP", "page_size": 3}),
    ("funding_data", "/v1/funding/data", {"market": "SOL-USD-PERP"}),
    ("orderbook", "/v1/orderbook/BTC-USD-PERP", {"depth": 5}),
    ("orderbook", "/v1/orderbook/PEPE-USD-PERP", {}),
    ("bbo", "/v1/bbo/ETH-USD-PERP", {}),
]


@pytest.mark.parametrize(("sample_name", "path", "params"), ENDPOINTS, ids=[f"{e[0]}:{e[1]}" for e in ENDPOINTS])
async def test_simulator_body_has_the_sample_shape(sim_urls, sample_name, path, params):
    sample = load_sample(sample_name)
    async with aiohttp.ClientSession() as s, s.get(f"{sim_urls[Venue.PARADEX]}{path}", params=params) as r:
        assert r.status == 200
        assert r.content_type == "application/json"
        body = json.loads(await r.text())
    assert shape_diff(sample, body) == []
    if isinstance(body, dict) and "results" in body:
        assert body["results"], "an empty list would prove nothing about row shapes"


async def test_errors_use_the_paradex_error_body(sim_urls):
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{sim_urls[Venue.PARADEX]}/v1/markets/summary") as r:
            assert r.status == 400 and (await r.json())["error"] == "VALIDATION_ERROR"
        async with s.get(f"{sim_urls[Venue.PARADEX]}/v1/orderbook/NOPE-USD-PERP") as r:
            assert r.status == 404 and (await r.json())["error"] == "NOT_FOUND"

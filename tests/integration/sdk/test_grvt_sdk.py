"""GRVT's own SDK (grvt-pysdk, import ``pysdk``) reads markets, tickers, funding and books from the simulator.

The SDK has no base-URL parameter. The ccxt-style client looks every host up through
``pysdk.grvt_ccxt_env.get_grvt_endpoint_domains``, which we monkeypatch to answer the simulator for all three
GRVT hosts (their paths never collide); this replaces the SDK's host table, not any of our code. The raw
async client keeps its hosts in ``md_rpc``/``td_rpc`` attributes, which we set after construction. The raw
client decodes with ``dacite`` into typed dataclasses, so it also checks JSON types (strings vs numbers).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest

from perpdex_lib.domain import Venue
from tests.venues_support import shape_diff

V = Venue.GRVT
SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples" / "grvt"


@pytest.fixture
def ccxt_factory(sim_urls, monkeypatch):
    from pysdk import grvt_ccxt_env
    from pysdk.grvt_ccxt import GrvtCcxt
    from pysdk.grvt_ccxt_env import GrvtEndpointType, GrvtEnv

    url = sim_urls[V]
    monkeypatch.setattr(
        grvt_ccxt_env, "get_grvt_endpoint_domains", lambda env_name: dict.fromkeys(GrvtEndpointType, url)
    )
    return lambda **parameters: GrvtCcxt(env=GrvtEnv.PROD, parameters=parameters)  # constructor loads markets


@pytest.fixture
def ccxt_client(ccxt_factory):
    return ccxt_factory()


def test_ccxt_client_logs_in_with_an_api_key(ccxt_factory):
    """With an API key the SDK first POSTs edge /auth/api_key/login and reads the cookie + account header."""
    client = ccxt_factory(api_key="sim-key")
    assert client._cookie["gravity"].startswith("sim-")
    assert client._cookie["X-Grvt-Account-Id"] == "sim-account-1"
    assert client.markets  # and its market calls still work with the cookie attached


def test_ccxt_client_loads_markets(ccxt_client, sim_model):
    listed = sim_model.listed(V)
    assert len(ccxt_client.markets) == len(listed)
    btc = ccxt_client.markets["BTC_USDT_Perp"]
    spec = sim_model.spec(V, sim_model.asset("BTC"))
    assert btc["kind"] == "PERPETUAL" and btc["base"] == "BTC"
    assert Decimal(btc["tick_size"]) == spec.tick
    assert btc["funding_interval_hours"] == spec.interval_h


def test_ccxt_client_reads_ticker_funding_and_book(ccxt_client, sim_model):
    ticker = ccxt_client.fetch_ticker("ETH_USDT_Perp")
    eth = sim_model.asset("ETH")
    ts = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(ticker["event_time"]) // 1000)
    assert Decimal(ticker["mark_price"]) == sim_model.mark_price(V, eth, ts)
    assert Decimal(ticker["funding_rate"]) / 100 / 8 == sim_model.predicted_rate_per_hour(V, eth, ts)

    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=2)
    history = ccxt_client.fetch_funding_rate_history(
        "ETH_USDT_Perp", since=int(start.timestamp()) * 10**9, limit=100,
        params={"end_time": int(end.timestamp()) * 10**9},
    )
    times = sorted(int(r["funding_time"]) // 10**9 for r in history["result"])
    truth = sim_model.settlement_times(V, eth, start, end + timedelta(microseconds=1))  # end_time is inclusive
    assert times == [int(t.timestamp()) for t in truth]

    book = ccxt_client.fetch_order_book("ETH_USDT_Perp", limit=10)
    assert len(book["bids"]) == len(book["asks"]) == 10
    assert Decimal(book["bids"][0]["price"]) < Decimal(book["asks"][0]["price"])


async def test_raw_typed_client_parses_every_public_body(sim_urls, sim_model):
    from pysdk import grvt_raw_types as types
    from pysdk.grvt_raw_async import GrvtRawAsync
    from pysdk.grvt_raw_base import GrvtApiConfig, GrvtError
    from pysdk.grvt_raw_env import GrvtEnv

    client = GrvtRawAsync(GrvtApiConfig(env=GrvtEnv.PROD, trading_account_id=None, private_key=None,
                                        api_key=None, logger=None))
    client.md_rpc = client.td_rpc = sim_urls[V]
    try:
        everything = await client.get_all_instruments_v1(types.ApiGetAllInstrumentsRequest(is_active=True))
        assert not isinstance(everything, GrvtError)
        assert len(everything.result) == len(sim_model.listed(V))
        assert everything.result[0].kind == types.Kind.PERPETUAL

        filtered = await client.get_filtered_instruments_v1(
            types.ApiGetFilteredInstrumentsRequest(kind=[types.Kind.PERPETUAL], base=["SOL"], limit=10)
        )
        assert [i.instrument for i in filtered.result] == ["SOL_USDT_Perp"]

        ticker = await client.ticker_v1(types.ApiTickerRequest(instrument="BTC_USDT_Perp"))
        assert not isinstance(ticker, GrvtError)
        btc = sim_model.asset("BTC")
        ts = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(ticker.result.event_time) // 1000)
        assert Decimal(ticker.result.funding_rate_8h_curr) / 100 / 8 == sim_model.predicted_rate_per_hour(V, btc, ts)
        assert Decimal(ticker.result.open_interest) == sim_model.open_interest_base(V, btc, ts)

        funding = await client.funding_rate_v1(types.ApiFundingRateRequest(instrument="BTC_USDT_Perp", limit=5))
        assert not isinstance(funding, GrvtError)
        assert len(funding.result) == 5 and funding.next
        first = funding.result[0]
        t = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=int(first.funding_time) // 10**9)
        assert Decimal(first.funding_rate) / 100 / 8 == sim_model.settled_rate_per_hour(V, btc, t)
        page2 = await client.funding_rate_v1(
            types.ApiFundingRateRequest(instrument="BTC_USDT_Perp", limit=5, cursor=funding.next)
        )
        assert int(page2.result[0].funding_time) < int(funding.result[-1].funding_time)

        book = await client.orderbook_levels_v1(types.ApiOrderbookLevelsRequest(instrument="BTC_USDT_Perp", depth=50))
        assert not isinstance(book, GrvtError)
        assert len(book.result.bids) == 50 and isinstance(book.result.bids[0].num_orders, int)

        missing = await client.ticker_v1(types.ApiTickerRequest(instrument="NOPE_USDT_Perp"))
        assert isinstance(missing, GrvtError) and missing.code == 1004
    finally:
        await client._session.close()


@pytest.mark.parametrize(
    ("sample_name", "path", "body"),
    [
        ("all_instruments", "/full/v1/all_instruments", {"is_active": True}),
        ("all_instruments", "/full/v1/instruments", {"kind": ["PERPETUAL"], "is_active": True, "limit": 3}),
        ("instrument", "/full/v1/instrument", {"instrument": "BTC_USDT_Perp"}),
        ("ticker", "/full/v1/ticker", {"instrument": "PEPE_USDT_Perp"}),
        ("funding", "/full/v1/funding", {"instrument": "BTC_USDT_Perp", "limit": 3}),
        ("book", "/full/v1/book", {"instrument": "SOL_USDT_Perp", "depth": 10}),
    ],
)
async def test_simulator_body_has_the_sample_shape(sim_urls, sample_name, path, body):
    """Same keys and JSON types as the recorded bodies (int64 as strings, int32 as numbers), recursively."""
    sample_file = SAMPLES / f"{sample_name}.json"
    if not sample_file.is_file():
        pytest.skip("exchange samples not available")
    async with aiohttp.ClientSession() as s, s.post(f"{sim_urls[V]}{path}", json=body) as r:
        assert r.status == 200
        answer = json.loads(await r.text())
    cursors = frozenset({"next", "prev"})
    assert shape_diff(json.loads(sample_file.read_text()), answer, exact_numbers=True, nullable_keys=cursors) == []

"""The official edgex-python-sdk (v2 API) reads from the simulator: proof that it speaks EdgeX's protocol.

The client needs no keys for public calls (account id 0, no signing); it rewrites every path to ``/api/v2``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from perpdex_lib.domain import Venue
from perpdex_lib.sim.model import MarketModel

pytestmark = pytest.mark.integration
EX = Venue.EDGEX


async def test_sdk_reads_metadata_funding_ticker_and_depth(sim_urls: dict[Venue, str], sim_model: MarketModel) -> None:
    from edgex_sdk import Client
    from edgex_sdk.quote.client import GetOrderBookDepthParams

    listed = sim_model.listed(EX)
    btc = sim_model.asset("BTC")
    async with Client(base_url=sim_urls[EX], account_id=0) as client:
        server_time = await client.get_server_time()
        assert server_time["code"] == "SUCCESS"
        assert abs(int(server_time["data"]["timeMillis"]) / 1000 - datetime.now(UTC).timestamp()) < 60

        meta = await client.get_metadata()
        contracts = {c["contractName"]: c for c in meta["data"]["contractList"]}
        assert len(contracts) == len(listed)
        assert contracts["BTCUSD"]["contractId"] == "10000001"
        assert contracts["BTCUSD"]["fundingRateIntervalMin"] == "240"
        assert Decimal(contracts["BTCUSD"]["tickSize"]) == sim_model.spec(EX, btc).tick
        assert meta["data"]["global"]["nativeChainId"]  # the v2 field the SDK signs orders with

        before = datetime.now(UTC)
        latest = await client.funding.get_latest_funding_rate(["10000001", "10000002"])
        after = datetime.now(UTC)
        assert latest["code"] == "SUCCESS" and [r["contractId"] for r in latest["data"]] == ["10000001", "10000002"]
        expected = {sim_model.predicted_rate_per_hour(EX, btc, t) * 4 for t in (before, after)}
        assert Decimal(latest["data"][0]["fundingRate"]) in expected  # fraction per 4 h interval

        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        start = end - timedelta(days=2)
        page = await client.funding.get_funding_rate_page(
            size="100", contract_id="10000001", filter_settlement_funding_rate=True,
            filter_begin_time_inclusive=int(start.timestamp() * 1000),
            filter_end_time_exclusive=int(end.timestamp() * 1000),
        )
        truth = sim_model.settlement_times(EX, btc, start, end)[::-1]
        rows = page["data"]["dataList"]
        assert [int(r["fundingTime"]) for r in rows] == [int(t.timestamp() * 1000) for t in truth]
        assert [Decimal(r["fundingRate"]) / 4 for r in rows] == [
            sim_model.settled_rate_per_hour(EX, btc, t) for t in truth
        ]
        assert page["data"]["nextPageOffsetData"] == ""

        before = datetime.now(UTC)
        ticker = await client.get_24_hour_quote("10000001")
        after = datetime.now(UTC)
        [row] = ticker["data"]
        assert row["contractName"] == "BTCUSD" and isinstance(row["openInterest"], str)
        next_ms = {int(sim_model.next_settlement(EX, btc, t).timestamp() * 1000) for t in (before, after)}
        assert int(row["nextFundingTime"]) in next_ms

        depth = await client.quote.get_order_book_depth(GetOrderBookDepthParams("10000001", 15))
        [book] = depth["data"]
        assert book["level"] == 15 and len(book["bids"]) == len(book["asks"]) == 15
        assert Decimal(book["bids"][0]["price"]) < Decimal(book["asks"][0]["price"])

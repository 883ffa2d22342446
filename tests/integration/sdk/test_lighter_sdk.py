"""The official lighter-sdk (OpenAPI client) reads from the simulator: proof that it speaks Lighter's protocol."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from perpdex_lib.domain import Venue
from perpdex_lib.sim.model import MarketModel

pytestmark = pytest.mark.integration
LT = Venue.LIGHTER


async def test_sdk_reads_markets_funding_history_and_book(sim_urls: dict[Venue, str], sim_model: MarketModel) -> None:
    import lighter

    api = lighter.ApiClient(configuration=lighter.Configuration(host=sim_urls[LT]))
    try:
        status = await lighter.RootApi(api).status()
        assert status.status == 1

        orders = lighter.OrderApi(api)
        details = await orders.order_book_details(filter="perp")
        listed = sim_model.listed(LT)
        assert len(details.order_book_details) == len(listed)
        by_symbol = {d.symbol: d for d in details.order_book_details}
        btc_detail = by_symbol["BTC"]
        assert btc_detail.market_id == 1 and "1000PEPE" in by_symbol
        btc = sim_model.asset("BTC")
        spec = sim_model.spec(LT, btc)
        assert Decimal(10) ** -btc_detail.price_decimals == spec.tick
        assert Decimal(10_000) / btc_detail.min_initial_margin_fraction == spec.max_leverage

        one = await orders.order_book_details(market_id=1)
        assert [d.symbol for d in one.order_book_details] == ["BTC"]

        before = datetime.now(UTC)
        rates = await lighter.FundingApi(api).funding_rates()
        after = datetime.now(UTC)
        own = [r for r in rates.funding_rates if r.exchange == "lighter"]
        assert len(own) == len(listed)
        btc_rate = next(r for r in own if r.symbol == "BTC")
        expected = {sim_model.predicted_rate_per_hour(LT, btc, t) * 8 for t in (before, after)}
        assert Decimal(str(btc_rate.rate)) in expected  # fraction per 8 h

        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        start = end - timedelta(hours=48)
        hist = await lighter.CandlestickApi(api).fundings(
            market_id=1, resolution="1h", start_timestamp=int(start.timestamp()),
            end_timestamp=int(end.timestamp()), count_back=100,
        )
        truth = sim_model.settlement_times(LT, btc, start, end + timedelta(seconds=1))
        assert [f.timestamp for f in hist.fundings] == [int(t.timestamp()) for t in truth]
        signed = [Decimal(f.rate) / 100 * (1 if f.direction == "long" else -1) for f in hist.fundings]
        assert signed == [sim_model.settled_rate_per_hour(LT, btc, t) for t in truth]

        book = await orders.order_book_orders(market_id=1, limit=10)
        assert len(book.asks) == len(book.bids) == 10
        assert Decimal(book.bids[0].price) < Decimal(book.asks[0].price)
    finally:
        await api.close()

"""The Paradex connector against the simulator over real HTTP, checked against the model's ground truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import aiohttp
import pytest

from perpdex_lib.domain import FundingKind, RateUnit, Venue
from perpdex_lib.venues.base import open_market_data
from tests.integration.venues.conftest import instrument_of
from tests.venues_support import replay_client, set_faults

V = Venue.PARADEX


async def test_instruments_match_the_model(client, sim_model):
    batch = await client.instruments()
    assert batch.rejects == []
    listed = sim_model.listed(V)
    assert len(batch.items) == len(listed)
    by_asset = {i.asset: i for i in batch.items}
    for asset in listed:
        spec = sim_model.spec(V, asset)
        inst = by_asset[asset.name]
        assert inst.continuous_funding is True
        assert inst.funding_interval_hours == spec.interval_h == 8
        assert (inst.tick_size, inst.lot_size) == (spec.tick, spec.lot)
        assert inst.max_leverage == spec.max_leverage
        assert inst.multiplier == spec.multiplier
    assert by_asset["PEPE"].multiplier == sim_model.multiplier(V, sim_model.asset("PEPE"))
    assert by_asset["BTC"].venue_symbol == "BTC-USD-PERP"


async def test_predicted_funding_equals_the_model(client, sim_model):
    batch = await client.funding_current()
    assert batch.rejects == []
    assert len(batch.items) == len(sim_model.listed(V))
    for rate in batch.items:
        asset = sim_model.asset(rate.asset)
        assert rate.kind is FundingKind.PREDICTED
        assert rate.raw_unit is RateUnit.FRACTION_PER_INTERVAL
        assert rate.rate_per_hour == sim_model.predicted_rate_per_hour(V, asset, rate.venue_ts)
        # computed: the end of the running 8 h period, which is the model's next settlement
        assert rate.funding_time == sim_model.next_settlement(V, asset, rate.venue_ts)


async def test_snapshots_match_the_model(client, sim_model):
    batch = await client.snapshots()
    assert batch.rejects == [] and len(batch.items) == len(sim_model.listed(V))
    for snap in batch.items:
        asset = sim_model.asset(snap.asset)
        assert snap.mark_price == sim_model.mark_price(V, asset, snap.ts)
        assert snap.index_price == sim_model.index_price(V, asset, snap.ts)
        assert snap.open_interest_base == sim_model.open_interest_base(V, asset, snap.ts)
        truth_usd = sim_model.open_interest_usd(V, asset, snap.ts)
        assert abs(snap.open_interest_usd - truth_usd) / truth_usd < Decimal("0.001")
        assert snap.volume_24h_usd == sim_model.volume_24h_usd(V, asset, snap.ts)
        assert snap.best_bid < snap.best_ask


async def test_settled_history_matches_the_model(client, sim_model):
    sol = await instrument_of(client, "SOL")
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=5)
    batch = await client.funding_history(sol, start, end)
    truth = sim_model.settlement_times(V, sim_model.asset("SOL"), start, end)
    assert batch.rejects == []
    assert [r.funding_time for r in batch.items] == truth and len(truth) == 15
    for rate in batch.items:
        assert rate.kind is FundingKind.SETTLED
        assert rate.rate_per_hour == sim_model.settled_rate_per_hour(V, sim_model.asset("SOL"), rate.funding_time)


async def test_history_asks_one_short_window_per_boundary(client, sim_model):
    btc = await instrument_of(client, "BTC")
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=60)
    before = client.http.requests_sent
    batch = await client.funding_history(btc, start, end)
    truth = sim_model.settlement_times(V, sim_model.asset("BTC"), start, end)
    assert len(truth) == 180
    assert client.http.requests_sent - before == len(truth)  # not a scan of every observation
    assert [r.funding_time for r in batch.items] == truth
    assert all(r.rate_per_hour == sim_model.settled_rate_per_hour(V, sim_model.asset("BTC"), r.funding_time)
               for r in batch.items[::17])


async def test_sim_cursor_pages_do_not_overlap(sim_urls, sim_model):
    end = sim_model.last_settlement(V, sim_model.asset("ETH"), datetime.now(UTC))  # on the 8 h grid, at any hour
    params = {"market": "ETH-USD-PERP", "start_at": int((end - timedelta(days=2)).timestamp() * 1000),
              "end_at": int(end.timestamp() * 1000), "page_size": 4}
    seen: list[int] = []
    async with aiohttp.ClientSession() as s:
        while True:
            async with s.get(f"{sim_urls[V]}/v1/funding/data", params=params) as r:
                body = await r.json()
            seen += [row["created_at"] for row in body["results"]]
            if body["next"] is None:
                break
            params["cursor"] = body["next"]
    assert len(seen) == len(set(seen)) == 7  # 6 boundaries in two days, both ends inclusive
    assert seen == sorted(seen, reverse=True)


async def test_order_book_sorted_and_from_the_model(client, sim_model):
    eth = await instrument_of(client, "ETH")
    book = await client.order_book(eth, depth=15)
    assert len(book.bids) == len(book.asks) == 15
    assert [lv.price for lv in book.bids] == sorted((lv.price for lv in book.bids), reverse=True)
    assert [lv.price for lv in book.asks] == sorted(lv.price for lv in book.asks)
    bids, asks = sim_model.order_book(V, sim_model.asset("ETH"), book.ts, depth=15)
    assert [(lv.price, lv.size) for lv in book.bids] == bids
    assert [(lv.price, lv.size) for lv in book.asks] == asks


# ---- venue-specific faults (private simulator; the common ones are in test_venue_faults.py) ------------
async def test_malformed_rows_become_rejects(private_sim, private_sim_settings):
    set_faults(private_sim, V, malformed_rate=1.0, malformed_mode="row")
    md = open_market_data(V, private_sim_settings)
    n = len(private_sim.model.listed(V))
    rejects = []
    async with md.http:
        for _ in range(10):
            batch = await md.instruments()
            assert len(batch.items) + len(batch.rejects) == n
            rejects += batch.rejects
    assert rejects and {r.reason_code for r in rejects} <= {"parse_error", "unknown_unit"}
    assert private_sim.contexts[V].faults.stats["malformed"] == 10


async def test_connector_reads_replayed_recordings():
    """`perpdex sim --replay exchange_samples`: every request maps to its recorded body and parses."""
    async with replay_client(V) as md:
        instruments = (await md.instruments()).items
        assert [i.asset for i in instruments] == ["BTC", "ETH", "SOL", "DOGE"]
        funding = await md.funding_current()
        assert len(funding.items) == 4 and funding.rejects == []
        start, end = datetime(2025, 12, 3, tzinfo=UTC), datetime(2025, 12, 4, tzinfo=UTC)
        before = md.http.requests_sent
        history = await md.funding_history(instruments[0], start, end)
        # 3 boundary windows; each follows the recorded `next` once and stops when it repeats
        assert md.http.requests_sent - before == 3 * 2
        # the recording is three observations 15:12:00-15:12:10 -> the last one stands for 16:00
        assert [(r.funding_time.hour, r.raw_rate) for r in history.items] == [(16, Decimal("0.0000824"))]
        book = await md.order_book(instruments[0], depth=20)
        assert book.best_ask == Decimal("92683.1")


async def test_history_refuses_naive_times_and_skips_empty_ranges(client):
    inst = (await client.instruments()).items[0]
    with pytest.raises(ValueError, match="timezone-aware"):
        await client.funding_history(inst, datetime(2026, 1, 1), datetime(2026, 1, 2))
    before = client.http.requests_sent
    t = datetime(2026, 1, 1, tzinfo=UTC)
    assert (await client.funding_history(inst, t, t)).items == []
    assert client.http.requests_sent == before

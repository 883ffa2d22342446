"""The GRVT connector against the simulator over real HTTP, checked against the model's ground truth."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import aiohttp
import pytest

from perpdex_lib.domain import FundingKind, RateUnit, Venue
from perpdex_lib.venues.base import open_market_data
from perpdex_lib.venues.errors import VenueParseError, VenueUnavailable
from tests.integration.venues.conftest import instrument_of
from tests.venues_support import replay_client, set_faults

V = Venue.GRVT


async def test_instruments_match_the_model(client, sim_model):
    batch = await client.instruments()
    assert batch.rejects == []
    listed = sim_model.listed(V)
    assert len(batch.items) == len(listed)
    by_asset = {i.asset: i for i in batch.items}
    for asset in listed:
        spec = sim_model.spec(V, asset)
        inst = by_asset[asset.name]
        assert inst.funding_interval_hours == spec.interval_h
        assert (inst.tick_size, inst.lot_size) == (spec.tick, spec.lot)
        assert inst.multiplier == spec.multiplier
    assert by_asset["PEPE"].multiplier == sim_model.multiplier(V, sim_model.asset("PEPE"))
    assert by_asset["BTC"].venue_symbol == "BTC_USDT_Perp"
    assert {i.funding_interval_hours for i in batch.items} >= {Decimal(8), Decimal(1)}  # TIA settles hourly


async def test_predicted_funding_equals_the_model(client, sim_model):
    batch = await client.funding_current()
    assert batch.rejects == []
    assert len(batch.items) == len(sim_model.listed(V))
    for rate in batch.items:
        asset = sim_model.asset(rate.asset)
        assert rate.kind is FundingKind.PREDICTED
        assert rate.raw_unit is RateUnit.PERCENT_PER_INTERVAL
        assert rate.rate_per_hour == sim_model.predicted_rate_per_hour(V, asset, rate.venue_ts)
        assert rate.funding_time == sim_model.next_settlement(V, asset, rate.venue_ts)
        assert rate.interval_hours == sim_model.interval_hours(V, asset)


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
        assert snap.next_funding_time == sim_model.next_settlement(V, asset, snap.ts)


async def test_one_ingest_costs_one_ticker_round(client, sim_model):
    """instruments + funding + snapshots (as a sweep runs them, concurrently): 1 instruments call + 1 ticker each."""
    n = len(sim_model.listed(V))
    instruments, funding, snaps = await asyncio.gather(
        client.instruments(), client.funding_current(), client.snapshots()
    )
    assert client.http.requests_sent == 1 + n
    assert len(instruments.items) == len(funding.items) == len(snaps.items) == n
    assert {r.venue_symbol for r in funding.items} == {s.venue_symbol for s in snaps.items}


async def test_sequential_funding_then_snapshots_share_the_round_but_a_repeat_is_fresh(client, sim_model):
    n = len(sim_model.listed(V))
    funding = await client.funding_current()
    assert client.http.requests_sent == 1 + n
    snaps = await client.snapshots()  # within TICKER_ROUND_TTL_S: served by the same round
    assert client.http.requests_sent == 1 + n
    assert {s.ts for s in snaps.items} <= {r.venue_ts for r in funding.items}  # the very same ticker bodies
    await client.funding_current()  # asking again means wanting fresh data: a new round
    assert client.http.requests_sent == 2 * (1 + n)
    await client.snapshots()
    assert client.http.requests_sent == 2 * (1 + n)


async def test_a_failed_ticker_round_is_not_reused(private_sim, private_sim_settings):
    set_faults(private_sim, V, down=True)
    md = open_market_data(V, private_sim_settings)
    async with md.http:
        with pytest.raises(VenueUnavailable):
            await md.funding_current()
        set_faults(private_sim, V, down=False)
        snaps = await md.snapshots()  # within the TTL, but the round failed: fetched again
    assert len(snaps.items) == len(private_sim.model.listed(V)) and snaps.rejects == []


async def test_settled_history_matches_the_model(client, sim_model):
    btc = await instrument_of(client, "BTC")
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=3)
    batch = await client.funding_history(btc, start, end)
    truth = sim_model.settlement_times(V, sim_model.asset("BTC"), start, end)
    assert batch.rejects == []
    assert [r.funding_time for r in batch.items] == truth
    assert len(truth) == 9
    for rate in batch.items:
        assert rate.kind is FundingKind.SETTLED
        assert rate.rate_per_hour == sim_model.settled_rate_per_hour(V, sim_model.asset("BTC"), rate.funding_time)


async def test_history_paginates_past_the_1000_row_page(client, sim_model):
    tia = await instrument_of(client, "TIA")  # hourly: 50 days = 1200 settlements = two pages
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=50)
    requests_before = client.http.requests_sent
    batch = await client.funding_history(tia, start, end)
    assert len(batch.items) == 1200
    assert client.http.requests_sent - requests_before == 2
    truth = sim_model.settlement_times(V, sim_model.asset("TIA"), start, end)
    assert [r.funding_time for r in batch.items] == truth
    sample = batch.items[::97]
    assert all(r.rate_per_hour == sim_model.settled_rate_per_hour(V, sim_model.asset("TIA"), r.funding_time)
               for r in sample)


async def test_order_book_sorted_and_from_the_model(client, sim_model):
    eth = await instrument_of(client, "ETH")
    book = await client.order_book(eth, depth=20)
    assert len(book.bids) == len(book.asks) == 20
    assert [lv.price for lv in book.bids] == sorted((lv.price for lv in book.bids), reverse=True)
    assert [lv.price for lv in book.asks] == sorted(lv.price for lv in book.asks)
    assert book.best_bid < book.best_ask
    bids, asks = sim_model.order_book(V, sim_model.asset("ETH"), book.ts, depth=50)
    assert [(lv.price, lv.size) for lv in book.bids[:10]] == bids[:10]
    assert [(lv.price, lv.size) for lv in book.asks[:10]] == asks[:10]


async def test_sim_rejects_depths_grvt_does_not_accept(sim_urls):
    async with aiohttp.ClientSession() as s, s.post(
        f"{sim_urls[V]}/full/v1/book", json={"instrument": "BTC_USDT_Perp", "depth": 20}
    ) as r:
        assert r.status == 400
        assert (await r.json())["code"] == 1003


# ---- venue-specific faults (private simulator; the common ones are in test_venue_faults.py) ------------
async def test_malformed_rows_become_rejects(private_sim, private_sim_settings):
    set_faults(private_sim, V, malformed_rate=1.0, malformed_mode="row")
    md = open_market_data(V, private_sim_settings)
    n = len(private_sim.model.listed(V))
    rejects = []
    async with md.http:
        for _ in range(10):
            batch = await md.instruments()
            assert len(batch.items) + len(batch.rejects) == n  # one damaged row, never a lost page
            rejects += batch.rejects
    assert rejects, "ten damaged pages and no reject"
    assert {r.reason_code for r in rejects} <= {"parse_error", "unknown_unit"}
    assert private_sim.contexts[V].faults.stats["malformed"] == 10


async def test_malformed_ticker_body_is_a_reject_for_that_instrument(private_sim, private_sim_settings):
    set_faults(private_sim, V, malformed_rate=0.2, malformed_mode="body")
    md = open_market_data(V, private_sim_settings)
    n = len(private_sim.model.listed(V))
    batch = None
    async with md.http:
        for _ in range(10):
            try:
                batch = await md.funding_current()
            except VenueParseError as exc:  # the instrument list itself was truncated: the whole call fails
                assert exc.endpoint == "POST /full/v1/all_instruments"
                continue
            if batch.rejects:
                break
    assert batch is not None and batch.rejects
    assert len(batch.items) + len(batch.rejects) == n
    assert all(r.endpoint == "POST /full/v1/ticker" for r in batch.rejects)


async def test_connector_reads_replayed_recordings():
    """`perpdex sim --replay exchange_samples`: every request maps to its recorded body and parses."""
    async with replay_client(V) as md:
        instruments = (await md.instruments()).items
        assert [i.asset for i in instruments] == ["BTC", "ETH", "SOL", "DOGE"]
        funding = await md.funding_current()  # the recording is BTC's ticker, whatever we ask for
        assert [r.venue_symbol for r in funding.items] == ["BTC_USDT_Perp"]
        assert len(funding.rejects) == 3
        start, end = datetime(2025, 12, 1, tzinfo=UTC), datetime(2025, 12, 4, tzinfo=UTC)
        history = await md.funding_history(instruments[0], start, end)  # its cursor repeats: stops
        assert len(history.items) == 3
        book = await md.order_book(instruments[0], depth=20)
        assert book.best_bid == Decimal("92336.0")


async def test_history_refuses_naive_times_and_skips_empty_ranges(client):
    inst = (await client.instruments()).items[0]
    with pytest.raises(ValueError, match="timezone-aware"):
        await client.funding_history(inst, datetime(2026, 1, 1), datetime(2026, 1, 2))
    before = client.http.requests_sent
    t = datetime(2026, 1, 1, tzinfo=UTC)
    assert (await client.funding_history(inst, t, t)).items == []
    assert client.http.requests_sent == before

"""Aster connector against the simulator over real HTTP, checked against the model's ground truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from aiolimiter import AsyncLimiter

from perpdex_lib.config import Settings
from perpdex_lib.domain import FundingKind, Venue
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.server import SimServer
from perpdex_lib.venues.aster import constants as c
from perpdex_lib.venues.base import open_market_data
from tests.venues_support import replay_client, set_faults

pytestmark = pytest.mark.integration
AS = Venue.ASTER
SAMPLES_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples"
HALF_Q8 = Decimal("0.000000005")  # Aster quotes rates with 8 decimals


def _close(a: Decimal, b: Decimal, rel: str = "0.002") -> bool:
    return abs(a - b) <= abs(b) * Decimal(rel)


def _rate_matches(rate_per_hour: Decimal, truths: set[Decimal], interval_h: int) -> bool:
    """Equal to the model's fraction per hour to the precision of an 8-decimal per-interval quote."""
    return any(abs(rate_per_hour - t) <= HALF_Q8 / interval_h for t in truths)


async def test_instruments_match_the_model(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(AS, sim_settings)
    async with client.http:
        batch = await client.instruments()
    listed = sim_model.listed(AS)
    assert batch.rejects == [] and len(batch.items) == len(listed)
    by_asset = {i.asset: i for i in batch.items}
    assert set(by_asset) == {a.name for a in listed}
    for a in listed:
        inst, spec = by_asset[a.name], sim_model.spec(AS, a)
        assert (inst.tick_size, inst.lot_size, inst.min_size) == (spec.tick, spec.lot, spec.min_size)
        assert inst.min_notional_usd == spec.min_notional_usd
        assert inst.multiplier == spec.multiplier and inst.max_leverage == spec.max_leverage
        assert inst.funding_interval_hours == spec.interval_h
    pepe = by_asset["PEPE"]
    assert (pepe.venue_symbol, pepe.multiplier) == ("1000PEPEUSDT", Decimal(1000))
    assert by_asset["OP"].funding_interval_hours == 1 and by_asset["BTC"].funding_interval_hours == 8


async def test_predicted_funding_matches_the_model(sim_settings: Settings, sim_model: MarketModel) -> None:
    before = datetime.now(UTC)
    client = open_market_data(AS, sim_settings)
    async with client.http:
        batch = await client.funding_current()
    after = datetime.now(UTC)
    assert batch.rejects == [] and len(batch.items) == len(sim_model.listed(AS))
    for rate in batch.items:
        a = sim_model.asset(rate.asset)
        interval = sim_model.interval_hours(AS, a)
        assert rate.kind is FundingKind.PREDICTED and rate.interval_hours == interval
        truths = {sim_model.predicted_rate_per_hour(AS, a, t) for t in (before, after)}
        assert _rate_matches(rate.rate_per_hour, truths, interval)
        assert rate.funding_time in {sim_model.next_settlement(AS, a, t) for t in (before, after)}
        assert abs(rate.venue_ts - before) < timedelta(seconds=30)


async def test_settled_history_pages_forward(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(AS, sim_settings)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start, end = now - timedelta(hours=1500), now  # OP settles hourly: 1500 rows, pages of 1000
    async with client.http:
        instruments = {i.asset: i for i in (await client.instruments()).items}
        sent_before = client.http.requests_sent
        batch = await client.funding_history(instruments["OP"], start, end)
        pages = client.http.requests_sent - sent_before
    a = sim_model.asset("OP")
    truth = sim_model.settlement_times(AS, a, start, end)
    assert batch.rejects == [] and len(batch.items) == len(truth) == 1500
    assert pages == 2
    assert [r.funding_time for r in batch.items] == truth
    for r in batch.items[::37]:
        assert r.kind is FundingKind.SETTLED and r.venue_symbol == "OPUSDT"
        assert _rate_matches(r.rate_per_hour, {sim_model.settled_rate_per_hour(AS, a, r.funding_time)}, 1)


async def test_eight_hour_history_and_the_window_edges(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(AS, sim_settings)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    a = sim_model.asset("PEPE")
    start = sim_model.last_settlement(AS, a, now) - timedelta(days=10)  # exactly on a settlement: included
    end = sim_model.last_settlement(AS, a, now)  # exactly on a settlement: excluded
    async with client.http:
        pepe = next(i for i in (await client.instruments()).items if i.asset == "PEPE")
        batch = await client.funding_history(pepe, start, end)
    assert [r.funding_time for r in batch.items] == sim_model.settlement_times(AS, a, start, end)
    assert len(batch.items) == 30 and batch.items[0].funding_time == start
    for r in batch.items:
        assert r.interval_hours == 8 and r.venue_symbol == "1000PEPEUSDT" and r.asset == "PEPE"
        assert _rate_matches(r.rate_per_hour, {sim_model.settled_rate_per_hour(AS, a, r.funding_time)}, 8)


async def test_snapshots_one_sided_oi_base_and_usd(sim_settings: Settings, sim_model: MarketModel) -> None:
    client = open_market_data(AS, sim_settings)
    async with client.http:
        batch = await client.snapshots()
    now = datetime.now(UTC)
    assert batch.rejects == [] and len(batch.items) == len(sim_model.listed(AS))
    for snap in batch.items:
        a = sim_model.asset(snap.asset)
        assert snap.open_interest_usd == snap.open_interest_base * snap.mark_price
        assert _close(snap.open_interest_base, sim_model.open_interest_base(AS, a, now))
        assert _close(snap.mark_price, sim_model.mark_price(AS, a, now), "0.005")
        assert _close(snap.volume_24h_usd, sim_model.volume_24h_usd(AS, a, now))
        assert snap.next_funding_time == sim_model.next_settlement(AS, a, snap.ts)


async def test_order_book_sorted_and_sized(sim_settings: Settings) -> None:
    client = open_market_data(AS, sim_settings)
    async with client.http:
        eth = next(i for i in (await client.instruments()).items if i.asset == "ETH")
        book = await client.order_book(eth, depth=7)
    assert len(book.bids) == len(book.asks) == 7
    assert [lv.price for lv in book.bids] == sorted((lv.price for lv in book.bids), reverse=True)
    assert [lv.price for lv in book.asks] == sorted(lv.price for lv in book.asks)
    assert book.best_bid < book.best_ask


async def test_request_weights_are_paid(sim_settings: Settings) -> None:
    """A snapshot pass costs 1 + 1 + 1 + 40 (all-symbol ticker) + one per symbol's OI."""
    client = open_market_data(AS, sim_settings)
    spy = _WeightSpy(c.REQUEST_WEIGHT_PER_MINUTE, 60)
    client.http._limiters[c.WEIGHT_SCOPE] = spy  # the budget VenueHttp draws from for this scope
    async with client.http:
        n = len((await client.instruments()).items)
        assert spy.spent == 2  # exchangeInfo + fundingInfo
        await client.snapshots()
        book = next(i for i in (await client.instruments()).items if i.asset == "BTC")
        before = spy.spent
        await client.order_book(book, depth=100)
    assert before == 2 + (1 + 1 + 1 + 40 + n) + 2
    assert spy.spent - before == 5  # depth limit 100


class _WeightSpy(AsyncLimiter):
    """The real limiter, also counting what was paid."""

    spent: float = 0

    async def acquire(self, amount: float = 1) -> None:
        self.spent += amount
        await super().acquire(amount)


# ---- venue-specific faults (private simulator; the common ones are in test_venue_faults.py) ------------
async def test_malformed_rows_become_rejects(private_sim: SimServer, private_sim_settings: Settings) -> None:
    client = open_market_data(AS, private_sim_settings)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    async with client.http:
        btc = next(i for i in (await client.instruments()).items if i.asset == "BTC")
        set_faults(private_sim, AS, malformed_rate=1.0, malformed_mode="row")
        batch = await client.funding_history(btc, now - timedelta(days=10), now)
    assert len(batch.rejects) == 1 and batch.rejects[0].reason_code == "parse_error"
    assert len(batch.items) in (29, 30)  # a damaged time may move the row out of the window
    assert private_sim.contexts[AS].faults.stats["malformed"] == 1


# ---- replay of the recorded samples ----------------------------------------------------------------
async def test_replay_serves_the_recorded_bodies() -> None:
    async with replay_client(AS) as client:
        instruments = await client.instruments()
        funding = await client.funding_current()
        snaps = await client.snapshots()
        btc = instruments.items[0]
        book = await client.order_book(btc)
        day = datetime(2025, 12, 3, tzinfo=UTC)
        history = await client.funding_history(btc, day, day + timedelta(days=1))
    assert [i.venue_symbol for i in instruments.items] == ["BTCUSDT", "ETHUSDT", "SOLUSDT", "ASTERUSDT"]
    assert {r.rate_per_hour for r in funding.items if r.venue_symbol in ("BTCUSDT", "ASTERUSDT")} == {
        Decimal("0.0000125")
    }
    by = {s.venue_symbol: s for s in snaps.items}
    assert by["BTCUSDT"].open_interest_base == Decimal("10659.509")
    # the one recorded OI body names BTCUSDT, so the other symbols' answers are rejected, not misattributed
    assert len(snaps.rejects) == 3 and by["ETHUSDT"].open_interest_base is None
    assert book.best_bid == Decimal("92682.9")
    assert [r.funding_time.hour for r in history.items] == [0, 8, 16]


REPLAY_REQUESTS = [
    ("GET", "/fapi/v1/exchangeInfo", {}, None),
    ("GET", "/fapi/v1/premiumIndex", {}, None),
    ("GET", "/fapi/v3/premiumIndex", {"symbol": "BTCUSDT"}, None),
    ("GET", "/fapi/v1/fundingInfo", {}, None),
    ("GET", "/fapi/v1/fundingRate", {"symbol": "BTCUSDT"}, None),
    ("GET", "/fapi/v1/ticker/24hr", {}, None),
    ("GET", "/fapi/v1/ticker/24hr", {"symbol": "BTCUSDT"}, None),
    ("GET", "/fapi/v1/openInterest", {"symbol": "BTCUSDT"}, None),
    ("GET", "/fapi/v1/depth", {"symbol": "BTCUSDT"}, None),
    ("GET", "/fapi/v1/trades", {"symbol": "BTCUSDT"}, None),
    ("GET", "/fapi/v1/commissionRate", {"symbol": "BTCUSDT"}, None),
    ("GET", "/fapi/v1/leverageBracket", {}, None),
    ("POST", "/fapi/v1/order", {}, None),
    ("DELETE", "/fapi/v3/order", {}, None),
    ("GET", "/fapi/v1/openOrders", {}, None),
    ("GET", "/fapi/v2/positionRisk", {}, None),
    ("GET", "/fapi/v1/userTrades", {}, None),
    ("GET", "/fapi/v1/income", {"incomeType": "FUNDING_FEE"}, None),
]


@pytest.mark.skipif(not SAMPLES_DIR.is_dir(), reason="shared exchange_samples not present")
def test_every_recorded_rest_body_is_reachable_in_replay() -> None:
    from perpdex_lib.sim.venues.aster import replay_name

    names = {replay_name(m, p, q, b) for m, p, q, b in REPLAY_REQUESTS}
    recorded = {f.stem for f in (SAMPLES_DIR / "aster").glob("*.json") if not f.stem.startswith("ws_")}
    assert names == recorded
    assert replay_name("GET", "/fapi/v9/exchangeInfo", {}, None) is None
    assert replay_name("GET", "/api/v1/exchangeInfo", {}, None) is None

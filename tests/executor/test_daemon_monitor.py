"""The daemon's monitor, exit and reconciliation paths, on a private simulator and a real PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal

import aiohttp
import pytest_asyncio

from executor.config import ExecutorConfig
from executor.daemon import Daemon
from executor.fsm import PairState
from executor.risk import TradingState
from executor.sizing import size_pair
from perpdex_lib.config import Settings
from perpdex_lib.domain import Venue

LONG, SHORT = Venue.LIGHTER, Venue.HYPERLIQUID


@pytest_asyncio.fixture
async def daemon(clean_db, private_sim) -> AsyncIterator[Daemon]:
    cfg = ExecutorConfig.model_validate({
        "executor_id": "mon", "venues": ["lighter", "hyperliquid"],
        "exits": {"max_age_hours": 0}, "strategy": {"min_net_apr": -100},
    })
    settings = Settings(venue_urls=private_sim.urls, http_timeout_s=2.0, http_max_attempts=2)
    d = Daemon(cfg, settings, url=clean_db)
    assert await d.start()
    d.market.ttl_s = 0  # always re-read funding in these tests
    d.sim = private_sim  # type: ignore[attr-defined]
    try:
        yield d
    finally:
        await d.close()


async def _admin(d: Daemon, path: str, body: dict | None = None, method: str = "POST") -> None:
    async with aiohttp.ClientSession() as s, s.request(method, f"{d.sim.admin_url}{path}", json=body) as r:
        assert r.status == 200, await r.text()


async def _open_pair(d: Daemon, asset: str = "BTC"):
    li = next(i for i in (await d.venues.market[LONG].instruments()).items if i.asset == asset)
    si = next(i for i in (await d.venues.market[SHORT].instruments()).items if i.asset == asset)
    for inst in (li, si):
        d.venues.instruments[(inst.venue, inst.venue_symbol)] = inst
    lb, sb = await d.venues.book(LONG, li.venue_symbol), await d.venues.book(SHORT, si.venue_symbol)
    size = size_pair(li, si, lb.best_ask, sb.best_bid, Decimal(1000))
    pair = await d.journal.create_pair(
        asset=asset, long=(LONG.value, li.venue_symbol, li.multiplier), short=(SHORT.value, si.venue_symbol,
                                                                               si.multiplier),
        canonical_qty=size.canonical_qty, notional_usd=Decimal(1000), spread_per_hour=Decimal("0.00005"),
        apr=None, opportunity_ref="test")
    for _ in range(10):
        pair = await d.driver.step(pair)
        if pair.state is PairState.OPEN:
            return pair
    raise AssertionError(f"pair did not open: {pair.state}")


async def _events(d: Daemon, kind: str) -> list[dict]:
    rows = await d.journal._fetch("SELECT detail FROM execution.events WHERE kind = %s ORDER BY id", (kind,))
    return [r["detail"] for r in rows]


async def test_wide_spread_defers_a_non_urgent_exit_until_the_book_narrows(daemon):
    # a healthy spread (short receives more than long pays), so only the age limit asks for an exit
    await _admin(daemon, "/admin/rates", {"venue": "hyperliquid", "asset": "BTC", "rate_per_hour": "0.0002"})
    await _admin(daemon, "/admin/rates", {"venue": "lighter", "asset": "BTC", "rate_per_hour": "0.0001"})
    pair = await _open_pair(daemon)
    await _admin(daemon, "/admin/books", {"venue": "lighter", "asset": "BTC", "half_spread_bps": 150})  # 3 % wide
    await daemon._monitor(TradingState.ACTIVE)
    pair = await daemon.journal.pair(pair.pair_id)
    assert pair.state is PairState.OPEN
    deferred = await _events(daemon, "exit_deferred")
    assert deferred and deferred[-1]["reason"] == "time_limit"

    await _admin(daemon, "/admin/books", method="DELETE")
    await daemon._monitor(TradingState.ACTIVE)
    pair = await daemon.journal.pair(pair.pair_id)
    assert pair.state is PairState.EXITING and pair.exit_reason == "time_limit"
    marks = await daemon.journal._fetch("SELECT count(*) AS n FROM execution.pair_marks WHERE pair_id = %s",
                                        (pair.pair_id,))
    assert marks[0]["n"] == 2  # the monitor recorded PnL marks both times


async def test_urgent_exit_goes_through_a_wide_spread(daemon):
    pair = await _open_pair(daemon)
    await _admin(daemon, "/admin/books", {"venue": "lighter", "asset": "BTC", "half_spread_bps": 150})
    # the short leg now pays and the long leg receives: the divergence flipped
    await _admin(daemon, "/admin/rates", {"venue": "hyperliquid", "asset": "BTC", "rate_per_hour": "-0.0002"})
    await _admin(daemon, "/admin/rates", {"venue": "lighter", "asset": "BTC", "rate_per_hour": "0.0002"})
    await daemon._monitor(TradingState.ACTIVE)
    pair = await daemon.journal.pair(pair.pair_id)
    assert pair.state is PairState.EXITING and pair.exit_reason == "divergence_flipped"


async def test_reconciliation_mismatch_tightens_to_reduce_only(daemon):
    pair = await _open_pair(daemon)
    await daemon._reconcile()
    assert daemon.reconciled is True
    # someone trades the account behind the executor's back
    await daemon.journal._exec("UPDATE execution.paper_positions SET qty = qty * 2 WHERE venue = %s AND "
                               "venue_symbol = %s", (LONG.value, pair.long_symbol))
    await daemon._reconcile()
    assert daemon.reconciled is False
    assert await daemon.journal.trading_state() is TradingState.REDUCE_ONLY
    last = await daemon.journal._fetch("SELECT status, detail FROM execution.reconciliations ORDER BY id DESC LIMIT 1")
    assert last[0]["status"] == "mismatch" and f"lighter:{pair.long_symbol}" in last[0]["detail"]["mismatches"]


async def test_a_failed_position_query_is_never_flat(daemon):
    await _open_pair(daemon)
    await daemon._reconcile()
    assert daemon.reconciled is True
    await daemon.journal._exec("INSERT INTO execution.paper_faults (venue, config) VALUES (%s, %s)",
                               (SHORT.value, json.dumps({"down": True})))
    daemon.venues.trading[SHORT]._faults_read = 0.0
    await daemon._reconcile()
    assert daemon.reconciled is False  # unknown, so no entries; and no "flat" conclusion was drawn
    last = await daemon.journal._fetch("SELECT status, detail FROM execution.reconciliations ORDER BY id DESC LIMIT 1")
    assert last[0]["status"] == "error" and "hyperliquid" in last[0]["detail"]["errors"]
    assert await daemon.journal.trading_state() is TradingState.ACTIVE


async def test_halted_state_submits_nothing(daemon):
    pair = await _open_pair(daemon)
    await daemon.driver.begin_exit(pair, "manual")
    n_before = len(await daemon.journal.orders(pair.pair_id))
    await daemon._drive_pairs(TradingState.HALTED)
    assert len(await daemon.journal.orders(pair.pair_id)) == n_before  # nothing was sent while halted
    assert (await daemon.journal.pair(pair.pair_id)).state is PairState.EXITING
    await daemon._drive_pairs(TradingState.REDUCE_ONLY)  # the same pair does exit once the halt is lifted
    assert len(await daemon.journal.orders(pair.pair_id)) > n_before

"""The official hyperliquid-python-sdk reads from the simulator: proof that it speaks the real protocol."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from perpdex_lib.domain import Venue
from perpdex_lib.sim.model import MarketModel

pytestmark = pytest.mark.integration
HL = Venue.HYPERLIQUID


def test_info_reads_markets_funding_and_books(sim_urls: dict[Venue, str], sim_model: MarketModel) -> None:
    from hyperliquid.info import Info

    info = Info(base_url=sim_urls[HL], skip_ws=True)  # the constructor POSTs spotMeta and meta
    listed = sim_model.listed(HL)
    assert info.name_to_coin["kPEPE"] == "kPEPE" and info.coin_to_asset["BTC"] == 0
    assert len([c for c, a in info.coin_to_asset.items() if a < 10000]) == len(listed)

    before = datetime.now(UTC)
    meta, ctxs = info.meta_and_asset_ctxs()
    after = datetime.now(UTC)
    assert [u["name"] for u in meta["universe"]][:2] == ["BTC", "ETH"] and len(ctxs) == len(listed)
    btc = sim_model.asset("BTC")
    expected = {sim_model.predicted_rate_per_hour(HL, btc, t) for t in (before, after)}
    assert Decimal(ctxs[0]["funding"]) in expected

    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=48)
    before = sim_model.settlement_times(HL, btc, start, datetime.now(UTC))
    rows = info.funding_history("BTC", int(start.timestamp() * 1000))
    after = sim_model.settlement_times(HL, btc, start, datetime.now(UTC))
    truth = before if len(rows) == len(before) else after  # an hour may turn during the call
    assert len(rows) == len(truth) >= 47
    assert [Decimal(r["fundingRate"]) for r in rows] == [sim_model.settled_rate_per_hour(HL, btc, t) for t in truth]

    book = info.l2_snapshot("kPEPE")
    assert book["coin"] == "kPEPE" and len(book["levels"][0]) == 20
    assert float(book["levels"][0][0]["px"]) < float(book["levels"][1][0]["px"])
    mids = info.all_mids()
    assert set(mids) >= {"BTC", "kPEPE"}


def test_websocket_subscriptions_through_the_sdk(sim_urls: dict[Venue, str]) -> None:
    from hyperliquid.info import Info

    info = Info(base_url=sim_urls[HL], skip_ws=False)  # ws URL derived from base_url: ws://.../ws
    got: dict[str, list] = {"l2Book": [], "activeAssetCtx": []}
    done = threading.Event()

    def on_msg(msg: dict) -> None:
        got[msg["channel"]].append(msg)
        if all(got.values()):
            done.set()

    try:
        info.subscribe({"type": "l2Book", "coin": "BTC"}, on_msg)
        info.subscribe({"type": "activeAssetCtx", "coin": "kPEPE"}, on_msg)
        assert done.wait(10), f"no frames: { {k: len(v) for k, v in got.items()} }"
    finally:
        info.disconnect_websocket()
    book = got["l2Book"][0]["data"]
    assert book["coin"] == "BTC" and len(book["levels"]) == 2
    ctx = got["activeAssetCtx"][0]["data"]
    assert ctx["coin"] == "kPEPE" and Decimal(ctx["ctx"]["markPx"]) > 0

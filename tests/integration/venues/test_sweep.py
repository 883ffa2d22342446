"""Cross-venue sweep against the simulator: every connector together, ground truth from the model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from perpdex_lib.config import Settings
from perpdex_lib.domain import Venue
from perpdex_lib.sim.model import MarketModel
from perpdex_lib.sim.server import SimServer
from perpdex_lib.venues.sweep import VenueSweep, depth_within_band, sweep

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[3]
CONNECTED = [v for v in Venue if (REPO / "perpdex_lib" / "venues" / v.value / "market_data.py").is_file()]


def quote_precision(interval_hours: Decimal) -> Decimal:
    """Per-hour error allowed from a venue rounding its per-interval quote to 8 decimals."""
    return Decimal("0.5e-8") / interval_hours + Decimal("1e-10")


def test_every_venue_has_a_connector() -> None:
    assert list(Venue) == CONNECTED


@pytest.fixture(scope="module")
def swept(sim_urls: dict[Venue, str]) -> tuple[dict[Venue, VenueSweep], datetime, datetime]:
    import asyncio

    settings = Settings(venue_urls=sim_urls, http_timeout_s=5.0, http_max_attempts=4)
    before = datetime.now(UTC)
    result = asyncio.run(sweep(CONNECTED, settings, books=3))
    return result, before, datetime.now(UTC)


def test_sweep_all_venues_match_the_model(swept, sim_model: MarketModel) -> None:  # type: ignore[no-untyped-def]
    result, before, after = swept
    assert list(result) == CONNECTED
    for venue, vs in result.items():
        listed = {a.name for a in sim_model.listed(venue)}
        assert vs.ok, vs.error
        assert vs.rejects == []
        assert {i.asset for i in vs.instruments.items} == listed, venue
        assert len(vs.instruments.items) == len(listed)
        assert {f.asset for f in vs.funding.items} == listed, venue
        assert {s.asset for s in vs.snapshots.items} == listed, venue
        assert vs.requests > 0 and vs.timings_s["total"] > 0
        for f in vs.funding.items:
            a = sim_model.asset(f.asset)
            truth = [sim_model.predicted_rate_per_hour(venue, a, t) for t in (before, after)]
            # venues quote in their own unit and precision (Aster: 8 decimals per interval)
            assert min(abs(f.rate_per_hour - x) for x in truth) <= quote_precision(f.interval_hours), (venue, f)
            assert f.funding_time in {sim_model.next_settlement(venue, a, t) for t in (before, after)}, (venue, f)


def test_canonical_assets_multipliers_and_prices_line_up(swept, sim_model: MarketModel) -> None:  # type: ignore[no-untyped-def]
    result, _, _ = swept
    usd: dict[str, list[Decimal]] = {}
    for venue, vs in result.items():
        inst = {i.venue_symbol: i for i in vs.instruments.items}
        for i in vs.instruments.items:
            assert i.multiplier == sim_model.multiplier(venue, sim_model.asset(i.asset)), (venue, i.venue_symbol)
        for s in vs.snapshots.items:
            usd.setdefault(s.asset, []).append(s.mark_price / inst[s.venue_symbol].multiplier)
    pepe = {v: next(i for i in vs.instruments.items if i.asset == "PEPE").multiplier for v, vs in result.items()}
    assert {v for v, m in pepe.items() if m == 1000} == {v for v in result if sim_model.multiplier(
        v, sim_model.asset("PEPE")) == 1000}
    assert Decimal(1000) in pepe.values()
    for asset, prices in usd.items():
        assert len(prices) >= 2
        assert (max(prices) - min(prices)) / min(prices) < Decimal("0.005"), (asset, prices)


def test_books_merge_into_snapshots(swept) -> None:  # type: ignore[no-untyped-def]
    result, _, _ = swept
    for venue, vs in result.items():
        assert len(vs.books) == 3 and not vs.book_errors, venue
        by_oi = sorted(vs.snapshots.items, key=lambda s: s.open_interest_usd or 0, reverse=True)
        assert {s.venue_symbol for s in by_oi[:3]} == set(vs.books), venue  # top-N by OI
        for s in vs.snapshots.items:
            book = vs.books.get(s.venue_symbol)
            if book is None:
                continue
            assert s.best_bid == book.best_bid < s.best_ask == book.best_ask
            assert (s.bid_depth_usd, s.ask_depth_usd) == depth_within_band(book)
            assert s.bid_depth_usd > 0 and s.ask_depth_usd > 0


async def test_chaos_one_down_one_malformed_one_rate_limited(private_sim: SimServer) -> None:
    faults = {Venue.LIGHTER: {"down": True},
              Venue.ASTER: {"malformed_rate": 1.0, "malformed_mode": "row"},
              Venue.GRVT: {"rate_limit_rate": 0.15, "retry_after_s": 0.01}}
    for venue, values in faults.items():
        private_sim.contexts[venue].faults.config.update(values)
    settings = Settings(venue_urls=private_sim.urls, http_timeout_s=2.0, http_max_attempts=5)
    result = await sweep(CONNECTED, settings, books=2)

    down = result[Venue.LIGHTER]
    assert not down.ok and down.error.startswith("lighter: ") and "VenueUnavailable" in down.error
    assert private_sim.contexts[Venue.LIGHTER].faults.stats["dropped"] > 0

    malformed = result[Venue.ASTER]
    assert malformed.rejects, "corrupted rows must come back as rejects"
    assert {r.venue for r in malformed.rejects} == {"aster"}
    assert malformed.instruments.items or malformed.snapshots.items  # the other rows still parsed

    limited = result[Venue.GRVT]
    assert limited.ok, limited.error
    assert private_sim.contexts[Venue.GRVT].faults.stats["429"] > 0
    assert len(limited.funding.items) == len(private_sim.model.listed(Venue.GRVT))

    for venue in set(CONNECTED) - set(faults):
        assert result[venue].ok, result[venue].error
        assert not result[venue].rejects
    for venue, vs in result.items():
        for err in vs.errors:
            assert vs.error and vs.error.startswith(venue.value), err


def test_cli_funding_all_json(sim_urls: dict[Venue, str], sim_model: MarketModel) -> None:
    env = dict(os.environ, PERPDEX_VENUE_URLS=json.dumps({v.value: u for v, u in sim_urls.items()}))
    before = datetime.now(UTC)
    proc = subprocess.run(
        [sys.executable, "-m", "perpdex_lib.cli.main", "market", "funding", "--venue", "all", "--json"],
        env=env, capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    after = datetime.now(UTC)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert {r["venue"] for r in rows} == {v.value for v in CONNECTED}
    for venue in CONNECTED:
        assert sum(r["venue"] == venue.value for r in rows) == len(sim_model.listed(venue))
    for r in rows:
        a = sim_model.asset(r["asset"])
        truth = [sim_model.predicted_rate_per_hour(Venue(r["venue"]), a, t) for t in (before, after)]
        assert min(abs(Decimal(r["rate_per_hour"]) - x) for x in truth) <= quote_precision(
            Decimal(r["interval_hours"])), r
        assert Decimal(r["apr_pct"]) == (Decimal(r["rate_per_hour"]) * 876000).quantize(Decimal("0.0001"))
        assert r["kind"] == "predicted" and r["interval_hours"] and r["raw_unit"]
    hl_pepe = next(r for r in rows if r["venue"] == "hyperliquid" and r["asset"] == "PEPE")
    assert hl_pepe["symbol"] == "kPEPE" and hl_pepe["raw_unit"] == "fraction_per_interval"


def test_cli_failing_venue_is_named_and_others_print(sim_urls: dict[Venue, str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from perpdex_lib.cli.main import app
    from perpdex_lib.config import get_settings

    urls = {v.value: u for v, u in sim_urls.items()} | {"paradex": "http://127.0.0.1:9"}  # nothing listens there
    monkeypatch.setenv("PERPDEX_VENUE_URLS", json.dumps(urls))
    monkeypatch.setenv("PERPDEX_HTTP_MAX_ATTEMPTS", "1")
    get_settings.cache_clear()
    try:
        res = CliRunner().invoke(app, ["market", "funding", "--venue", "all", "--json"])
    finally:
        get_settings.cache_clear()
    assert res.exit_code == 1
    assert "paradex: FAILED" in res.stderr
    rows = json.loads(res.stdout)
    assert {r["venue"] for r in rows} == {v.value for v in CONNECTED} - {"paradex"}


def test_cli_sim_urls_and_market_sim_option(sim_admin_url: str, sim_urls: dict[Venue, str]) -> None:
    from typer.testing import CliRunner

    from perpdex_lib.cli.main import app

    res = CliRunner().invoke(app, ["sim", "urls", "--admin", sim_admin_url])
    assert res.exit_code == 0, res.output
    line = res.stdout.strip()
    assert line.startswith("PERPDEX_VENUE_URLS=")
    assert json.loads(line.split("=", 1)[1]) == {v.value: u for v, u in sim_urls.items()}
    res = CliRunner().invoke(app, ["market", "book", "--venue", "hyperliquid", "--symbol", "PEPE", "--depth", "3",
                                   "--json", "--sim", sim_admin_url])
    assert res.exit_code == 0, res.output
    book = json.loads(res.stdout)
    assert book["symbol"] == "kPEPE" and len(book["bids"]) == len(book["asks"]) == 3
    assert Decimal(book["bids"][0][0]) < Decimal(book["asks"][0][0])


async def test_sweep_venue_with_history_window(sim_settings: Settings, sim_model: MarketModel) -> None:
    from datetime import timedelta

    from perpdex_lib.venues.sweep import sweep_venue

    hl = Venue.HYPERLIQUID
    before = datetime.now(UTC)
    vs = await sweep_venue(hl, sim_settings, books=False, history=timedelta(hours=6))
    after = datetime.now(UTC)
    assert vs.ok, vs.error
    assert vs.books == {} and "books" not in vs.timings_s and "history" in vs.timings_s
    listed = sim_model.listed(hl)
    expected = {sum(len(sim_model.settlement_times(hl, a, t - timedelta(hours=6), t)) for a in listed)
                for t in (before, after)}
    assert len(vs.history.items) in expected
    assert {r.asset for r in vs.history.items} == {a.name for a in listed}


def test_cli_instruments_snapshots_history_json(sim_admin_url: str, sim_model: MarketModel) -> None:
    from typer.testing import CliRunner

    from perpdex_lib.cli.main import app

    runner = CliRunner()
    res = runner.invoke(app, ["market", "instruments", "--asset", "PEPE", "--json", "--sim", sim_admin_url])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    pepe = sim_model.asset("PEPE")
    assert {r["venue"]: Decimal(r["multiplier"]) for r in rows} == {
        v.value: Decimal(sim_model.multiplier(v, pepe)) for v in Venue if pepe in sim_model.listed(v)}

    res = runner.invoke(app, ["market", "snapshots", "--venue", "hyperliquid", "--books", "2", "--json",
                              "--sim", sim_admin_url])
    assert res.exit_code == 0, res.output
    snaps = json.loads(res.stdout)
    assert len(snaps) == len(sim_model.listed(Venue.HYPERLIQUID))
    assert sum(s["best_bid"] is not None for s in snaps) == 2

    res = runner.invoke(app, ["market", "history", "--venue", "hyperliquid", "--symbol", "kPEPE", "--days", "0.5",
                              "--json", "--sim", sim_admin_url])
    assert res.exit_code == 0, res.output
    hist = json.loads(res.stdout)
    assert 11 <= len(hist) <= 12 and {h["kind"] for h in hist} == {"settled"}
    for h in hist:
        t = datetime.fromisoformat(h["funding_time"])
        assert Decimal(h["rate_per_hour"]) == sim_model.settled_rate_per_hour(Venue.HYPERLIQUID, pepe, t)

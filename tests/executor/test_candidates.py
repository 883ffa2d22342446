"""Entry candidates: the pipeline's fresh opportunity run, or live venue data; both re-checked on live data."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import psycopg

from executor.candidates import LiveMarket, live_candidates, warehouse_candidates
from perpdex_lib.domain import Venue
from perpdex_lib.fees import load_fee_table
from perpdex_lib.opportunities.models import Opportunity
from perpdex_lib.opportunities.params import OpportunityParams
from tests.executor.conftest import LONG, SHORT


def _run(conn, run_id: str, age_s: int) -> None:
    conn.execute(
        "INSERT INTO analytics.opportunity_runs (run_id, computed_at, engine, parameters, notional_usd, "
        "horizon_hours, execution_style) VALUES (%s, now() - make_interval(secs => %s), 'sql', '{}', 1000, 24, "
        "'taker')",
        (run_id, age_s),
    )


def test_warehouse_candidates_take_only_a_fresh_latest_run(clean_db):
    with psycopg.connect(clean_db, autocommit=True) as conn:
        _run(conn, "old", 5000)
        cols = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'analytics' "
            "AND table_name = 'opportunities' AND is_nullable = 'NO' ORDER BY ordinal_position").fetchall()]
        assert {"run_id", "rank", "asset", "long_venue", "net_apr"} <= set(cols)
        assert warehouse_candidates(conn, 900, list(Venue)) == []  # only a stale run exists
        _run(conn, "new", 10)
        # fill every NOT NULL column with a neutral value, then the ones under test
        values = {c: 0 for c in cols}
        values.update(run_id="new", rank=1, asset="BTC", long_venue="lighter", long_symbol="BTC",
                      short_venue="aster", short_symbol="BTCUSDT", net_apr=Decimal("0.25"), execution_style="taker",
                      interval_mismatch=False)
        placeholders = ", ".join(["%s"] * len(cols))
        conn.execute(f"INSERT INTO analytics.opportunities ({', '.join(cols)}) VALUES ({placeholders})",
                     [values[c] for c in cols])
        found = warehouse_candidates(conn, 900, list(Venue))
        assert [(c.asset, c.long_venue, c.short_venue, c.net_apr, c.ref) for c in found] == [
            ("BTC", Venue.LIGHTER, Venue.ASTER, Decimal("0.25"), "run:new")]
        assert warehouse_candidates(conn, 900, [Venue.LIGHTER]) == []  # a venue we don't trade is skipped


async def test_live_candidates_are_ranked_and_rechecked_on_live_data(rig):
    params = OpportunityParams(notional_usd=Decimal(1000), horizon_hours=Decimal(24), min_net_apr=Decimal(-100))
    market = LiveMarket(rig.venues, load_fee_table(), params)
    now = datetime.now(UTC)
    found = await live_candidates(market, [LONG, SHORT], {"BTC", "ETH"}, set(), now)
    assert {c.asset for c in found} == {"BTC", "ETH"}
    assert len(found) == 2  # per asset only the direction that earns the spread passes (spread > 0)
    assert [c.net_apr for c in found] == sorted((c.net_apr for c in found), reverse=True)
    checked = await market.recheck(found[0], now)
    assert isinstance(checked, Opportunity)
    assert checked.asset == found[0].asset and checked.long_venue == found[0].long_venue.value


async def test_live_scan_reads_books_only_for_the_top_pairs(rig):
    """Stage 1 costs one funding + one instruments request per venue; books only for the top-k pairs' legs."""
    params = OpportunityParams(notional_usd=Decimal(1000), horizon_hours=Decimal(24), min_net_apr=Decimal(-100))
    market = LiveMarket(rig.venues, load_fee_table(), params)
    sent = {v: md.http.requests_sent for v, md in rig.venues.market.items()}
    assets = {"BTC", "ETH", "SOL", "XRP", "DOGE", "HYPE"}
    found = await live_candidates(market, [LONG, SHORT], assets, set(), datetime.now(UTC), top_k=2)
    used = sum(md.http.requests_sent - sent[v] for v, md in rig.venues.market.items())
    assert 1 <= len(found) <= 2
    # per venue: instruments + funding + snapshots; plus at most one book per leg of the two pairs
    assert used <= 3 * 2 + 2 * 2

"""The SQL engine and the Python engine agree digit for digit on randomised warehouse contents.

Seeded random universes (stale, missing and halted inputs, 1 h/4 h/8 h/continuous intervals, multipliers,
thin books, history gaps) are loaded into a real PostgreSQL through the warehouse loaders; the SQL function
computes a run, the Python engine computes from ``load_inputs`` at the same instant, and every field of
every opportunity must be equal as a Decimal (no tolerance), with the same ranks and the same rejection
reason for every other pair.
"""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from perpdex_lib.domain.enums import Venue
from perpdex_lib.fees import DEFAULT_FEES, FeeTable, sync_fee_table
from perpdex_lib.opportunities.engine import compute
from perpdex_lib.opportunities.inputs import load_inputs
from perpdex_lib.opportunities.params import OpportunityParams
from perpdex_lib.opportunities.sql import compute_in_db, fetch_run
from tests.integration.opportunities.synth import NOW, generate, load

pytestmark = pytest.mark.integration

VARIANTS = [
    OpportunityParams(),
    OpportunityParams(execution_style="maker", horizon_hours=Decimal(168), min_history_hours=100,
                      fee_tiers={"lighter": "premium", "grvt": "vip"}),  # grvt 'vip' has no fees: missing_fee
    OpportunityParams(notional_usd=Decimal("2500.5"), horizon_hours=Decimal("24.5"), credit_basis_gain=True,
                      max_slippage_bps=Decimal("7.25"), min_net_apr=Decimal("-1"), max_oi_share=Decimal(1),
                      min_volume_24h_usd=Decimal(10**6), max_basis_bps=Decimal(30)),
]


@pytest.fixture
def seeded_db(clean_db: str):  # type: ignore[no-untyped-def]
    with psycopg.connect(clean_db) as conn:
        sync_fee_table(conn, FeeTable(DEFAULT_FEES))
        conn.commit()
        yield conn


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_and_python_engines_agree(seeded_db: psycopg.Connection, seed: int) -> None:
    conn = seeded_db
    venues = list(Venue)[: 3 + seed]
    load(conn, generate(seed, venues, assets=12))
    for params in VARIANTS:
        run_id = compute_in_db(conn, params, NOW)
        conn.commit()
        sql = fetch_run(conn, run_id)
        py = compute(load_inputs(conn, NOW, params), params, NOW)
        assert len(sql.opportunities) == len(py.opportunities)
        for s, p in zip(sql.opportunities, py.opportunities, strict=True):
            assert s == p, f"{params}: {s} != {p}"
        assert [(r.asset, r.long_venue, r.long_symbol, r.short_venue, r.short_symbol, r.reason_code)
                for r in sql.rejections] == \
               [(r.asset, r.long_venue, r.long_symbol, r.short_venue, r.short_symbol, r.reason_code)
                for r in py.rejections]
        # the universe really exercised the engine: some accepted, several kinds of rejection
        assert sql.opportunities, params
        assert len({r.reason_code for r in sql.rejections}) >= 4


def test_run_bookkeeping_and_reasons(seeded_db: psycopg.Connection) -> None:
    conn = seeded_db
    load(conn, generate(7, list(Venue), assets=15))
    run_id = compute_in_db(conn, OpportunityParams(), NOW)
    conn.commit()
    legs, opps, rejs, age, style = conn.execute(
        "SELECT legs, opportunities, rejections, max_input_age_s, execution_style FROM analytics.opportunity_runs "
        "WHERE run_id = %s", (run_id,)).fetchone()
    assert style == "taker" and legs > 0 and opps > 0 and rejs > 0
    assert age <= Decimal(900)  # every accepted opportunity is fresh
    pairs = conn.execute(
        "SELECT count(*) FROM analytics.opp_legs(%s, interval '168 hours') a "
        "JOIN analytics.opp_legs(%s, interval '168 hours') b ON a.asset = b.asset AND a.venue <> b.venue",
        (NOW, NOW)).fetchone()[0]
    assert opps + rejs == pairs  # every ordered pair is either an opportunity or a recorded rejection
    reasons = dict(conn.execute(
        "SELECT reason_code, count(*) FROM analytics.opportunity_rejections WHERE run_id = %s GROUP BY 1",
        (run_id,)).fetchall())
    assert {"stale_funding", "spread_below_min"} <= set(reasons)
    latest = conn.execute("SELECT count(*), min(rank), max(rank) FROM reporting.opportunities_latest").fetchone()
    assert latest == (opps, 1, opps)


def test_missing_parameter_is_refused(seeded_db: psycopg.Connection) -> None:
    params = OpportunityParams().to_json()
    del params["max_book_age_s"]
    with pytest.raises(psycopg.errors.RaiseException, match="max_book_age_s"):
        conn = seeded_db
        conn.execute("SELECT analytics.compute_opportunities(%s::jsonb, %s)", (psycopg.types.json.Jsonb(params), NOW))
    seeded_db.rollback()


def test_cached_persistence_is_reused_and_invalidated_by_late_settlements(seeded_db: psycopg.Connection) -> None:
    conn = seeded_db
    load(conn, generate(4, list(Venue)[:5], assets=10))
    params = OpportunityParams(horizon_hours=Decimal(168))

    def run_and_compare() -> tuple[int, dict]:  # type: ignore[type-arg]
        run_id = compute_in_db(conn, params, NOW)
        conn.commit()
        sql = fetch_run(conn, run_id)
        py = compute(load_inputs(conn, NOW, params), params, NOW)
        assert sql.opportunities == py.opportunities
        cached = conn.execute("SELECT persistence_pairs_cached FROM analytics.opportunity_runs WHERE run_id = %s",
                              (run_id,)).fetchone()[0]
        return cached, {(o.asset, o.long_venue, o.short_venue): o.persistence_7d for o in sql.opportunities}

    cold_cached, cold = run_and_compare()
    warm_cached, warm = run_and_compare()
    assert cold_cached == 0 and warm_cached >= len(cold) > 0 and warm == cold
    # a late settlement for one opportunity's long leg changes that leg's history: its pairs are recomputed
    asset, long_venue, short_venue = next(iter(cold))
    venue_symbol, ft = conn.execute(
        "SELECT venue_symbol, max(funding_time) FROM market.funding_rates WHERE kind = 'settled' AND venue = %s "
        "AND asset = %s GROUP BY venue_symbol", (long_venue, asset)).fetchone()
    conn.execute("UPDATE market.funding_rates SET rate_per_hour = rate_per_hour + 0.001 WHERE venue = %s "
                 "AND venue_symbol = %s AND funding_time = %s AND kind = 'settled'", (long_venue, venue_symbol, ft))
    conn.commit()
    late_cached, late = run_and_compare()  # equality with the Python engine (fresh from raw rows) is asserted inside
    assert late_cached < warm_cached
    assert late[(asset, long_venue, short_venue)] != cold[(asset, long_venue, short_venue)]


def test_latest_view_shows_the_newest_run_of_each_parameter_set(seeded_db: psycopg.Connection) -> None:
    from datetime import timedelta

    conn = seeded_db
    load(conn, generate(6, list(Venue)[:4], assets=8))
    old = compute_in_db(conn, OpportunityParams(horizon_hours=Decimal(72)), NOW - timedelta(minutes=10))
    new72 = compute_in_db(conn, OpportunityParams(horizon_hours=Decimal(72)), NOW)
    new168 = compute_in_db(conn, OpportunityParams(horizon_hours=Decimal(168)), NOW)
    stale = compute_in_db(conn, OpportunityParams(horizon_hours=Decimal(24)), NOW - timedelta(days=2))
    conn.commit()
    runs = {r for (r,) in conn.execute("SELECT DISTINCT run_id FROM reporting.opportunities_latest").fetchall()}
    assert {new72, new168} <= runs and old not in runs and stale not in runs
    horizons = {h for (h,) in conn.execute("SELECT DISTINCT horizon_hours FROM reporting.opportunities_latest")}
    assert horizons == {Decimal(72), Decimal(168)}
    reasons = conn.execute("SELECT sum(pairs) FROM reporting.opportunity_rejection_reasons_latest "
                           "WHERE run_id = %s", (new72,)).fetchone()[0]
    assert reasons == conn.execute("SELECT rejections FROM analytics.opportunity_runs WHERE run_id = %s",
                                   (new72,)).fetchone()[0]

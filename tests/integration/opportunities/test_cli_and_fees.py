"""`perpdex opportunities` against a real warehouse, and the fee table the SQL engine charges."""

from __future__ import annotations

import json
from decimal import Decimal

import psycopg
import pytest
from typer.testing import CliRunner

from perpdex_lib.cli.main import app
from perpdex_lib.domain.enums import Venue
from perpdex_lib.fees import DEFAULT_FEES, FeeTable, sync_fee_table
from tests.integration.opportunities.synth import NOW, generate, load

pytestmark = pytest.mark.integration


def test_migration_seeds_exactly_the_python_fee_defaults(pg_url: str) -> None:
    # a fresh database (clean_db would empty the table): the seed of 0050 must equal perpdex_lib.fees
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT venue, tier, maker_fee, taker_fee, source, confidence "
                            "FROM reporting.fee_schedules").fetchall()
    if not rows:
        pytest.skip("fee table emptied by an earlier clean_db in this session")
    assert {(v, t): (m, tk, src, c) for v, t, m, tk, src, c in rows} == {
        (s.venue.value, s.tier): (s.maker, s.taker, s.source, s.confidence.value) for s in DEFAULT_FEES}


def test_cli_prints_the_ranked_table_and_json_from_both_engines(clean_db: str) -> None:
    with psycopg.connect(clean_db) as conn:
        sync_fee_table(conn, FeeTable(DEFAULT_FEES))
        load(conn, generate(5, list(Venue)[:5], assets=10))
    runner = CliRunner()
    at = NOW.strftime("%Y-%m-%dT%H:%M:%S")
    outs = {}
    for engine in ("sql", "python"):
        res = runner.invoke(app, ["opportunities", "--json", "--engine", engine, "--at", at, "--horizon", "168",
                                  "--style", "maker", "--notional", "5000"])
        assert res.exit_code == 0, res.output
        outs[engine] = json.loads(res.output)
    sql, py = outs["sql"], outs["python"]
    assert sql["run_id"] and py["run_id"] is None
    assert sql["parameters"]["horizon_hours"] == "168" and sql["parameters"]["execution_style"] == "maker"
    assert sql["opportunities"], "the synthetic market has opportunities"
    assert sql["rejections_by_reason"] == py["rejections_by_reason"]
    # same ranking, same digits (Decimals are printed as strings; compare as numbers)
    for s, p in zip(sql["opportunities"], py["opportunities"], strict=True):
        assert (s["rank"], s["asset"], s["long_venue"], s["short_venue"]) == \
               (p["rank"], p["asset"], p["long_venue"], p["short_venue"])
        assert Decimal(s["net_apr"]) == Decimal(p["net_apr"])
        assert Decimal(s["notional_usd"]) == 5000
    top = sql["opportunities"][0]
    table = runner.invoke(app, ["opportunities", "--at", at, "--horizon", "168", "--style", "maker",
                                "--notional", "5000", "--limit", "5"], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    assert top["asset"] in table.output and "opportunities at" in table.output
    assert "rejected pairs:" in table.output


def test_roles_pipeline_computes_dashboard_reads_only_reporting(pg_server, clean_db: str) -> None:
    from perpdex_lib.opportunities.params import OpportunityParams
    from perpdex_lib.opportunities.sql import compute_in_db
    from perpdex_lib.warehouse.engine import with_user

    if not pg_server.local:
        pytest.skip("role logins need the private cluster's trust auth")
    with psycopg.connect(clean_db) as conn:
        load(conn, generate(3, list(Venue)[:4], assets=6))
    with psycopg.connect(with_user(clean_db, "perpdex_pipeline")) as pipe:
        run_id = compute_in_db(pipe, OpportunityParams(), NOW)
        pipe.commit()
    with psycopg.connect(with_user(clean_db, "perpdex_dashboard"), autocommit=True) as dash:
        for view in ("opportunities_latest", "opportunity_rejections_latest", "opportunity_rejection_reasons_latest",
                     "opportunity_runs", "opportunities_history", "fee_schedules"):
            dash.execute(f"SELECT * FROM reporting.{view} LIMIT 5").fetchall()
        assert dash.execute("SELECT DISTINCT run_id FROM reporting.opportunities_latest").fetchall() in ([],
                                                                                                  [(run_id,)])
        for table in ("analytics.opportunities", "analytics.opportunity_rejections", "analytics.fee_schedules"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                dash.execute(f"SELECT 1 FROM {table} LIMIT 1")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            dash.execute("SELECT analytics.compute_opportunities('{}'::jsonb)")

"""The warehouse schema on real PostgreSQL: contract tables, migrations, and what each role may do."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest
from psycopg import errors

from perpdex_lib.domain.enums import FundingKind, RateUnit, Venue
from perpdex_lib.domain.market import FundingRate
from perpdex_lib.warehouse.engine import with_user
from perpdex_lib.warehouse.load import load_funding_rates
from perpdex_lib.warehouse.migrate import MIGRATIONS_DIR, migration_state, run_migrations
from perpdex_lib.warehouse.provision import create_database, drop_database

pytestmark = pytest.mark.integration

FOUNDATION = ["0001_roles", "0002_schemas_and_grants", "0003_market", "0004_dq", "0005_reporting_views"]
REPORTING_VIEWS = ["funding_rates", "latest_funding", "instruments", "market_latest", "quarantine_summary"]


def test_migrations_apply_from_zero_and_rerun_is_a_no_op(pg_server) -> None:
    name = f"perpdex_test_fresh_{secrets.token_hex(4)}"
    url = create_database(pg_server, name)
    try:
        applied = run_migrations(url)
        assert applied[: len(FOUNDATION)] == FOUNDATION
        assert sorted(applied) == sorted(p.stem for p in MIGRATIONS_DIR.glob("*.sql") if ".rollback" not in p.name)
        assert run_migrations(url) == []
        state = migration_state(url)
        assert state.pending == [] and set(FOUNDATION) <= set(state.applied)
    finally:
        drop_database(pg_server, name)


def _columns(conn: psycopg.Connection, table: str) -> dict[str, str]:
    schema, name = table.split(".")
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
        (schema, name),
    ).fetchall()
    return dict(rows)


def _primary_key(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
        (table,),
    ).fetchall()
    return [r for (r,) in rows]


def test_contract_tables_keys_and_partitioning(pg_conn: psycopg.Connection) -> None:
    funding = _columns(pg_conn, "market.funding_rates")
    assert funding == {
        "venue": "text", "venue_symbol": "text", "asset": "text", "kind": "text",
        "funding_time": "timestamp with time zone", "raw_rate": "numeric", "raw_unit": "text",
        "interval_hours": "numeric", "rate_per_hour": "numeric", "venue_ts": "timestamp with time zone",
        "observed_at": "timestamp with time zone", "ingested_at": "timestamp with time zone", "run_id": "text",
    }  # fmt: skip
    assert _primary_key(pg_conn, "market.funding_rates") == ["venue", "venue_symbol", "funding_time", "kind"]
    assert _primary_key(pg_conn, "market.market_snapshots") == ["venue", "venue_symbol", "ts"]
    assert _primary_key(pg_conn, "market.order_books") == ["venue", "venue_symbol", "ts"]
    assert _primary_key(pg_conn, "market.instruments") == ["venue", "venue_symbol"]
    assert _primary_key(pg_conn, "dq.quarantine") == ["id"]
    snapshot = _columns(pg_conn, "market.market_snapshots")
    assert {k for k, v in snapshot.items() if v == "numeric"} == {
        "mark_price", "index_price", "open_interest_base", "open_interest_usd", "volume_24h_usd", "best_bid",
        "best_ask", "bid_depth_usd", "ask_depth_usd",
    }  # fmt: skip
    assert _columns(pg_conn, "market.order_books")["bids"] == "jsonb"
    instruments = _columns(pg_conn, "market.instruments")
    assert instruments["continuous_funding"] == "boolean" and instruments["multiplier"] == "numeric"
    partitioned = dict(
        pg_conn.execute(
            "SELECT c.oid::regclass::text, pg_get_partkeydef(c.oid) FROM pg_partitioned_table p "
            "JOIN pg_class c ON c.oid = p.partrelid"
        ).fetchall()
    )
    assert partitioned["market.funding_rates"] == "RANGE (funding_time)"
    assert partitioned["market.market_snapshots"] == "RANGE (ts)"
    venues = {v for (v,) in pg_conn.execute("SELECT venue FROM market.venues").fetchall()}
    assert venues == {v.value for v in Venue}
    schemas = {s for (s,) in pg_conn.execute("SELECT nspname FROM pg_namespace").fetchall()}
    assert {"market", "analytics", "execution", "dq", "reporting"} <= schemas
    owners = {o for (o,) in pg_conn.execute(
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname IN ('market', 'dq')").fetchall()}  # fmt: skip
    assert owners == {pg_conn.info.user}


def test_partition_function_rejects_absurd_spans(pg_conn: psycopg.Connection) -> None:
    with pytest.raises(errors.RaiseException, match="over 20 years"):
        pg_conn.execute(
            "SELECT market.ensure_monthly_partitions('market.funding_rates', '1970-01-01Z', '2100-01-01Z')"
        )


@pytest.fixture
def role_conn(pg_server, pg_url: str):
    """Connect as one of the warehouse roles (trust auth on the private cluster only)."""
    opened: list[psycopg.Connection] = []

    def _connect(role: str, autocommit: bool = True) -> psycopg.Connection:
        if not pg_server.local:
            pytest.skip("role logins need the private cluster's trust auth")
        conn = psycopg.connect(with_user(pg_url, role), autocommit=autocommit)
        opened.append(conn)
        return conn

    yield _connect
    for conn in opened:
        conn.close()


def test_dashboard_reads_reporting_views_only(role_conn, clean_db: str) -> None:
    conn = role_conn("perpdex_dashboard")
    for view in REPORTING_VIEWS:
        conn.execute(f"SELECT * FROM reporting.{view} LIMIT 1").fetchall()
    for table in ("market.funding_rates", "market.instruments", "market.venues", "dq.quarantine"):
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(f"SELECT 1 FROM {table} LIMIT 1")
    visible = {
        s
        for (s,) in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE has_schema_privilege(oid, 'USAGE') AND nspname NOT LIKE 'pg_%%' "
            "AND nspname <> 'information_schema'"
        ).fetchall()
    }
    assert visible <= {"reporting", "public"}
    assert "market" not in visible and "dq" not in visible and "execution" not in visible


def test_dashboard_cannot_write_even_outside_read_only_mode(role_conn, clean_db: str) -> None:
    conn = role_conn("perpdex_dashboard")
    assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
    conn.execute("SET default_transaction_read_only = off")  # the role setting is a default, not the guard
    for statement in (
        "INSERT INTO market.venues (venue, display_name) VALUES ('x', 'x')",
        "DELETE FROM reporting.instruments",
        "CREATE TABLE public.dash_owned (x int)",
        "CREATE TEMP TABLE dash_tmp (x int)",
        "CREATE VIEW reporting.dash_view AS SELECT 1",
    ):
        with pytest.raises((errors.InsufficientPrivilege, errors.ObjectNotInPrerequisiteState)):
            conn.execute(statement)


def test_pipeline_loads_and_extends_partitions_but_cannot_change_schema(role_conn, clean_db: str) -> None:
    conn = role_conn("perpdex_pipeline", autocommit=False)
    at = datetime(2018, 3, 1, tzinfo=UTC)  # no partition exists for 2018: the SECURITY DEFINER function makes it
    rate = FundingRate(
        venue=Venue.GRVT, venue_symbol="BTC_USDT_Perp", asset="BTC", kind=FundingKind.SETTLED, funding_time=at,
        raw_rate=Decimal("0.01"), raw_unit=RateUnit.PERCENT_PER_INTERVAL, interval_hours=Decimal(8),
        venue_ts=None, observed_at=at,
    )  # fmt: skip
    assert load_funding_rates(conn, [rate], run_id="pipeline") == 1
    conn.commit()
    assert conn.execute("SELECT rate_per_hour FROM market.funding_rates").fetchone() == (Decimal("0.0000125"),)
    with pytest.raises(errors.InsufficientPrivilege):
        conn.execute("DROP TABLE market.funding_rates")
    conn.rollback()
    with pytest.raises(errors.InsufficientPrivilege):
        conn.execute("CREATE TABLE market.pipeline_owned (x int)")
    conn.rollback()


def test_executor_reads_market_but_cannot_write_it(role_conn, clean_db: str) -> None:
    conn = role_conn("perpdex_executor")
    assert conn.execute("SELECT count(*) FROM market.funding_rates").fetchone() == (0,)
    with pytest.raises(errors.InsufficientPrivilege):
        conn.execute("INSERT INTO market.venues (venue, display_name) VALUES ('x', 'x')")
    with pytest.raises(errors.InsufficientPrivilege):
        conn.execute("SELECT 1 FROM dq.quarantine")

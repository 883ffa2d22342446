"""Every SQL statement the dashboard runs, in one place, parameterised (never string-formatted).

Pages call the small functions at the bottom; each returns a pandas DataFrame (numeric columns as floats: the
dashboard is analytics, not order sizing) and is cached for a TTL that matches how often its source changes.
Only ``reporting`` relations appear here because the ``perpdex_dashboard`` role can see nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import text

from dashboards.db import dashboard_url, make_engine

LIVE_TTL_S = 15  # current rates, opportunities, heartbeats: refreshed by the pipeline every few minutes
HISTORY_TTL_S = 300  # settled history and rollups: change at most hourly
CATALOG_TTL_S = 600  # which views exist, asset lists

# --- catalog --------------------------------------------------------------------------------------------------

RELATIONS = text(
    """
    SELECT c.relname AS name
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'reporting' AND c.relkind IN ('r', 'v', 'm', 'p')
      AND has_table_privilege(c.oid, 'SELECT')
    """
)

COLUMNS = text(
    """
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = 'reporting' ORDER BY table_name, ordinal_position
    """
)

ASSETS = text("SELECT DISTINCT asset FROM reporting.instruments WHERE asset IS NOT NULL ORDER BY asset")

# --- funding ------------------------------------------------------------------------------------------------------

# Short windows straight from the partitioned table, bucketed hourly: the asset's instruments first, then the primary
# key (venue, venue_symbol, funding_time) per instrument, pruned to the window's monthly partitions.
FUNDING_SERIES_HOURLY = text(
    """
    SELECT date_trunc('hour', f.funding_time) AS bucket, f.venue, avg(f.rate_per_hour) AS rate_per_hour
    FROM reporting.instruments i
    JOIN reporting.funding_rates f ON f.venue = i.venue AND f.venue_symbol = i.venue_symbol
    WHERE i.asset = :asset AND i.venue = ANY(CAST(:venues AS text[]))
      AND f.kind = :kind AND f.funding_time >= :start AND f.funding_time < :end
    GROUP BY 1, 2 ORDER BY 1, 2
    """
)

# Long windows from the daily rollup table (reporting.refresh_funding_daily(), called by the pipeline maintenance).
FUNDING_SERIES_DAILY = text(
    """
    SELECT day AS bucket, venue, rate_per_hour_avg AS rate_per_hour
    FROM reporting.funding_daily
    WHERE asset = :asset AND day >= :start AND day < :end AND venue = ANY(CAST(:venues AS text[]))
    ORDER BY 1, 2
    """
)

CURRENT_RATES = text(
    """
    SELECT venue, venue_symbol, asset, kind, funding_time, rate_per_hour, interval_hours, observed_at
    FROM reporting.funding_current
    WHERE kind = :kind
    ORDER BY asset, venue
    """
)

# --- opportunities ------------------------------------------------------------------------------------------------

# The engine's view is read through a column map so the page survives renames (net_apr vs apr, ...). Identifiers
# come only from this allow-list, never from user input; every value is a bound parameter.
OPPORTUNITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "apr": ("net_apr", "apr"),
    "liquidity": ("liquidity_cap_usd", "liquidity_usd"),
    "horizon": ("horizon_hours",),
    "computed_at": ("computed_at", "as_of", "created_at", "ts"),
    "rank": ("rank",),
}


def resolve_columns(available: list[str]) -> dict[str, str | None]:
    """Logical name → the first candidate column the view actually has (or None)."""
    return {key: next((c for c in cands if c in available), None) for key, cands in OPPORTUNITY_COLUMNS.items()}


def opportunities_statement(cols: dict[str, str | None]):
    """SELECT over reporting.opportunities_latest with the filters the page offers, all values bound."""
    where = [
        "(cardinality(CAST(:assets AS text[])) = 0 OR asset = ANY(CAST(:assets AS text[])))",
        "(CAST(:asset_pattern AS text) = '' OR asset ILIKE CAST(:asset_pattern AS text) ESCAPE '\\')",
        "long_venue = ANY(CAST(:venues AS text[])) AND short_venue = ANY(CAST(:venues AS text[]))",
    ]
    if cols["apr"]:
        where.append(f'"{cols["apr"]}" >= CAST(:min_apr AS numeric)')
    if cols["liquidity"]:
        where.append(f'coalesce("{cols["liquidity"]}", 0) >= CAST(:min_liquidity_usd AS numeric)')
    if cols["horizon"]:
        horizon = cols["horizon"]
        where.append(f'(CAST(:horizon_hours AS numeric) IS NULL OR "{horizon}" = CAST(:horizon_hours AS numeric))')
    order = f'"{cols["apr"]}" DESC NULLS LAST' if cols["apr"] else "1"
    return text(
        "SELECT * FROM reporting.opportunities_latest WHERE "
        + " AND ".join(where)
        + f" ORDER BY {order} LIMIT :limit"
    )


REJECTION_REASONS = text(
    "SELECT horizon_hours, reason_code, pairs FROM reporting.opportunity_rejection_reasons_latest ORDER BY pairs DESC"
)
OPPORTUNITY_ASSETS = text("SELECT DISTINCT asset FROM reporting.opportunities_latest ORDER BY 1")
OPPORTUNITY_HORIZONS = text("SELECT DISTINCT horizon_hours FROM reporting.opportunities_latest ORDER BY 1")

# Both legs of one opportunity over a window: the exact (venue, symbol) pairs, hourly.
PAIR_FUNDING = text(
    """
    SELECT date_trunc('hour', funding_time) AS bucket, venue, venue_symbol, kind, avg(rate_per_hour) AS rate_per_hour
    FROM reporting.funding_rates
    WHERE kind = 'settled' AND funding_time >= :start AND funding_time < :end
      AND ((venue = :long_venue AND venue_symbol = :long_symbol)
           OR (venue = :short_venue AND venue_symbol = :short_symbol))
    GROUP BY 1, 2, 3, 4 ORDER BY 1
    """
)

# --- pipeline health ---------------------------------------------------------------------------------------------

VENUE_FRESHNESS = text(
    """
    SELECT venue, last_settled_at, last_observed_at, interval_hours, instruments
    FROM reporting.venue_freshness ORDER BY venue
    """
)

QUARANTINE_SUMMARY = text("SELECT * FROM reporting.quarantine_summary")

INGEST_RUNS = text("SELECT * FROM reporting.ingest_runs ORDER BY started_at DESC LIMIT :limit")
ENGINE_RUNS = text(
    """
    SELECT computed_at, run_id, horizon_hours, execution_style, legs, opportunities, rejections, max_input_age_s,
           duration_ms
    FROM reporting.opportunity_runs ORDER BY computed_at DESC LIMIT :limit
    """
)
INGEST_LAST_GOOD = text(
    """
    SELECT venue, max(finished_at) AS last_good_at
    FROM reporting.ingest_runs WHERE status = 'success' AND job = 'ingest'
    GROUP BY venue
    """
)

# --- executor and positions (views from 0201_dashboard_execution_views) --------------------------------------------

EXEC_STATUS = text("SELECT * FROM reporting.exec_status ORDER BY executor_id")
EXEC_EVENTS = text(
    """
    SELECT ts, executor_id, level, kind, pair_id, detail FROM reporting.exec_events
    WHERE level = ANY(CAST(:levels AS text[])) ORDER BY ts DESC, id DESC LIMIT :limit
    """
)
EXEC_RECONCILIATIONS = text(
    "SELECT ts, executor_id, status, detail FROM reporting.exec_reconciliations ORDER BY ts DESC, id DESC LIMIT :limit"
)
EXEC_PAIRS = text("SELECT * FROM reporting.exec_pairs ORDER BY created_at DESC LIMIT :limit")
EXEC_LEGS = text("SELECT * FROM reporting.exec_legs WHERE pair_id = :pair_id ORDER BY leg")
EXEC_PNL_MARKS = text(
    """
    SELECT date_trunc('hour', ts) AS bucket, pair_id, (array_agg(net_pnl_usd ORDER BY ts DESC))[1] AS net_pnl_usd
    FROM reporting.exec_pnl_marks WHERE ts >= :start GROUP BY 1, 2 ORDER BY 1
    """
)

# --- execution helpers ------------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _engine(url: str):
    return make_engine(url)


def _plain(value: Any) -> Any:
    """Cache keys must be hashable; the driver wants lists for ``= ANY(:x)``."""
    return list(value) if isinstance(value, tuple) else value


def run(statement, params: dict[str, Any] | None = None, url: str | None = None) -> pd.DataFrame:
    """Execute one statement uncached and return a frame with Decimal columns as floats."""
    engine = _engine(url or dashboard_url())
    bound = {k: _plain(v) for k, v in (params or {}).items()}
    with engine.connect() as conn:
        result = conn.execute(statement, bound)
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for column in frame.columns:
        first = frame[column].dropna()
        if len(first) and isinstance(first.iloc[0], Decimal):
            frame[column] = frame[column].astype(float)
    return frame


def _key(params: dict[str, Any]) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list | tuple) else v) for k, v in params.items()))


@st.cache_data(ttl=LIVE_TTL_S, show_spinner=False)
def _live(url: str, sql: str, key: tuple) -> pd.DataFrame:
    return run(text(sql), dict(key), url)


@st.cache_data(ttl=HISTORY_TTL_S, show_spinner=False)
def _history(url: str, sql: str, key: tuple) -> pd.DataFrame:
    return run(text(sql), dict(key), url)


@st.cache_data(ttl=CATALOG_TTL_S, show_spinner=False)
def _catalog(url: str, sql: str, key: tuple) -> pd.DataFrame:
    return run(text(sql), dict(key), url)


def live(statement, **params: Any) -> pd.DataFrame:
    return _live(dashboard_url(), str(statement), _key(params))


def history(statement, **params: Any) -> pd.DataFrame:
    return _history(dashboard_url(), str(statement), _key(params))


def catalog(statement, **params: Any) -> pd.DataFrame:
    return _catalog(dashboard_url(), str(statement), _key(params))


# --- page-facing functions ------------------------------------------------------------------------------------------


def reporting_columns() -> dict[str, list[str]]:
    """Which reporting relations this role can read, with their columns (pages adapt to what exists)."""
    readable = set(catalog(RELATIONS)["name"])
    columns: dict[str, list[str]] = {name: [] for name in readable}
    for row in catalog(COLUMNS).itertuples(index=False):
        if row.table_name in columns:
            columns[row.table_name].append(row.column_name)
    return columns


def has_relation(name: str) -> bool:
    return name in reporting_columns()


def assets() -> list[str]:
    return list(catalog(ASSETS)["asset"])


def funding_series(
    asset: str, venues: Sequence[str], kind: str, start: datetime, end: datetime, daily: bool
) -> pd.DataFrame:
    """Normalised funding (fraction per hour) per venue over [start, end)."""
    if daily:
        return history(FUNDING_SERIES_DAILY, asset=asset, venues=list(venues), start=start, end=end)
    return history(FUNDING_SERIES_HOURLY, asset=asset, venues=list(venues), kind=kind, start=start, end=end)


def current_rates(kind: str) -> pd.DataFrame:
    return live(CURRENT_RATES, kind=kind)


def opportunity_columns() -> dict[str, str | None]:
    return resolve_columns(reporting_columns().get("opportunities_latest", []))


def opportunities(
    assets: Sequence[str],
    asset_search: str,
    venues: Sequence[str],
    min_apr: float,
    min_liquidity_usd: float,
    horizon_hours: float | None,
    limit: int = 500,
) -> pd.DataFrame:
    """Ranked opportunities after the page's filters; ``asset_search`` is a plain substring (wildcards escaped)."""
    pattern = ""
    if asset_search:
        escaped = asset_search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
    return live(
        opportunities_statement(opportunity_columns()),
        assets=list(assets),
        asset_pattern=pattern,
        venues=list(venues),
        min_apr=min_apr,
        min_liquidity_usd=min_liquidity_usd,
        horizon_hours=horizon_hours,
        limit=limit,
    )


def rejection_reasons() -> pd.DataFrame:
    return live(REJECTION_REASONS)


def opportunity_assets() -> list[str]:
    return list(live(OPPORTUNITY_ASSETS)["asset"])


def opportunity_horizons() -> list[float]:
    if not opportunity_columns()["horizon"]:
        return []
    return [float(h) for h in live(OPPORTUNITY_HORIZONS)["horizon_hours"].dropna()]


def pair_funding(
    long_venue: str, long_symbol: str, short_venue: str, short_symbol: str, start: datetime, end: datetime
) -> pd.DataFrame:
    return history(PAIR_FUNDING, long_venue=long_venue, long_symbol=long_symbol,
                   short_venue=short_venue, short_symbol=short_symbol, start=start, end=end)


def venue_freshness() -> pd.DataFrame:
    return live(VENUE_FRESHNESS)


def quarantine_summary() -> pd.DataFrame:
    return live(QUARANTINE_SUMMARY)


def ingest_runs(limit: int = 50) -> pd.DataFrame:
    return live(INGEST_RUNS, limit=limit)


def engine_runs(limit: int = 20) -> pd.DataFrame:
    return live(ENGINE_RUNS, limit=limit)


def ingest_last_good() -> dict[str, object]:
    """venue → finish time of its last successful ingest run."""
    frame = live(INGEST_LAST_GOOD)
    return dict(zip(frame["venue"], frame["last_good_at"], strict=True))


def exec_status() -> pd.DataFrame:
    return live(EXEC_STATUS)


def exec_events(levels: Sequence[str], limit: int = 200) -> pd.DataFrame:
    return live(EXEC_EVENTS, levels=list(levels), limit=limit)


def exec_reconciliations(limit: int = 20) -> pd.DataFrame:
    return live(EXEC_RECONCILIATIONS, limit=limit)


def exec_pairs(limit: int = 1000) -> pd.DataFrame:
    return live(EXEC_PAIRS, limit=limit)


def exec_legs(pair_id: str) -> pd.DataFrame:
    return live(EXEC_LEGS, pair_id=pair_id)


def exec_pnl_marks(start: datetime) -> pd.DataFrame:
    return live(EXEC_PNL_MARKS, start=start)

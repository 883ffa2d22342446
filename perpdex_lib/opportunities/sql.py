"""The SQL engine: ``analytics.compute_opportunities`` runs inside PostgreSQL and writes a versioned run.

This is what the Airflow DAG calls after each load. :func:`fetch_run` reads a run back as the same
``EngineResult`` the Python engine returns, so callers (and the parity test) can treat both alike.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from perpdex_lib.opportunities.models import EngineResult, Opportunity, Persistence, ReasonCode, Rejection
from perpdex_lib.opportunities.params import OpportunityParams

_OPP_COLUMNS = (
    "rank", "asset", "long_venue", "long_symbol", "short_venue", "short_symbol", "long_rate_per_hour",
    "short_rate_per_hour", "spread_per_hour", "gross_apr", "notional_usd", "horizon_hours", "execution_style",
    "fee_cost_usd", "slippage_cost_usd", "basis_bps", "basis_cost_usd", "total_cost_usd", "funding_income_usd",
    "net_usd", "net_apr", "break_even_hours", "liquidity_cap_usd", "oi_share", "long_next_funding_s",
    "short_next_funding_s", "long_interval_hours", "short_interval_hours", "interval_mismatch", "max_input_age_s",
)  # fmt: skip
_PERSISTENCE_COLUMNS = (
    "persistence_24h_hours", "persistence_24h_mean", "persistence_24h_stdev", "persistence_24h_share_pos",
    "persistence_7d_hours", "persistence_7d_mean", "persistence_7d_stdev", "persistence_7d_share_pos",
)  # fmt: skip


def compute_in_db(conn: Any, params: OpportunityParams, now: datetime, run_id: str | None = None) -> str:
    """Run the SQL engine as of ``now`` in the caller's transaction; returns the new run's id."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT analytics.compute_opportunities(%s::jsonb, %s, %s)",
            (json.dumps(params.to_json()), now, run_id),
        )
        (rid,) = cur.fetchone()
    return str(rid)


def _opportunity(row: tuple[Any, ...]) -> Opportunity:
    base = dict(zip(_OPP_COLUMNS, row[: len(_OPP_COLUMNS)], strict=True))
    p = row[len(_OPP_COLUMNS):]
    return Opportunity(
        **base,
        persistence_24h=Persistence(p[0], p[1], p[2], p[3]),
        persistence_7d=Persistence(p[4], p[5], p[6], p[7]),
    )


def fetch_run(conn: Any, run_id: str) -> EngineResult:
    """A stored run as an ``EngineResult`` (opportunities by rank; rejections in pair order)."""
    with conn.cursor() as cur:
        cur.execute(
            f"SELECT {', '.join(_OPP_COLUMNS + _PERSISTENCE_COLUMNS)} FROM analytics.opportunities "
            "WHERE run_id = %s ORDER BY rank",
            (run_id,),
        )
        opportunities = tuple(_opportunity(r) for r in cur.fetchall())
        cur.execute(
            """SELECT asset, long_venue, long_symbol, short_venue, short_symbol, reason_code, detail
                 FROM analytics.opportunity_rejections WHERE run_id = %s
                ORDER BY asset COLLATE "C", long_venue COLLATE "C", long_symbol COLLATE "C",
                         short_venue COLLATE "C", short_symbol COLLATE "C\"""",
            (run_id,),
        )
        rejections = tuple(Rejection(a, lv, ls, sv, ss, ReasonCode(code), detail)
                           for a, lv, ls, sv, ss, code, detail in cur.fetchall())
    return EngineResult(opportunities=opportunities, rejections=rejections)


def latest_run_id(conn: Any) -> str | None:
    with conn.cursor() as cur:
        cur.execute("SELECT run_id FROM analytics.opportunity_runs ORDER BY computed_at DESC, created_at DESC LIMIT 1")
        row = cur.fetchone()
    return None if row is None else str(row[0])


def record_python_run(conn: Any, result: EngineResult, params: OpportunityParams, now: datetime,
                      run_id: str) -> str:
    """Store a Python-engine result in the same tables (engine = 'python'), e.g. from the CLI."""
    ages = [o.max_input_age_s for o in result.opportunities]
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO analytics.opportunity_runs (run_id, computed_at, engine, parameters, notional_usd,
                   horizon_hours, execution_style, opportunities, rejections, max_input_age_s)
               VALUES (%s, %s, 'python', %s::jsonb, %s, %s, %s, %s, %s, %s)""",
            (run_id, now, json.dumps(params.to_json()), params.notional_usd, params.horizon_hours,
             params.execution_style.value, len(result.opportunities), len(result.rejections),
             max(ages) if ages else None),
        )
        cols = ("run_id", *_OPP_COLUMNS, *_PERSISTENCE_COLUMNS)
        cur.executemany(
            f"INSERT INTO analytics.opportunities ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
            [(run_id, *(getattr(o, c) for c in _OPP_COLUMNS),
              o.persistence_24h.hours, o.persistence_24h.mean, o.persistence_24h.stdev,
              o.persistence_24h.share_positive, o.persistence_7d.hours, o.persistence_7d.mean,
              o.persistence_7d.stdev, o.persistence_7d.share_positive) for o in result.opportunities],
        )
        cur.executemany(
            """INSERT INTO analytics.opportunity_rejections (run_id, asset, long_venue, long_symbol, short_venue,
                   short_symbol, reason_code, detail) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
            [(run_id, r.asset, r.long_venue, r.long_symbol, r.short_venue, r.short_symbol, r.reason_code.value,
              r.detail) for r in result.rejections],
        )
    return run_id


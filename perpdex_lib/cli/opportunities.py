"""`perpdex opportunities`: the ranked cross-venue funding opportunities, from the warehouse.

By default the SQL engine computes a fresh run in the warehouse (stored like the pipeline's runs) and the
table shows it; ``--engine python`` computes the same numbers in-process without writing anything.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from perpdex_lib.fees import ExecutionStyle, load_fee_table, sync_fee_table
from perpdex_lib.opportunities.models import EngineResult, Opportunity
from perpdex_lib.opportunities.params import OpportunityParams

app = typer.Typer(no_args_is_help=False, invoke_without_command=True)


class Engine(StrEnum):
    SQL = "sql"
    PYTHON = "python"


def _params(config: Path | None, overrides: dict[str, Any]) -> OpportunityParams:
    data: dict[str, Any] = {}
    if config is not None:
        doc = yaml.safe_load(config.read_text()) or {}
        data.update(doc.get("opportunities", doc))
    data.update({k: v for k, v in overrides.items() if v is not None})
    return OpportunityParams.from_mapping(data)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    return obj


def _pct(x: Decimal | None, places: int = 2) -> str:
    return "—" if x is None else f"{x * 100:,.{places}f}%"


def _table(opps: tuple[Opportunity, ...], limit: int) -> Table:
    t = Table(title=None, header_style="bold")
    for name, justify in (("#", "right"), ("asset", "left"), ("long", "left"), ("short", "left"),
                          ("spread APR", "right"), ("net APR", "right"), ("cost $", "right"),
                          ("break-even h", "right"), ("cap $", "right"), ("7d mean APR", "right"),
                          ("7d >0", "right"), ("next fund. L/S", "right"), ("age s", "right"), ("intv", "left")):
        t.add_column(name, justify=justify)  # type: ignore[arg-type]
    for o in opps[:limit]:
        p7 = o.persistence_7d
        t.add_row(
            str(o.rank), o.asset, f"{o.long_venue}:{o.long_symbol}", f"{o.short_venue}:{o.short_symbol}",
            _pct(o.gross_apr), _pct(o.net_apr), f"{o.total_cost_usd:,.2f}",
            "—" if o.break_even_hours is None else f"{o.break_even_hours:,.1f}", f"{o.liquidity_cap_usd:,.0f}",
            _pct(None if p7.mean is None else p7.mean * 8760), _pct(p7.share_positive, 0),
            f"{int(o.long_next_funding_s) // 60}m/{int(o.short_next_funding_s) // 60}m",
            f"{o.max_input_age_s:,.0f}",
            f"{o.long_interval_hours:g}h/{o.short_interval_hours:g}h" + ("!" if o.interval_mismatch else ""),
        )
    return t


@app.callback()
def opportunities(
    ctx: typer.Context,
    notional: Decimal | None = typer.Option(None, "--notional", help="USD per leg (default 10000)."),
    horizon: Decimal | None = typer.Option(None, "--horizon", help="Holding horizon in hours (default 72)."),
    style: ExecutionStyle | None = typer.Option(None, "--style", help="maker or taker fees (default taker)."),
    engine: Engine = typer.Option(Engine.SQL, "--engine", help="sql: compute and store a run; python: in-process."),
    config: Path | None = typer.Option(None, "--config", exists=True, help="YAML with OpportunityParams keys."),
    limit: int = typer.Option(30, "--limit", help="Rows to print."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output (every row)."),
    at: datetime | None = typer.Option(None, "--at", help="Evaluate as of this UTC instant (default now)."),
) -> None:
    """Rank every cross-venue pair by net APR at the horizon; rejected pairs are counted by reason."""
    if ctx.invoked_subcommand is not None:
        return
    from perpdex_lib.warehouse.engine import connect

    params = _params(config, {"notional_usd": notional, "horizon_hours": horizon, "execution_style": style})
    now = (at.replace(tzinfo=UTC) if at and at.tzinfo is None else at) or datetime.now(UTC)
    run_id: str | None = None
    with connect() as conn:
        if engine is Engine.SQL:
            from perpdex_lib.opportunities.sql import compute_in_db, fetch_run

            run_id = compute_in_db(conn, params, now)
            conn.commit()
            result: EngineResult = fetch_run(conn, run_id)
        else:
            from perpdex_lib.opportunities.engine import compute
            from perpdex_lib.opportunities.inputs import load_inputs

            result = compute(load_inputs(conn, now, params), params, now)
    reasons = Counter(r.reason_code.value for r in result.rejections)
    console = Console()
    if as_json:
        out = {
            "run_id": run_id, "engine": engine.value, "computed_at": now, "parameters": params.to_json(),
            "opportunities": [asdict(o) for o in result.opportunities],
            "rejections_by_reason": dict(sorted(reasons.items())),
        }
        typer.echo(json.dumps(_jsonable(out), indent=2))
        return
    console.print(
        f"[bold]{len(result.opportunities)}[/] opportunities at {now:%Y-%m-%d %H:%M:%S}Z · "
        f"notional {params.notional_usd:,} USD/leg · horizon {params.horizon_hours} h · {params.execution_style} fees"
        + (f" · run {run_id}" if run_id else "")
    )
    if result.opportunities:
        console.print(_table(result.opportunities, limit))
    if reasons:
        console.print("rejected pairs: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))


@app.command()
def fees(
    sync: bool = typer.Option(False, "--sync", help="Write the effective table into analytics.fee_schedules."),
    file: Path | None = typer.Option(None, "--file", help="Overrides file (default configs/fees.yml)."),
) -> None:
    """Fee schedules (defaults with their sources, overridden by configs/fees.yml)."""
    table = load_fee_table(file)
    console = Console()
    t = Table(header_style="bold")
    for c in ("venue", "tier", "maker", "taker", "confidence", "source"):
        t.add_column(c)
    for s in table:
        t.add_row(s.venue.value, s.tier, f"{(s.maker * 10000).normalize():f} bps",
                  f"{(s.taker * 10000).normalize():f} bps", s.confidence.value,
                  s.source)
    console.print(t)
    if sync:
        from perpdex_lib.warehouse.engine import connect

        with connect() as conn:
            n = sync_fee_table(conn, table)
            conn.commit()
        console.print(f"synced {n} schedules into analytics.fee_schedules")


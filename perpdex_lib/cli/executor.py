"""`perpdex executor ...`: run the daemon and switch its trading state."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import psycopg
import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(no_args_is_help=True)
console = Console()
DEFAULT_CONFIG = Path("configs/funding_arb.yml")


def _load(config: Path, mode: str | None):  # type: ignore[no-untyped-def]
    from executor.config import ExecutorConfig

    cfg = ExecutorConfig.load(config) if config.exists() else ExecutorConfig()
    if mode:
        cfg = cfg.model_copy(update={"mode": mode})
    return cfg


@app.command()
def run(
    config: Path = typer.Option(DEFAULT_CONFIG, help="Strategy config (YAML)."),
    mode: str = typer.Option(None, help="paper | live (default: the config's, paper)."),
    candidates: str = typer.Option("auto", help="auto | warehouse | live: where entry candidates come from."),
) -> None:
    """Run the executor daemon in the foreground (SIGTERM/SIGINT stop it gracefully)."""
    from executor.daemon import run_daemon

    cfg = _load(config, mode)
    raise typer.Exit(asyncio.run(run_daemon(cfg, candidates)))


def _set_state(state: str, reason: str, executor_id: str) -> None:
    from perpdex_lib.warehouse.engine import database_url

    with psycopg.connect(database_url()) as conn:
        conn.execute(
            "INSERT INTO execution.trading_state (executor_id, state, reason, updated_by) VALUES (%s,%s,%s,'cli') "
            "ON CONFLICT (executor_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason, "
            "updated_by = 'cli', updated_at = now()",
            (executor_id, state, reason),
        )
        conn.execute(
            "INSERT INTO execution.events (executor_id, level, kind, detail) VALUES (%s, 'warning', "
            "'trading_state', %s)",
            (executor_id, json.dumps({"to": state, "reason": reason, "by": "cli"})),
        )
        conn.execute("SELECT pg_notify('perpdex_opportunities', %s)", (json.dumps({"trading_state": state}),))
    console.print(f"{executor_id}: trading state is now [bold]{state}[/] ({reason})")


@app.command()
def halt(reason: str = typer.Option("operator", help="Why."), executor_id: str = typer.Option("paper-1")) -> None:
    """HALTED: cancel working orders, submit nothing."""
    _set_state("HALTED", reason, executor_id)


@app.command("reduce-only")
def reduce_only(reason: str = typer.Option("operator"), executor_id: str = typer.Option("paper-1")) -> None:
    """REDUCE_ONLY: exits, hedges and unwinds only; no new pairs."""
    _set_state("REDUCE_ONLY", reason, executor_id)


@app.command()
def resume(reason: str = typer.Option("operator"), executor_id: str = typer.Option("paper-1")) -> None:
    """ACTIVE: allow new entries again."""
    _set_state("ACTIVE", reason, executor_id)


@app.command()
def status(executor_id: str = typer.Option("paper-1"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Trading state, heartbeat, live pairs and the last reconciliation."""
    from perpdex_lib.warehouse.engine import database_url

    with psycopg.connect(database_url()) as conn:
        state = conn.execute("SELECT state, reason, updated_at FROM execution.trading_state WHERE executor_id = %s",
                             (executor_id,)).fetchone()
        beat = conn.execute("SELECT mode, state, pid, heartbeat_at, now() - heartbeat_at FROM "
                            "execution.executor_heartbeat WHERE executor_id = %s", (executor_id,)).fetchone()
        pairs = conn.execute("SELECT pair_id, asset, long_venue, short_venue, state, target_notional_usd, opened_at "
                             "FROM execution.pairs WHERE executor_id = %s AND state NOT IN ('closed', 'abandoned') "
                             "ORDER BY created_at", (executor_id,)).fetchall()
        recon = conn.execute("SELECT status, ts, detail FROM execution.reconciliations WHERE executor_id = %s "
                             "ORDER BY id DESC LIMIT 1", (executor_id,)).fetchone()
    out = {
        "executor_id": executor_id,
        "trading_state": state[0] if state else "ACTIVE (never set)",
        "reason": state[1] if state else None,
        "heartbeat": None if beat is None else {"mode": beat[0], "state": beat[1], "pid": beat[2],
                                                "at": beat[3].isoformat(), "age_s": beat[4].total_seconds()},
        "live_pairs": [dict(zip(("pair_id", "asset", "long", "short", "state", "notional_usd", "opened_at"),
                                (str(v) for v in p), strict=True)) for p in pairs],
        "last_reconciliation": None if recon is None else {"status": recon[0], "at": recon[1].isoformat(),
                                                           "detail": recon[2]},
    }
    if as_json:
        console.print_json(json.dumps(out))
        return
    console.print(f"[bold]{executor_id}[/]  trading state: [bold]{out['trading_state']}[/]  ({out['reason']})")
    hb = out["heartbeat"]
    console.print("heartbeat: none (never ran)" if hb is None else
                  f"heartbeat: {hb['state']} pid {hb['pid']} {hb['age_s']:.0f}s ago ({hb['mode']})")
    rc = out["last_reconciliation"]
    console.print("reconciliation: none yet" if rc is None else f"reconciliation: {rc['status']} at {rc['at']}")
    table = Table("pair", "asset", "long", "short", "state", "notional", "opened")
    for p in out["live_pairs"]:
        table.add_row(*p.values())
    console.print(table)

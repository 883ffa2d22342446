"""`perpdex db ...`: the local PostgreSQL cluster and the warehouse schema."""

from __future__ import annotations

import os
import shutil

import typer
from rich.console import Console

from perpdex_lib.config import get_settings
from perpdex_lib.warehouse.engine import database_url, redact, sqlalchemy_url
from perpdex_lib.warehouse.localpg import LocalPgError

app = typer.Typer(no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(1)


@app.command()
def up() -> None:
    """Start the warehouse (private cluster under .local/pg unless PERPDEX_DATABASE_URL), create it, migrate."""
    from perpdex_lib.warehouse.provision import warehouse_up

    try:
        url = warehouse_up(get_settings())
    except LocalPgError as exc:
        _fail(str(exc))
    console.print(f"[bold green]warehouse ready[/] {redact(url)}")


@app.command()
def down() -> None:
    """Stop the private cluster (no-op when PERPDEX_DATABASE_URL points elsewhere)."""
    from perpdex_lib.warehouse.provision import local_cluster

    settings = get_settings()
    if settings.database_url is not None:
        console.print("PERPDEX_DATABASE_URL is set: that server is not ours to stop.")
        return
    try:
        stopped = local_cluster(settings).down()
    except LocalPgError as exc:
        _fail(str(exc))
    console.print("stopped" if stopped else "not running")


@app.command()
def status() -> None:
    """Is the warehouse reachable, and which migrations are applied / pending."""
    import psycopg

    from perpdex_lib.warehouse.migrate import migration_state
    from perpdex_lib.warehouse.provision import local_cluster

    settings = get_settings()
    url = database_url(settings)
    if settings.database_url is None:
        cluster = local_cluster(settings).status()
        state = f"running (pid {cluster.pid}, port {cluster.port})" if cluster.running else "stopped"
        console.print(f"local cluster: {state}  data: {cluster.data_dir}  binaries: {cluster.bindir or '-'}")
    console.print(f"url: {redact(url)}")
    try:
        state = migration_state(url)
    except (psycopg.Error, Exception) as exc:  # yoyo wraps driver errors in its own types
        console.print(f"[yellow]not reachable[/]: {type(exc).__name__}: {str(exc).strip().splitlines()[0]}")
        raise typer.Exit(1) from None
    console.print(f"migrations applied: {len(state.applied)}  pending: {len(state.pending)}")
    for mid in state.pending:
        console.print(f"  pending {mid}")


@app.command()
def url(sqlalchemy: bool = typer.Option(False, "--sqlalchemy", help="postgresql+psycopg:// form.")) -> None:
    """Print the warehouse URL (exactly what PERPDEX_DATABASE_URL gave, or the private cluster's)."""
    value = sqlalchemy_url() if sqlalchemy else database_url()
    print(value)


@app.command()
def migrate() -> None:
    """Apply pending migrations from sql/migrations (yoyo)."""
    from perpdex_lib.warehouse.migrate import run_migrations

    applied = run_migrations(database_url())
    console.print(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def psql(ctx: typer.Context) -> None:
    """Open psql on the warehouse (extra arguments go to psql, e.g. `perpdex db psql -c 'select 1'`)."""
    settings = get_settings()
    exe = shutil.which("psql")
    if exe is None:
        state_bindir = None
        if settings.database_url is None:
            from perpdex_lib.warehouse.provision import local_cluster

            state_bindir = local_cluster(settings).status().bindir
        candidate = state_bindir / "psql" if state_bindir else None
        if candidate is None or not candidate.exists():
            _fail("psql not found on PATH nor next to the server binaries")
        exe = str(candidate)
    os.execv(exe, [exe, "-d", database_url(settings), *ctx.args])

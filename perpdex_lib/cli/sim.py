"""`perpdex sim`: run the venue simulator in the foreground."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import typer
from rich.console import Console

from perpdex_lib.config import get_settings
from perpdex_lib.domain.enums import Venue
from perpdex_lib.sim.faults import FaultConfig

app = typer.Typer(no_args_is_help=False, invoke_without_command=True)
console = Console()


@app.callback(invoke_without_command=True)
def run(
    ctx: typer.Context,
    seed: int = typer.Option(None, help="Market-model seed (default: PERPDEX_SIM_SEED)."),
    assets: int = typer.Option(20, help="Assets in the universe."),
    host: str = typer.Option(None, help="Bind address (default: PERPDEX_SIM_HOST)."),
    port: int = typer.Option(None, help="Admin port; venues take the next 7 (default: PERPDEX_SIM_BASE_PORT)."),
    replay: Path = typer.Option(None, help="Serve recorded bodies from DIR/<venue>/<endpoint>.json instead."),
    faults: str = typer.Option(None, help='Faults at start, JSON: {"aster": {"error_5xx_rate": 0.2}}.'),
) -> None:
    """Start the simulator: every venue's public endpoints on its own port, admin API on the base port."""
    if ctx.invoked_subcommand is not None:
        return
    from perpdex_lib.sim.model import MarketModel
    from perpdex_lib.sim.server import SimServer

    settings = get_settings()
    fault_cfg: dict[Venue, FaultConfig] = {}
    for name, values in (json.loads(faults) if faults else {}).items():
        cfg = FaultConfig()
        cfg.update(values)
        fault_cfg[Venue(name)] = cfg
    server = SimServer(
        MarketModel(seed=settings.sim_seed if seed is None else seed, n_assets=assets),
        host=host or settings.sim_host,
        base_port=settings.sim_base_port if port is None else port,
        replay_dir=replay,
        faults=fault_cfg,
    )

    async def _main() -> None:
        await server.start()
        console.print(f"[bold]perpdex sim[/] admin {server.admin_url}/admin/health")
        for venue, url in server.urls.items():
            console.print(f"  {venue.value:<12} {url}")
        print("PERPDEX_VENUE_URLS=" + json.dumps({v.value: u for v, u in server.urls.items()}), flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main())


@app.command()
def urls(admin: str = typer.Option(None, help="Simulator admin URL (default: the configured sim host/port).")) -> None:
    """Print the PERPDEX_VENUE_URLS= line of a running simulator (for `export` or a .env file)."""
    from perpdex_lib.cli.market import sim_venue_urls

    settings = get_settings()
    admin = admin or f"http://{settings.sim_host}:{settings.sim_base_port}"

    try:
        found = sim_venue_urls(admin)
    except OSError as exc:
        console.print(f"[red]cannot reach simulator at {admin}: {exc}[/]")
        raise typer.Exit(2) from None
    print("PERPDEX_VENUE_URLS=" + json.dumps({v.value: u for v, u in found.items()}))

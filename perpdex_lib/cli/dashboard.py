"""`perpdex dashboard`: the read-only Streamlit dashboard (also started by `perpdex up` via :func:`start`)."""

from __future__ import annotations

import os
import subprocess
import sys

import typer
from rich.console import Console

from perpdex_lib.config import PROJECT_ROOT

APP_PATH = PROJECT_ROOT / "dashboards" / "app.py"
DEFAULT_PORT = 8501
DEFAULT_ADDRESS = "127.0.0.1"

app = typer.Typer(no_args_is_help=False, invoke_without_command=True)
console = Console()


def streamlit_command(port: int = DEFAULT_PORT, address: str = DEFAULT_ADDRESS) -> list[str]:
    """`streamlit run` with the no-telemetry, loopback, headless settings repeated on the command line (the
    config file is only read from the working directory, so this holds wherever the command starts)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP_PATH),
        "--server.port", str(port),
        "--server.address", address,
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]


def start(port: int = DEFAULT_PORT, address: str = DEFAULT_ADDRESS, env: dict[str, str] | None = None,
          **popen_kwargs: object) -> subprocess.Popen:
    """Start the dashboard in the background, in its own process group (stop it with SIGTERM to the group)."""
    return subprocess.Popen(
        streamlit_command(port, address),
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        start_new_session=True,
        **popen_kwargs,  # type: ignore[arg-type]
    )


@app.callback(invoke_without_command=True)
def run(
    ctx: typer.Context,
    port: int = typer.Option(DEFAULT_PORT, "--port", "-p", help="HTTP port."),
    address: str = typer.Option(DEFAULT_ADDRESS, help="Bind address (keep 127.0.0.1 unless behind an auth proxy)."),
) -> None:
    """Serve the dashboard in the foreground (read-only role `perpdex_dashboard`, `reporting` views only)."""
    if ctx.invoked_subcommand is not None:
        return
    from dashboards.db import dashboard_url
    from perpdex_lib.warehouse.engine import redact

    console.print(f"[bold]perpdex dashboard[/] http://{address}:{port}  (database {redact(dashboard_url())})")
    raise typer.Exit(subprocess.call(streamlit_command(port, address), cwd=PROJECT_ROOT))

"""`perpdex up`: the whole local stack in one command (what `make demo` runs).

PostgreSQL (the `perpdex db up` logic, in-process) comes first; then a small registry of background
services, each one entry in :data:`SERVICES`: the venue simulator, Airflow standalone, the executor and the
dashboard. Every service runs in its own process group with its log in ``.local/logs/<name>.log``; Ctrl-C
(or the end of ``--check``) sends SIGTERM to each group, waits, then SIGKILLs what is left. Process groups
are remembered in ``.local/up/pids.json``, so a re-run first stops leftovers of a crashed run, then resumes
on the same Airflow home and warehouse.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from perpdex_lib.config import PROJECT_ROOT, Settings, get_settings
from perpdex_lib.domain.enums import Venue

app = typer.Typer(no_args_is_help=False, invoke_without_command=True)
console = Console()
DAG_IDS = ("perpdex_ingest", "perpdex_opportunities", "perpdex_backfill", "perpdex_maintenance")


@dataclass
class UpContext:
    settings: Settings
    live: bool
    warehouse_url: str
    airflow_db_url: str
    airflow_port: int
    sim_port: int
    dashboard_port: int
    local_dir: Path
    env: dict[str, str] = field(default_factory=dict)  # shared by every service

    @property
    def sim_urls(self) -> dict[str, str]:
        return {v.value: f"http://127.0.0.1:{self.sim_port + 1 + i}" for i, v in enumerate(Venue)}


@dataclass(frozen=True)
class Service:
    """One background process of the stack; adding a component is one more entry in SERVICES."""

    name: str
    argv: Callable[[UpContext], list[str]]
    ready: Callable[[UpContext], bool]  # probe, polled until true (or the startup timeout)
    url: Callable[[UpContext], str | None] = lambda ctx: None
    enabled: Callable[[UpContext], bool] = lambda ctx: True
    startup_timeout_s: float = 120


def _http_ok(url: str, timeout_s: float = 3) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:  # loopback only
            return 200 <= resp.status < 400
    except Exception:
        return False


def _perpdex(*args: str) -> list[str]:
    return [sys.executable, "-m", "perpdex_lib.cli.main", *args]


def _executor_available(ctx: UpContext) -> bool:
    return (PROJECT_ROOT / "executor" / "daemon.py").is_file()


def _dashboard_argv(ctx: UpContext) -> list[str]:
    from perpdex_lib.cli.dashboard import streamlit_command

    return streamlit_command(ctx.dashboard_port)


SERVICES: list[Service] = [
    Service(
        "simulator",
        lambda ctx: _perpdex("sim", "--port", str(ctx.sim_port)),
        lambda ctx: _http_ok(f"http://127.0.0.1:{ctx.sim_port}/admin/health"),
        url=lambda ctx: f"http://127.0.0.1:{ctx.sim_port}/admin/health",
        enabled=lambda ctx: not ctx.live,
        startup_timeout_s=60,
    ),
    Service(
        "airflow",
        lambda ctx: [str(Path(sys.executable).parent / "airflow"), "standalone"],
        lambda ctx: _http_ok(f"http://127.0.0.1:{ctx.airflow_port}/api/v2/monitor/health"),
        url=lambda ctx: f"http://127.0.0.1:{ctx.airflow_port}",
        startup_timeout_s=300,
    ),
    Service(
        "executor",
        lambda ctx: _perpdex("executor", "run"),
        lambda ctx: True,
        enabled=_executor_available,
        startup_timeout_s=30,
    ),
    Service(
        "dashboard",
        _dashboard_argv,
        lambda ctx: _http_ok(f"http://127.0.0.1:{ctx.dashboard_port}/_stcore/health"),
        url=lambda ctx: f"http://127.0.0.1:{ctx.dashboard_port}",
        enabled=lambda ctx: (PROJECT_ROOT / "dashboards" / "app.py").is_file(),
        startup_timeout_s=120,
    ),
]


# ---------------------------------------------------------------------------------------------- processes
class Stack:
    """The processes this run started (process groups), remembered on disk for the next run."""

    def __init__(self, ctx: UpContext) -> None:
        self.ctx = ctx
        self.procs: dict[str, subprocess.Popen] = {}
        self.pid_file = ctx.local_dir / "up" / "pids.json"
        self.log_dir = ctx.local_dir / "logs"

    def stop_leftovers(self) -> None:
        try:
            old = json.loads(self.pid_file.read_text())
        except (OSError, ValueError):
            return
        for name, pgid in old.items():
            if _group_alive(int(pgid)):
                console.print(f"stopping {name} left over from a previous run (pgid {pgid})")
                _stop_group(int(pgid))
        self.pid_file.unlink(missing_ok=True)

    def _remember(self) -> None:
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.write_text(json.dumps({n: p.pid for n, p in self.procs.items()}))

    def start(self, service: Service) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{service.name}.log", "ab")  # noqa: SIM115 (kept open for the child)
        self.procs[service.name] = subprocess.Popen(
            service.argv(self.ctx), cwd=PROJECT_ROOT, env={**os.environ, **self.ctx.env}, stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        self._remember()

    def wait_ready(self, service: Service) -> bool:
        deadline = time.monotonic() + service.startup_timeout_s
        proc = self.procs[service.name]
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            if service.ready(self.ctx):
                return True
            time.sleep(1)
        return False

    def alive(self) -> dict[str, bool]:
        return {n: p.poll() is None for n, p in self.procs.items()}

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            proc = self.procs[name]
            if proc.poll() is None:
                console.print(f"stopping {name}")
                _stop_group(proc.pid)
            with contextlib.suppress(Exception):
                proc.wait(5)
        self.pid_file.unlink(missing_ok=True)

    def tail(self, name: str, lines: int = 15) -> str:
        try:
            return "\n".join((self.log_dir / f"{name}.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _stop_group(pgid: int, grace_s: float = 20) -> None:
    """SIGTERM to the whole process group (airflow standalone has many children), then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and _group_alive(pgid):
        time.sleep(0.3)
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(-pgid, os.WNOHANG)
    if _group_alive(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)


# ---------------------------------------------------------------------------------------------- airflow
def _airflow_cli(ctx: UpContext, *args: str, timeout_s: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "airflow"), *args], env={**os.environ, **ctx.env},
                          capture_output=True, text=True, timeout=timeout_s, cwd=PROJECT_ROOT)


def _prepare_airflow(ctx: UpContext, venues: list[str]) -> None:
    from perpdex_lib.airflow_env import create_pools, migrate_metadata
    from perpdex_lib.pipeline.dagconf import POOL_SLOTS

    migrate_metadata(ctx.env, timeout_s=600)
    create_pools(ctx.env, venues, POOL_SLOTS)


def _kick_dags(ctx: UpContext, trigger: bool, done: threading.Event, messages: list[str]) -> None:
    """Unpause every DAG once the DAG processor has registered it; trigger a first ingest and backfill."""
    pending = list(DAG_IDS)
    deadline = time.monotonic() + 600
    while pending and time.monotonic() < deadline and not done.is_set():
        for dag_id in list(pending):
            if _airflow_cli(ctx, "dags", "unpause", dag_id).returncode == 0:
                pending.remove(dag_id)
        if pending:
            time.sleep(5)
    if pending:
        messages.append(f"could not unpause {pending} (see .local/logs/airflow.log)")
        return
    messages.append("DAGs unpaused")
    if trigger:
        for dag_id in ("perpdex_ingest", "perpdex_backfill"):
            for _attempt in range(5):
                res = _airflow_cli(ctx, "dags", "trigger", dag_id)
                if res.returncode == 0:
                    messages.append(f"triggered {dag_id}")
                    break
                time.sleep(5)
            else:
                messages.append(f"could not trigger {dag_id}: {res.stderr.strip().splitlines()[-1:]}")


# ---------------------------------------------------------------------------------------------- status
def _status(ctx: UpContext, since: datetime) -> dict[str, Any]:
    import psycopg

    out: dict[str, Any] = {}
    try:
        with psycopg.connect(ctx.warehouse_url, connect_timeout=5) as conn:
            out["ingest"] = conn.execute(
                "SELECT run_id, count(*) FILTER (WHERE status IN ('success','partial')), "
                "count(*) FILTER (WHERE status = 'failed'), max(finished_at) FROM dq.ingest_runs "
                "WHERE job = 'ingest' AND started_at >= %s GROUP BY run_id ORDER BY max(started_at) DESC LIMIT 1",
                (since,),
            ).fetchone()
            out["opportunities"] = conn.execute(
                "SELECT r.run_id, r.opportunities, r.computed_at, (SELECT count(*) FROM analytics.signals s "
                "WHERE s.opportunity_run_id = r.run_id) FROM analytics.opportunity_runs r "
                "WHERE r.computed_at >= %s ORDER BY r.computed_at DESC LIMIT 1", (since,),
            ).fetchone()
            out["executor"] = conn.execute(
                "SELECT executor_id, state, heartbeat_at FROM execution.executor_heartbeat "
                "ORDER BY heartbeat_at DESC LIMIT 1").fetchone()
    except Exception as exc:
        out["error"] = type(exc).__name__
    return out


def _status_line(stack: Stack, st: dict[str, Any]) -> str:
    alive = " ".join(f"{n}:{'up' if a else 'DOWN'}" for n, a in stack.alive().items())
    ing = st.get("ingest")
    opp = st.get("opportunities")
    ex = st.get("executor")
    parts = [alive]
    parts.append(f"ingest {ing[1]} ok/{ing[2]} failed" if ing else "ingest: waiting")
    parts.append(f"opportunities {opp[1]} (signal {'yes' if opp[3] else 'no'})" if opp else "opportunities: waiting")
    if ex:
        parts.append(f"executor {ex[0]} {ex[1]}")
    return " | ".join(parts)


def _succeeded(st: dict[str, Any]) -> bool:
    ing, opp = st.get("ingest"), st.get("opportunities")
    return bool(ing and ing[1] > 0 and opp and opp[3] > 0)


# ---------------------------------------------------------------------------------------------- command
def _build_context(settings: Settings, live: bool, airflow_port: int, sim_port: int, dashboard_port: int,
                   venues: list[str]) -> UpContext:
    from perpdex_lib.airflow_env import airflow_env
    from perpdex_lib.warehouse.provision import create_database, ensure_server, warehouse_up

    console.print("[bold]warehouse[/] starting PostgreSQL and applying migrations ...")
    warehouse_url = warehouse_up(settings)
    if settings.database_url is None:  # our private cluster: Airflow's metadata lives there too
        airflow_db = create_database(ensure_server(settings), "airflow")
        airflow_db_url = "postgresql+psycopg2://" + airflow_db.split("://", 1)[1]
    else:  # someone else's server: keep Airflow's metadata local
        airflow_db_url = f"sqlite:///{settings.local_dir / 'airflow' / 'airflow.db'}"
    ctx = UpContext(settings, live, warehouse_url, airflow_db_url, airflow_port, sim_port, dashboard_port,
                    settings.local_dir)
    extra = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": airflow_db_url,
        "PERPDEX_DATABASE_URL": warehouse_url,
        "PERPDEX_PIPELINE_VENUES": json.dumps(venues),
        "PYTHONUNBUFFERED": "1",
    }
    if not live:
        extra["PERPDEX_VENUE_URLS"] = json.dumps({v: u for v, u in ctx.sim_urls.items() if v in venues})
        extra["PERPDEX_SIM_BASE_PORT"] = str(sim_port)
    ctx.env = airflow_env(settings.local_dir / "airflow", warehouse_url, api_port=airflow_port, extra=extra)
    return ctx


@app.callback(invoke_without_command=True)
def up(
    ctx_: typer.Context,
    venues: str = typer.Option("sim", "--venues", help="sim (local simulator) | live (the real venue hosts)."),
    only: str = typer.Option(None, help="Comma-separated venues to ingest (default: all 7)."),
    check: bool = typer.Option(False, "--check", help="Start, wait for one ingest + opportunities run, stop."),
    timeout: float = typer.Option(900, "--timeout", help="Seconds --check waits for the first runs."),
    skip: list[str] = typer.Option([], "--skip", help="Service to leave out: executor, dashboard, ..."),
    airflow_port: int = typer.Option(8080, help="Airflow API/UI port."),
    dashboard_port: int = typer.Option(8501, help="Dashboard port."),
    sim_port: int = typer.Option(None, help="Simulator admin port (venues: the next 7)."),
) -> None:
    """Start PostgreSQL, the simulator, Airflow (DAGs unpaused), the executor and the dashboard."""
    if ctx_.invoked_subcommand is not None:
        return
    if venues not in ("sim", "live"):
        raise typer.BadParameter("--venues is 'sim' or 'live'")
    settings = get_settings()
    chosen = [Venue(v.strip()).value for v in only.split(",")] if only else [v.value for v in Venue]
    ctx = _build_context(settings, venues == "live", airflow_port, sim_port or settings.sim_base_port,
                         dashboard_port, chosen)
    stack = Stack(ctx)
    stack.stop_leftovers()
    started_at = datetime.now(UTC)
    done = threading.Event()
    messages: list[str] = []
    stop_requested = threading.Event()

    def _on_term(signum: int, frame: Any) -> None:
        stop_requested.set()

    signal.signal(signal.SIGTERM, _on_term)
    try:
        exit_code = _run(ctx, stack, chosen, check, timeout, skip, started_at, done, messages, stop_requested)
    except KeyboardInterrupt:
        console.print("\nCtrl-C")
        exit_code = 0
    finally:
        done.set()
        stack.stop_all()
    raise typer.Exit(exit_code)


def _run(ctx: UpContext, stack: Stack, chosen: list[str], check: bool, timeout: float, skip: list[str],
         started_at: datetime, done: threading.Event, messages: list[str], stop_requested: threading.Event) -> int:
    """Start the services in order, then stream status; returns the exit code."""
    console.print("[bold]airflow[/] preparing metadata DB and pools ...")
    _prepare_airflow(ctx, chosen)
    services = [s for s in SERVICES if s.enabled(ctx) and s.name not in skip]
    for service in services:
        console.print(f"[bold]{service.name}[/] starting (log: .local/logs/{service.name}.log)")
        stack.start(service)
        if service.name == "airflow":
            threading.Thread(target=_kick_dags, args=(ctx, True, done, messages), daemon=True).start()
        if not stack.wait_ready(service):
            console.print(f"[bold red]{service.name} did not become ready[/]\n{stack.tail(service.name)}")
            return 1
    console.print("\n[bold green]perpdex is up[/]")
    for service in services:
        url = service.url(ctx)
        if url:
            console.print(f"  {service.name:<10} {url}")
    console.print("  airflow login: none needed (simple auth manager, every user is admin; loopback only)")
    console.print(f"  venues      {'real venue hosts' if ctx.live else 'simulator'}: {', '.join(chosen)}")
    console.print("  Ctrl-C stops everything started here.\n")
    deadline = time.monotonic() + timeout
    last = 0.0
    while not stop_requested.is_set():
        while messages:
            console.print(f"  [dim]{messages.pop(0)}[/]")
        st = _status(ctx, started_at)
        if time.monotonic() - last >= 15:
            console.print(f"[dim]{datetime.now(UTC):%H:%M:%S}[/] {_status_line(stack, st)}")
            last = time.monotonic()
        if check and _succeeded(st):
            ing, opp = st["ingest"], st["opportunities"]
            console.print(f"[bold green]check passed[/]: ingest run {ing[0]} loaded {ing[1]} venues "
                          f"({ing[2]} failed); opportunity run {opp[0]}: {opp[1]} opportunities, signalled")
            return 0
        if check and time.monotonic() > deadline:
            console.print(f"[bold red]check failed[/]: no ingest + opportunities within {timeout:.0f} s; "
                          f"status {st}\n{stack.tail('airflow', 30)}")
            return 1
        dead = [n for n, a in stack.alive().items() if not a]
        if dead:
            console.print(f"[bold red]{', '.join(dead)} exited[/]\n" + "\n".join(stack.tail(n) for n in dead))
            return 1
        time.sleep(2)
    return 0

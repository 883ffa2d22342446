"""`perpdex up`: the service registry and process-group handling (fast), and an opt-in full smoke run.

The smoke run (`perpdex up --check`: PostgreSQL, simulator, Airflow standalone, executor, dashboard, until
one ingest + opportunities run succeeded) takes minutes on 2 cores; it runs when PERPDEX_SMOKE_UP=1
(CI smoke job, or by hand).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perpdex_lib.cli import up

ROOT = Path(__file__).resolve().parents[3]


def test_registry_has_the_stack_in_start_order() -> None:
    assert [s.name for s in up.SERVICES] == ["simulator", "airflow", "executor", "dashboard"]
    assert len({s.name for s in up.SERVICES}) == len(up.SERVICES)


def test_stop_group_terminates_the_whole_process_group() -> None:
    # a parent that ignores nothing and a grandchild: both must go with one SIGTERM to the group
    proc = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                             "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"],
                            start_new_session=True)
    time.sleep(0.5)
    assert up._group_alive(proc.pid)
    up._stop_group(proc.pid, grace_s=10)
    proc.wait(5)
    assert not up._group_alive(proc.pid)


def test_sim_urls_follow_the_admin_port() -> None:
    from perpdex_lib.config import Settings

    ctx = up.UpContext(Settings(), False, "postgresql://x@127.0.0.1:1/db", "sqlite://", 8080, 19000, 8501, ROOT)
    assert ctx.sim_urls["lighter"] == "http://127.0.0.1:19001"
    assert ctx.sim_urls["hyperliquid"] == "http://127.0.0.1:19007"


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("PERPDEX_SMOKE_UP") != "1", reason="full-stack smoke: set PERPDEX_SMOKE_UP=1")
def test_perpdex_up_check_smoke() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "perpdex_lib.cli.main", "up", "--check", "--timeout", "1200", "--airflow-port", "18480",
         "--dashboard-port", "18481", "--sim-port", "18490"],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "check passed" in out.stdout

"""The environment Airflow runs with, for `perpdex up` and for the tests (one definition, two users).

Tuned for a small machine (2 cores): no examples, parallelism 4, API on loopback, every user admin in the
simple auth manager (local demo only), DAG folder re-scanned every 30 s. The warehouse is handed to Airflow
as the ``perpdex_warehouse`` connection through ``AIRFLOW_CONN_PERPDEX_WAREHOUSE`` (a URI; it may hold a
password, so callers never print it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from perpdex_lib.config import PROJECT_ROOT

DAGS_FOLDER = PROJECT_ROOT / "dags"
VENV_BIN = Path(sys.executable).parent
API_PORT = 8080


def airflow_env(home: Path, warehouse_url: str | None = None, *, api_port: int = API_PORT,
                extra: dict[str, str] | None = None) -> dict[str, str]:
    """Variables to add to ``os.environ`` for any Airflow process (CLI, standalone, dag.test)."""
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api_port),
        # task supervisors report to the API server's execution API: it must follow the port
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "4",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "GX_ANALYTICS_ENABLED": "False",
        "NO_PROXY": "*",  # simulator and warehouse are on loopback: never through a proxy
        "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p),
        "PATH": os.pathsep.join((str(VENV_BIN), os.environ.get("PATH", ""))),  # `airflow` must be on PATH
    }
    if warehouse_url:
        env["AIRFLOW_CONN_PERPDEX_WAREHOUSE"] = warehouse_url
    env.update(extra or {})
    return env


def migrate_metadata(env: dict[str, str], timeout_s: float = 300) -> None:
    """``airflow db migrate`` (idempotent; ~10 s on SQLite the first time)."""
    subprocess.run([str(VENV_BIN / "airflow"), "db", "migrate"], env={**os.environ, **env}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout_s)


def create_pools(env: dict[str, str], venues: list[str], slots: int, timeout_s: float = 120) -> None:
    """One pool per venue, ``perpdex_<venue>``, in one ``airflow pools import`` (idempotent: it overwrites)."""
    pools = {f"perpdex_{v}": {"slots": slots, "description": f"perpdex {v}: one live ingest + one backfill",
                              "include_deferred": False} for v in venues}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(pools, fh)
    try:
        subprocess.run([str(VENV_BIN / "airflow"), "pools", "import", fh.name], env={**os.environ, **env},
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout_s)
    finally:
        os.unlink(fh.name)

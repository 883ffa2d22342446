"""A throwaway AIRFLOW_HOME (SQLite metadata DB) per test process, set up before Airflow is imported.

Airflow reads its configuration when first imported, so every test that imports it calls
:func:`ensure_airflow_home` first; :func:`ensure_metadata_db` runs ``airflow db migrate`` once per process
(~10 s) for the tests that need a metadata database (``dag.test()``), not for DAG parsing.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from perpdex_lib.airflow_env import airflow_env, migrate_metadata

_STATE: dict[str, object] = {}


def ensure_airflow_home() -> Path:
    if "home" not in _STATE:
        home = Path(tempfile.mkdtemp(prefix="perpdex-airflow-"))
        env = airflow_env(home)
        env.pop("PATH")  # the test process keeps its own PATH; the venv's airflow is called by full path
        os.environ.update(env)
        _STATE["home"], _STATE["env"] = home, env
    return _STATE["home"]  # type: ignore[return-value]


def ensure_metadata_db() -> float:
    """Migrate the SQLite metadata DB once; returns the seconds it took (0 when already done)."""
    home = ensure_airflow_home()
    if "migrated" in _STATE:
        return 0.0
    t0 = time.perf_counter()
    migrate_metadata(_STATE["env"])  # type: ignore[arg-type]
    _STATE["migrated"] = time.perf_counter() - t0
    assert (home / "airflow.db").exists()
    return _STATE["migrated"]  # type: ignore[return-value]

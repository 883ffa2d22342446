"""DAG integrity: the dags/ folder parses without errors, every task carries retries, a timeout, an owner
and tags, each venue has its own pool, and importing a DAG file stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.dags.airflow_home import ensure_airflow_home

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
DAG_FILES = sorted(p for p in DAGS.glob("*.py"))
EXPECTED = {"perpdex_ingest", "perpdex_opportunities", "perpdex_backfill", "perpdex_maintenance"}
HEAVY = ("great_expectations", "pandas", "aiohttp", "psycopg")


@pytest.fixture(scope="module")
def dagbag():
    ensure_airflow_home()
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == EXPECTED


def test_every_task_has_retries_timeout_owner(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags and "perpdex" in dag.tags, dag_id
        assert not dag.catchup, dag_id
        for t in dag.tasks:
            where = f"{dag_id}.{t.task_id}"
            assert t.owner == "perpdex", where
            assert t.execution_timeout is not None and t.execution_timeout <= timedelta(hours=1), where
            if t.task_id != "executor_heartbeat":  # a read-only check: no retry, the next run asks again
                assert t.retries >= 2, where
                assert t.retry_exponential_backoff, where
            assert t.on_failure_callback, where


def test_one_ingest_and_backfill_task_per_venue_in_its_pool(dagbag) -> None:
    from perpdex_lib.domain import Venue

    for dag_id, prefix in (("perpdex_ingest", "ingest_"), ("perpdex_backfill", "backfill_")):
        dag = dagbag.dags[dag_id]
        per_venue = {t.task_id: t.pool for t in dag.tasks if t.task_id.startswith(prefix)}
        assert per_venue == {f"{prefix}{v.value}": f"perpdex_{v.value}" for v in Venue}


def test_ingest_emits_the_asset_that_schedules_opportunities(dagbag) -> None:
    ingest = dagbag.dags["perpdex_ingest"]
    outlets = [o.name for t in ingest.tasks for o in t.outlets]
    assert outlets == ["perpdex_market_ingest"]
    opp = dagbag.dags["perpdex_opportunities"]
    assert "perpdex_market_ingest" in repr(opp.timetable.asset_condition)
    summarize = ingest.get_task("summarize")
    assert str(summarize.trigger_rule) in ("all_done", "TriggerRule.ALL_DONE")
    assert {t.task_id for t in summarize.upstream_list} == {f"ingest_{v}" for v in
                                                            ("lighter", "grvt", "edgex", "backpack", "aster",
                                                             "paradex", "hyperliquid")}


def test_dag_file_import_is_light() -> None:
    """Importing the DAG files must not pull in Great Expectations, pandas, aiohttp or psycopg.

    One fresh process (Airflow's own import costs seconds); each file's new heavy modules are attributed to it.
    """
    ensure_airflow_home()
    code = (
        "import importlib.util, json, sys\n"
        "import airflow.sdk\n"
        "out = {}\n"
        f"for path in {[str(p) for p in DAG_FILES]!r}:\n"
        f"    before = {{m for m in {HEAVY!r} if m in sys.modules}}\n"
        "    spec = importlib.util.spec_from_file_location('d', path)\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        f"    out[path] = sorted({{m for m in {HEAVY!r} if m in sys.modules}} - before)\n"
        f"out['airflow.sdk itself'] = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "print(json.dumps(out))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    heavy = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(heavy) == len(DAG_FILES) + 1
    assert all(mods == [] for mods in heavy.values()), heavy

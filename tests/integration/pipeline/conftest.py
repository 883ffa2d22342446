"""Airflow for the pipeline tests: a per-process SQLite metadata DB, the DAGs, and a dag.test() runner."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
import pytest

from tests.dags.airflow_home import ensure_airflow_home, ensure_metadata_db


@pytest.fixture(scope="session")
def airflow_dags() -> dict[str, Any]:
    ensure_airflow_home()
    ensure_metadata_db()
    from airflow.dag_processing.dagbag import DagBag

    from perpdex_lib.airflow_env import DAGS_FOLDER

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert not bag.import_errors, bag.import_errors
    return bag.dags


@contextmanager
def pipeline_env(pg_url: str, venue_urls: dict, **extra: str) -> Iterator[None]:
    """Point the in-process tasks at this database (Airflow connection) and these venue URLs."""
    from perpdex_lib.config import get_settings
    from perpdex_lib.pipeline.config import get_pipeline_settings

    values = {
        "AIRFLOW_CONN_PERPDEX_WAREHOUSE": pg_url,
        "PERPDEX_VENUE_URLS": json.dumps({str(k): v for k, v in venue_urls.items()}),
        **extra,
    }
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    get_settings.cache_clear()
    get_pipeline_settings.cache_clear()
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_settings.cache_clear()
        get_pipeline_settings.cache_clear()


def run_dag(dag: Any, logical_date: datetime | None = None) -> Any:
    """``dag.test()`` with retries off (the tests want the first outcome, not five minutes of backoff)."""
    for t in dag.tasks:
        t.retries = 0
    return dag.test(logical_date=logical_date) if logical_date else dag.test()


def task_states(dagrun: Any) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in dagrun.get_task_instances()}


def truncate_all(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE market.instruments, market.funding_rates, market.market_snapshots, market.order_books, "
            "dq.quarantine, dq.ingest_runs, analytics.signals, analytics.opportunity_runs CASCADE"
        )

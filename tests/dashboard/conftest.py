"""Dashboard fixtures: a seeded warehouse reached through the read-only role, and fresh Streamlit caches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import streamlit as st
from streamlit import config
from streamlit.testing.v1 import AppTest

from dashboards import queries
from dashboards.db import DASHBOARD_ROLE, URL_ENV
from perpdex_lib.warehouse.engine import with_user
from tests.dashboard.seed import seed, seed_executor, seed_opportunities

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"

# .streamlit/config.toml hides error messages from browsers; a failing AppTest should say what went wrong.
config.set_option("client.showErrorDetails", "full")


def _reset_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def dashboard_url(clean_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The dashboard role's URL on an emptied warehouse (tests seed what they need)."""
    url = with_user(clean_db, DASHBOARD_ROLE)
    monkeypatch.setenv(URL_ENV, url)
    _reset_caches()
    yield url
    queries._engine(url).dispose()
    _reset_caches()


@pytest.fixture
def seeded(dashboard_url: str, clean_db: str) -> str:
    """Market data, quarantine, opportunity runs and the executor journal from tests/dashboard/seed.py."""
    with psycopg.connect(clean_db) as conn:
        seed(conn)
        seed_executor(conn)
        seed_opportunities(conn)
    return dashboard_url


def chart_frames(at: AppTest) -> list:
    """The data of every Vega-Lite chart on the page (line/bar/altair charts), decoded from Arrow."""
    import pyarrow as pa

    frames = []
    for element in at.main:
        if getattr(element, "type", None) == "vega_lite_chart" and element.proto.datasets:
            frames.append(pa.ipc.open_stream(element.proto.datasets[0].data.data).read_pandas())
    return frames


def open_page(page: str | None = None) -> AppTest:
    """Run the app (default page) or switch to ``pages/<page>.py``; fail on any script exception."""
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at

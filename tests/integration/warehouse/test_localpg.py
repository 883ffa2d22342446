"""A throwaway private cluster, built the way `perpdex db up` builds one, from the pgserver wheel's binaries.

This proves the fallback path (no system binaries), port-conflict handling, idempotent `up`, remembered
ports across restarts, and that several databases can be migrated at once on a brand-new cluster (the
cluster-wide roles are then created concurrently).
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from perpdex_lib.warehouse.engine import OWNER_ROLE
from perpdex_lib.warehouse.localpg import LocalCluster, LocalPgError, admin_url, find_binaries
from perpdex_lib.warehouse.migrate import run_migrations
from perpdex_lib.warehouse.provision import Server, _ensure_owner_role, create_database

pytestmark = pytest.mark.integration


def _wheel_bindir() -> Path:
    pgserver = pytest.importorskip("pgserver._commands")
    return Path(pgserver.POSTGRES_BIN_PATH)


@pytest.fixture
def scratch() -> Iterator[Path]:
    # not under pytest's tmp_path: that is private to root (0700) and the server runs as another user
    root = Path(tempfile.mkdtemp(prefix="perpdex-pgtest-", dir="/tmp"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_cluster_from_wheel_binaries_with_taken_port(scratch: Path) -> None:
    wheel = _wheel_bindir()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        cluster = LocalCluster(scratch / "pg", taken, bindir_candidates=[scratch / "no-such-bin", wheel])
        try:
            first = cluster.up()
            assert first.running and first.port != taken
            state = json.loads(cluster.state_file.read_text())
            assert state["port"] == first.port and Path(state["bindir"]) == wheel

            again = cluster.up()  # idempotent: the same server keeps running
            assert (again.pid, again.port) == (first.pid, first.port)

            server = Server(admin_url(first.port), OWNER_ROLE, local=True)
            _ensure_owner_role(server.admin_url)
            names = [f"perpdex_scratch_{i}_{secrets.token_hex(2)}" for i in range(3)]
            urls = [create_database(server, n) for n in names]
            with ThreadPoolExecutor(len(urls)) as pool:  # roles are created by three migrations at once
                applied = list(pool.map(run_migrations, urls))
            assert all("0001_roles" in a for a in applied)
            with psycopg.connect(urls[0]) as conn:
                roles = {r for (r,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'perpdex%%'")}
                assert {"perpdex_owner", "perpdex_pipeline", "perpdex_executor", "perpdex_dashboard"} <= roles
                assert conn.execute("SELECT current_user").fetchone() == (OWNER_ROLE,)

            assert cluster.down() is True
            assert not cluster.status().running
            assert cluster.down() is False
            restarted = cluster.up()  # the remembered port, although the preferred one is still taken
            assert restarted.running and restarted.port == first.port and restarted.pid != first.pid
        finally:
            cluster.destroy()


def test_no_binaries_is_a_clear_error(scratch: Path) -> None:
    with pytest.raises(LocalPgError, match="PERPDEX_DATABASE_URL"):
        find_binaries([scratch / "nothing-here"])
    cluster = LocalCluster(scratch / "pg", 54329, bindir_candidates=[])
    with pytest.raises(LocalPgError, match="No usable PostgreSQL server binaries"):
        cluster.up()

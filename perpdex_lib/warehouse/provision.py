"""Make the warehouse exist: a server (``PERPDEX_DATABASE_URL`` or the private cluster), the owner role,
the database, and the migrations. Shared by ``perpdex db up`` and the test fixtures so both do the same.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import psycopg
from psycopg import errors, sql

from perpdex_lib.config import Settings, get_settings
from perpdex_lib.warehouse.engine import (
    DATABASE_NAME,
    OWNER_ROLE,
    normalize_url,
    with_database,
    with_user,
)
from perpdex_lib.warehouse.localpg import LocalCluster, admin_url
from perpdex_lib.warehouse.migrate import run_migrations

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Server:
    """Where databases get created: an admin URL, and the role that should own them (None: the URL's user)."""

    admin_url: str
    owner: str | None
    local: bool


def local_cluster(settings: Settings) -> LocalCluster:
    return LocalCluster(settings.local_dir / "pg", settings.local_pg_port)


def ensure_server(settings: Settings | None = None) -> Server:
    """The user's server when ``PERPDEX_DATABASE_URL`` is set; otherwise start the private cluster."""
    settings = settings or get_settings()
    if settings.database_url is not None:
        url = normalize_url(settings.database_url.get_secret_value())
        return Server(with_database(url, "postgres"), owner=None, local=False)
    status = local_cluster(settings).up()
    assert status.port is not None
    server = Server(admin_url(status.port), owner=OWNER_ROLE, local=True)
    _ensure_owner_role(server.admin_url)
    return server


def _ensure_owner_role(url: str) -> None:
    """On the private cluster the owner logs in (trust auth on loopback) and may create roles and databases."""
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (OWNER_ROLE,)).fetchone()
        if exists:
            return
        with contextlib.suppress(errors.DuplicateObject, errors.UniqueViolation):  # created concurrently
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE CREATEDB").format(sql.Identifier(OWNER_ROLE)))


def create_database(server: Server, name: str) -> str:
    """Create database ``name`` when missing; returns its URL (as the owner role on the private cluster)."""
    with psycopg.connect(server.admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if server.owner:
                stmt = sql.SQL("{} OWNER {}").format(stmt, sql.Identifier(server.owner))
            with contextlib.suppress(errors.DuplicateDatabase):
                conn.execute(stmt)
    url = with_database(server.admin_url, name)
    return with_user(url, server.owner) if server.owner else url


def drop_database(server: Server, name: str) -> None:
    with psycopg.connect(server.admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def warehouse_up(settings: Settings | None = None) -> str:
    """Everything `perpdex db up` promises: server running, database present, migrations applied."""
    settings = settings or get_settings()
    if settings.database_url is not None:
        url = normalize_url(settings.database_url.get_secret_value())
        try:
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.OperationalError as exc:
            if "does not exist" not in str(exc):
                raise
            server = ensure_server(settings)
            create_database(server, url.rsplit("/", 1)[-1].split("?", 1)[0])
    else:
        server = ensure_server(settings)
        url = create_database(server, DATABASE_NAME)
    applied = run_migrations(url)
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    return url

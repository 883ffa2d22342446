"""Schema migrations with yoyo-migrations: plain forward-only ``.sql`` files in ``sql/migrations/``.

yoyo keeps the applied set in its own tables and takes a lock, so concurrent callers on the same
database wait for each other and a second run applies nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from yoyo import get_backend, read_migrations

from perpdex_lib.config import PROJECT_ROOT
from perpdex_lib.warehouse.engine import database_url, sqlalchemy_url

MIGRATIONS_DIR = PROJECT_ROOT / "sql" / "migrations"
# yoyo logs every step at INFO; the one-line summary of applied migrations that callers print is enough
logging.getLogger("yoyo").setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class MigrationState:
    applied: list[str]
    pending: list[str]


def _backend(url: str):
    # yoyo picks its psycopg 3 backend from the "postgresql+psycopg" scheme
    return get_backend(sqlalchemy_url(url))


def run_migrations(url: str | None = None, directory: Path = MIGRATIONS_DIR, lock_timeout_s: int = 120) -> list[str]:
    """Apply every pending migration to ``url`` (default: the warehouse); returns the ids applied."""
    backend = _backend(url or database_url())
    migrations = read_migrations(str(directory))
    try:
        with backend.lock(timeout=lock_timeout_s):
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
            return [m.id for m in pending]
    finally:
        backend.connection.close()


def migration_state(url: str | None = None, directory: Path = MIGRATIONS_DIR) -> MigrationState:
    backend = _backend(url or database_url())
    migrations = read_migrations(str(directory))
    try:
        pending = {m.id for m in backend.to_apply(migrations)}
        ids = [m.id for m in migrations]
        return MigrationState([i for i in ids if i not in pending], [i for i in ids if i in pending])
    finally:
        backend.connection.close()

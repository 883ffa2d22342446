"""How every component reaches the warehouse: one URL, a psycopg 3 connection, a SQLAlchemy Core engine.

The URL comes from ``PERPDEX_DATABASE_URL`` when set; otherwise it is the private cluster that
``perpdex db up`` runs under ``.local/pg`` (its port is remembered there). URLs keep the standard form
``postgresql://user[:password]@host:port/db`` so Airflow connections (``AIRFLOW_CONN_…``) can be built
from them; SQLAlchemy gets the same URL with the ``+psycopg`` driver.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import psycopg

from perpdex_lib.config import Settings, get_settings

if TYPE_CHECKING:  # SQLAlchemy costs ~1 s to import; only the callers of engine() pay for it
    from sqlalchemy import Engine

DATABASE_NAME = "perpdex"
OWNER_ROLE = "perpdex_owner"


def local_port(settings: Settings) -> int:
    """The private cluster's port: the one it was started on (remembered), else the configured default."""
    try:
        state = json.loads((settings.local_dir / "pg" / "cluster.json").read_text())
        return int(state["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return settings.local_pg_port


def local_url(settings: Settings, database: str = DATABASE_NAME, user: str = OWNER_ROLE) -> str:
    return f"postgresql://{user}@127.0.0.1:{local_port(settings)}/{database}"


def normalize_url(url: str) -> str:
    """``postgres://`` / ``postgresql+driver://`` → ``postgresql://`` (what libpq and psycopg accept)."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme in ("postgres", "postgresql"):
        scheme = "postgresql"
    else:
        raise ValueError(f"not a PostgreSQL URL (scheme {parts.scheme!r})")
    return urlunsplit((scheme, *parts[1:]))


def database_url(settings: Settings | None = None) -> str:
    """The warehouse URL (``postgresql://…``), without starting anything."""
    settings = settings or get_settings()
    if settings.database_url is not None:
        return normalize_url(settings.database_url.get_secret_value())
    return local_url(settings)


def sqlalchemy_url(url: str | None = None, settings: Settings | None = None) -> str:
    """The same URL for SQLAlchemy with psycopg 3: ``postgresql+psycopg://…``."""
    plain = normalize_url(url) if url else database_url(settings)
    return "postgresql+psycopg://" + plain.split("://", 1)[1]


def with_database(url: str, database: str) -> str:
    """``url`` pointing at another database on the same server (same user and credentials)."""
    parts = urlsplit(normalize_url(url))
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def with_user(url: str, user: str) -> str:
    """``url`` with another (password-less) user: for trust-auth local clusters and role tests."""
    parts = urlsplit(normalize_url(url))
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment))


def redact(url: str) -> str:
    """The URL with any password replaced, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


def connect(url: str | None = None, *, autocommit: bool = False, **kwargs: object) -> psycopg.Connection:
    """A psycopg 3 connection to the warehouse (or to ``url``)."""
    import psycopg

    return psycopg.connect(normalize_url(url) if url else database_url(), autocommit=autocommit, **kwargs)


def engine(url: str | None = None, **kwargs: object) -> Engine:
    """A SQLAlchemy Core engine (psycopg 3 driver) for the warehouse."""
    kwargs.setdefault("pool_pre_ping", True)
    from sqlalchemy import create_engine

    return create_engine(sqlalchemy_url(url), **kwargs)

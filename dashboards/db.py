"""The dashboard's one database connection: the read-only ``perpdex_dashboard`` role.

The role has USAGE on ``reporting`` only, and every session is additionally forced read-only with a statement
timeout, so a bug (or an injection attempt) in a page can neither write nor hang the warehouse.
"""

from __future__ import annotations

import os

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

URL_ENV = "PERPDEX_DASHBOARD_DATABASE_URL"
DASHBOARD_ROLE = "perpdex_dashboard"
STATEMENT_TIMEOUT_MS = 10_000


def dashboard_url() -> str:
    """The dashboard's database URL.

    ``PERPDEX_DASHBOARD_DATABASE_URL`` wins; otherwise the warehouse URL with the user swapped for the read-only
    role (the local cluster trusts loopback, a deployment sets the explicit URL with a password).
    """
    explicit = os.environ.get(URL_ENV)
    if explicit:
        return explicit
    from perpdex_lib.warehouse.engine import database_url, with_user

    return with_user(database_url(), DASHBOARD_ROLE)


def sqlalchemy_url(url: str) -> str:
    """Force the psycopg 3 driver whatever spelling the URL came in."""
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """A small pool of read-only sessions (pages run their queries one after another)."""
    options = f"-c default_transaction_read_only=on -c statement_timeout={STATEMENT_TIMEOUT_MS}"
    return create_engine(
        sqlalchemy_url(url),
        pool_size=2,
        max_overflow=2,
        pool_pre_ping=True,
        pool_recycle=600,
        connect_args={"options": options, "application_name": "perpdex-dashboard"},
    )

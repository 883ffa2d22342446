"""`perpdex db` against the test database (the command the user runs)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from perpdex_lib.cli.main import app
from perpdex_lib.config import get_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def cli(pg_url: str):
    runner = CliRunner()

    def invoke(*args: str):
        get_settings.cache_clear()
        try:
            return runner.invoke(app, list(args), env={"PERPDEX_DATABASE_URL": pg_url})
        finally:
            get_settings.cache_clear()

    return invoke


def test_url_prints_the_configured_url(cli, pg_url: str) -> None:
    result = cli("db", "url")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == pg_url
    result = cli("db", "url", "--sqlalchemy")
    assert result.output.strip() == "postgresql+psycopg://" + pg_url.split("://", 1)[1]


def test_status_and_migrate_on_a_migrated_database(cli) -> None:
    result = cli("db", "status")
    assert result.exit_code == 0, result.output
    assert "pending: 0" in result.output
    result = cli("db", "migrate")
    assert result.exit_code == 0, result.output
    assert "applied 0 migration(s)" in result.output


def test_up_with_an_external_url_only_migrates(cli) -> None:
    result = cli("db", "up")
    assert result.exit_code == 0, result.output
    assert "warehouse ready" in result.output


def test_down_leaves_an_external_server_alone(cli) -> None:
    result = cli("db", "down")
    assert result.exit_code == 0
    assert "not ours to stop" in result.output

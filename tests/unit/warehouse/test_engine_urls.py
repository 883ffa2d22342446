"""URL handling: what Airflow, SQLAlchemy and psycopg each get, and that secrets stay out of messages."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr

from perpdex_lib.config import Settings
from perpdex_lib.warehouse.engine import (
    database_url,
    local_url,
    normalize_url,
    redact,
    sqlalchemy_url,
    with_database,
    with_user,
)
from perpdex_lib.warehouse.load import dumps_exact


def test_database_url_prefers_the_environment_and_normalises_the_scheme() -> None:
    settings = Settings(database_url=SecretStr("postgresql+psycopg://u:pw@db.example:5433/wh?sslmode=require"))
    assert database_url(settings) == "postgresql://u:pw@db.example:5433/wh?sslmode=require"
    assert sqlalchemy_url(settings=settings) == "postgresql+psycopg://u:pw@db.example:5433/wh?sslmode=require"
    assert normalize_url("postgres://a@h/d") == "postgresql://a@h/d"
    with pytest.raises(ValueError):
        normalize_url("mysql://a@h/d")


def test_local_url_uses_the_remembered_port(tmp_path: Path) -> None:
    settings = Settings(database_url=None, local_dir=tmp_path, local_pg_port=54329)
    assert local_url(settings) == "postgresql://perpdex_owner@127.0.0.1:54329/perpdex"
    (tmp_path / "pg").mkdir()
    (tmp_path / "pg" / "cluster.json").write_text(json.dumps({"port": 61234}))
    assert database_url(settings) == "postgresql://perpdex_owner@127.0.0.1:61234/perpdex"


def test_url_rewrites_keep_credentials_where_they_belong() -> None:
    url = "postgresql://u:s3cret@h:1/db?x=1"
    assert with_database(url, "other") == "postgresql://u:s3cret@h:1/other?x=1"
    assert with_user(url, "perpdex_dashboard") == "postgresql://perpdex_dashboard@h:1/db?x=1"
    assert redact(url) == "postgresql://u:***@h:1/db?x=1"
    assert "s3cret" not in redact(url)
    assert redact("postgresql://u@h:1/db") == "postgresql://u@h:1/db"


def test_dumps_exact_keeps_decimal_digits_and_json_types() -> None:
    payload = {"r": Decimal("0.00001250"), "s": "0.1", "n": [1, None, True, Decimal("1E-9")], "bad": Decimal("NaN")}
    text = dumps_exact(payload)
    assert text == '{"r":0.00001250,"s":"0.1","n":[1,null,true,1E-9],"bad":"NaN"}'
    assert json.loads(text, parse_float=Decimal)["r"] == Decimal("0.00001250")

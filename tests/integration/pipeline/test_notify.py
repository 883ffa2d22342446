"""Alerts: logged always, delivered to apprise targets when configured, and target URLs (secrets) never logged."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from pydantic import SecretStr

from perpdex_lib.config import Settings
from perpdex_lib.notify import Level, notify

TOKEN = "s3cr3t-token-4711"


class _Sink(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Sink.received.append({"path": self.path, "body": json.loads(body or b"{}")})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sink():
    server = HTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Sink.received = []
    yield server.server_address[1]
    server.shutdown()


def test_log_only_by_default(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert notify("stale data: aster", "newest settled is 3 h old", Level.WARNING, Settings(notify_urls=[])) == 0
    assert any("stale data: aster" in r.getMessage() for r in caplog.records)


def test_delivers_to_a_webhook_and_never_logs_its_url(sink: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    good = SecretStr(f"json://127.0.0.1:{sink}/hook/{TOKEN}")
    dead = SecretStr(f"json://127.0.0.1:1/hook/{TOKEN}")  # nothing listens: delivery fails
    settings = Settings(notify_urls=[good, dead])
    delivered = notify("ingest: venues failed", "aster: down", Level.FAILURE, settings)
    assert delivered == 1
    assert len(_Sink.received) == 1 and TOKEN in _Sink.received[0]["path"]
    assert "aster: down" in json.dumps(_Sink.received[0]["body"])
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in logged
    assert "delivery to a 'json' target failed" in logged

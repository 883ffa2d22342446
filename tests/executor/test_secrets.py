"""Rule 7: secrets never appear in logs, the journal or exceptions — checked on a real daemon run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import yaml

REPO = Path(__file__).resolve().parents[2]
SECRET = "fixture-s3cret-Zq9"


def test_fixture_secrets_never_reach_logs_or_journal(clean_db, sim_urls, tmp_path):
    parts = urlsplit(clean_db)
    user, host = parts.netloc.rsplit("@", 1)
    url_with_password = urlunsplit((parts.scheme, f"{user}:{SECRET}@{host}", parts.path, "", ""))  # trust auth
    cfg = tmp_path / "s.yml"
    cfg.write_text(yaml.safe_dump({
        "executor_id": "secrets", "venues": ["lighter", "hyperliquid"],
        "strategy": {"min_net_apr": -100, "assets": ["BTC"]}, "exits": {"max_age_hours": 0.0003},
        "loop": {"poll_interval_s": 0.2, "active_interval_s": 0.1, "reconcile_interval_s": 0.5,
                 "monitor_interval_s": 0.2},
    }))
    env = {**os.environ, "PERPDEX_DATABASE_URL": url_with_password, "PERPDEX_LOG_LEVEL": "DEBUG",
           "PERPDEX_NOTIFY_URLS": json.dumps([f"json://127.0.0.1:9/{SECRET}"]),
           "PERPDEX_VENUE_URLS": json.dumps({v.value: u for v, u in sim_urls.items()})}
    proc = subprocess.Popen([sys.executable, "-m", "executor", "run", "--config", str(cfg), "--candidates", "live"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with psycopg.connect(clean_db, autocommit=True) as conn:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # run until a pair has opened and closed: alerts were sent
            if conn.execute("SELECT count(*) FROM execution.pairs WHERE state = 'closed'").fetchone()[0]:
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=60)[0].decode()
        journal = conn.execute(
            "SELECT string_agg(detail::text, ' ') FROM execution.events"
        ).fetchone()[0] + " ".join(r[0] or "" for r in conn.execute("SELECT last_error FROM execution.orders"))
    assert "pair opened" in output and "starting" in output  # the log really was captured
    assert SECRET not in output
    assert SECRET not in journal

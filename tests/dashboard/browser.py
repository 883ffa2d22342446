"""Drive headless Chromium over the DevTools protocol: load a page, wait for rendered text, take a screenshot.

Why not ``--screenshot`` alone: Streamlit renders over a websocket after the first paint, so a fixed virtual-time
budget often captures a skeleton. We poll ``document.body.innerText`` until the page says what we expect and the
"running" indicator is gone.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import itertools
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1440,2200",
)
RUNNING_JS = "!!document.querySelector('[data-testid=\"stStatusWidget\"]')"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_chromium() -> str | None:
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def ensure_chromium(lock_dir: Path) -> tuple[str | None, str]:
    """The Chromium binary, installing the Debian package when missing and we may (root + apt-get).

    Returns (path, reason): path None means it is impossible here and ``reason`` says why.
    """
    found = find_chromium()
    if found:
        return found, ""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, "chromium is not installed and cannot be installed here (needs root and apt-get)"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / "chromium-install.lock", "w") as lock:  # xdist workers install once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not find_chromium():
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            cmd = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
            if subprocess.run(cmd, env=env, capture_output=True, timeout=900).returncode != 0:
                subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=600)
                done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
                if done.returncode != 0:
                    return None, f"apt-get install chromium failed: {done.stderr[-500:]}"
    found = find_chromium()
    return (found, "") if found else (None, "chromium install finished but no binary was found")


class Tab:
    """One page target, spoken to over its DevTools websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: object) -> dict:
        msg_id = next(self._ids)
        await self.ws.send_json({"id": msg_id, "method": method, "params": params})
        while True:
            msg = await self.ws.receive_json(timeout=60)
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    async def evaluate(self, expression: str) -> object:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def open(self, url: str, expect: list[str], timeout_s: float = 120.0) -> str:
        """Navigate and wait until every ``expect`` string is visible and the script run has finished."""
        await self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout_s
        text = ""
        settled = 0
        while time.monotonic() < deadline:
            text = str(await self.evaluate("document.body ? document.body.innerText : ''") or "")
            running = await self.evaluate(RUNNING_JS)
            settled = settled + 1 if all(e in text for e in expect) and not running else 0
            if settled >= 3:  # stable for three polls: the run finished and charts laid out
                return str(await self.evaluate("document.body.innerText") or "")
            await asyncio.sleep(0.25)
        missing = [e for e in expect if e not in text]
        raise TimeoutError(f"{url}: still missing {missing} after {timeout_s}s; visible text: {text[:800]!r}")

    async def screenshot(self, path: Path) -> Path:
        result = await self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(result["data"]))
        return path


@contextlib.asynccontextmanager
async def chromium_tab(binary: str) -> AsyncIterator[Tab]:
    """A fresh headless Chromium with its own profile; yields its first tab."""
    port = free_port()
    profile = tempfile.mkdtemp(prefix="perpdex-chromium-")
    proc = subprocess.Popen(
        [binary, *CHROMIUM_FLAGS, f"--remote-debugging-port={port}", f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        async with aiohttp.ClientSession() as http:
            targets: list[dict] = []
            for _ in range(200):
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{port}/json/list") as resp:
                        targets = [t for t in json.loads(await resp.text()) if t.get("type") == "page"]
                if targets:
                    break
                await asyncio.sleep(0.1)
            if not targets:
                raise RuntimeError("chromium did not expose a DevTools page target")
            async with http.ws_connect(targets[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                tab = Tab(ws)
                await tab.call("Page.enable")
                await tab.call("Runtime.enable")
                yield tab
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)

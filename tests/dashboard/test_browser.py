"""A real browser: `streamlit run` serving the seeded warehouse, headless Chromium loading every page.

Screenshots land in .local/screenshots/ for a human to look at (not committed).
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboards.db import URL_ENV
from perpdex_lib.cli.dashboard import start
from tests.dashboard.browser import chromium_tab, ensure_chromium, free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ".local" / "screenshots"

# url path → text that proves the page rendered with the seeded data (not a skeleton, not an error). Table cells are
# drawn on a canvas (not in innerText), so these come from titles, metrics, badges and chart axes.
PAGES: dict[str, list[str]] = {
    "": ["Best net APR", "50.00 %", "Opportunities: fresh", "Pair history", "Mean spread"],
    "funding": ["Funding explorer", "Current rates: fresh", "History", "hyperliquid"],
    "positions": ["Positions & PnL", "Open pairs", "$13.00", "$19.50", "spread_reversed"],
    "executor": ["Executor paper-1", "ACTIVE", "paper", "heartbeat:", "Recent events"],
    "pipeline": ["Pipeline health", "Venues without data", "bad_json", "negative_price"],
}


@pytest.fixture(scope="module")
def chromium() -> str:
    binary, reason = ensure_chromium(ROOT / ".local")
    if not binary:
        pytest.skip(reason)
    return binary


@pytest.fixture
def streamlit_server(seeded: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "streamlit.log").open("w")
    proc = start(port=port, env={URL_ENV: seeded}, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start: {(tmp_path / 'streamlit.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except Exception:
            proc.kill()
        log.close()


async def test_every_page_renders_in_headless_chromium(chromium: str, streamlit_server: str) -> None:
    seen: dict[str, str] = {}
    async with chromium_tab(chromium) as tab:
        for path, expect in PAGES.items():
            text = await tab.open(f"{streamlit_server}/{path}", expect)
            shot = await tab.screenshot(SCREENSHOTS / f"{path or 'opportunities'}.png")
            assert shot.stat().st_size > 10_000  # a real rendering, not an empty frame
            seen[path] = text
    assert "Traceback" not in "".join(seen.values())
    assert "Error" not in seen["funding"]

"""The simulator's own plumbing: admin API, fault injection, isolation of the private instance."""

from __future__ import annotations

import aiohttp
import pytest

from perpdex_lib.domain.enums import Venue
from perpdex_lib.venues.errors import VenueUnavailable
from perpdex_lib.venues.http import VenueHttp


async def test_admin_health_lists_every_venue(sim_admin_url, sim_urls):
    async with aiohttp.ClientSession() as s, s.get(f"{sim_admin_url}/admin/health") as r:
        body = await r.json()
    assert body["ok"] is True
    assert set(body["venues"]) == {v.value for v in Venue}
    assert body["venues"] == {v.value: u for v, u in sim_urls.items()}


async def test_truth_funding_matches_the_model(sim_admin_url, sim_model):
    async with aiohttp.ClientSession() as s, s.get(
        f"{sim_admin_url}/admin/truth/funding", params={"venue": "edgex", "asset": "BTC"}
    ) as r:
        [row] = await r.json()
    assert row["interval_hours"] == 4
    assert row["multiplier"] == 1


async def test_5xx_then_recovery_is_retried(private_sim):
    admin = private_sim.admin_url
    async with aiohttp.ClientSession() as s:
        await s.post(f"{admin}/admin/faults/aster", json={"error_5xx_rate": 1.0})
    http = VenueHttp("aster", private_sim.urls[Venue.ASTER], timeout_s=1, max_attempts=2, backoff_initial_s=0.01)
    async with http:
        with pytest.raises(VenueUnavailable, match="HTTP 503"):
            await http.get("/anything")
    stats = private_sim.contexts[Venue.ASTER].faults.stats
    assert stats["5xx"] == 2  # both attempts hit the fault


async def test_down_venue_fails_fast_and_only_that_venue(private_sim):
    async with aiohttp.ClientSession() as s:
        await s.post(f"{private_sim.admin_url}/admin/faults/grvt", json={"down": True})
    http = VenueHttp("grvt", private_sim.urls[Venue.GRVT], timeout_s=1, max_attempts=2, backoff_initial_s=0.01)
    async with http:
        with pytest.raises(VenueUnavailable, match="connection failed"):
            await http.post("/full/v1/ticker", {"instrument": "BTC_USDT_Perp"})
    assert private_sim.contexts[Venue.ASTER].faults.config.down is False


async def test_429_with_retry_after_is_reported(private_sim):
    async with aiohttp.ClientSession() as s:
        faults = {"rate_limit_rate": 1.0, "retry_after_s": 0.01}
        await s.post(f"{private_sim.admin_url}/admin/faults/lighter", json=faults)
    http = VenueHttp("lighter", private_sim.urls[Venue.LIGHTER], timeout_s=1, max_attempts=2, backoff_initial_s=0.01)
    async with http:
        with pytest.raises(VenueUnavailable) as info:
            await http.get("/api/v1/orderBookDetails")
    assert "429" in str(info.value)
    assert type(info.value).__name__ == "VenueRateLimited"

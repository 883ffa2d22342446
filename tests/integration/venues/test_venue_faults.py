"""Every venue connector against injected transport faults, on a private simulator.

The same promises hold for all seven: transient faults (5xx, 429 + Retry-After, timeouts) are retried until
every market comes back, and each hit cost a retry; a truncated body is a VenueParseError, never rows; a venue
that is down is VenueUnavailable and takes no other venue with it. Venue-specific fault behaviour (which rows a
damaged body rejects, stale estimates) stays in each venue's own ``test_<venue>_sim.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from perpdex_lib.config import Settings
from perpdex_lib.domain import Venue
from perpdex_lib.sim.server import SimServer
from perpdex_lib.venues.base import MarketDataClient, open_market_data
from perpdex_lib.venues.batch import Batch
from perpdex_lib.venues.errors import VenueParseError, VenueUnavailable
from tests.venues_support import set_faults

pytestmark = pytest.mark.integration

# The call each venue is exercised with: one that returns every listed market (its cheapest such call).
CALL: dict[Venue, str] = {
    Venue.LIGHTER: "funding_current",
    Venue.GRVT: "instruments",
    Venue.EDGEX: "snapshots",
    Venue.BACKPACK: "funding_current",
    Venue.ASTER: "funding_current",
    Venue.PARADEX: "funding_current",
    Venue.HYPERLIQUID: "instruments",
}
TRANSIENT = {
    "5xx": {"error_5xx_rate": 0.3},
    "429": {"rate_limit_rate": 0.3, "retry_after_s": 0.01},
    "timeouts": {"timeout_rate": 0.3, "timeout_hang_s": 1.0},
}


async def _call(client: MarketDataClient, venue: Venue) -> Batch:
    return await getattr(client, CALL[venue])()


@pytest.mark.parametrize("stat", sorted(TRANSIENT))
@pytest.mark.parametrize("venue", list(Venue), ids=lambda v: v.value)
async def test_transient_faults_are_retried(private_sim: SimServer, venue: Venue, stat: str) -> None:
    """Calls repeat until the fault has hit (its RNG is seeded: within a few calls); every call still returns
    every market without rejects, and the client sent one extra request per hit."""
    settings = Settings(venue_urls=private_sim.urls, http_timeout_s=0.5, http_max_attempts=8)
    client = open_market_data(venue, settings)
    n_listed = len(private_sim.model.listed(venue))
    async with client.http:
        await _call(client, venue)  # warm any per-client cache, so every later call costs the same
        before = client.http.requests_sent
        await _call(client, venue)
        clean_cost = client.http.requests_sent - before
        stats = set_faults(private_sim, venue, **TRANSIENT[stat])
        before = client.http.requests_sent
        results = []
        while stats[stat] == 0 and len(results) < 12:
            results.append(await _call(client, venue))
        sent = client.http.requests_sent - before
    assert stats[stat] > 0
    for batch in results:
        assert batch.rejects == [] and len(batch.items) == n_listed
    assert sent >= clean_cost * len(results) + stats[stat]  # every hit cost a retry


@pytest.mark.parametrize("venue", list(Venue), ids=lambda v: v.value)
async def test_truncated_body_is_a_parse_error(
    private_sim: SimServer, private_sim_settings: Settings, venue: Venue
) -> None:
    stats = set_faults(private_sim, venue, malformed_rate=1.0, malformed_mode="body")
    client = open_market_data(venue, private_sim_settings)
    async with client.http:
        with pytest.raises(VenueParseError) as info:
            await client.instruments()
    assert info.value.venue == venue.value
    assert stats["malformed"] >= 1


@pytest.mark.parametrize("venue", list(Venue), ids=lambda v: v.value)
async def test_down_venue_is_unavailable_and_only_that_venue(private_sim: SimServer, venue: Venue) -> None:
    set_faults(private_sim, venue, down=True)
    settings = Settings(venue_urls=private_sim.urls, http_timeout_s=1.0, http_max_attempts=2)
    client = open_market_data(venue, settings)
    async with client.http:
        with pytest.raises(VenueUnavailable) as info:
            await _call(client, venue)
    assert info.value.venue == venue.value
    venues = list(Venue)
    other = venues[(venues.index(venue) + 1) % len(venues)]
    neighbour = open_market_data(other, settings)
    async with neighbour.http:
        assert len((await neighbour.instruments()).items) == len(private_sim.model.listed(other))
    async with aiohttp.ClientSession() as session:  # and every other venue's port still answers
        for v, url in private_sim.urls.items():
            if v is not venue:
                async with session.get(url + "/") as resp:
                    assert resp.status < 500, v


# Where each venue's own clock reaches our rows (venues without a venue timestamp stamp rows with our clock).
VENUE_CLOCK: dict[Venue, tuple[str, str]] = {
    Venue.ASTER: ("snapshots", "ts"),
    Venue.BACKPACK: ("snapshots", "ts"),
    Venue.GRVT: ("snapshots", "ts"),
    Venue.PARADEX: ("funding_current", "venue_ts"),
}


@pytest.mark.parametrize("venue", list(VENUE_CLOCK), ids=lambda v: v.value)
async def test_stale_clock_shows_in_venue_timestamps(
    private_sim: SimServer, private_sim_settings: Settings, venue: Venue
) -> None:
    set_faults(private_sim, venue, stale_s=3600)
    call, field = VENUE_CLOCK[venue]
    client = open_market_data(venue, private_sim_settings)
    async with client.http:
        batch = await getattr(client, call)()
    stamps = [getattr(row, field) for row in batch.items]
    assert stamps and batch.rejects == []
    now = datetime.now(UTC)
    assert timedelta(minutes=59) < now - max(stamps) and now - min(stamps) < timedelta(minutes=61)

"""Shared fixtures for the connector-vs-simulator tests: a module declares ``V = Venue.X`` and gets ``client``."""

from __future__ import annotations

import pytest

from perpdex_lib.venues.base import open_market_data


@pytest.fixture
async def client(request, sim_settings):
    """The module's venue connector against the shared simulator."""
    md = open_market_data(request.module.V, sim_settings)
    async with md.http:
        yield md


async def instrument_of(md, asset: str):
    """The instrument of ``asset`` on the connector's venue."""
    return next(i for i in (await md.instruments()).items if i.asset == asset)

"""Fuzz every EdgeX body parser with random JSON mutations of the shared samples.

Only a venue error for the envelope (VenueParseError, or VenueHttpError for a non-SUCCESS ``code``) may escape;
row problems must come back as Rejects.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from perpdex_lib.venues.edgex import parse
from tests.unit.venues.test_lighter_fuzz import check_only_venue_errors, load_sample, mutated

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples" / "edgex"
NOW = datetime(2024, 12, 19, 8, 38, tzinfo=UTC)


def _contracts() -> dict[str, parse.ContractInfo]:
    return parse.contracts_body(load_sample(SAMPLES, "meta_data"))


PARSERS: dict[str, Callable[[], list[Callable[[Any], Any]]]] = {
    "meta_data": lambda: [parse.instruments_body, parse.contracts_body],
    "latest_funding_rate": lambda: [lambda b, c=_contracts(): parse.current_funding_body(b, c, NOW)],
    "funding_rate_page": lambda: [lambda b: parse.history_body(b, "BTCUSD", "BTC", NOW)],
    "ticker": lambda: [
        lambda b, c=_contracts(): parse.snapshots_body(b, c, NOW),
        lambda b: parse.snapshots_body(b, {}, NOW),
    ],
    "depth": lambda: [
        lambda b: parse.order_book(b, "BTCUSD", NOW, 15, "ep"),
        lambda b: parse.order_book(b, "X", NOW, 1, "ep"),
    ],
}


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_mutated_bodies_only_raise_venue_errors(name: str) -> None:
    doc = load_sample(SAMPLES, name)
    parsers = PARSERS[name]()

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated(doc))
    def run(body: Any) -> None:
        for fn in parsers:
            check_only_venue_errors(fn, body)

    run()


def test_mutated_metadata_never_breaks_the_funding_join() -> None:
    """Contracts from a damaged metadata body are still a usable id -> name map (bad contracts left out)."""
    meta = load_sample(SAMPLES, "meta_data")
    latest = load_sample(SAMPLES, "latest_funding_rate")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated(meta))
    def run(body: Any) -> None:
        def join(b: Any) -> Any:
            return parse.current_funding_body(latest, parse.contracts_body(b), NOW)

        check_only_venue_errors(join, body)

    run()

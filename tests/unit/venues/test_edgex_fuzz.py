"""Fuzz every EdgeX body parser with random JSON mutations of the shared samples.

Only a venue error for the envelope (VenueParseError, or VenueHttpError for a non-SUCCESS ``code``) may escape;
row problems must come back as Rejects.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given

from perpdex_lib.venues.edgex import parse
from tests.unit.venues.fuzz_support import fuzz_settings, json_values, load_sample, mutated, only_venue_errors

NOW = datetime(2024, 12, 19, 8, 38, tzinfo=UTC)
VALUES = json_values("SUCCESS", "BTCUSD", "10000001", "1000PEPE", floats=True)


def check_only_venue_errors(fn: Callable[[Any], Any], body: Any) -> None:
    only_venue_errors(lambda: fn(body))


def _contracts() -> dict[str, parse.ContractInfo]:
    return parse.contracts_body(load_sample("edgex", "meta_data"))


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
    doc = load_sample("edgex", name)
    parsers = PARSERS[name]()

    @fuzz_settings(100)
    @given(mutated(doc, VALUES))
    def run(body: Any) -> None:
        for fn in parsers:
            check_only_venue_errors(fn, body)

    run()


def test_mutated_metadata_never_breaks_the_funding_join() -> None:
    """Contracts from a damaged metadata body are still a usable id -> name map (bad contracts left out)."""
    meta = load_sample("edgex", "meta_data")
    latest = load_sample("edgex", "latest_funding_rate")

    @fuzz_settings(60)
    @given(mutated(meta, VALUES))
    def run(body: Any) -> None:
        def join(b: Any) -> Any:
            return parse.current_funding_body(latest, parse.contracts_body(b), NOW)

        check_only_venue_errors(join, body)

    run()

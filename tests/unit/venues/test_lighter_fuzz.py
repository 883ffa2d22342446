"""Fuzz every Lighter body parser with random JSON mutations of the shared samples.

Whatever the venue sends, a body parser may only raise a venue error for the envelope (VenueParseError, or
VenueHttpError when ``code`` is not 200) or return rows as items/Rejects. Nothing else may escape.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given

from perpdex_lib.venues.lighter import parse
from tests.unit.venues.fuzz_support import fuzz_settings, json_values, load_sample, mutated, only_venue_errors

NOW = datetime(2025, 11, 19, 5, 42, tzinfo=UTC)
VALUES = json_values("0.0012", "long", "short", "perp", "spot", "active", "inactive", "lighter", "1000PEPE", "2Z",
                     floats=True)


PARSERS: dict[str, list[Callable[[Any], Any]]] = {
    "order_book_details": [parse.instruments_body, lambda b: parse.snapshots_body(b, NOW)],
    "funding_rates": [lambda b: parse.current_funding_body(b, NOW)],
    "fundings": [lambda b: parse.history_body(b, "ETH", "ETH", NOW)],
    "order_book_orders": [
        lambda b: parse.order_book(b, "ETH", NOW, depth=20, limit=250),
        lambda b: parse.order_book(b, "ETH", NOW, depth=2, limit=2),
    ],
}


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_mutated_bodies_only_raise_venue_errors(name: str) -> None:
    doc = load_sample("lighter", name)

    @fuzz_settings(100)
    @given(mutated(doc, VALUES))
    def run(body: Any) -> None:
        for fn in PARSERS[name]:
            only_venue_errors(lambda fn=fn: fn(body))

    run()

"""Fuzzing the Paradex parsers: mutated sample bodies give rows or Rejects, or one VenueParseError - nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.paradex import parse
from tests.unit.venues.fuzz_support import check_rejects, fuzz_settings, json_values, load_sample, only_venue_errors
from tests.unit.venues.fuzz_support import mutated as _mutated

OBSERVED = datetime(2025, 12, 3, 15, 12, 30, tzinfo=UTC)
FUZZ = fuzz_settings(150)
VALUES = json_values("BTC-USD-PERP", "PERP", "OPTION", "1.5")


def mutated(body: Any) -> st.SearchStrategy[Any]:
    return _mutated(body, VALUES)


def _sample(name: str) -> Any:
    return load_sample("paradex", name)


def _markets() -> list[Any]:
    return parse.instruments_from_body(_sample("markets")).items


def _check_batch(fn: Any) -> Any:
    return only_venue_errors(fn, errors=(VenueParseError,))


def test_markets_fuzz():
    body = _sample("markets")

    @FUZZ
    @given(mutated(body))
    def run(b: Any) -> None:
        _check_batch(lambda: parse.instruments_from_body(b))

    run()


def test_summary_fuzz():
    body, markets = _sample("markets_summary"), _markets()

    @FUZZ
    @given(mutated(body))
    def run(b: Any) -> None:
        _check_batch(lambda: parse.funding_from_summary(b, markets, OBSERVED))
        _check_batch(lambda: parse.snapshots_from_summary(b, markets))

    run()


def test_funding_data_fuzz():
    body, btc = _sample("funding_data"), _markets()[0]

    @FUZZ
    @given(mutated(body))
    def run(b: Any) -> None:
        try:
            page, _cursor = parse.funding_page_from_body(b, btc)
        except VenueParseError:
            return
        check_rejects(page)
        settled = parse.settled_from_observations(page.items, btc, OBSERVED)
        assert all(r.funding_time <= OBSERVED for r in settled)

    run()


def test_orderbook_fuzz():
    body, btc = _sample("orderbook"), _markets()[0]

    @FUZZ
    @given(mutated(body), st.integers(1, 300))
    def run(b: Any, depth: int) -> None:
        try:
            book = parse.book_from_body(b, btc, depth)
        except VenueParseError:
            return
        assert len(book.bids) <= depth and len(book.asks) <= depth
        assert all(isinstance(lv.size, Decimal) for lv in book.bids + book.asks)

    run()

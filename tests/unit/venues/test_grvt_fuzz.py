"""Fuzzing the GRVT parsers: mutated sample bodies give rows or Rejects, or one VenueParseError - nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from perpdex_lib.venues.grvt import parse
from tests.unit.venues.fuzz_support import fuzz_settings, json_values, load_sample, only_venue_errors
from tests.unit.venues.fuzz_support import mutated as _mutated

OBSERVED = datetime(2025, 12, 3, 15, 12, tzinfo=UTC)
FUZZ = fuzz_settings(150)
VALUES = json_values("BTC_USDT_Perp", "PERPETUAL", "1.5")


def mutated(body: Any) -> st.SearchStrategy[Any]:
    return _mutated(body, VALUES)


def _sample(name: str) -> Any:
    return load_sample("grvt", name)


def _instruments() -> dict[str, Any]:
    return {i.venue_symbol: i for i in parse.instruments_from_body(_sample("all_instruments")).items}


def _only_allowed(fn: Any) -> None:
    only_venue_errors(fn)  # an error body is an error, never data


def test_instruments_fuzz():
    body = _sample("all_instruments")

    @FUZZ
    @given(mutated(body))
    def run(b: Any) -> None:
        _only_allowed(lambda: parse.instruments_from_body(b))

    run()


def test_ticker_fuzz():
    body, btc = _sample("ticker"), _instruments()["BTC_USDT_Perp"]

    @FUZZ
    @given(mutated(body))
    def run(b: Any) -> None:
        # one instrument's ticker body: whatever is wrong with it, it is that instrument's reject
        for batch in (parse.funding_from_tickers([(btc, b)], OBSERVED), parse.snapshots_from_tickers([(btc, b)])):
            assert len(batch.items) + len(batch.rejects) == 1
            assert all(r.reason_code in {"parse_error", "unknown_unit"} for r in batch.rejects)

    run()


def test_funding_history_fuzz():
    body, btc = _sample("funding"), _instruments()["BTC_USDT_Perp"]

    @FUZZ
    @given(mutated(body))
    def run(b: Any) -> None:
        _only_allowed(lambda: parse.funding_history_from_body(b, btc, OBSERVED))

    run()


def test_book_fuzz():
    body, btc = _sample("book"), _instruments()["BTC_USDT_Perp"]

    @FUZZ
    @given(mutated(body), st.integers(1, 600))
    def run(b: Any, depth: int) -> None:
        try:
            book = parse.book_from_body(b, btc, depth)
        except (VenueParseError, VenueHttpError):
            return
        assert len(book.bids) <= depth and len(book.asks) <= depth
        assert all(isinstance(lv.price, Decimal) for lv in book.bids + book.asks)

    run()

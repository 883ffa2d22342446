"""Fuzzing the Backpack parsers: random JSON mutations of the sample bodies.

Whatever the venue sends, a parser may only return a Batch (bad rows as Rejects) or raise VenueParseError for a
broken envelope. Any other exception would crash an ingest run, so it fails here.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook
from perpdex_lib.venues.backpack import parse
from perpdex_lib.venues.batch import Batch
from perpdex_lib.venues.errors import VenueParseError
from tests.unit.venues.fuzz_support import check_rejects, fuzz_settings, json_values, mutated, samples_dir
from tests.unit.venues.fuzz_support import load_sample as _load_sample

pytestmark = pytest.mark.skipif(not samples_dir("backpack").is_dir(), reason="shared exchange_samples not present")
NOW = datetime(2026, 1, 1, tzinfo=UTC)
FUZZ = fuzz_settings(100)
VALUES = json_values("0.0001", "2025-08-20T00:00:00", "BTC_USDC_PERP", "SOL_USDC", "kPEPE", "PERP", "Open")


def mutate(data: st.DataObject, body: Any) -> Any:
    return data.draw(mutated(body, VALUES))


@functools.cache
def _cached(name: str) -> Any:
    return _load_sample("backpack", name)


def load(name: str) -> Any:
    return copy.deepcopy(_cached(name))  # parsers get a body of their own


@functools.cache
def _instruments() -> dict[str, Instrument]:
    return {i.venue_symbol: i for i in parse.parse_markets(load("markets")).items}


def _check(batch: Batch, kind: type) -> None:
    assert isinstance(batch, Batch)
    assert all(isinstance(x, kind) for x in batch.items)
    check_rejects(batch, "backpack", {"parse_error", "unknown_unit", "unknown_interval"})


@FUZZ
@given(st.data())
def test_markets(data):
    with contextlib.suppress(VenueParseError):
        _check(parse.parse_markets(mutate(data, load("markets"))), Instrument)


@FUZZ
@given(st.data())
def test_mark_prices(data):
    with contextlib.suppress(VenueParseError):
        _check(parse.parse_mark_prices(mutate(data, load("mark_prices")), _instruments(), NOW), FundingRate)


@FUZZ
@given(st.data())
def test_funding_history(data):
    btc = _instruments()["BTC_USDC_PERP"]
    with contextlib.suppress(VenueParseError):
        _check(parse.parse_funding_history(mutate(data, load("funding_rates_history")), btc, NOW), FundingRate)


@FUZZ
@given(st.data(), st.sampled_from(["mark_prices", "open_interest", "tickers"]))
def test_snapshots(data, which):
    bodies = {n: load(n) for n in ("mark_prices", "open_interest", "tickers")}
    bodies[which] = mutate(data, bodies[which])
    try:
        batch = parse.parse_snapshots(
            bodies["mark_prices"], bodies["open_interest"], bodies["tickers"], _instruments(), NOW
        )
        _check(batch, MarketSnapshot)
    except VenueParseError:
        pass


@FUZZ
@given(st.data())
def test_depth(data):
    try:
        book = parse.parse_depth(mutate(data, load("depth")), "BTC_USDC_PERP", 20)
    except VenueParseError:
        return
    assert isinstance(book, OrderBook)
    assert list(book.bids) == sorted(book.bids, key=lambda lv: lv.price, reverse=True)
    assert all(isinstance(lv.price, Decimal) for lv in book.asks)

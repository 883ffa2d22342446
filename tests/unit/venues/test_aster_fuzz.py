"""Fuzzing the Aster parsers: random JSON mutations of the sample bodies.

Whatever the venue sends, a parser may only return a Batch (bad rows as Rejects) or raise VenueParseError
(or VenueHttpError for a Binance error body) for a broken envelope. Any other exception would crash an
ingest run, so it fails here.
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
from perpdex_lib.venues.aster import parse
from perpdex_lib.venues.batch import Batch
from tests.unit.venues.fuzz_support import (
    ENVELOPE_ERRORS,
    check_rejects,
    fuzz_settings,
    json_values,
    mutated,
    samples_dir,
)
from tests.unit.venues.fuzz_support import load_sample as _load_sample

pytestmark = pytest.mark.skipif(not samples_dir("aster").is_dir(), reason="shared exchange_samples not present")
NOW = datetime(2026, 1, 1, tzinfo=UTC)
FUZZ = fuzz_settings(100)
VALUES = json_values("0.0001", "2025-08-20T00:00:00", "BTCUSDT", "1000PEPE", "PERPETUAL", "TRADING", "PRICE_FILTER")


def mutate(data: st.DataObject, body: Any) -> Any:
    return data.draw(mutated(body, VALUES))


@functools.cache
def _cached(name: str) -> Any:
    return _load_sample("aster", name)


def load(name: str) -> Any:
    return copy.deepcopy(_cached(name))  # parsers get a body of their own


@functools.cache
def _intervals() -> dict[str, Decimal]:
    return dict(parse.parse_funding_info(load("funding_info")).items)


@functools.cache
def _instruments() -> dict[str, Instrument]:
    return {i.venue_symbol: i for i in parse.parse_exchange_info(load("exchange_info"), _intervals()).items}


def _check(batch: Batch, kind: type) -> None:
    assert isinstance(batch, Batch)
    assert all(isinstance(x, kind) for x in batch.items)
    check_rejects(batch, "aster", {"parse_error", "unknown_unit", "unknown_interval"})


@FUZZ
@given(st.data())
def test_exchange_info(data):
    with contextlib.suppress(*ENVELOPE_ERRORS):
        _check(parse.parse_exchange_info(mutate(data, load("exchange_info")), _intervals()), Instrument)


@FUZZ
@given(st.data())
def test_funding_info(data):
    with contextlib.suppress(*ENVELOPE_ERRORS):
        batch = parse.parse_funding_info(mutate(data, load("funding_info")))
        _check(batch, tuple)
        assert all(hours > 0 for _, hours in batch.items)


@FUZZ
@given(st.data(), st.sampled_from(["premium_index_all", "premium_index"]))
def test_premium_index(data, name):
    with contextlib.suppress(*ENVELOPE_ERRORS):
        _check(parse.parse_premium_index(mutate(data, load(name)), _instruments(), NOW), FundingRate)


@FUZZ
@given(st.data())
def test_funding_history(data):
    btc = _instruments()["BTCUSDT"]
    with contextlib.suppress(*ENVELOPE_ERRORS):
        _check(parse.parse_funding_history(mutate(data, load("funding_rate_history")), btc, NOW), FundingRate)


@FUZZ
@given(st.data(), st.sampled_from(["premium_index_all", "ticker_24hr_all", "open_interest"]))
def test_snapshots(data, which):
    bodies = {n: load(n) for n in ("premium_index_all", "ticker_24hr_all", "open_interest")}
    bodies[which] = mutate(data, bodies[which])
    with contextlib.suppress(*ENVELOPE_ERRORS):
        oi = {"BTCUSDT": parse.parse_open_interest(bodies["open_interest"], "BTCUSDT")}
        batch = parse.parse_snapshots(
            bodies["premium_index_all"], bodies["ticker_24hr_all"], oi, _instruments(), NOW
        )
        _check(batch, MarketSnapshot)


@FUZZ
@given(st.data())
def test_depth(data):
    try:
        book = parse.parse_depth(mutate(data, load("depth")), "BTCUSDT", 20)
    except ENVELOPE_ERRORS:
        return
    assert isinstance(book, OrderBook)
    assert list(book.asks) == sorted(book.asks, key=lambda lv: lv.price)

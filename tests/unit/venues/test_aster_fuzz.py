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
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook
from perpdex_lib.venues.aster import parse
from perpdex_lib.venues.batch import Batch
from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from perpdex_lib.venues.wire import decode_json

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples" / "aster"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared exchange_samples not present")
NOW = datetime(2026, 1, 1, tzinfo=UTC)
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TRICKY_STRINGS = ["", "NaN", "Infinity", "-Infinity", "1e400", "-1", "0", "0.0001", "abc", "2025-08-20T00:00:00",
                  "BTCUSDT", "1000PEPE", "PERPETUAL", "TRADING", "PRICE_FILTER", "1E-50"]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.sampled_from(TRICKY_STRINGS)
    | st.text(max_size=8)
)
json_values = st.recursive(
    scalars, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=3),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def mutate(data: st.DataObject, body: Any) -> Any:
    """Apply 1-3 random edits: replace a value, delete a key or list item, or duplicate a list item."""
    body = copy.deepcopy(body)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(body)))
        if not path:
            body = data.draw(json_values)
            continue
        parent = body
        for key in path[:-1]:
            parent = parent[key]
        op = data.draw(st.sampled_from(["replace", "replace", "delete", "dup"]))
        key = path[-1]
        if op == "replace":
            parent[key] = data.draw(json_values)
        elif op == "delete":
            del parent[key]
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return body


@functools.cache
def _text(name: str) -> str:
    return (SAMPLES / f"{name}.json").read_text()


def load(name: str) -> Any:
    return decode_json(_text(name))


@functools.cache
def _intervals() -> dict[str, Decimal]:
    return dict(parse.parse_funding_info(load("funding_info")).items)


@functools.cache
def _instruments() -> dict[str, Instrument]:
    return {i.venue_symbol: i for i in parse.parse_exchange_info(load("exchange_info"), _intervals()).items}


ENVELOPE_ERRORS = (VenueParseError, VenueHttpError)


def _check(batch: Batch, kind: type) -> None:
    assert isinstance(batch, Batch)
    assert all(isinstance(x, kind) for x in batch.items)
    for r in batch.rejects:
        assert r.venue == "aster" and r.reason_code in {"parse_error", "unknown_unit", "unknown_interval"}


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

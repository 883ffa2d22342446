"""Fuzzing the GRVT parsers: mutated sample bodies give rows or Rejects, or one VenueParseError - nothing else."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from perpdex_lib.venues.grvt import parse
from perpdex_lib.venues.wire import decode_json

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples" / "grvt"
OBSERVED = datetime(2025, 12, 3, 15, 12, tzinfo=UTC)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values that break parsers in practice: wrong JSON type, huge/odd numbers, number-like strings.
_ODD = st.sampled_from(
    ["", "NaN", "Infinity", "-inf", "1e999999", "-0", "0x10", "9" * 40, "BTC_USDT_Perp", "PERPETUAL", "1.5"]
)
_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=6), st.text(max_size=8), _ODD,
)
JSON = st.recursive(
    _LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _slots(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((node, k))
            _slots(v, out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((node, i))
            _slots(v, out)
    return out


@st.composite
def mutated(draw: st.DrawFn, body: Any) -> Any:
    """Up to three random edits anywhere in the body: replace a value, delete a key/item, or replace it all."""
    body = copy.deepcopy(body)
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(body, [])
        if not slots or draw(st.integers(0, 20)) == 0:
            return draw(JSON)
        container, key = draw(st.sampled_from(slots))
        if draw(st.booleans()):
            container[key] = draw(JSON)
        else:
            del container[key]
    return body


def _sample(name: str) -> Any:
    path = SAMPLES / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"exchange sample {path} not available")
    return decode_json(path.read_text())


def _instruments() -> dict[str, Any]:
    return {i.venue_symbol: i for i in parse.instruments_from_body(_sample("all_instruments")).items}


def _only_allowed(fn: Any) -> None:
    try:
        result = fn()
    except (VenueParseError, VenueHttpError):  # an error body is an error, never data
        return
    items = result[0] if isinstance(result, tuple) else result
    if hasattr(items, "rejects"):
        for reject in items.rejects:
            assert reject.reason_code in {"parse_error", "unknown_unit"}


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

"""Fuzzing the Paradex parsers: mutated sample bodies give rows or Rejects, or one VenueParseError - nothing else."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.paradex import parse
from perpdex_lib.venues.wire import decode_json

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples" / "paradex"
OBSERVED = datetime(2025, 12, 3, 15, 12, 30, tzinfo=UTC)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_ODD = st.sampled_from(
    ["", "NaN", "Infinity", "-inf", "1e999999", "-0", "0x10", "9" * 40, "BTC-USD-PERP", "PERP", "OPTION", "1.5"]
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


def _markets() -> list[Any]:
    return parse.instruments_from_body(_sample("markets")).items


def _check_batch(fn: Any) -> Any:
    try:
        batch = fn()
    except VenueParseError:
        return None
    for reject in batch.rejects:
        assert reject.reason_code in {"parse_error", "unknown_unit"}
    return batch


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
        for reject in page.rejects:
            assert reject.reason_code in {"parse_error", "unknown_unit"}
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

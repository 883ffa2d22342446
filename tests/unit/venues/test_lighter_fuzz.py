"""Fuzz every Lighter body parser with random JSON mutations of the shared samples.

Whatever the venue sends, a body parser may only raise a venue error for the envelope (VenueParseError, or
VenueHttpError when ``code`` is not 200) or return rows as items/Rejects. Nothing else may escape.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perpdex_lib.venues.batch import Batch
from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from perpdex_lib.venues.lighter import parse
from perpdex_lib.venues.wire import decode_json

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples" / "lighter"
NOW = datetime(2025, 11, 19, 5, 42, tzinfo=UTC)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "abc", "1e999999", "NaN", "-0", "0.0012", "Infinity", "long", "short", "perp", "spot",
                     "active", "inactive", "lighter", "1000PEPE", "2Z"]),
    st.text(max_size=8),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6,
)


def _paths(doc: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.extend(_paths(v, (*path, k)))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.extend(_paths(v, (*path, i)))
    return out


@st.composite
def mutated(draw: st.DrawFn, doc: Any) -> Any:
    """1-3 edits anywhere in the tree: replace a node with random JSON, delete a key/item, or duplicate an item."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(_paths(doc)))
        if not path:
            doc = draw(json_values)
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "replace", "delete", "duplicate"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = draw(json_values)
    return doc


def load_sample(folder: Path, name: str) -> Any:
    path = folder / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"{path} not available")
    return decode_json(path.read_text())


def check_only_venue_errors(fn: Callable[[Any], Any], body: Any) -> None:
    try:
        out = fn(body)
    except (VenueParseError, VenueHttpError):
        return
    batches = out if isinstance(out, tuple) else (out,)
    for batch in batches:
        if isinstance(batch, Batch):
            assert all(r.reason_code in {"parse_error", "unknown_unit"} for r in batch.rejects)


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
    doc = load_sample(SAMPLES, name)

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated(doc))
    def run(body: Any) -> None:
        for fn in PARSERS[name]:
            check_only_venue_errors(fn, body)

    run()

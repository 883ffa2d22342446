"""What every venue's parser fuzz test shares: the recorded samples, random JSON mutations of them, and the
check that only a venue error (for the envelope) or Rejects (for rows) come out of a parser.

Whatever a venue sends, a parser may only return rows and Rejects, or raise VenueParseError (VenueHttpError
for an error body). Any other exception would crash an ingest run, so the fuzz tests fail on it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from perpdex_lib.venues.batch import Batch
from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from tests.venues_support import SAMPLES, load_sample  # noqa: F401  (re-exported for the fuzz tests)

ENVELOPE_ERRORS = (VenueParseError, VenueHttpError)
ROW_REASONS = frozenset({"parse_error", "unknown_unit"})
_COMMON_ODD = ("", "NaN", "Infinity", "-Infinity", "-inf", "1e999999", "1e400", "-0", "-1", "0", "0x10", "9" * 40,
               "abc", "1E-50")


def fuzz_settings(max_examples: int = 100) -> settings:
    return settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def samples_dir(venue: str) -> Path:
    return SAMPLES / venue


def json_values(*venue_strings: str, floats: bool = False) -> st.SearchStrategy[Any]:
    """Random JSON: wrong types, huge and odd numbers, number-like strings, and the venue's own words
    (``venue_strings``: symbols, enum values) so mutations also reach the branches behind them."""
    leaves = [
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**100), max_value=2**100),
        st.decimals(allow_nan=False, allow_infinity=False),
        st.sampled_from([*_COMMON_ODD, *venue_strings]),
        st.text(max_size=8),
    ]
    if floats:
        leaves.append(st.floats(allow_nan=True, allow_infinity=True))
    return st.recursive(
        st.one_of(leaves),
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
def mutated(draw: st.DrawFn, doc: Any, values: st.SearchStrategy[Any]) -> Any:
    """1-3 edits anywhere in the tree: replace a node (the root too) with random JSON, delete a key or item,
    or duplicate a list item."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(_paths(doc)))
        if not path:
            doc = draw(values)
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
            parent[path[-1]] = draw(values)
    return doc


def check_rejects(batch: Batch, venue: str | None = None, reasons: Iterable[str] = ROW_REASONS) -> None:
    allowed = set(reasons)
    for r in batch.rejects:
        assert r.reason_code in allowed, r
        assert venue is None or r.venue == venue


def only_venue_errors(
    fn: Callable[[], Any],
    *,
    errors: tuple[type[BaseException], ...] = ENVELOPE_ERRORS,
    reasons: Iterable[str] = ROW_REASONS,
    venue: str | None = None,
) -> Any:
    """Run a parser: an envelope error is fine (returns None); any Batch it returns (alone or in a tuple)
    may hold only row Rejects of ``reasons``. Every other exception propagates and fails the test."""
    try:
        out = fn()
    except errors:
        return None
    for part in out if isinstance(out, tuple) else (out,):
        if isinstance(part, Batch):
            check_rejects(part, venue, reasons)
    return out

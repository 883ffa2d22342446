"""Fuzz every Hyperliquid parser with random mutations of the sample bodies.

Whatever the venue sends, a parser may only raise VenueParseError (envelope) or return Rejects (rows).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perpdex_lib.venues.batch import Batch
from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.hyperliquid import parse
from perpdex_lib.venues.hyperliquid.stream import event_from_frame
from perpdex_lib.venues.wire import decode_json

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "exchange_samples" / "hyperliquid"
NOW = datetime(2025, 12, 3, 15, 12, tzinfo=UTC)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "abc", "1e999999", "NaN", "-0", "0.0000125", "Infinity", "92697.0", "kPEPE", "HlPerp"]),
    st.text(max_size=8),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)


def _nodes(doc: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.extend(_nodes(v, (*path, k)))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.extend(_nodes(v, (*path, i)))
    return out


@st.composite
def mutated(draw: st.DrawFn, doc: Any) -> Any:
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _nodes(doc)
        path = draw(st.sampled_from(paths))
        if not path:
            return draw(json_values)
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = draw(json_values)
    return doc


def _load(name: str) -> Any:
    path = SAMPLES / f"{name}.json"
    if not path.is_file():
        pytest.skip("exchange samples absent")
    return decode_json(path.read_text())


def _only_parse_errors(fn: Any, body: Any) -> None:
    try:
        out = fn(body)
    except VenueParseError:
        return
    if isinstance(out, Batch):
        assert len(out.items) + len(out.rejects) >= 0
        for r in out.rejects:
            assert r.reason_code in {"parse_error", "unknown_unit", "unknown_symbol"}


PARSERS = {
    "meta_and_asset_ctxs": [
        parse.instruments_from_meta_and_ctxs,
        lambda b: parse.snapshots_from_meta_and_ctxs(b, NOW),
    ],
    "predicted_fundings": [lambda b: parse.predicted_fundings(b, NOW)],
    "funding_history": [lambda b: parse.funding_history(b, NOW)],
    "l2_book": [parse.order_book_from, lambda b: parse.order_book_from(b, 1)],
    "meta": [lambda b: [parse.instrument_from(i, r, None, "info/meta") for i, r in _meta_rows(b)]],
    "ws_active_asset_ctx": [
        lambda b: parse.predicted_from_ctx("BTC", _get(b, "data", "ctx"), NOW, "ws"),
        lambda b: event_from_frame(b, NOW),
    ],
    "ws_l2_book": [lambda b: event_from_frame(b, NOW)],
}
SINGLE_ROW = {"meta", "ws_active_asset_ctx", "ws_l2_book"}  # called outside map_rows: row errors may escape


def _meta_rows(body: Any) -> list:
    rows = parse.meta_universe(body)
    out = []
    for i, r in rows:
        try:
            parse.instrument_from(i, r, None, "info/meta")
        except VenueParseError:
            continue
        except (ValueError, ArithmeticError):  # what map_rows turns into rejects
            continue
        out.append((i, r))
    return out


def _get(body: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(body, dict) or k not in body:
            raise VenueParseError("hyperliquid", "ws", ".".join(keys), "missing")
        body = body[k]
    return body


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_mutated_bodies_only_raise_parse_errors(name: str) -> None:
    doc = _load(name)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated(doc))
    def run(body: Any) -> None:
        for fn in PARSERS[name]:
            try:
                _only_parse_errors(fn, body)
            except (ValueError, ArithmeticError) as exc:
                # single-row helpers (meta, ws ctx) are called outside map_rows; these are row-level errors
                if name in SINGLE_ROW:
                    continue
                raise AssertionError(f"{type(exc).__name__} escaped {name}") from exc

    run()


def test_price_tick_never_crashes_on_extreme_prices() -> None:
    for px in ("1e-30", "1e30", "0.000000001", "123456789"):
        assert parse.price_tick(Decimal(px), 0) > 0

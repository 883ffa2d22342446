"""Fuzz every Hyperliquid parser with random mutations of the sample bodies.

Whatever the venue sends, a parser may only raise VenueParseError (envelope) or return Rejects (rows).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given

from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.hyperliquid import parse
from perpdex_lib.venues.hyperliquid.stream import event_from_frame
from tests.unit.venues.fuzz_support import fuzz_settings, json_values, load_sample, mutated, only_venue_errors

NOW = datetime(2025, 12, 3, 15, 12, tzinfo=UTC)
VALUES = json_values("0.0000125", "92697.0", "kPEPE", "HlPerp")


def _only_parse_errors(fn: Any, body: Any) -> None:
    reasons = {"parse_error", "unknown_unit", "unknown_symbol"}
    only_venue_errors(lambda: fn(body), errors=(VenueParseError,), reasons=reasons)


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
    doc = load_sample("hyperliquid", name)

    @fuzz_settings(150)
    @given(mutated(doc, VALUES))
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

"""Helpers the venue simulator, connector and SDK tests share: the recorded samples, fault injection into a
private simulator, and the recursive JSON-shape comparison that keeps the simulator true to the wire."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perpdex_lib.config import Settings
from perpdex_lib.domain import OrderBook, Venue
from perpdex_lib.sim.server import SimServer
from perpdex_lib.venues.base import MarketDataClient, open_market_data
from perpdex_lib.venues.wire import decode_json

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
SAMPLES = SHARED / "exchange_samples"
REAL_DATA = SHARED / "real_data"


def load_json(path: Path) -> Any:
    """A recorded body decoded as the clients decode it (fractions as Decimal); skips the test when absent
    (the shared data lives outside the repository)."""
    if not path.is_file():
        pytest.skip(f"{path} not available")
    return decode_json(path.read_text())


def load_sample(venue: str, name: str) -> Any:
    """``exchange_samples/<venue>/<name>.json``."""
    return load_json(SAMPLES / venue / f"{name}.json")


def set_faults(sim: SimServer, venue: Venue, **values: object) -> dict[str, int]:
    """Inject faults into one venue of a private simulator (same process); returns its live fault counters."""
    faults = sim.contexts[venue].faults
    faults.config.update(values)
    return faults.stats


@asynccontextmanager
async def replay_client(venue: Venue) -> AsyncIterator[MarketDataClient]:
    """The venue's connector against a simulator in replay mode (``perpdex sim --replay exchange_samples``):
    every request is answered with its recorded sample. Skips the test when the samples are absent."""
    if not (SAMPLES / venue.value).is_dir():
        pytest.skip("exchange samples not available")
    with SimServer.in_thread(base_port=0, venues=[venue], replay_dir=SAMPLES) as server:
        client = open_market_data(venue, Settings(venue_urls=server.urls, http_timeout_s=2.0, http_max_attempts=1))
        async with client.http:
            yield client


def assert_book_sorted(book: OrderBook) -> None:
    """Best first on both sides and not crossed."""
    assert [lv.price for lv in book.bids] == sorted((lv.price for lv in book.bids), reverse=True)
    assert [lv.price for lv in book.asks] == sorted(lv.price for lv in book.asks)
    if book.bids and book.asks:
        assert book.best_bid < book.best_ask


# ---- wire shapes ---------------------------------------------------------------------------------------------
def json_kind(value: Any, *, exact_numbers: bool = False) -> str:
    """The JSON type of a decoded value; ``exact_numbers`` tells integers from decimals (``1`` vs ``1.0``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if exact_numbers else "number"
    if isinstance(value, float | Decimal):
        return "float" if exact_numbers else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def shape_diff(
    sample: Any,
    body: Any,
    path: str = "$",
    *,
    null_accepts_any: bool = False,
    exact_numbers: bool = False,
    nullable_keys: frozenset[str] = frozenset(),
    key: str = "",
) -> list[str]:
    """Every place where ``body`` differs from the recorded ``sample`` in keys or JSON types ([] = same shape).

    Each item of a body list must match one of the sample list's items (venues mix row kinds in one list).
    ``null_accepts_any``: a null in the sample says nothing about the type; ``nullable_keys``: fields that are
    either null or a string (cursors).
    """
    opts: dict[str, Any] = {
        "null_accepts_any": null_accepts_any, "exact_numbers": exact_numbers, "nullable_keys": nullable_keys,
    }
    if sample is None and null_accepts_any:
        return []
    want, got = json_kind(sample, exact_numbers=exact_numbers), json_kind(body, exact_numbers=exact_numbers)
    if want != got:
        if key in nullable_keys and {want, got} <= {"null", "string"}:
            return []
        return [f"{path}: sample has {want}, body has {got}"]
    if want == "object":
        out = []
        if set(sample) != set(body):
            missing, extra = sorted(set(sample) - set(body)), sorted(set(body) - set(sample))
            out.append(f"{path}: keys missing {missing}, extra {extra}")
        for k in sorted(set(sample) & set(body)):
            out += shape_diff(sample[k], body[k], f"{path}.{k}", key=k, **opts)
        return out
    if want == "array" and sample:
        out = []
        for i, item in enumerate(body):
            candidates = [shape_diff(s, item, f"{path}[{i}]", key=key, **opts) for s in sample]
            if all(candidates):
                out += min(candidates, key=len)
        return out
    return []

"""Book-level wire types shared by venues that send levels as ``["price", "size"]`` string pairs.

Next to ``wire.py`` (the shared contract) rather than in it: only the Binance-style venues use this shape.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator

from perpdex_lib.venues.wire import _dec_from_str as dec_from_str  # the DecStr rule: a finite decimal string


def _level(value: Any) -> tuple[Decimal, Decimal]:
    """A book level ``["price", "size"]``: exactly two non-negative, finite decimal strings."""
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError("expected a [price, size] pair")
    price, size = (dec_from_str(item) for item in value)
    if price < 0 or size < 0:
        raise ValueError(f"negative level: {value!r}")
    return price, size


StrLevel = Annotated[tuple[Decimal, Decimal], BeforeValidator(_level)]

"""Book-level wire types shared by venues that send levels as ``["price", "size"]`` string pairs.

Next to ``wire.py`` (the shared contract) rather than in it: only the Binance-style venues use this shape.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator


def _level(value: Any) -> tuple[Decimal, Decimal]:
    """A book level ``["price", "size"]``: exactly two non-negative, finite decimal strings."""
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError("expected a [price, size] pair")
    out = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"expected a decimal string, got {type(item).__name__}")
        try:
            dec = Decimal(item)
        except ArithmeticError as exc:
            raise ValueError(f"not a decimal: {item!r}") from exc
        if not dec.is_finite() or dec < 0:
            raise ValueError(f"not a non-negative finite decimal: {item!r}")
        out.append(dec)
    return out[0], out[1]


StrLevel = Annotated[tuple[Decimal, Decimal], BeforeValidator(_level)]

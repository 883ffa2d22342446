"""Canonical asset mapping, kept in one table so it is never lossy.

A venue symbol is first reduced to the venue's *base* (each venue's ``parse`` strips its own quote and
suffix: ``BTC-USD-PERP`` -> ``BTC``, ``BTC_USDT_Perp`` -> ``BTC``, ``BTCUSDT`` -> ``BTC``). The base then maps
to ``(asset, multiplier)``: how many units of the canonical asset one venue unit is. ``kPEPE`` and
``1000PEPE`` are PEPE x 1000; ``2Z`` and ``1INCH`` are real names and stay as they are.
"""

from __future__ import annotations

import re
from decimal import Decimal

# Bases whose leading digits are part of the name, never a multiplier.
LITERAL_BASES: frozenset[str] = frozenset({"1INCH", "2Z", "0G", "1000X", "A8", "ZK"})

# Explicit aliases: venue base -> (asset, multiplier). Checked before the prefix rules.
ALIASES: dict[str, tuple[str, Decimal]] = {
    "XBT": ("BTC", Decimal(1)),
    "WBTC": ("BTC", Decimal(1)),
    "MBABYDOGE": ("BABYDOGE", Decimal(1_000_000)),
    "1MBABYDOGE": ("BABYDOGE", Decimal(1_000_000)),
}

# Numeric prefixes some venues put in front of sub-cent assets (1000PEPE, 1000000MOG).
_NUMERIC_PREFIX = re.compile(r"^(1000000|100000|10000|1000|100)([A-Z][A-Z0-9]*)$")
# Hyperliquid's lower-case "k" prefix: kPEPE = 1000 PEPE.
_K_PREFIX = re.compile(r"^k([A-Z][A-Z0-9]*)$")


class UnknownSymbolError(ValueError):
    """A venue symbol that does not reduce to a base asset."""


def canonical_asset(base: str) -> tuple[str, Decimal]:
    """Map a venue's base name to ``(canonical asset, multiplier)``."""
    if not base or not base.strip():
        raise UnknownSymbolError("empty base asset")
    base = base.strip()
    if base in ALIASES:
        return ALIASES[base]
    if base.upper() in LITERAL_BASES:
        return base.upper(), Decimal(1)
    if m := _K_PREFIX.match(base):
        return m.group(1), Decimal(1000)
    if m := _NUMERIC_PREFIX.match(base.upper()):
        return m.group(2), Decimal(m.group(1))
    return base.upper(), Decimal(1)


def split_suffix(symbol: str, suffixes: tuple[str, ...]) -> str:
    """Strip the first matching quote/contract suffix (``BTCUSDT`` -> ``BTC``); error when none matches."""
    for suffix in suffixes:
        if symbol.endswith(suffix) and len(symbol) > len(suffix):
            return symbol[: -len(suffix)]
    raise UnknownSymbolError(f"symbol {symbol!r} has none of the suffixes {suffixes}")

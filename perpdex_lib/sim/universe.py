"""The simulated asset universe: real majors first, then synthetic names for scale tests."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class SimAsset:
    name: str  # canonical asset
    base_price: Decimal  # USD per canonical unit around which the price walks
    rank: int  # 0 = largest; drives open interest, volume and depth
    small: bool = False  # sub-cent asset that some venues quote per 1000 units (kPEPE, 1000PEPE)


_MAJORS: list[tuple[str, str, bool]] = [
    ("BTC", "95000", False),
    ("ETH", "3500", False),
    ("SOL", "180", False),
    ("XRP", "2.3", False),
    ("DOGE", "0.32", False),
    ("HYPE", "28", False),
    ("SUI", "3.9", False),
    ("AVAX", "36", False),
    ("LINK", "21", False),
    ("ARB", "0.75", False),
    ("PEPE", "0.000012", True),
    ("BONK", "0.000021", True),
    ("WIF", "2.1", False),
    ("2Z", "0.41", False),
    ("ENA", "0.8", False),
    ("TIA", "5.5", False),
    ("OP", "1.9", False),
    ("APT", "9.1", False),
    ("NEAR", "5.2", False),
    ("LTC", "105", False),
]


def build_universe(n_assets: int) -> list[SimAsset]:
    """``n_assets`` assets: the majors, then synthetic ``S001``, ``S002``... priced 0.5–500 USD."""
    out = [SimAsset(n, Decimal(p), i, small) for i, (n, p, small) in enumerate(_MAJORS[:n_assets])]
    for i in range(len(out), n_assets):
        price = Decimal(5) * Decimal(10) ** ((i % 5) - 1)  # 0.5, 5, 50, 500, 5000
        out.append(SimAsset(f"S{i:03d}", price, i))
    return out

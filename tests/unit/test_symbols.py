from decimal import Decimal as D

import pytest

from perpdex_lib.symbols import UnknownSymbolError, canonical_asset, split_suffix


@pytest.mark.parametrize(
    ("base", "asset", "mult"),
    [
        ("BTC", "BTC", 1),
        ("kPEPE", "PEPE", 1000),
        ("1000PEPE", "PEPE", 1000),
        ("kBONK", "BONK", 1000),
        ("1000000MOG", "MOG", 1_000_000),
        ("2Z", "2Z", 1),
        ("1INCH", "1INCH", 1),
        ("XBT", "BTC", 1),
    ],
)
def test_canonical_asset_is_never_lossy(base, asset, mult):
    assert canonical_asset(base) == (asset, D(mult))


def test_split_suffix():
    assert split_suffix("BTCUSDT", ("USDT", "USDC")) == "BTC"
    with pytest.raises(UnknownSymbolError):
        split_suffix("BTCEUR", ("USDT", "USDC"))

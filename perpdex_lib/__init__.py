"""perpdex: funding-rate arbitrage across perpetual-futures DEXs."""

__version__ = "0.1.0"

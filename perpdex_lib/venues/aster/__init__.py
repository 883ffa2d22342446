"""Aster connector (public market data, Binance-compatible /fapi); see constants.py for endpoints and quirks."""

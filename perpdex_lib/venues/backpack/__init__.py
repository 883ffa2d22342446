"""Backpack Exchange connector (public market data); see constants.py for the venue's endpoints and quirks."""

"""Hyperliquid: public market data over POST /info (and the /ws WebSocket)."""

"""Venue connectors: one package per venue with the same files (constants, schemas, parse, market_data, trading)."""

"""Paradex connector: public market data over REST (``/v1/*``), see ``constants`` for the wire facts."""

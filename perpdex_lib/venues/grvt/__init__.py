"""GRVT connector: public market data over POST/JSON (``/full/v1/*``), see ``constants`` for the wire facts."""

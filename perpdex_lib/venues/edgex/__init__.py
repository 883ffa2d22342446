"""EdgeX public market data: constants, wire schemas, parsers and the REST client."""

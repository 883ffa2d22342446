"""Per-venue simulator routes: each module exposes ``routes(ctx)`` and ``replay_name(...)``."""

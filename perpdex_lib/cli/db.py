"""`perpdex db ...`: local PostgreSQL and migrations (filled in by the foundation work)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)

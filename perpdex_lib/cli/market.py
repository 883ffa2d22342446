"""`perpdex market ...`: look at normalised public market data (filled in by the venues work)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)

"""`python -m executor run ...`: the daemon without loading the rest of the CLI (fast restarts)."""

import logging
import os

import typer

from perpdex_lib.cli.executor import app

if __name__ == "__main__":
    logging.basicConfig(
        level=os.environ.get("PERPDEX_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    typer.main.get_command(app)(prog_name="python -m executor")

"""Entry point of the `perpdex` console script."""

from __future__ import annotations

import logging

import typer

from perpdex_lib.cli import dashboard, db, executor, market, opportunities, sim, up

app = typer.Typer(help="perpdex: funding-rate arbitrage across perpetual DEXs.", no_args_is_help=True)
app.add_typer(db.app, name="db", help="Local PostgreSQL and the warehouse schema.")
app.add_typer(sim.app, name="sim", help="The venue simulator.")
app.add_typer(market.app, name="market", help="Public market data from the venues.")
app.add_typer(executor.app, name="executor", help="The trading executor daemon and its kill switch.")
app.add_typer(dashboard.app, name="dashboard", help="The read-only Streamlit dashboard.")
app.add_typer(up.app, name="up", help="The whole local stack: PostgreSQL, simulator, Airflow, executor, dashboard.")
app.add_typer(opportunities.app, name="opportunities", help="Ranked cross-venue funding opportunities.")


@app.callback()
def _main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging.")) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


if __name__ == "__main__":
    app()

"""`perpdex market ...`: normalised public market data from the venues (or a running simulator).

Venue URLs come from Settings (``PERPDEX_VENUE_URLS``); ``--sim URL`` reads them from a running simulator's
admin API instead. A failing venue prints one line naming it and the reason, the others still print, and
the exit code is 1 when any venue failed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from perpdex_lib.config import Settings, get_settings
from perpdex_lib.domain import FundingRate, Instrument, MarketSnapshot, OrderBook, Venue
from perpdex_lib.venues.base import MarketDataClient, open_market_data
from perpdex_lib.venues.sweep import VenueSweep, sweep

app = typer.Typer(no_args_is_help=True)
console = Console()
if not console.is_terminal:  # piped or captured: do not squeeze the tables into 80 columns
    console = Console(width=220)
err_console = Console(stderr=True)
T = TypeVar("T")

HOURS_PER_YEAR = Decimal(8760)

VenueOpt = typer.Option("all", "--venue", "-V", help="A venue name or 'all'.")
AssetOpt = typer.Option(None, "--asset", "-a", help="Only this canonical asset (BTC, PEPE...).")
JsonOpt = typer.Option(False, "--json", help="Print JSON instead of a table.")
SimOpt = typer.Option(None, "--sim", help="Admin URL of a running simulator (reads its venue URLs).")


# ---- plumbing -----------------------------------------------------------------------------------------


def sim_venue_urls(admin_url: str) -> dict[Venue, str]:
    """The venue URLs a running simulator announces at ``/admin/health``."""
    import urllib.request

    with urllib.request.urlopen(admin_url.rstrip("/") + "/admin/health", timeout=5) as resp:
        body = json.loads(resp.read())
    return {Venue(v): u for v, u in body["venues"].items()}


def _settings(sim: str | None) -> Settings:
    settings = get_settings()
    if sim:
        try:
            urls = sim_venue_urls(sim)
        except OSError as exc:
            err_console.print(f"[red]cannot reach simulator at {sim}: {exc}[/]")
            raise typer.Exit(2) from None
        settings = settings.model_copy(update={"venue_urls": urls})
    return settings


def _venues(venue: str) -> list[Venue]:
    if venue.lower() == "all":
        return list(Venue)
    try:
        return [Venue(venue.lower())]
    except ValueError:
        err_console.print(f"[red]unknown venue {venue!r}; one of: all, {', '.join(v.value for v in Venue)}[/]")
        raise typer.Exit(2) from None


async def _per_venue(
    venues: list[Venue], settings: Settings, fetch: Callable[[MarketDataClient], Awaitable[T]]
) -> dict[Venue, T | str]:
    """Run ``fetch`` on every venue concurrently; a failure becomes its one-line reason (a str)."""

    async def one(venue: Venue) -> T | str:
        try:
            client = open_market_data(venue, settings)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        try:
            return await fetch(client)
        except Exception as exc:  # one venue's trouble never hides the others
            return f"{type(exc).__name__}: {exc}"
        finally:
            await client.http.close()

    results = await asyncio.gather(*(one(v) for v in venues))
    return dict(zip(venues, results, strict=True))


def _report_failures(failures: dict[Venue, str], as_json: bool) -> None:
    for venue, reason in failures.items():
        err_console.print(f"[red]{venue.value}: FAILED[/] {reason}", soft_wrap=True)
    if failures:
        raise typer.Exit(1)


def _s(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _age_s(row: FundingRate, now: datetime) -> float:
    return round((now - (row.venue_ts or row.observed_at)).total_seconds(), 1)


def _print_json(rows: list[dict[str, Any]]) -> None:
    typer.echo(json.dumps(rows, indent=1))


# ---- commands -----------------------------------------------------------------------------------------


def funding_row(f: FundingRate, now: datetime) -> dict[str, Any]:
    return {
        "venue": f.venue.value,
        "symbol": f.venue_symbol,
        "asset": f.asset,
        "kind": f.kind.value,
        "raw_rate": _s(f.raw_rate),
        "raw_unit": f.raw_unit.value,
        "interval_hours": _s(f.interval_hours),
        "rate_per_hour": _s(f.rate_per_hour),
        "apr_pct": _s((f.rate_per_hour * HOURS_PER_YEAR * 100).quantize(Decimal("0.0001"))),
        "funding_time": _ts(f.funding_time),
        "age_s": _age_s(f, now),
    }


@app.command()
def funding(venue: str = VenueOpt, asset: str = AssetOpt, as_json: bool = JsonOpt, sim: str = SimOpt) -> None:
    """Live (predicted) funding per venue: raw rate + unit + interval, rate per hour, APR %, next funding."""
    results = asyncio.run(_per_venue(_venues(venue), _settings(sim), lambda c: c.funding_current()))
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    failures: dict[Venue, str] = {}
    for v, res in results.items():
        if isinstance(res, str):
            failures[v] = res
            continue
        for f in sorted(res.items, key=lambda f: f.asset):
            if asset is None or f.asset == asset.upper():
                rows.append(funding_row(f, now))
        if res.rejects:
            err_console.print(f"[yellow]{v.value}: {len(res.rejects)} rows rejected[/]")
    if as_json:
        _print_json(rows)
    else:
        table = Table("venue", "symbol", "asset", "raw rate", "unit", "interval h", "rate/h", "APR %",
                      "next funding (UTC)", "age s", title="Funding (predicted)")
        for r in rows:
            table.add_row(r["venue"], r["symbol"], r["asset"], r["raw_rate"], r["raw_unit"], r["interval_hours"],
                          r["rate_per_hour"], r["apr_pct"], (r["funding_time"] or "")[:16], str(r["age_s"]))
        console.print(table)
    _report_failures(failures, as_json)


def instrument_row(i: Instrument) -> dict[str, Any]:
    return {
        "venue": i.venue.value, "symbol": i.venue_symbol, "asset": i.asset, "multiplier": _s(i.multiplier),
        "quote": i.quote, "tick_size": _s(i.tick_size), "lot_size": _s(i.lot_size), "min_size": _s(i.min_size),
        "min_notional_usd": _s(i.min_notional_usd), "max_leverage": _s(i.max_leverage),
        "funding_interval_hours": _s(i.funding_interval_hours), "continuous_funding": i.continuous_funding,
        "status": i.status.value, "venue_market_id": i.venue_market_id,
    }


@app.command()
def instruments(venue: str = VenueOpt, asset: str = AssetOpt, as_json: bool = JsonOpt, sim: str = SimOpt) -> None:
    """Every perpetual per venue with its sizing rules and funding interval."""
    results = asyncio.run(_per_venue(_venues(venue), _settings(sim), lambda c: c.instruments()))
    rows, failures = [], {}
    for v, res in results.items():
        if isinstance(res, str):
            failures[v] = res
            continue
        rows += [instrument_row(i) for i in sorted(res.items, key=lambda i: i.asset)
                 if asset is None or i.asset == asset.upper()]
    if as_json:
        _print_json(rows)
    else:
        table = Table("venue", "symbol", "asset", "mult", "tick", "lot", "min notional", "max lev", "interval h",
                      "status", title="Instruments")
        for r in rows:
            table.add_row(r["venue"], r["symbol"], r["asset"], r["multiplier"], r["tick_size"], r["lot_size"],
                          r["min_notional_usd"], r["max_leverage"], r["funding_interval_hours"], r["status"])
        console.print(table)
    _report_failures(failures, as_json)


def snapshot_row(s: MarketSnapshot) -> dict[str, Any]:
    return {
        "venue": s.venue.value, "symbol": s.venue_symbol, "asset": s.asset, "ts": _ts(s.ts),
        "mark_price": _s(s.mark_price), "index_price": _s(s.index_price),
        "open_interest_base": _s(s.open_interest_base), "open_interest_usd": _s(s.open_interest_usd),
        "volume_24h_usd": _s(s.volume_24h_usd), "best_bid": _s(s.best_bid), "best_ask": _s(s.best_ask),
        "bid_depth_usd": _s(s.bid_depth_usd), "ask_depth_usd": _s(s.ask_depth_usd),
        "next_funding_time": _ts(s.next_funding_time),
    }


@app.command()
def snapshots(
    venue: str = VenueOpt, asset: str = AssetOpt, as_json: bool = JsonOpt, sim: str = SimOpt,
    books: int = typer.Option(0, help="Also merge top of book + depth for the top-N instruments by OI."),
) -> None:
    """Mark/index, one-sided open interest (base, USD), 24 h volume; with --books, top of book and depth."""
    sweeps: dict[Venue, VenueSweep] = asyncio.run(sweep(_venues(venue), _settings(sim), books=books or False))
    rows, failures = [], {}
    for v, res in sweeps.items():
        if res.error:
            failures[v] = "; ".join(res.errors)
        rows += [snapshot_row(s) for s in sorted(res.snapshots.items, key=lambda s: s.asset)
                 if asset is None or s.asset == asset.upper()]
    if as_json:
        _print_json(rows)
    else:
        table = Table("venue", "symbol", "asset", "mark", "index", "OI base", "OI USD", "vol 24h USD", "bid", "ask",
                      title="Snapshots")
        for r in rows:
            table.add_row(r["venue"], r["symbol"], r["asset"], r["mark_price"], r["index_price"],
                          r["open_interest_base"], r["open_interest_usd"], r["volume_24h_usd"], r["best_bid"],
                          r["best_ask"])
        console.print(table)
    _report_failures(failures, as_json)


async def _find_instrument(client: MarketDataClient, symbol: str) -> Instrument:
    """The instrument named ``symbol`` (venue symbol, or canonical asset if unambiguous)."""
    items = (await client.instruments()).items
    for i in items:
        if i.venue_symbol == symbol:
            return i
    matches = [i for i in items if i.asset == symbol.upper()]
    if len(matches) == 1:
        return matches[0]
    raise LookupError(f"no instrument {symbol!r} on {client.venue.value}")


def _one_venue(venue: str) -> Venue:
    venues = _venues(venue)
    if len(venues) != 1:
        err_console.print("[red]pick one venue with --venue[/]")
        raise typer.Exit(2)
    return venues[0]


@app.command()
def book(
    venue: str = typer.Option(..., "--venue", "-V"), symbol: str = typer.Option(..., "--symbol", "-s"),
    depth: int = typer.Option(10, help="Levels per side."), as_json: bool = JsonOpt, sim: str = SimOpt,
) -> None:
    """Top of the order book of one instrument."""
    v = _one_venue(venue)

    async def fetch(client: MarketDataClient) -> OrderBook:
        return await client.order_book(await _find_instrument(client, symbol), depth)

    res = asyncio.run(_per_venue([v], _settings(sim), fetch))[v]
    if isinstance(res, str):
        _report_failures({v: res}, as_json)
        return
    levels = {"bids": [[_s(lv.price), _s(lv.size)] for lv in res.bids],
              "asks": [[_s(lv.price), _s(lv.size)] for lv in res.asks]}
    if as_json:
        typer.echo(json.dumps({"venue": v.value, "symbol": res.venue_symbol, "ts": _ts(res.ts), **levels}, indent=1))
        return
    table = Table("bid size", "bid", "ask", "ask size", title=f"{v.value} {res.venue_symbol} @ {_ts(res.ts)}")
    for i in range(max(len(res.bids), len(res.asks))):
        b = levels["bids"][i] if i < len(res.bids) else ["", ""]
        a = levels["asks"][i] if i < len(res.asks) else ["", ""]
        table.add_row(b[1], b[0], a[0], a[1])
    console.print(table)


@app.command()
def history(
    venue: str = typer.Option(..., "--venue", "-V"), symbol: str = typer.Option(..., "--symbol", "-s"),
    days: float = typer.Option(1.0, help="How far back."), as_json: bool = JsonOpt, sim: str = SimOpt,
) -> None:
    """Settled funding of one instrument over the last N days."""
    v = _one_venue(venue)
    end = datetime.now(UTC)
    start = end - timedelta(days=days)

    async def fetch(client: MarketDataClient) -> Any:
        return await client.funding_history(await _find_instrument(client, symbol), start, end)

    res = asyncio.run(_per_venue([v], _settings(sim), fetch))[v]
    if isinstance(res, str):
        _report_failures({v: res}, as_json)
        return
    rows = [funding_row(f, end) for f in res.items]
    if as_json:
        _print_json(rows)
    else:
        table = Table("funding time (UTC)", "raw rate", "unit", "interval h", "rate/h", "APR %",
                      title=f"{v.value} {symbol}: {len(rows)} settlements")
        for r in rows:
            table.add_row(r["funding_time"][:16], r["raw_rate"], r["raw_unit"], r["interval_hours"],
                          r["rate_per_hour"], r["apr_pct"])
        console.print(table)
    if res.rejects:
        err_console.print(f"[yellow]{v.value}: {len(res.rejects)} rows rejected[/]")

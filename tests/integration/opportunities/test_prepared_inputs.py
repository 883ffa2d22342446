"""What the SQL engine prepares at load time (0054/0055) gives the same answers as computing from the raw rows.

- Book walk arrays, stored with each book, walked by binary search: crafted edge-case books (zero-size levels,
  a quantity ending exactly on a level, costs that fall back along the book, books shallower than the quantity,
  invalid levels) must give the Python engine's slippage, capacity and reasons.
- Settled-history versions, bumped by triggers: every kind of change gives a leg a new version, and a replayed
  instant earlier in the same hour does not reuse statistics computed with a settlement it cannot see yet.
- Rejections as one row of arrays per SQL run: read back through ``analytics.opportunity_rejections`` as one
  row per pair, while other writers (the Python engine) still insert row by row.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest

from perpdex_lib.domain.enums import FundingKind, RateUnit, Venue
from perpdex_lib.domain.market import FundingRate, OrderBook, OrderBookLevel
from perpdex_lib.fees import DEFAULT_FEES, FeeTable, sync_fee_table
from perpdex_lib.opportunities.engine import compute
from perpdex_lib.opportunities.inputs import load_inputs
from perpdex_lib.opportunities.params import OpportunityParams
from perpdex_lib.opportunities.sql import compute_in_db, fetch_run, record_python_run
from perpdex_lib.warehouse.load import load_funding_rates, load_order_books
from tests.integration.opportunities.synth import NOW, generate, load

pytestmark = pytest.mark.integration

# Permissive limits, so most pairs get as far as the walks and persistence and the comparison covers them.
LOOSE = OpportunityParams(horizon_hours=Decimal(168), min_net_apr=Decimal(-100), max_oi_share=Decimal(100),
                          max_basis_bps=Decimal(10_000), max_slippage_bps=Decimal(50))


@pytest.fixture
def conn(clean_db: str):  # type: ignore[no-untyped-def]
    with psycopg.connect(clean_db) as c:
        sync_fee_table(c, FeeTable(DEFAULT_FEES))
        c.commit()
        yield c


def _assert_engines_agree(conn: psycopg.Connection, params: OpportunityParams, now=NOW) -> tuple:  # type: ignore[no-untyped-def]
    run_id = compute_in_db(conn, params, now)
    conn.commit()
    sql = fetch_run(conn, run_id)
    py = compute(load_inputs(conn, now, params), params, now)
    assert sql.opportunities == py.opportunities
    assert _pairs(sql.rejections) == _pairs(py.rejections)
    return run_id, sql


def _pairs(rejections) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(r.asset, r.long_venue, r.long_symbol, r.short_venue, r.short_symbol, r.reason_code) for r in rejections]


def _levels(*pairs: tuple[str, str]) -> tuple[OrderBookLevel, ...]:
    return tuple(OrderBookLevel(Decimal(p), Decimal(s)) for p, s in pairs)


def test_stored_walk_arrays_have_the_documented_layout(conn: psycopg.Connection) -> None:
    book = OrderBook(venue=Venue.LIGHTER, venue_symbol="X-LIG", ts=NOW,
                     bids=_levels(("99", "1"), ("98", "0"), ("97", "2")), asks=_levels(("101", "3")))
    load_order_books(conn, [book])
    mid, bid_walk, ask_walk = conn.execute(
        "SELECT book_mid, bid_walk, ask_walk FROM market.order_books WHERE venue_symbol = 'X-LIG'").fetchone()
    assert mid == Decimal(100)
    # CQ (size before each level, then depth) | CS (cost before, then total) | d per level | running max of d
    assert bid_walk == [0, 1, 1, 3, 0, 1, 1, 7, 1, 2, 3, 1, 2, 3]
    assert ask_walk == [0, 3, 0, 3, 1, 1]
    bad = OrderBook(venue=Venue.LIGHTER, venue_symbol="Y-LIG", ts=NOW,
                    bids=_levels(("99", "1"), ("98", "-1")), asks=_levels(("101", "1")))
    load_order_books(conn, [bad])
    assert conn.execute("SELECT bid_walk IS NULL, ask_walk IS NOT NULL FROM market.order_books "
                        "WHERE venue_symbol = 'Y-LIG'").fetchone() == (True, True)


def test_edge_case_books_walk_like_the_python_engine(conn: psycopg.Connection) -> None:
    universe = generate(21, list(Venue)[:4], assets=6, faults=False)
    # Each crafted book replaces one leg's generated book, around that leg's own mark price.
    marks = {(s.venue, s.venue_symbol): s.mark_price for s in universe.snapshots}
    crafted = []
    for i, book in enumerate(universe.books):
        m = marks[(book.venue, book.venue_symbol)]
        q = Decimal(10_000) / m  # units of the notional at mid m
        tick = m * Decimal("0.0002")
        kind = i % 6
        if kind == 0:  # a zero-size level and the quantity ending exactly on a level boundary
            bids = ((m - tick, q / 2), (m - 2 * tick, Decimal(0)), (m - 3 * tick, q / 2), (m - 9 * tick, q))
            asks = ((m + tick, q / 4), (m + 2 * tick, Decimal(0)), (m + 3 * tick, 3 * q / 4), (m + 9 * tick, q))
        elif kind == 1:  # the cost per unit falls back along the book (a level closer to mid after a far one)
            bids = ((m - tick, q / 3), (m - 40 * tick, q / 3), (m - 2 * tick, 2 * q))
            asks = ((m + tick, q / 3), (m + 40 * tick, q / 3), (m + 2 * tick, 2 * q))
        elif kind == 2:  # shallower than the quantity: insufficient depth
            bids = ((m - tick, q / 3),)
            asks = ((m + tick, 5 * q),)
        elif kind == 3:  # every level beyond the slippage limit: the cap comes from the first level
            bids = ((m - 60 * tick, 2 * q), (m - 61 * tick, 2 * q))
            asks = ((m + 60 * tick, 2 * q),)
        elif kind == 4:  # a price of zero deep in the book: no usable book
            bids = ((m - tick, 2 * q), (Decimal(0), q))
            asks = ((m + tick, 2 * q),)
        else:  # every level inside the limit: the cap is the whole depth
            bids = ((m - tick, q), (m - 2 * tick, 3 * q))
            asks = ((m + tick, 4 * q),)
        crafted.append(replace(book, bids=_levels(*((str(p), str(s)) for p, s in bids)),
                               asks=_levels(*((str(p), str(s)) for p, s in asks))))
    universe.books = crafted
    load(conn, universe)
    _, sql = _assert_engines_agree(conn, LOOSE)
    assert {"insufficient_depth", "missing_book"} <= {r.reason_code.value for r in sql.rejections}
    assert sql.opportunities  # some pairs got through the walks
    # a smaller notional and a tighter limit move the quantity and the cap to other levels
    _, sql = _assert_engines_agree(conn, replace(LOOSE, max_slippage_bps=Decimal("3.5"), notional_usd=Decimal("777.7")))
    assert sql.opportunities


def test_every_change_to_settled_rows_gives_a_new_version(conn: psycopg.Connection) -> None:
    def version(symbol: str) -> int | None:
        row = conn.execute("SELECT version FROM analytics.opp_settled_versions WHERE venue = 'lighter' "
                           "AND venue_symbol = %s", (symbol,)).fetchone()
        return None if row is None else row[0]

    def settled(symbol: str, hours_ago: int, rate: str) -> FundingRate:
        t = NOW.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours_ago)
        return FundingRate(venue=Venue.LIGHTER, venue_symbol=symbol, asset="X", kind=FundingKind.SETTLED,
                           funding_time=t, raw_rate=Decimal(rate), raw_unit=RateUnit.FRACTION_PER_INTERVAL,
                           interval_hours=Decimal(1), venue_ts=t, observed_at=t)

    load_funding_rates(conn, [settled("A", 1, "0.0001"), settled("A", 2, "0.0002"), settled("B", 1, "0.0003")])
    conn.commit()
    v1 = version("A")
    assert v1 is not None and version("B") is not None
    load_funding_rates(conn, [settled("A", 1, "0.0001")])  # an identical reload writes nothing
    assert version("A") == v1
    load_funding_rates(conn, [settled("A", 1, "0.0005")])  # a correction (upsert)
    v2 = version("A")
    assert v2 > v1
    # a predicted row is not settled history
    predicted = replace(settled("A", -1, "0.0009"), kind=FundingKind.PREDICTED)
    load_funding_rates(conn, [predicted])
    assert version("A") == v2
    conn.execute("DELETE FROM market.funding_rates WHERE venue_symbol = 'A' AND kind = 'settled' "
                 "AND funding_time < %s", (NOW - timedelta(hours=1, minutes=30),))
    v3 = version("A")
    assert v3 > v2
    vb = version("B")
    conn.execute("TRUNCATE market.funding_rates")
    assert version("A") > v3 and version("B") > vb
    conn.commit()


def test_a_replayed_instant_does_not_reuse_statistics_from_a_later_one(conn: psycopg.Connection) -> None:
    load(conn, generate(9, list(Venue)[:5], assets=8))
    earlier = NOW - timedelta(seconds=65)  # same hour: same cache key
    # A GRVT (8 h) settlement between the two instants pays into the last eight hours of the window.
    candidates = compute(load_inputs(conn, earlier, LOOSE), LOOSE, earlier).opportunities  # nothing stored
    symbol = next(o.long_symbol if o.long_venue == "grvt" else o.short_symbol for o in candidates
                  if "grvt" in (o.long_venue, o.short_venue))
    asset, interval = conn.execute("SELECT asset, funding_interval_hours FROM market.instruments "
                                   "WHERE venue = 'grvt' AND venue_symbol = %s", (symbol,)).fetchone()
    assert interval > 1
    at = NOW - timedelta(seconds=30)
    load_funding_rates(conn, [FundingRate(
        venue=Venue.GRVT, venue_symbol=symbol, asset=asset, kind=FundingKind.SETTLED, funding_time=at,
        raw_rate=Decimal("0.9"), raw_unit=RateUnit.PERCENT_PER_INTERVAL, interval_hours=interval, venue_ts=at,
        observed_at=at)])
    conn.commit()
    _assert_engines_agree(conn, LOOSE, NOW)
    run_id, _ = _assert_engines_agree(conn, LOOSE, earlier)  # sees the history without that settlement
    cached = conn.execute("SELECT persistence_pairs_cached FROM analytics.opportunity_runs WHERE run_id = %s",
                          (run_id,)).fetchone()[0]
    involved = conn.execute(
        "SELECT count(*) FROM analytics.opportunities WHERE run_id = %s AND "
        "((long_venue = 'grvt' AND long_symbol = %s) OR (short_venue = 'grvt' AND short_symbol = %s))",
        (run_id, symbol, symbol)).fetchone()[0]
    assert involved > 0
    total = conn.execute("SELECT opportunities FROM analytics.opportunity_runs WHERE run_id = %s",
                         (run_id,)).fetchone()[0]
    assert cached <= total - involved


def test_rejections_read_back_one_row_per_pair_from_both_storages(conn: psycopg.Connection) -> None:
    load(conn, generate(5, list(Venue)[:4], assets=6))
    params = OpportunityParams()
    sql_run = compute_in_db(conn, params, NOW)
    py_result = compute(load_inputs(conn, NOW, params), params, NOW)
    py_run = record_python_run(conn, py_result, params, NOW, str(uuid.uuid4()))
    conn.commit()
    counts = dict(conn.execute("SELECT run_id, count(*) FROM analytics.opportunity_rejections GROUP BY 1").fetchall())
    stored = conn.execute("SELECT rejections FROM analytics.opportunity_runs WHERE run_id = %s",
                          (sql_run,)).fetchone()[0]
    assert counts[sql_run] == stored == len(py_result.rejections) == counts[py_run]
    # the SQL run is one row of arrays, the Python run one row per pair
    assert conn.execute("SELECT count(*) FROM analytics.opportunity_rejection_sets").fetchone()[0] == 1
    assert conn.execute("SELECT count(DISTINCT run_id), count(*) FROM analytics.opportunity_rejection_rows"
                        ).fetchone() == (1, len(py_result.rejections))
    assert _pairs(fetch_run(conn, sql_run).rejections) == _pairs(fetch_run(conn, py_run).rejections)
    # deleting a run (retention) takes its rows along, whichever storage holds them
    conn.execute("DELETE FROM analytics.opportunity_runs")
    assert conn.execute("SELECT (SELECT count(*) FROM analytics.opportunity_rejections) + "
                        "(SELECT count(*) FROM analytics.opportunities)").fetchone()[0] == 0
    conn.commit()
    # rows of a run that does not exist are refused (a statement-level check replaces the per-row foreign key)
    for statement in (
        "INSERT INTO analytics.opportunity_rejection_sets VALUES ('nope', '{}', '{}', '{}', '{}', '{}', '{}', '{}')",
        "INSERT INTO analytics.opportunity_rejections VALUES ('nope', 'A', 'x', 'x', 'y', 'y', 'stale_book', '')",
    ):
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute(statement)
        conn.rollback()

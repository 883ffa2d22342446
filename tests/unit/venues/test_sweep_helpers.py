"""Pure helpers of the sweep: which books to fetch, depth within the band, merging books into snapshots."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from perpdex_lib.domain import Instrument, InstrumentStatus, MarketSnapshot, OrderBook, OrderBookLevel, Venue
from perpdex_lib.venues.sweep import VenueSweep, depth_within_band, merge_books, select_for_books

T = datetime(2026, 1, 1, tzinfo=UTC)
D = Decimal


def _inst(sym: str, status: InstrumentStatus = InstrumentStatus.ACTIVE) -> Instrument:
    return Instrument(Venue.HYPERLIQUID, sym, sym, D(1), "USDC", D("0.1"), D("0.01"), D("0.01"), D(10), D(20),
                      D(1), status)


def _snap(sym: str, oi_usd: str | None) -> MarketSnapshot:
    return MarketSnapshot(Venue.HYPERLIQUID, sym, sym, T, D(100), D(100), None,
                          None if oi_usd is None else D(oi_usd), D(1))


def test_select_for_books_all_top_n_and_none() -> None:
    insts = [_inst("A"), _inst("B"), _inst("C"), _inst("D", InstrumentStatus.DELISTED)]
    snaps = [_snap("A", "10"), _snap("B", "30"), _snap("C", None), _snap("D", "99")]
    assert [i.venue_symbol for i in select_for_books(insts, snaps, True)] == ["A", "B", "C"]
    assert [i.venue_symbol for i in select_for_books(insts, snaps, 2)] == ["B", "A"]
    assert select_for_books(insts, snaps, False) == []
    assert select_for_books(insts, snaps, 0) == []


def test_depth_within_band_counts_only_levels_inside_50_bps() -> None:
    book = OrderBook(Venue.HYPERLIQUID, "A", T,
                     bids=(OrderBookLevel(D("99.9"), D(2)), OrderBookLevel(D("99.6"), D(1)),
                           OrderBookLevel(D("99.4"), D(5))),
                     asks=(OrderBookLevel(D("100.1"), D(1)), OrderBookLevel(D("100.5"), D(3)),
                           OrderBookLevel(D("100.6"), D(7))))
    bid, ask = depth_within_band(book)  # mid 100: band [99.5, 100.5]
    assert bid == D("99.9") * 2 + D("99.6")
    assert ask == D("100.1") + D("100.5") * 3
    empty = OrderBook(Venue.HYPERLIQUID, "A", T, (), ())
    assert depth_within_band(empty) == (None, None)


def test_merge_books_fills_top_of_book_only_where_a_book_exists() -> None:
    book = OrderBook(Venue.HYPERLIQUID, "A", T, (OrderBookLevel(D(99), D(1)),), (OrderBookLevel(D(101), D(1)),))
    merged = merge_books([_snap("A", "1"), _snap("B", "1")], {"A": book})
    assert (merged[0].best_bid, merged[0].best_ask) == (D(99), D(101))
    assert merged[0].bid_depth_usd == D(0) and merged[0].ask_depth_usd == D(0)  # 1 % away: outside the band
    assert merged[1].best_bid is None


def test_venue_sweep_error_names_the_venue() -> None:
    vs = VenueSweep(Venue.ASTER, T)
    assert vs.ok and vs.error is None
    vs.errors += ["funding: VenueUnavailable: down", "books: timed out"]
    assert vs.error == "aster: funding: VenueUnavailable: down; books: timed out"

"""Row rules and the hard gate on hand-made rows: each reason code fires on the row that earns it, only there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from perpdex_lib.domain import FundingKind, FundingRate, MarketSnapshot, OrderBook, OrderBookLevel, RateUnit, Venue
from perpdex_lib.quality import rules

NOW = datetime(2026, 11, 24, 12, 0, 30, tzinfo=UTC)


def rate(symbol: str = "BTC-PERP", raw: str = "0.0001", kind: FundingKind = FundingKind.PREDICTED,
         t: datetime = datetime(2026, 11, 24, 16, tzinfo=UTC), venue_ts: datetime | None = NOW,
         venue: Venue = Venue.ASTER, asset: str = "BTC") -> FundingRate:
    return FundingRate(venue, symbol, asset, kind, t, Decimal(raw), RateUnit.FRACTION_PER_INTERVAL, Decimal(8),
                       venue_ts, NOW)


def test_funding_rules_reason_codes() -> None:
    good = rate()
    rows = [
        good,
        rate("HOT-PERP", raw="0.5"),  # 0.0625 per hour
        rate("OLD-PERP", venue_ts=NOW - timedelta(hours=1)),
        rate("FUT-PERP", kind=FundingKind.SETTLED, t=NOW + timedelta(hours=4)),
        rate("ODD-PERP", kind=FundingKind.SETTLED, t=datetime(2026, 11, 24, 3, 0, tzinfo=UTC)),
        rate("NOASSET-PERP", asset=""),
        rate("DUP-PERP", raw="0.0001"),
        rate("DUP-PERP", raw="0.0002"),
        rate("SAME-PERP"),
        rate("SAME-PERP"),
    ]
    out = rules.check_funding(rows, NOW)
    reasons = {r.payload["venue_symbol"]: r.reason_code for r in out.rejects}
    assert reasons == {
        "HOT-PERP": "rate_out_of_range", "OLD-PERP": "stale_observation", "FUT-PERP": "future_funding_time",
        "ODD-PERP": "misaligned_funding_time", "NOASSET-PERP": "missing_asset", "DUP-PERP": "duplicate_conflict",
    }  # fmt: skip
    assert sum(r.reason_code == "duplicate_conflict" for r in out.rejects) == 2
    assert sorted(r.venue_symbol for r in out.good) == ["BTC-PERP", "SAME-PERP"]  # identical copies collapse


def test_settled_on_grid_within_tolerance_and_paradex_exempt() -> None:
    ok = rate(kind=FundingKind.SETTLED, t=datetime(2026, 11, 24, 8, 0, 0, 56000, tzinfo=UTC))
    paradex = rate(kind=FundingKind.SETTLED, t=datetime(2026, 11, 24, 3, 17, tzinfo=UTC), venue=Venue.PARADEX)
    assert rules.check_funding([ok, paradex], NOW).rejects == []


def test_snapshot_and_book_rules() -> None:
    def snap(symbol: str, **kw: object) -> MarketSnapshot:
        base = dict(venue=Venue.GRVT, venue_symbol=symbol, asset="BTC", ts=NOW, mark_price=Decimal(100),
                    index_price=Decimal(100), open_interest_base=Decimal(1), open_interest_usd=Decimal(100),
                    volume_24h_usd=Decimal(5), best_bid=Decimal(99), best_ask=Decimal(101))
        base.update(kw)
        return MarketSnapshot(**base)  # type: ignore[arg-type]

    out = rules.check_snapshots([snap("A"), snap("B", mark_price=Decimal(0)), snap("C", best_bid=Decimal(102)),
                                 snap("D", open_interest_usd=Decimal(-1)), snap("E", ts=NOW - timedelta(hours=2))],
                                NOW)
    assert {r.payload["venue_symbol"]: r.reason_code for r in out.rejects} == {
        "B": "non_positive_price", "C": "crossed_book", "D": "negative_open_interest", "E": "stale_observation"}
    lv = OrderBookLevel
    books = [OrderBook(Venue.GRVT, "A", NOW, (lv(Decimal(99), Decimal(1)),), (lv(Decimal(101), Decimal(1)),)),
             OrderBook(Venue.GRVT, "X", NOW, (lv(Decimal(102), Decimal(1)),), (lv(Decimal(101), Decimal(1)),)),
             OrderBook(Venue.GRVT, "E", NOW, (), ())]
    checked = rules.check_books(books)
    assert [b.venue_symbol for b in checked.good] == ["A"]
    assert sorted(r.reason_code for r in checked.rejects) == ["crossed_book", "empty_book"]


@pytest.mark.slow
def test_hard_gate_fails_on_a_unit_bug_and_on_an_empty_feed(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.INFO)
    from perpdex_lib.quality.gx import funding_gate

    ok = funding_gate([rate(), rate("ETH-PERP")], "aster", Decimal("0.05"))
    assert ok.success and ok.rows == 2
    bug = funding_gate([rate(raw="0.8"), rate("ETH-PERP")], "aster", Decimal("0.05"))  # 0.1 per hour
    assert not bug.success and any("rate_per_hour" in f for f in bug.failures)
    wrong_venue = funding_gate([rate()], "grvt", Decimal("0.05"))
    assert not wrong_venue.success
    empty = funding_gate([], "aster", Decimal("0.05"))
    assert not empty.success and any("row_count" in f for f in empty.failures)
    # Great Expectations' INFO chatter is silenced
    assert [r.getMessage()[:80] for r in caplog.records if r.name.startswith("great_expectations")
            and r.levelno < logging.WARNING] == []

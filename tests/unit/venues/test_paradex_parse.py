"""Paradex parsers against the recorded sample bodies and real recorded rates: values, units, rejects."""

from __future__ import annotations

import copy
import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perpdex_lib.domain import FundingKind, RateUnit
from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.paradex import parse
from perpdex_lib.venues.paradex.schemas import FundingDataRow
from tests.venues_support import load_sample

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
SAMPLES = SHARED / "exchange_samples" / "paradex"
REAL_RATES = (
    SHARED / "real_data" / "dhaussmann_multidex_hourly_2026-01" / "paradex_funding_rate_history_2026-01-08_09.csv"
)
OBSERVED = datetime(2025, 12, 3, 15, 12, 30, tzinfo=UTC)


def sample(name: str) -> Any:
    return load_sample("paradex", name)


@pytest.fixture
def markets() -> dict[str, Any]:
    batch = parse.instruments_from_body(sample("markets"))
    assert batch.rejects == []
    return {i.venue_symbol: i for i in batch.items}


def test_markets_normalised(markets):
    assert set(markets) == {"BTC-USD-PERP", "ETH-USD-PERP", "SOL-USD-PERP", "DOGE-USD-PERP"}
    btc = markets["BTC-USD-PERP"]
    assert (btc.asset, btc.multiplier, btc.quote) == ("BTC", Decimal(1), "USD")
    assert (btc.tick_size, btc.lot_size, btc.min_size) == (Decimal("0.1"), Decimal("0.00001"), None)
    assert btc.min_notional_usd == Decimal(10)
    assert btc.max_leverage == Decimal(50)  # 1 / imf_base 0.02
    assert markets["DOGE-USD-PERP"].max_leverage == Decimal(10)
    assert btc.funding_interval_hours == Decimal(8)
    assert btc.continuous_funding is True


def test_kpepe_is_pepe_times_1000():
    body = sample("markets")
    row = copy.deepcopy(body["results"][0])
    row.update(symbol="kPEPE-USD-PERP", base_currency="kPEPE")
    inst = parse.parse_market(row)
    assert inst is not None and (inst.asset, inst.multiplier) == ("PEPE", Decimal(1000))


def test_options_are_skipped_not_rejected():
    body = sample("markets")
    body["results"].append({"symbol": "BTC-USD-100000-C", "asset_kind": "OPTION", "base_currency": "BTC"})
    batch = parse.instruments_from_body(body)
    assert len(batch.items) == 4 and batch.rejects == []


def test_bad_row_is_rejected_while_the_others_parse():
    body = sample("markets")
    body["results"][2]["price_tick_size"] = 0.001  # a JSON number where Paradex sends a string
    batch = parse.instruments_from_body(body)
    assert [i.asset for i in batch.items] == ["BTC", "ETH", "DOGE"]
    [reject] = batch.rejects
    assert reject.reason_code == "parse_error" and "price_tick_size" in reject.detail


@pytest.mark.parametrize("period", [None, 0, 10**9])
def test_unknown_funding_period_is_a_reject_never_8h(period):
    body = sample("markets")
    if period is None:
        del body["results"][0]["funding_period_hours"]
    else:
        body["results"][0]["funding_period_hours"] = period
    batch = parse.instruments_from_body(body)
    assert len(batch.items) == 3 and [r.reason_code for r in batch.rejects] == ["unknown_unit"]


def test_envelope_problems_raise():
    with pytest.raises(VenueParseError):
        parse.instruments_from_body({"error": "NOT_FOUND", "message": "x"})
    with pytest.raises(VenueParseError):
        parse.instruments_from_body([1, 2])


def test_summary_predicted_funding_per_period_and_computed_time(markets):
    batch = parse.funding_from_summary(sample("markets_summary"), markets.values(), OBSERVED)
    assert batch.rejects == []
    by = {r.venue_symbol: r for r in batch.items}
    btc = by["BTC-USD-PERP"]
    assert btc.kind is FundingKind.PREDICTED
    assert (btc.raw_rate, btc.raw_unit, btc.interval_hours) == (
        Decimal("0.0000824"), RateUnit.FRACTION_PER_INTERVAL, Decimal(8)
    )
    assert btc.rate_per_hour == Decimal("0.0000103")
    assert btc.venue_ts == datetime(2025, 12, 3, 15, 12, 10, 25000, tzinfo=UTC)
    # no next-funding field: the end of the running 8 h period on the UTC grid
    assert btc.funding_time == datetime(2025, 12, 3, 16, 0, tzinfo=UTC)
    assert by["SOL-USD-PERP"].rate_per_hour == Decimal("-0.0000213") / 8


def test_summary_uses_each_markets_period(markets):
    body = sample("markets")
    body["results"][3]["funding_period_hours"] = 4
    four_hourly = {i.venue_symbol: i for i in parse.instruments_from_body(body).items}
    by = {r.venue_symbol: r for r in parse.funding_from_summary(sample("markets_summary"), four_hourly.values(),
                                                                   OBSERVED).items}
    assert by["DOGE-USD-PERP"].rate_per_hour == Decimal("0.0001000") / 4
    assert by["DOGE-USD-PERP"].funding_time == datetime(2025, 12, 3, 16, 0, tzinfo=UTC)


def test_summary_skips_options_and_rejects_unknown_perps(markets):
    body = sample("markets_summary")
    option = copy.deepcopy(body["results"][0])
    option["symbol"] = "BTC-USD-100000-C"
    unknown = copy.deepcopy(body["results"][0])
    unknown["symbol"] = "NEW-USD-PERP"
    body["results"] += [option, unknown]
    batch = parse.funding_from_summary(body, markets.values(), OBSERVED)
    assert len(batch.items) == 4
    [reject] = batch.rejects
    assert reject.payload["symbol"] == "NEW-USD-PERP"


def test_summary_snapshot(markets):
    batch = parse.snapshots_from_summary(sample("markets_summary"), markets.values())
    btc = {s.venue_symbol: s for s in batch.items}["BTC-USD-PERP"]
    assert btc.mark_price == Decimal("92697.3001")
    assert btc.index_price == Decimal("92727.8181")
    assert btc.open_interest_base == Decimal("1523.21894")
    assert btc.open_interest_usd == Decimal("1523.21894") * Decimal("92697.3001")
    assert btc.volume_24h_usd == Decimal("412330211.22")
    assert (btc.best_bid, btc.best_ask) == (Decimal("92682.9"), Decimal("92683.1"))
    assert btc.ts == datetime(2025, 12, 3, 15, 12, 10, 25000, tzinfo=UTC)


def test_funding_data_page(markets):
    batch, cursor = parse.funding_page_from_body(sample("funding_data"), markets["BTC-USD-PERP"])
    assert batch.rejects == [] and len(batch.items) == 3
    assert cursor == "eyJmaWx0ZXIiMsIm1hcmtlciI6eyJtYXJrZXIiOiIxNjc1NjUwMDE3NDMxMTAxNjk5N="
    assert batch.items[0].funding_rate == Decimal("0.0000824")


def test_observations_reduce_to_the_last_one_before_each_boundary(markets):
    btc = markets["BTC-USD-PERP"]
    t16 = int(datetime(2025, 12, 3, 16, tzinfo=UTC).timestamp() * 1000)

    def obs(ms: int, rate: str, period: int | None = 8) -> FundingDataRow:
        return FundingDataRow(market="BTC-USD-PERP", funding_rate=rate, funding_rate_8h=rate,
                              funding_period_hours=period, created_at=ms)

    rows = [
        obs(t16 - 10_000, "0.00008"),
        obs(t16, "0.00016"),  # exactly at the boundary: belongs to the period ending there
        obs(t16 + 5_000, "0.00024"),  # the next period, which is still running at `observed`
        obs(t16 - 8 * 3_600_000, "0.00004", period=None),  # no period field: funding_rate_8h is used
    ]
    observed = datetime(2025, 12, 3, 16, 0, 30, tzinfo=UTC)
    settled = parse.settled_from_observations(rows, btc, observed)
    assert [r.funding_time for r in settled] == [
        datetime(2025, 12, 3, 8, tzinfo=UTC), datetime(2025, 12, 3, 16, tzinfo=UTC)
    ]
    assert settled[0].raw_unit is RateUnit.FRACTION_PER_8H and settled[0].rate_per_hour == Decimal("0.000005")
    assert settled[1].raw_rate == Decimal("0.00016") and settled[1].rate_per_hour == Decimal("0.00002")
    assert all(r.kind is FundingKind.SETTLED for r in settled)


def test_observation_without_period_or_8h_rate_is_rejected(markets):
    body = sample("funding_data")
    body["results"].append({**body["results"][0], "funding_period_hours": 10**9})
    del body["results"][1]["funding_period_hours"]
    del body["results"][1]["funding_rate_8h"]
    body["results"][2]["market"] = "ETH-USD-PERP"
    batch, _ = parse.funding_page_from_body(body, markets["BTC-USD-PERP"])
    assert len(batch.items) == 1
    assert sorted(r.reason_code for r in batch.rejects) == ["parse_error", "unknown_unit", "unknown_unit"]


def test_orderbook(markets):
    book = parse.book_from_body(sample("orderbook"), markets["BTC-USD-PERP"], depth=2)
    assert [lv.price for lv in book.bids] == [Decimal("92682.9"), Decimal("92682.0")]
    assert [lv.price for lv in book.asks] == [Decimal("92683.1"), Decimal("92683.6")]
    assert book.asks[0].size == Decimal("0.310")
    assert book.ts == datetime(2025, 12, 3, 15, 12, 10, 114000, tzinfo=UTC)


def test_orderbook_level_must_be_a_pair(markets):
    body = sample("orderbook")
    body["asks"][0] = ["92683.1"]
    with pytest.raises(VenueParseError, match="asks"):
        parse.book_from_body(body, markets["BTC-USD-PERP"], depth=10)


def test_period_grid():
    t = int(datetime(2026, 1, 8, 19, 1, 42, tzinfo=UTC).timestamp() * 1000)
    assert parse.ms_to_utc(parse.period_end(t, 8)) == datetime(2026, 1, 9, 0, 0, tzinfo=UTC)
    assert parse.ms_to_utc(parse.period_end(t, 1)) == datetime(2026, 1, 8, 20, 0, tzinfo=UTC)
    boundary = int(datetime(2026, 1, 9, tzinfo=UTC).timestamp() * 1000)
    assert parse.period_end(boundary, 8) == boundary + 8 * 3_600_000
    assert parse.period_boundary_at_or_after(boundary, 8) == boundary


def test_period_boundaries_half_open():
    start, end = datetime(2026, 1, 1, 8, tzinfo=UTC), datetime(2026, 1, 2, 8, tzinfo=UTC)
    assert [t.hour for t in parse.period_boundaries(start, end, 8)] == [8, 16, 0]
    assert parse.period_boundaries(start + timedelta(seconds=1), end, 8)[0] == datetime(2026, 1, 1, 16, tzinfo=UTC)
    assert parse.period_boundaries(start, start, 8) == []


def test_real_recorded_paradex_rates_normalise():
    """110 real markets, 2026-01-08/09: every symbol maps (kBONK etc. x1000), rate/h = fraction per 8 h / 8."""
    if not REAL_RATES.is_file():
        pytest.skip("real_data not available")
    with REAL_RATES.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2000
    market_template = sample("markets")["results"][0]
    symbols = sorted({r["symbol"] for r in rows})
    markets = []
    for sym in symbols:
        m = copy.deepcopy(market_template)
        m.update(symbol=sym, base_currency=sym.split("-")[0])
        markets.append(m)
    instruments = parse.instruments_from_body({"results": markets})
    assert instruments.rejects == [] and len(instruments.items) == len(symbols) == 110
    by_asset = {i.venue_symbol: (i.asset, i.multiplier) for i in instruments.items}
    assert by_asset["kPEPE-USD-PERP"] == ("PEPE", Decimal(1000))
    assert by_asset["kBONK-USD-PERP"] == ("BONK", Decimal(1000))
    assert by_asset["0G-USD-PERP"] == ("0G", Decimal(1))

    summary_template = sample("markets_summary")["results"][0]
    summaries = []
    for r in rows:
        s = copy.deepcopy(summary_template)
        s.update(symbol=r["symbol"], funding_rate=format(Decimal(r["funding_rate"]), "f"),
                 created_at=int(r["collected_at"]))
        summaries.append(s)
    batch = parse.funding_from_summary({"results": summaries}, instruments.items, OBSERVED)
    assert batch.rejects == [] and len(batch.items) == 2000
    for rate, row in zip(batch.items, rows, strict=True):
        assert rate.rate_per_hour == Decimal(row["funding_rate"]) / 8
        assert rate.funding_time.hour in (0, 8, 16) and rate.funding_time > rate.venue_ts
    assert max(abs(r.rate_per_hour) for r in batch.items) < Decimal("0.001")  # < 0.1 %/h: units are right

"""Hyperliquid parsers against the exchange samples and real recorded payloads."""

from __future__ import annotations

import copy
import csv
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perpdex_lib.domain import FundingKind, InstrumentStatus, RateUnit
from perpdex_lib.domain.units import UnknownUnitError, to_rate_per_hour
from perpdex_lib.venues.errors import VenueParseError
from perpdex_lib.venues.hyperliquid import parse
from tests.venues_support import load_json, load_sample

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
SAMPLES = SHARED / "exchange_samples" / "hyperliquid"
REAL = SHARED / "real_data"
NOW = datetime(2025, 12, 3, 15, 12, 10, tzinfo=UTC)


def sample(name: str) -> Any:
    return load_sample("hyperliquid", name)


def real(rel: str) -> Any:
    return load_json(REAL / rel)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---- exchange samples ---------------------------------------------------------------------------------


def test_instruments_from_meta_and_asset_ctxs() -> None:
    batch = parse.instruments_from_meta_and_ctxs(sample("meta_and_asset_ctxs"))
    assert batch.rejects == []
    by = {i.venue_symbol: i for i in batch.items}
    assert list(by) == ["BTC", "ETH", "SOL", "DOGE", "MATIC"]
    btc = by["BTC"]
    assert (btc.asset, btc.multiplier, btc.quote) == ("BTC", Decimal(1), "USDC")
    assert btc.lot_size == Decimal("0.00001") and btc.min_size == Decimal("0.00001")
    assert btc.tick_size == Decimal(1)  # 92697 -> 5 significant figures -> whole dollars
    assert btc.max_leverage == Decimal(40) and btc.venue_market_id == "0"
    assert btc.funding_interval_hours == Decimal(1) and btc.continuous_funding is False
    assert by["ETH"].tick_size == Decimal("0.1")  # 3089.4
    assert by["SOL"].tick_size == Decimal("0.01")  # 140.25
    assert by["DOGE"].tick_size == Decimal("0.00001") and by["DOGE"].lot_size == Decimal(1)
    assert by["MATIC"].status is InstrumentStatus.DELISTED
    assert {i.status for i in batch.items if i.venue_symbol != "MATIC"} == {InstrumentStatus.ACTIVE}


def test_instruments_from_bare_meta() -> None:
    rows = parse.meta_universe(sample("meta"))
    instruments = [parse.instrument_from(i, row, None, "info/meta") for i, row in rows]
    assert [i.venue_symbol for i in instruments] == ["BTC", "ETH", "SOL", "DOGE", "MATIC"]
    assert instruments[0].tick_size == Decimal("0.1")  # only the 6 - szDecimals bound without a price


def test_snapshots_one_sided_oi_in_base_and_usd() -> None:
    batch = parse.snapshots_from_meta_and_ctxs(sample("meta_and_asset_ctxs"), NOW)
    assert batch.rejects == []
    by = {s.venue_symbol: s for s in batch.items}
    assert "MATIC" not in by  # delisted: frozen context, no snapshot
    btc = by["BTC"]
    assert btc.mark_price == Decimal("92697.0") and btc.index_price == Decimal("92727.0")
    assert btc.open_interest_base == Decimal("28571.19282")
    assert btc.open_interest_usd == Decimal("28571.19282") * Decimal("92697.0")
    assert btc.volume_24h_usd == Decimal("3011221331.2211")
    assert btc.ts == NOW and btc.next_funding_time == utc(2025, 12, 3, 16)
    assert btc.best_bid is None  # impactPxs are not the top of book


def test_predicted_fundings_use_hl_entry_and_venue_next_time() -> None:
    batch = parse.predicted_fundings(sample("predicted_fundings"), NOW)
    assert batch.rejects == []
    by = {f.venue_symbol: f for f in batch.items}
    assert set(by) == {"BTC", "SOL"}
    btc = by["BTC"]
    assert btc.kind is FundingKind.PREDICTED
    assert btc.funding_time == datetime.fromtimestamp(1764777600, UTC) == utc(2025, 12, 3, 16)
    assert btc.raw_rate == Decimal("0.0000125") and btc.raw_unit is RateUnit.FRACTION_PER_INTERVAL
    assert btc.interval_hours == Decimal(1) and btc.rate_per_hour == Decimal("0.0000125")
    assert by["SOL"].rate_per_hour == Decimal("-0.0000057")
    assert btc.observed_at == NOW and btc.venue_ts is None


def test_predicted_from_asset_ctx() -> None:
    frame = sample("ws_active_asset_ctx")
    rate = parse.predicted_from_ctx(frame["data"]["coin"], frame["data"]["ctx"], NOW, "ws/activeAssetCtx")
    assert rate.rate_per_hour == Decimal("0.0000125") and rate.raw_unit is RateUnit.FRACTION_PER_HOUR
    assert rate.funding_time == utc(2025, 12, 3, 16)


def test_funding_history_rounds_prints_to_the_settlement_hour() -> None:
    batch = parse.funding_history(sample("funding_history"), NOW)
    assert batch.rejects == []
    assert [f.funding_time for f in batch.items] == [utc(2025, 12, 3, 13), utc(2025, 12, 3, 14), utc(2025, 12, 3, 15)]
    first = batch.items[0]
    assert first.kind is FundingKind.SETTLED and first.venue_ts == datetime.fromtimestamp(1764766800.052, UTC)
    assert [f.rate_per_hour for f in batch.items] == [Decimal("0.0000125"), Decimal("0.0000102"), Decimal("0.0000125")]
    assert {f.interval_hours for f in batch.items} == {Decimal(1)}


def test_order_book_sorted_best_first_and_depth() -> None:
    book = parse.order_book_from(sample("l2_book"))
    assert book.venue_symbol == "BTC" and book.ts == datetime.fromtimestamp(1764774730.114, UTC)
    assert [lv.price for lv in book.bids] == [Decimal("92697.0"), Decimal("92696.0"), Decimal("92695.0")]
    assert [lv.price for lv in book.asks] == [Decimal("92698.0"), Decimal("92699.0"), Decimal("92700.0")]
    assert book.bids[0].size == Decimal("1.21733")
    shallow = parse.order_book_from(sample("l2_book"), depth=1)
    assert len(shallow.bids) == len(shallow.asks) == 1
    ws = parse.order_book_from(sample("ws_l2_book")["data"])
    assert ws.best_bid == Decimal("92697.0") and ws.best_ask == Decimal("92698.0")


def test_price_tick_rules() -> None:
    assert parse.price_tick(Decimal("110427"), 5) == Decimal(1)  # integer prices are always valid
    assert parse.price_tick(Decimal("3089.4"), 4) == Decimal("0.1")
    assert parse.price_tick(Decimal("0.0122763"), 0) == Decimal("0.000001")  # 6 - szDecimals caps decimals
    assert parse.price_tick(Decimal("0.0122763"), 2) == Decimal("0.0001")


# ---- unknown units, bad rows, bad envelopes -----------------------------------------------------------


def test_unknown_interval_is_a_reject_never_a_default() -> None:
    body = sample("predicted_fundings")
    body[0][1][1][1]["fundingIntervalHours"] = 0  # BTC's HlPerp entry
    batch = parse.predicted_fundings(body, NOW)
    assert [r.reason_code for r in batch.rejects] == ["unknown_unit"]
    assert [f.venue_symbol for f in batch.items] == ["SOL"]
    with pytest.raises(UnknownUnitError):
        to_rate_per_hour(Decimal("0.0001"), "per_fortnight", Decimal(1))


def test_predicted_without_interval_field_uses_the_venue_fixed_hour() -> None:
    body = sample("predicted_fundings")
    del body[0][1][1][1]["fundingIntervalHours"]  # older responses do not carry it
    btc = next(f for f in parse.predicted_fundings(body, NOW).items if f.venue_symbol == "BTC")
    assert btc.interval_hours == Decimal(1) and btc.rate_per_hour == Decimal("0.0000125")


def test_legacy_interval_before_the_2023_switch() -> None:
    assert parse.settlement_interval_hours(utc(2023, 6, 8, 0)) == Decimal(8)
    assert parse.settlement_interval_hours(utc(2023, 6, 8, 1)) == Decimal(1)


def test_bad_row_is_rejected_while_the_others_parse() -> None:
    body = sample("meta_and_asset_ctxs")
    body[1][1]["markPx"] = 3089.4  # a JSON number where the venue sends a string
    instruments = parse.instruments_from_meta_and_ctxs(copy.deepcopy(body))
    assert [r.reason_code for r in instruments.rejects] == ["parse_error"]
    assert "markPx" in instruments.rejects[0].detail
    assert [i.venue_symbol for i in instruments.items] == ["BTC", "SOL", "DOGE", "MATIC"]
    snaps = parse.snapshots_from_meta_and_ctxs(body, NOW)
    assert len(snaps.rejects) == 1 and len(snaps.items) == 3

    history = sample("funding_history")
    del history[1]["fundingRate"]
    history[2]["time"] = str(history[2]["time"])  # ms as a string: a contract change
    batch = parse.funding_history(history, NOW)
    assert len(batch.items) == 1 and len(batch.rejects) == 2
    assert {r.detail.split(":")[0] for r in batch.rejects} == {"fundingRate", "time"}


def test_envelope_errors() -> None:
    body = sample("meta_and_asset_ctxs")
    body[1].pop()  # contexts no longer align with the universe
    with pytest.raises(VenueParseError, match="contexts"):
        parse.split_meta_and_ctxs(body)
    with pytest.raises(VenueParseError):
        parse.predicted_fundings({"error": "x"}, NOW)
    with pytest.raises(VenueParseError):
        parse.funding_history(None, NOW)
    with pytest.raises(VenueParseError, match="unknown coin"):
        parse.order_book_from(None)
    book = sample("l2_book")
    book["levels"].append([])
    with pytest.raises(VenueParseError, match="sides"):
        parse.order_book_from(book)


# ---- real recorded payloads ---------------------------------------------------------------------------


def test_real_history_switches_from_8h_to_1h_on_2023_06_08() -> None:
    rows = real("hyperliquid_sdk_cassettes_2023-07/fundingHistory_BTC_from_2023-04-19.json")
    batch = parse.funding_history(rows, NOW)
    assert batch.rejects == [] and len(batch.items) == 1038
    eight = [f for f in batch.items if f.interval_hours == 8]
    one = [f for f in batch.items if f.interval_hours == 1]
    assert len(eight) == 82 and len(one) == 956
    assert eight[-1].funding_time == utc(2023, 6, 8, 0) and one[0].funding_time == utc(2023, 6, 8, 1)
    assert all(f.funding_time.hour % 8 == 0 for f in eight)
    assert eight[0].raw_rate == Decimal("-0.00061334")
    late = next(f for f in eight if f.venue_ts == datetime.fromtimestamp(1684830233.040, UTC))
    assert late.funding_time == utc(2023, 5, 23, 8)  # printed 23 minutes late, belongs to 08:00
    assert eight[0].rate_per_hour == Decimal("-0.00061334") / 8
    assert one[0].rate_per_hour == Decimal("0.0000125")
    times = [f.funding_time for f in batch.items]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert all(f.funding_time.minute == 0 and f.funding_time.second == 0 for f in batch.items)
    # the legacy 8 h prints and the hourly ones are the same order of magnitude once normalised per hour
    assert max(abs(f.rate_per_hour) for f in batch.items) < Decimal("0.0002")


def test_real_windowed_history_and_nautilus_rows_without_premium() -> None:
    rows = real("hyperliquid_sdk_cassettes_2023-07/fundingHistory_BTC_2023-04-19_to_2023-05-23.json")
    batch = parse.funding_history(rows, NOW)
    assert len(batch.items) == 34 and {f.interval_hours for f in batch.items} == {Decimal(8)}
    rows = real("nautilus_trader_fixtures/hyperliquid/http_funding_history.json")
    batch = parse.funding_history(rows, NOW)
    assert batch.rejects == [] and len(batch.items) == 3
    assert [f.funding_time.minute for f in batch.items] == [0, 0, 0]  # prints at :20 floor to their hour
    assert batch.items[2].rate_per_hour == Decimal("0.0000033")


def test_real_meta_kpepe_is_pepe_times_1000() -> None:
    meta = real("hyperliquid_sdk_cassettes_2023-07/meta_2023-07-17.json")
    instruments = [parse.instrument_from(i, row, None, "info/meta") for i, row in parse.meta_universe(meta)]
    assert len(instruments) == 28
    kpepe = next(i for i in instruments if i.venue_symbol == "kPEPE")
    assert (kpepe.asset, kpepe.multiplier) == ("PEPE", Decimal(1000))
    nullable = real("nautilus_trader_fixtures/hyperliquid/http_meta_perp_sample.json")
    rows = parse.meta_universe(nullable)
    assert [parse.instrument_from(i, r, None, "info/meta").status for i, r in rows] == [InstrumentStatus.ACTIVE] * 3


def test_real_books() -> None:
    dydx = parse.order_book_from(real("hyperliquid_sdk_cassettes_2023-07/l2Book_DYDX_2023-07-17.json"))
    assert len(dydx.bids) == len(dydx.asks) == 20
    assert dydx.best_bid == Decimal("2.111") and dydx.best_bid < dydx.best_ask
    for name in ("http_l2_book_btc", "http_l2_book_snapshot"):
        book = parse.order_book_from(real(f"nautilus_trader_fixtures/hyperliquid/{name}.json"))
        assert book.best_bid < book.best_ask
        assert [lv.price for lv in book.bids] == sorted((lv.price for lv in book.bids), reverse=True)


def test_real_all_dexs_asset_ctxs_parse_as_predicted_funding() -> None:
    frame = real("nautilus_trader_fixtures/hyperliquid/ws_all_dexs_asset_ctxs.json")
    main_dex = dict((dex, ctxs) for dex, ctxs in frame["data"]["ctxs"])[""]
    rates = [parse.predicted_from_ctx(f"C{i}", ctx, NOW, "ws/allDexsAssetCtxs") for i, ctx in enumerate(main_dex)]
    assert len(rates) == 230
    assert rates[0].rate_per_hour == Decimal("-0.0000015186")
    assert all(abs(r.rate_per_hour) <= Decimal("0.04") for r in rates)  # the venue's 4 %/h cap


def test_real_snapshot_csv_percent_per_hour_and_k_coins() -> None:
    path = REAL / "hl_aevo_mango_snapshots_2023-11" / "hl_funding_snap.csv"
    if not path.is_file():
        pytest.skip("real data absent")
    coins: set[str] = set()
    worst = Decimal(0)
    with path.open() as fh:
        for row in csv.DictReader(fh):
            coins.add(row["Token Name"])
            worst = max(worst, abs(to_rate_per_hour(Decimal(row["Funding Rate"]), RateUnit.PERCENT_PER_HOUR, None)))
    assert worst <= Decimal("0.04")  # percent per hour / 100 stays inside the 4 %/h cap
    k_coins = sorted(x for x in coins if x.startswith("k"))
    assert k_coins == ["kBONK", "kPEPE", "kSHIB"]
    assets = {parse.canonical_asset(x) for x in k_coins}
    assert assets == {("BONK", Decimal(1000)), ("PEPE", Decimal(1000)), ("SHIB", Decimal(1000))}


def test_replay_names_cover_the_samples() -> None:
    from perpdex_lib.sim.venues.hyperliquid import replay_name

    for kind, stem in [("meta", "meta"), ("metaAndAssetCtxs", "meta_and_asset_ctxs"),
                       ("predictedFundings", "predicted_fundings"), ("fundingHistory", "funding_history"),
                       ("l2Book", "l2_book"), ("allMids", "all_mids"), ("spotMeta", "spot_meta")]:
        assert replay_name("POST", "/info", {}, {"type": kind}) == stem
        assert (SAMPLES / f"{stem}.json").is_file() or not SAMPLES.is_dir()
    order = json.loads((SAMPLES / "exchange_request_order_example.json").read_text()) if SAMPLES.is_dir() else None
    if order is not None:
        assert replay_name("POST", "/exchange", {}, order) == "exchange_order_resting"
    assert replay_name("GET", "/info", {}, None) is None

"""Hand-computed examples of the opportunity maths (the same numbers as docs/OPPORTUNITIES.md)."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest

from perpdex_lib.opportunities.engine import compute, evaluate_pair
from perpdex_lib.opportunities.models import MarketInputs, Opportunity, ReasonCode, Rejection
from perpdex_lib.opportunities.params import OpportunityParams
from tests.unit.opportunities.legs import NOW, D, leg

# The worked example of docs/OPPORTUNITIES.md: ETH, long Hyperliquid (1 h), short Aster (8 h).
HL_BOOK = (((D(1999), D(3)), (D(1998), D(10))), ((D(2001), D(3)), (D(2002), D(10))))
ASTER_BOOK = (((D("1999.5"), D(4)), (D(1999), D(10))), ((D("2000.5"), D(4)), (D(2001), D(10))))


def doc_legs():  # type: ignore[no-untyped-def]
    hl = leg("hyperliquid", "0.00001", asset="ETH", symbol="ETH", mark="2001", bids=HL_BOOK[0], asks=HL_BOOK[1],
             maker="0.00015", taker="0.00045", oi="5000000", funding_age_s=60, snapshot_age_s=30, book_age_s=10,
             funding_time=NOW.replace(hour=13, minute=0))
    aster = leg("aster", D("0.0004") / 8, asset="ETH", symbol="ETHUSDT", mark="1999", interval="8",
                bids=ASTER_BOOK[0], asks=ASTER_BOOK[1], maker="0.00005", taker="0.0004", oi="2000000",
                funding_time=NOW.replace(hour=16, minute=0))
    return hl, aster


def test_worked_example_matches_the_hand_computation() -> None:
    hl, aster = doc_legs()
    params = OpportunityParams(notional_usd=D(10000), horizon_hours=D(168), execution_style="taker",
                               max_slippage_bps=D(20))
    opp = evaluate_pair(hl, aster, params, NOW)
    assert isinstance(opp, Opportunity), opp
    assert opp.spread_per_hour == D("0.00004")
    assert opp.gross_apr == D("0.3504")  # 0.00004 * 8760
    assert opp.fee_cost_usd == D(17)  # 10000 * 2 * (0.00045 + 0.0004)
    # q = 10000 / 2000 = 5 units per walk. HL: 3 units 1 USD from mid + 2 units 2 USD = 7 per side.
    # Aster: 4 units 0.5 USD from mid + 1 unit 1 USD = 3 per side.
    assert opp.slippage_cost_usd == D(20)
    assert opp.basis_bps == D(10)  # 2 * (2001 - 1999) / (2001 + 1999) = 0.001
    assert opp.basis_cost_usd == D(10)  # the long venue is dearer: paying 10 bps of 10000 USD
    assert opp.total_cost_usd == D(47)
    assert opp.funding_income_usd == D("67.2")  # 0.00004 * 10000 * 168
    assert opp.net_usd == D("20.2")
    assert opp.net_apr == D("0.105328571428571429")  # 20.2 / (10000 * 168) * 8760, 18 places
    assert opp.break_even_hours == D("117.5")  # 47 / (0.00004 * 10000)
    assert opp.oi_share == D("0.005")  # 10000 / min(5e6, 2e6)
    assert opp.liquidity_cap_usd == D(26000)  # HL: every level is within 20 bps: 13 units * mid 2000
    assert opp.long_next_funding_s == D(1800)
    assert opp.short_next_funding_s == D(12600)
    assert opp.interval_mismatch is True
    assert opp.max_input_age_s == D(60)


def test_reverse_direction_is_rejected_with_its_reason() -> None:
    hl, aster = doc_legs()
    out = evaluate_pair(aster, hl, OpportunityParams(horizon_hours=D(168)), NOW)
    assert isinstance(out, Rejection)
    assert out.reason_code is ReasonCode.SPREAD_BELOW_MIN


def test_short_horizon_does_not_pay_back_the_one_off_cost() -> None:
    hl, aster = doc_legs()
    out = evaluate_pair(hl, aster, OpportunityParams(horizon_hours=D(72)), NOW)
    # income 28.8 < cost 47: net APR = -18.2 / 720000 * 8760 < 0
    assert isinstance(out, Rejection) and out.reason_code is ReasonCode.NET_APR_BELOW_MIN
    assert "-0.221433333333333333" in out.detail


def test_maker_style_charges_maker_fees_and_a_rebate_counts() -> None:
    hl, aster = doc_legs()
    maker = evaluate_pair(hl, aster, OpportunityParams(horizon_hours=D(168), execution_style="maker"), NOW)
    assert isinstance(maker, Opportunity)
    assert maker.fee_cost_usd == D(4)  # 10000 * 2 * (0.00015 + 0.00005)
    assert maker.total_cost_usd == D(34)
    grvt = leg("grvt", "0.0001", maker="-0.0001", taker="0.00055")
    lighter = leg("lighter", "0.00001", maker="0", taker="0")
    rebate = evaluate_pair(lighter, grvt, OpportunityParams(execution_style="maker"), NOW)
    taker = evaluate_pair(lighter, grvt, OpportunityParams(execution_style="taker"), NOW)
    assert isinstance(rebate, Opportunity) and isinstance(taker, Opportunity)
    assert rebate.fee_cost_usd == D(-2)  # the GRVT maker rebate: 10000 * 2 * -0.0001
    assert rebate.break_even_hours == 0  # cost <= 0 pays back at once
    assert taker.fee_cost_usd == D(11)


def test_liquidity_cap_solves_the_level_where_slippage_reaches_the_limit() -> None:
    # asks: 1 unit 1 USD from mid, then 10 units 10 USD from mid; limit 20 bps of mid 2000 = 4 USD/unit.
    # Past the first level: (4*1 - 1) / (10 - 4) = 0.5 more units -> cap 1.5 units = 3000 USD,
    # where slippage 1 + 0.5*10 = 6 USD = 20 bps of 3000 USD.
    bids = ((D(1999), D(100)),)
    asks = ((D(2001), D(1)), (D(2010), D(10)))
    a = leg("lighter", "0", bids=bids, asks=asks, mark="2000")
    b = leg("grvt", "0.0001", mark="2000", bids=((D(2000), D(1000)),), asks=((D(2000), D(1000)),))
    opp = evaluate_pair(a, b, OpportunityParams(notional_usd=D(2000), max_slippage_bps=D(20)), NOW)
    assert isinstance(opp, Opportunity)
    assert opp.liquidity_cap_usd == D(3000)
    # at 2000 USD (1 unit) only the first level is used: 1 USD on the asks, 1 USD on the bids
    assert opp.slippage_cost_usd == D(2)
    over = evaluate_pair(a, b, OpportunityParams(notional_usd=D(4000), max_slippage_bps=D(20)), NOW)
    assert isinstance(over, Rejection) and over.reason_code is ReasonCode.SLIPPAGE_ABOVE_MAX
    thin = evaluate_pair(a, b, OpportunityParams(notional_usd=D(40000), max_slippage_bps=D(1000)), NOW)
    assert isinstance(thin, Rejection) and thin.reason_code is ReasonCode.INSUFFICIENT_DEPTH


def test_prices_are_compared_per_canonical_unit() -> None:
    # kPEPE at 0.012 per 1000 PEPE equals PEPE at 0.000012: no basis, not a 99.9 % gap.
    k = leg("hyperliquid", "0", asset="PEPE", symbol="kPEPE", mark="0.012", multiplier="1000")
    p = leg("lighter", "0.0001", asset="PEPE", symbol="PEPE", mark="0.000012")
    opp = evaluate_pair(k, p, OpportunityParams(), NOW)
    assert isinstance(opp, Opportunity)
    assert opp.basis_bps == 0


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"funding_age_s": 901}, ReasonCode.STALE_FUNDING),
        ({"snapshot_age_s": 901}, ReasonCode.STALE_SNAPSHOT),
        ({"book_age_s": 301}, ReasonCode.STALE_BOOK),
        ({"rate_per_hour": None}, ReasonCode.MISSING_FUNDING),
        ({"oi": None}, ReasonCode.MISSING_OPEN_INTEREST),
        ({"volume": None}, ReasonCode.MISSING_VOLUME),
        ({"taker": None}, ReasonCode.MISSING_FEE),
        ({"status": "halted"}, ReasonCode.INSTRUMENT_INACTIVE),
    ],
)
def test_missing_or_stale_inputs_fail_closed(kwargs, reason) -> None:  # type: ignore[no-untyped-def]
    rate = kwargs.pop("rate_per_hour", "0.001")  # a huge spread that would otherwise be accepted
    good = leg("lighter", "0")
    bad = leg("grvt", rate, **kwargs)
    for long, short in ((good, bad), (bad, good)):
        out = evaluate_pair(long, short, OpportunityParams(), NOW)
        assert isinstance(out, Rejection) and out.reason_code is reason, out


def test_a_fresh_leg_at_the_age_limit_is_still_accepted() -> None:
    out = evaluate_pair(leg("lighter", "0", funding_age_s=900, book_age_s=300),
                        leg("grvt", "0.001", snapshot_age_s=900), OpportunityParams(), NOW)
    assert isinstance(out, Opportunity)
    assert out.max_input_age_s == D(900)


def test_missing_volume_or_oi_never_passes_a_filter() -> None:
    # The old system let NULL volume/OI through its minimum filters; here a missing value rejects even
    # when the threshold itself is disabled.
    out = evaluate_pair(leg("lighter", "0", volume=None), leg("grvt", "0.001"),
                        OpportunityParams(min_volume_24h_usd=D(0)), NOW)
    assert isinstance(out, Rejection) and out.reason_code is ReasonCode.MISSING_VOLUME


def test_ranking_is_by_net_apr_then_deterministic_names() -> None:
    legs = (
        leg("lighter", "0", asset="ETH"), leg("grvt", "0.0001", asset="ETH"),
        leg("lighter", "0", asset="BTC"), leg("grvt", "0.0001", asset="BTC"),  # tie with ETH
        leg("aster", "0.0002", asset="BTC"),
    )
    result = compute(MarketInputs(legs=legs), OpportunityParams(), NOW)
    keys = [(o.rank, o.asset, o.long_venue, o.short_venue) for o in result.opportunities]
    assert keys == [
        (1, "BTC", "lighter", "aster"),
        (2, "BTC", "grvt", "aster"),  # spread 0.0001 like the two below; "BTC" < "ETH", grvt < lighter
        (3, "BTC", "lighter", "grvt"),
        (4, "ETH", "lighter", "grvt"),
    ]
    assert compute(MarketInputs(legs=tuple(reversed(legs))), OpportunityParams(), NOW) == result
    assert {r.reason_code for r in result.rejections} == {ReasonCode.SPREAD_BELOW_MIN}
    assert len(result.rejections) == 4  # the four reversed directions


def test_assets_on_a_single_venue_make_no_pairs() -> None:
    result = compute(MarketInputs(legs=(leg("lighter", "0", asset="X"), leg("lighter", "1", asset="X", symbol="X2"))),
                     OpportunityParams(), NOW)
    assert result.opportunities == () and result.rejections == ()


def test_persistence_stats_need_history_when_required() -> None:
    out = evaluate_pair(leg("lighter", "0"), leg("grvt", "0.001"), OpportunityParams(min_history_hours=1), NOW)
    assert isinstance(out, Rejection) and out.reason_code is ReasonCode.HISTORY_TOO_SHORT


def test_sqrt_of_the_known_variance() -> None:
    assert math.isclose(math.sqrt(2e-10 / 7), 5.345224838248488e-06)
    _ = timedelta  # keep import for readers: windows are hour-based


def test_fee_overrides_file_replaces_single_entries(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from perpdex_lib.fees import DEFAULT_FEES, load_fee_table

    path = tmp_path / "fees.yml"
    path.write_text("aster:\n  default: {maker: '0.0001', taker: '0.00035', confidence: high}\n"
                    "lighter:\n  vip: {maker: '-0.00002', taker: '0.0002'}\n")
    table = load_fee_table(path)
    assert table.get("aster").taker == D("0.00035") and table.get("aster").confidence == "high"
    assert table.get("lighter", "vip").maker == D("-0.00002")
    assert table.get("hyperliquid") == next(s for s in DEFAULT_FEES if s.venue == "hyperliquid")
    assert table.for_tiers("lighter", {"lighter": "vip"}).taker == D("0.0002")
    assert table.get("grvt", "vip") is None  # unknown tiers are missing (the engine rejects), never defaulted
    example = load_fee_table(Path(__file__).resolve().parents[3] / "configs" / "fees.example.yml")
    assert example.get("aster").maker == D("0.0001")


def test_params_from_mapping_refuses_unknown_keys() -> None:
    p = OpportunityParams.from_mapping({"notional_usd": 5000, "horizon_hours": "24", "execution_style": "maker",
                                        "fee_tiers": {"lighter": "premium"}})
    assert p.notional_usd == D(5000) and p.execution_style == "maker" and p.fee_tier("lighter") == "premium"
    assert OpportunityParams.from_mapping(p.to_json()) == p
    with pytest.raises(ValueError, match="horizon"):
        OpportunityParams.from_mapping({"horizon": 24})

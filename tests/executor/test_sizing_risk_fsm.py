from __future__ import annotations

from decimal import Decimal as D

import pytest

from executor.fsm import IllegalTransition, OrderState, PairState, check_order, check_pair
from executor.risk import Denial, EntryRequest, Exposure, RiskLimits, TradingState, check_entry
from executor.sizing import SizingError, decimal_lcm, round_price, size_pair
from perpdex_lib.domain import Instrument, InstrumentStatus, Venue


def inst(venue: Venue, lot: str, mult: str = "1", min_notional: str | None = "10", asset: str = "BTC") -> Instrument:
    return Instrument(
        venue=venue, venue_symbol=f"{asset}-{venue}", asset=asset, multiplier=D(mult), quote="USD",
        tick_size=D("0.1"), lot_size=D(lot), min_size=D(lot),
        min_notional_usd=None if min_notional is None else D(min_notional),
        max_leverage=D(20), funding_interval_hours=D(1), status=InstrumentStatus.ACTIVE,
    )


def test_lcm_of_decimal_lots():
    assert decimal_lcm(D("0.001"), D("0.0004")) == D("0.002")
    assert decimal_lcm(D("0.01"), D("0.01")) == D("0.01")
    assert decimal_lcm(D("100"), D("0.1")) == D("100")


def test_both_legs_hold_the_same_canonical_quantity():
    size = size_pair(inst(Venue.LIGHTER, "0.001"), inst(Venue.ASTER, "0.0004"), D(100_000), D(100_050), D(1000))
    # 1000 / 100050 = 0.009995 -> floor to 0.002 -> 0.008
    assert size.canonical_qty == D("0.008")
    assert size.long.qty == size.short.qty == D("0.008")
    assert size.long.notional_usd <= D(1000) and size.short.notional_usd <= D(1000)


def test_multiplier_legs_kpepe_vs_pepe():
    hl = inst(Venue.HYPERLIQUID, "1", mult="1000", asset="PEPE")  # kPEPE, price per 1000 PEPE
    grvt = inst(Venue.GRVT, "100", asset="PEPE")
    size = size_pair(hl, grvt, D("0.0121"), D("0.0000121"), D(500))
    assert size.long.qty * 1000 == size.short.qty == size.canonical_qty
    assert size.canonical_qty % 1000 == 0


def test_too_small_is_a_sizing_error_with_a_code():
    with pytest.raises(SizingError) as info:
        size_pair(inst(Venue.LIGHTER, "0.01"), inst(Venue.ASTER, "0.01"), D(100_000), D(100_000), D(500))
    assert info.value.code == "below_lot"
    with pytest.raises(SizingError) as info:
        size_pair(inst(Venue.LIGHTER, "0.0001", min_notional="100"), inst(Venue.ASTER, "0.0001"),
                  D(100_000), D(100_000), D(50))
    assert info.value.code == "below_min_notional"


def test_round_price_never_crosses_further():
    assert round_price(D("100.17"), D("0.1"), side="buy") == D("100.1")
    assert round_price(D("100.11"), D("0.1"), side="sell") == D("100.2")


def _req(**kw) -> EntryRequest:
    base = dict(asset="BTC", long_venue="lighter", short_venue="aster", notional_usd=D(1000), leverage=D(2),
                input_age_s=5.0)
    base.update(kw)
    return EntryRequest(**base)


@pytest.mark.parametrize(
    ("state", "exposure", "req", "code"),
    [
        (TradingState.REDUCE_ONLY, Exposure(reconciled=True), _req(), Denial.TRADING_STATE),
        (TradingState.HALTED, Exposure(reconciled=True), _req(), Denial.TRADING_STATE),
        (TradingState.ACTIVE, Exposure(reconciled=False), _req(), Denial.RECONCILIATION),
        (TradingState.ACTIVE, Exposure(reconciled=True, unknown_orders=1), _req(), Denial.UNKNOWN_ORDERS),
        (TradingState.ACTIVE, Exposure(reconciled=True, broken_pairs=1), _req(), Denial.BROKEN_PAIRS),
        (TradingState.ACTIVE, Exposure(reconciled=True), _req(input_age_s=500), Denial.STALE_INPUTS),
        (TradingState.ACTIVE, Exposure(reconciled=True, assets_in_use=frozenset({"BTC"})), _req(), Denial.ASSET_BUSY),
        (TradingState.ACTIVE, Exposure(reconciled=True, open_pairs=5), _req(), Denial.MAX_OPEN_PAIRS),
        (TradingState.ACTIVE, Exposure(reconciled=True), _req(notional_usd=D(6000)), Denial.ORDER_NOTIONAL),
        (TradingState.ACTIVE, Exposure(reconciled=True), _req(leverage=D(5)), Denial.MAX_LEVERAGE),
        (TradingState.ACTIVE, Exposure(reconciled=True, gross_usd_by_venue={"aster": D(19_500)}), _req(),
         Denial.VENUE_NOTIONAL),
        (TradingState.ACTIVE, Exposure(reconciled=True, gross_usd_by_venue={"a": D(19_000), "b": D(19_000),
                                                                            "c": D(11_000)}), _req(),
         Denial.GLOBAL_NOTIONAL),
    ],
)
def test_risk_gate_denials_carry_codes(state, exposure, req, code):
    decision = check_entry(req, state, exposure, RiskLimits())
    assert not decision.allowed and decision.code is code and decision.detail


def test_risk_gate_allows_a_clean_entry():
    assert check_entry(_req(), TradingState.ACTIVE, Exposure(reconciled=True), RiskLimits()).allowed


def test_timeouts_can_never_become_rejections_without_passing_through_unknown_then_evidence():
    assert check_order(OrderState.SUBMITTED, OrderState.UNKNOWN) is OrderState.UNKNOWN
    assert check_order(OrderState.UNKNOWN, OrderState.FILLED) is OrderState.FILLED
    with pytest.raises(IllegalTransition):
        check_order(OrderState.FILLED, OrderState.REJECTED)
    with pytest.raises(IllegalTransition):
        check_order(OrderState.PENDING_SUBMIT, OrderState.REJECTED)  # nothing was sent: no venue evidence


def test_pair_cannot_skip_from_open_to_closed():
    with pytest.raises(IllegalTransition):
        check_pair(PairState.OPEN, PairState.CLOSED)
    assert check_pair(PairState.ENTERING, PairState.HEDGING) is PairState.HEDGING

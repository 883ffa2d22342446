"""Exit rules, with the old system's test numbers (shared/docs/prior_art.md §6) re-derived as our own cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from executor.exits import (
    ExitReason,
    ExitRules,
    PairView,
    evaluate_exit,
    leg_imbalance,
    liquidation_distance,
    should_defer_exit,
    spread_fraction,
)

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def view(entry: str, current: str | None, age_h: float = 1, long_q: str = "1", short_q: str = "1", **kw) -> PairView:
    return PairView(
        opened_at=NOW - timedelta(hours=age_h),
        entry_divergence=D(entry),
        current_divergence=None if current is None else D(current),
        long_canonical_qty=D(long_q),
        short_canonical_qty=D(short_q),
        **kw,
    )


def test_divergence_flip_exits():
    # old: flip_margin 0, current divergence -0.001 -> DIVERGENCE_FLIPPED
    assert evaluate_exit(view("0.05", "-0.001"), ExitRules(), NOW) is ExitReason.DIVERGENCE_FLIPPED


def test_profit_erosion_threshold():
    # old: min_erosion_ratio 0.5, entry 0.04, current 0.015 (ratio 0.375) -> PROFIT_EROSION
    rules = ExitRules(min_erosion_ratio=D("0.5"))
    assert evaluate_exit(view("0.04", "0.015"), rules, NOW) is ExitReason.PROFIT_EROSION


@pytest.mark.parametrize(
    ("current", "age_h", "expected"),
    [
        ("-0.0001", 1, ExitReason.DIVERGENCE_FLIPPED),
        ("0.015", 1, ExitReason.SEVERE_EROSION),  # ratio 0.3 < 0.4
        ("0.028", 1, ExitReason.PROFIT_EROSION),  # ratio 0.56 < 0.6
        ("0.045", 200, ExitReason.TIME_LIMIT),  # ratio 0.9, aged 200 h > 100 h
        ("0.045", 1, None),  # healthy
    ],
)
def test_combined_priority(current, age_h, expected):
    # old: min 0.6, severe 0.4, flip 0, max age 100 h, entry 0.05
    rules = ExitRules(min_erosion_ratio=D("0.6"), severe_erosion_ratio=D("0.4"), max_age=timedelta(hours=100))
    assert evaluate_exit(view("0.05", current, age_h=age_h), rules, NOW) is expected


@pytest.mark.parametrize(
    ("a", "b", "imbalanced"),
    [
        ("72", "1", True), ("100", "90", True), ("100", "94", True), ("100", "94.9", True),
        ("100", "100", False), ("100", "96", False), ("100", "95", False),  # exactly 5 % is not imbalanced
        ("50", "49", False), ("50.5", "50.0", False), ("100", "-90", True), ("90", "100", True),
    ],
)
def test_leg_imbalance_rule(a, b, imbalanced):
    reason = evaluate_exit(view("0.05", "0.05", long_q=a, short_q=b), ExitRules(), NOW)
    assert (reason is ExitReason.LEG_IMBALANCE) is imbalanced


@pytest.mark.parametrize(("a", "b"), [(None, "1"), ("0", "1"), ("1", "0")])
def test_missing_or_zero_leg_has_no_imbalance_figure(a, b):
    assert leg_imbalance(None if a is None else D(a), D(b)) is None


def test_liquidation_distance_below_ten_percent_exits_first():
    assert liquidation_distance("long", D(100), D(92)) == D("0.08")
    assert liquidation_distance("short", D(100), D(109)) == D("0.09")
    v = view("0.05", "-0.01", long_liq_distance=D("0.08"))
    assert evaluate_exit(v, ExitRules(), NOW) is ExitReason.LIQUIDATION_RISK


def test_no_funding_data_means_no_funding_exit_but_age_still_applies():
    assert evaluate_exit(view("0.05", None, age_h=1), ExitRules(), NOW) is None
    assert evaluate_exit(view("0.05", None, age_h=200), ExitRules(), NOW) is ExitReason.TIME_LIMIT


@pytest.mark.parametrize(
    ("bid", "ask", "expected"),
    [("100", "102", D(2) / D(101)), ("100", "100", D(0)), ("0", "100", None), ("101", "100", None)],
)
def test_spread_fraction(bid, ask, expected):
    assert spread_fraction(D(bid), D(ask)) == expected


def test_wide_spread_defers_only_non_urgent_exits():
    rules = ExitRules()
    wide = [spread_fraction(D(100), D(103)), spread_fraction(D(100), D("100.1"))]
    ok = [spread_fraction(D(100), D("101.5")), spread_fraction(D(100), D("100.1"))]
    assert should_defer_exit(ExitReason.PROFIT_EROSION, wide, rules) is True
    assert should_defer_exit(ExitReason.PROFIT_EROSION, ok, rules) is False
    assert should_defer_exit(ExitReason.LEG_IMBALANCE, wide, rules) is False
    assert should_defer_exit(ExitReason.TIME_LIMIT, [None, ok[0]], rules) is True  # no book: wait

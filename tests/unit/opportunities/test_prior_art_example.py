"""The old system's worked example (docs/prior_art.md §2), where our answers must differ.

Their rates are fractions per 8 h: lighter +0.0001, aster -0.00005, paradex +0.0003, backpack +0.0001.
They charge the whole round-trip fee F = 2(f_L + f_S) against ONE 8 h payment and annualise the result
(x 1095), i.e. they implicitly assume every position is closed and reopened every 8 hours. We charge F
once over the holding horizon H. The two agree only at H = 8 h, which this test also proves.
"""

from __future__ import annotations

from decimal import Decimal

from perpdex_lib.opportunities.engine import evaluate_pair
from perpdex_lib.opportunities.models import Opportunity, ReasonCode, Rejection
from perpdex_lib.opportunities.params import OpportunityParams
from tests.unit.opportunities.legs import NOW, D, leg

EIGHT = Decimal(8)
FEES = {  # prior_art §1a table: (maker, taker)
    "lighter": ("0", "0"), "aster": ("0.00005", "0.0004"), "paradex": ("0.00003", "0.0002"),
    "backpack": ("0.0002", "0.0005"),
}
RATES_8H = {"lighter": "0.0001", "aster": "-0.00005", "paradex": "0.0003", "backpack": "0.0001"}


def _leg(venue: str):  # type: ignore[no-untyped-def]
    maker, taker = FEES[venue]
    return leg(venue, D(RATES_8H[venue]) / EIGHT, interval="8", maker=maker, taker=taker)


def _apr(long: str, short: str, style: str, horizon: int) -> Decimal:
    out = evaluate_pair(_leg(long), _leg(short),
                        OpportunityParams(execution_style=style, horizon_hours=D(horizon), min_net_apr=D(-10)), NOW)
    assert isinstance(out, Opportunity), out
    return out.net_apr


def test_maker_long_aster_short_paradex() -> None:
    # Theirs: d = 0.00035, F = 0.00016, n = 0.00019 per 8 h, "APY" 20.805 %.
    # Ours over a one-year hold: 0.00035/8 * 8760 - 0.00016 = 0.38325 - 0.00016 = 0.38309 (38.3 %).
    assert _apr("aster", "paradex", "maker", 8760) == D("0.38309")
    # Same formula at H = 8 h reproduces their number: they assume a full round trip every interval.
    assert _apr("aster", "paradex", "maker", 8) == D("0.20805")


def test_taker_long_aster_short_paradex_is_profitable_not_minus_93_percent() -> None:
    # Theirs: F = 0.0012 > d, reported "APY" -93.1 %. Ours: a year's hold earns 0.38325 - 0.0012 = 38.2 %,
    # a week's hold 0.38325 - 0.0012 * 8760/168 = 32.07 %.
    assert _apr("aster", "paradex", "taker", 8760) == D("0.38205")
    assert _apr("aster", "paradex", "taker", 168) == D("0.320678571428571429")
    assert _apr("aster", "paradex", "taker", 8) == D("-0.93075")


def test_long_backpack_short_paradex_is_accepted_over_a_week() -> None:
    # Theirs: d = 0.0002 < F = 0.00046, rejected. Over 168 h the funding (0.0042 N) covers the fees (0.00046 N).
    out = evaluate_pair(_leg("backpack"), _leg("paradex"),
                        OpportunityParams(execution_style="maker", horizon_hours=D(168)), NOW)
    assert isinstance(out, Opportunity)
    assert out.net_apr == D("0.195014285714285714")  # (0.0042 - 0.00046) / 168 * 8760
    assert out.break_even_hours == D("18.4")  # 0.00046 / 0.000025


def test_equal_rates_make_no_opportunity_in_either_direction() -> None:
    for long, short in (("lighter", "backpack"), ("backpack", "lighter")):
        out = evaluate_pair(_leg(long), _leg(short), OpportunityParams(), NOW)
        assert isinstance(out, Rejection) and out.reason_code is ReasonCode.SPREAD_BELOW_MIN

from decimal import Decimal as D

import pytest

from perpdex_lib.domain.enums import RateUnit
from perpdex_lib.domain.units import UnknownUnitError, to_rate_per_hour


@pytest.mark.parametrize(
    ("raw", "unit", "interval", "expected"),
    [
        (D("0.0001"), RateUnit.FRACTION_PER_INTERVAL, D(8), D("0.0000125")),
        (D("0.0001"), RateUnit.FRACTION_PER_INTERVAL, D(4), D("0.000025")),
        (D("0.0001"), RateUnit.FRACTION_PER_INTERVAL, D(1), D("0.0001")),
        (D("0.0012"), RateUnit.PERCENT_PER_HOUR, None, D("0.000012")),
        (D("0.000096"), RateUnit.FRACTION_PER_8H, None, D("0.000012")),
        (D("0.01"), RateUnit.PERCENT_PER_8H, None, D("0.0000125")),
        (D("0.01"), RateUnit.PERCENT_PER_INTERVAL, D(8), D("0.0000125")),
        (D("-0.00003"), RateUnit.FRACTION_PER_HOUR, None, D("-0.00003")),
    ],
)
def test_normalises_to_fraction_per_hour(raw, unit, interval, expected):
    assert to_rate_per_hour(raw, unit, interval) == expected


@pytest.mark.parametrize("interval", [None, D(0), D(-8), D("NaN")])
def test_per_interval_units_need_a_real_interval(interval):
    with pytest.raises(UnknownUnitError):
        to_rate_per_hour(D("0.0001"), RateUnit.FRACTION_PER_INTERVAL, interval)


def test_unknown_unit_is_an_error_not_a_default():
    with pytest.raises(UnknownUnitError, match="bps_per_day"):
        to_rate_per_hour(D("1"), "bps_per_day", D(8))

"""Persistence of a spread: settled funding turned into an hourly series per leg, then pair statistics.

A settlement at time ``t`` for an interval of ``h`` hours paid ``rate_per_hour`` during each of the ``h``
hours before ``t`` (hour buckets ``floor(t) - k h`` for k = 1..ceil(h)), so 1 h, 4 h and 8 h venues become
comparable hour by hour. Continuously accruing venues (Paradex) report observations, not settlements;
each observation belongs to its own hour bucket. Several contributions to one bucket are averaged.
The pair series is short minus long over the hours where both legs have a value.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from perpdex_lib.opportunities.models import Persistence, SettledRate
from perpdex_lib.opportunities.numeric import div18, div36, floor_hour, sqrt18

_HOUR = timedelta(hours=1)


def hourly_series(
    rates: Iterable[SettledRate], continuous: bool, window_start: datetime, window_end: datetime
) -> dict[datetime, Decimal]:
    """Hour bucket start -> fraction per hour, for buckets in ``[window_start, window_end)``."""
    sums: dict[datetime, Decimal] = defaultdict(Decimal)
    counts: dict[datetime, int] = defaultdict(int)
    for r in rates:
        end = floor_hour(r.funding_time)
        if continuous:
            buckets: Iterable[datetime] = (end,)
        else:
            buckets = (end - k * _HOUR for k in range(1, math.ceil(r.interval_hours) + 1))
        for b in buckets:
            if window_start <= b < window_end:
                sums[b] += r.rate_per_hour
                counts[b] += 1
    return {b: div18(sums[b], Decimal(counts[b])) for b in sums}


def spread_stats(long_series: Mapping[datetime, Decimal], short_series: Mapping[datetime, Decimal],
                 since: datetime) -> Persistence:
    """Mean, sample stdev and share of hours > 0 of (short - long) over common hours at or after ``since``."""
    n = 0
    total = Decimal(0)
    total_sq = Decimal(0)
    positive = 0
    for hour, long_rate in long_series.items():
        if hour < since or hour not in short_series:
            continue
        d = short_series[hour] - long_rate
        n += 1
        total += d
        total_sq += d * d
        positive += d > 0
    if n == 0:
        return Persistence(hours=0, mean=None, stdev=None, share_positive=None)
    nd = Decimal(n)
    stdev = sqrt18(div36(nd * total_sq - total * total, nd * (nd - 1))) if n >= 2 else None
    return Persistence(hours=n, mean=div18(total, nd), stdev=stdev, share_positive=div18(Decimal(positive), nd))

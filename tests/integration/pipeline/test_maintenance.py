"""Maintenance on a real database: freshness per venue, retention by whole partitions, quarantine summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from perpdex_lib.domain import FundingKind, FundingRate, MarketSnapshot, RateUnit, Venue
from perpdex_lib.pipeline.config import PipelineSettings
from perpdex_lib.pipeline.maintenance import (
    apply_retention,
    ensure_partitions,
    freshness,
    quarantine_summary,
    refresh_rollups,
)
from perpdex_lib.venues.batch import Reject
from perpdex_lib.warehouse.load import load_funding_rates, load_snapshots, quarantine

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC).replace(microsecond=0)


def _rate(venue: Venue, kind: FundingKind, t: datetime, observed: datetime) -> FundingRate:
    return FundingRate(venue, "BTC", "BTC", kind, t, Decimal("0.0001"), RateUnit.FRACTION_PER_INTERVAL, Decimal(1),
                       None, observed)


def test_freshness_flags_the_stale_venue_only(clean_db: str) -> None:
    hour = NOW.replace(minute=0, second=0)
    with psycopg.connect(clean_db) as conn:
        load_funding_rates(conn, [
            _rate(Venue.LIGHTER, FundingKind.SETTLED, hour, NOW),
            _rate(Venue.LIGHTER, FundingKind.PREDICTED, hour + timedelta(hours=1), NOW),
            _rate(Venue.ASTER, FundingKind.SETTLED, hour - timedelta(hours=30), NOW),  # a day and more behind
            _rate(Venue.ASTER, FundingKind.PREDICTED, hour + timedelta(hours=1), NOW - timedelta(hours=2)),
        ])  # fmt: skip
    items = {f.venue: f for f in freshness(lambda: psycopg.connect(clean_db), NOW,
                                           [Venue.LIGHTER, Venue.ASTER, Venue.GRVT], PipelineSettings())}
    assert not items["lighter"].stale
    assert items["aster"].stale and "settled" in items["aster"].reason and "prediction" in items["aster"].reason
    assert items["grvt"].stale and "no settled funding" in items["grvt"].reason


def test_retention_drops_whole_old_partitions_and_keeps_recent_rows(clean_db: str) -> None:
    def connect() -> psycopg.Connection:
        return psycopg.connect(clean_db)

    old = NOW - timedelta(days=120)

    def snap(ts: datetime) -> MarketSnapshot:
        return MarketSnapshot(Venue.GRVT, "BTC_USDT_Perp", "BTC", ts, Decimal(1), Decimal(1), None, None, None)

    with connect() as conn:
        load_snapshots(conn, [snap(old), snap(NOW)])
        quarantine(conn, [Reject("grvt", "funding", "parse_error", "x", {"a": 1})], "r1")
        conn.execute("UPDATE dq.quarantine SET quarantined_at = %s", (NOW - timedelta(days=200),))
        quarantine(conn, [Reject("grvt", "funding", "rate_out_of_range", "y", {"b": 2})], "r2")
    assert ensure_partitions(connect, NOW) >= 0
    done = apply_retention(connect, NOW, PipelineSettings())
    assert done["market.market_snapshots:partitions_dropped"] >= 1
    assert done["dq.quarantine:rows_deleted"] == 1
    with connect() as conn:
        assert [r[0] for r in conn.execute("SELECT ts FROM market.market_snapshots").fetchall()] == [NOW]
    summary = quarantine_summary(connect, NOW - timedelta(hours=1))
    assert summary == [{"venue": "grvt", "endpoint": "funding", "reason_code": "rate_out_of_range", "rows": 1}]


def test_refresh_rollups_keeps_the_dashboards_daily_table_current(clean_db: str) -> None:
    day = NOW.replace(hour=0, minute=0, second=0)
    rates = [
        FundingRate(Venue.LIGHTER, "BTC", "BTC", FundingKind.SETTLED, day + timedelta(hours=h), Decimal(raw),
                    RateUnit.FRACTION_PER_INTERVAL, Decimal(1), None, NOW)
        for h, raw in ((1, "0.0001"), (2, "0.0003"))
    ]
    with psycopg.connect(clean_db) as conn:
        load_funding_rates(conn, rates)
    assert refresh_rollups(lambda: psycopg.connect(clean_db), day) == 1
    with psycopg.connect(clean_db) as conn:
        row = conn.execute("SELECT asset, venue, rate_per_hour_avg, rate_per_hour_min, rate_per_hour_max, samples "
                           "FROM reporting.funding_daily WHERE day >= %s", (day,)).fetchone()  # other days: other tests
    assert row == ("BTC", "lighter", Decimal("0.0002"), Decimal("0.0001"), Decimal("0.0003"), 2)

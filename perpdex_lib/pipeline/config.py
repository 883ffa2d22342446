"""Pipeline settings (env prefix ``PERPDEX_PIPELINE_``): schedules, venues, thresholds, retention.

Kept apart from :mod:`perpdex_lib.config` so the DAG files can read them cheaply at parse time.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from perpdex_lib.domain.enums import Venue


class PipelineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PERPDEX_PIPELINE_", extra="ignore")

    venues: list[Venue] = Field(default_factory=lambda: list(Venue))
    ingest_schedule: str = "*/5 * * * *"
    backfill_schedule: str = "@daily"
    maintenance_schedule: str = "@hourly"
    # Live data can only be fetched "now": a run whose interval ended longer ago than this is skipped
    # (a backlog of late runs would only hammer the venues for the same current data).
    max_live_lag_s: int = 3600
    # Snapshots and books are keyed on the observation time floored to this grid (the ingest period), so a
    # re-run within the period hits the same keys, and a late run is stamped with when it really looked.
    snapshot_bucket_s: int = 300
    # Order books per venue per ingest: 0 = every active instrument, N = top N by open interest. 50 keeps a
    # rate-limited venue (Lighter: 60 requests/min) well inside the 5-minute schedule.
    books_top_n: int = 50
    book_depth: int = 20
    # The venue task fails when more than this share of extracted rows is rejected.
    max_reject_ratio: Decimal = Decimal("0.2")
    # Row rule bounds: a funding rate beyond this (fraction per hour, absolute) is quarantined ...
    max_abs_rate_per_hour: Decimal = Decimal("0.01")
    # ... and the hard gate fails the batch when a rate that reached it is beyond this (a unit bug).
    hard_abs_rate_per_hour: Decimal = Decimal("0.05")
    # A predicted rate whose venue timestamp is older than this is quarantined as stale.
    max_venue_ts_age_s: int = 600
    venue_timeout_s: float = 180.0  # budget of one venue's extract (the task timeout is a bit larger)
    # Freshness alert: newest settled funding older than interval + slack; newest predicted older than this.
    freshness_slack_s: int = 1800
    predicted_max_age_s: int = 1200
    # Retention (0 = keep forever).
    snapshots_retention_days: int = 30
    books_retention_days: int = 7
    quarantine_retention_days: int = 90
    ingest_runs_retention_days: int = 90
    opportunity_runs_retention_days: int = 14
    signals_retention_days: int = 14
    # Executor heartbeat older than this: "executor not running" warning.
    executor_heartbeat_max_age_s: int = 120
    backfill_concurrency: int = 8
    # Airflow 3 cron schedules give zero-length data intervals: a backfill run then covers the window of
    # this many hours that ends at its logical date (floored to the window).
    backfill_window_hours: int = 24
    # The first interval the backfill DAG knows (Airflow backfills can start from here).
    backfill_start: str = "2026-01-01"


@lru_cache(maxsize=1)
def get_pipeline_settings() -> PipelineSettings:
    return PipelineSettings()

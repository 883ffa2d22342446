"""Settled funding history, one data interval (a day) per run, one task per venue in its pool.

A pure function of the interval (upsert on the natural key): Airflow backfills work and re-runs are no-ops,
e.g. ``airflow backfill create --dag-id perpdex_backfill --from-date 2026-10-01 --to-date 2026-10-31``.
Logic: perpdex_lib.pipeline.backfill.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task

from perpdex_lib.pipeline import dagconf as conf


@dag(
    dag_id="perpdex_backfill",
    schedule=conf.settings().backfill_schedule,
    start_date=conf.START_DATE,
    catchup=False,
    max_active_runs=2,
    default_args=conf.default_args(timedelta(minutes=30)),
    tags=["perpdex", "backfill"],
    doc_md=__doc__,
)
def perpdex_backfill() -> None:
    @task
    def backfill(venue: str) -> dict:
        from perpdex_lib.pipeline.tasks import run_backfill

        return run_backfill(venue)

    for venue in conf.venues():
        backfill.override(task_id=f"backfill_{venue.value}", pool=conf.pool_name(venue))(venue.value)


perpdex_backfill()

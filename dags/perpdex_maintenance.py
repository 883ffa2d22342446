"""Maintenance (hourly): partitions ahead and retention, per-venue freshness alerts, quarantine summary.

Logic: perpdex_lib.pipeline.maintenance; alerts through perpdex_lib.notify (log, Telegram, Lark/Feishu).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task

from perpdex_lib.pipeline import dagconf as conf


@dag(
    dag_id="perpdex_maintenance",
    schedule=conf.settings().maintenance_schedule,
    start_date=conf.START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=conf.default_args(timedelta(minutes=10)),
    tags=["perpdex", "maintenance"],
    doc_md=__doc__,
)
def perpdex_maintenance() -> None:
    @task
    def partitions_and_retention() -> dict:
        from perpdex_lib.pipeline.tasks import run_partitions_and_retention

        return run_partitions_and_retention()

    @task
    def freshness() -> dict:
        from perpdex_lib.pipeline.tasks import run_freshness

        return run_freshness()

    @task
    def quarantine_summary() -> dict:
        from perpdex_lib.pipeline.tasks import run_quarantine_summary

        return run_quarantine_summary()

    partitions_and_retention() >> [freshness(), quarantine_summary()]


perpdex_maintenance()

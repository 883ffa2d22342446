"""Opportunities, scheduled on the ingest Asset: compute in SQL, signal the executor, check it is alive.

``compute_and_signal`` writes a versioned snapshot (analytics.opportunity_runs + opportunities), a row in
analytics.signals and ``NOTIFY perpdex_opportunities`` in one transaction. ``executor_heartbeat`` warns
when no executor heartbeat is fresh. Logic: perpdex_lib.pipeline.opportunities.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task

from perpdex_lib.pipeline import dagconf as conf


@dag(
    dag_id="perpdex_opportunities",
    schedule=[conf.ingest_asset()],
    start_date=conf.START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=conf.default_args(timedelta(minutes=3)),
    tags=["perpdex", "opportunities"],
    doc_md=__doc__,
)
def perpdex_opportunities() -> None:
    @task
    def compute_and_signal() -> dict:
        from perpdex_lib.pipeline.tasks import run_opportunities

        return run_opportunities()

    @task(retries=0)
    def executor_heartbeat() -> dict:
        from perpdex_lib.pipeline.tasks import run_executor_check

        return run_executor_check()

    compute_and_signal() >> executor_heartbeat()


perpdex_opportunities()

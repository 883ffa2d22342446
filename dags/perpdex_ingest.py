"""Live ingest, every venue on a schedule (default every 5 minutes).

One task per venue (``ingest_<venue>``, in pool ``perpdex_<venue>``): extract → validate → load, one
transaction, outcome in ``dq.ingest_runs``. A failing venue fails only its own task. ``summarize`` runs
whatever happened, emits the ``perpdex_market_ingest`` Asset (which schedules the opportunities DAG) when
at least one venue loaded, and ``all_venues_ok`` then fails the run naming the venues that did not.
Logic: perpdex_lib.pipeline.ingest. Docs: docs/PIPELINE.md.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from perpdex_lib.pipeline import dagconf as conf


@dag(
    dag_id="perpdex_ingest",
    schedule=conf.settings().ingest_schedule,
    start_date=conf.START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=conf.default_args(conf.ingest_timeout()),
    tags=["perpdex", "ingest"],
    doc_md=__doc__,
)
def perpdex_ingest() -> None:
    @task
    def ingest(venue: str) -> dict:
        from perpdex_lib.pipeline.tasks import run_ingest

        return run_ingest(venue)

    @task(trigger_rule="all_done", outlets=[conf.ingest_asset()])
    def summarize(venues: list[str]) -> dict:
        from perpdex_lib.pipeline.tasks import run_ingest_summary

        return run_ingest_summary(venues)

    @task(trigger_rule="all_done")
    def all_venues_ok(summary: dict | None) -> dict:
        from perpdex_lib.pipeline.tasks import check_all_venues

        return check_all_venues(summary)

    names = [v.value for v in conf.venues()]
    per_venue = [ingest.override(task_id=f"ingest_{name}", pool=conf.pool_name(name))(name) for name in names]
    summary = summarize(names)
    per_venue >> summary
    all_venues_ok(summary)


perpdex_ingest()

"""Pipeline health: how old each venue's data is next to its funding interval, quarantine, recent ingest runs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import queries, ui

GRACE_S = 15 * 60  # a settlement shows up a few minutes after it happens


def _venue_table(fresh: pd.DataFrame, last_good: dict[str, object] | None) -> pd.DataFrame:
    now = ui.now_utc()
    rows = []
    for r in fresh.itertuples(index=False):
        settled_age = ui.age_seconds(r.last_settled_at, now)
        observed_age = ui.age_seconds(r.last_observed_at, now)
        interval_s = float(r.interval_hours) * 3600 if pd.notna(r.interval_hours) else None
        if settled_age is None:
            status = "NO DATA"
        elif interval_s is not None and settled_age > interval_s + GRACE_S:
            status = "STALE"
        else:
            status = "OK"
        row = {
            "venue": r.venue,
            "status": status,
            "last settled": r.last_settled_at,
            "settled age": ui.human_age(settled_age),
            "interval h": r.interval_hours,
            "age / interval": (settled_age / interval_s) if settled_age is not None and interval_s else None,
            "last observed age": ui.human_age(observed_age),
            "instruments": int(r.instruments),
        }
        if last_good is not None:
            row["last good ingest"] = ui.human_age(ui.age_seconds(last_good.get(r.venue))) + (
                " ago" if last_good.get(r.venue) is not None else "")
        rows.append(row)
    return pd.DataFrame(rows)


st.title("Pipeline health")
available = queries.reporting_columns()

has_runs = "ingest_runs" in available
runs = queries.ingest_runs() if has_runs else None

st.subheader("Data age per venue")
fresh = queries.venue_freshness()
if fresh.empty or fresh["last_settled_at"].isna().all():
    ui.empty_state("No funding data has been ingested yet. Start the pipeline with `perpdex up`.")
else:
    table = _venue_table(fresh, queries.ingest_last_good() if has_runs else None)
    c1, c2, c3 = st.columns(3)
    c1.metric("Venues OK", int((table["status"] == "OK").sum()))
    c2.metric("Venues stale", int((table["status"] == "STALE").sum()))
    c3.metric("Venues without data", int((table["status"] == "NO DATA").sum()))
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "age / interval": st.column_config.ProgressColumn(min_value=0.0, max_value=2.0, format="%.2f"),
        "last settled": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm z"),
    })

st.subheader("Quarantine")
if "quarantine_summary" not in available:
    ui.empty_state("reporting.quarantine_summary is not available in this warehouse.")
else:
    quarantine = queries.quarantine_summary()
    if quarantine.empty:
        st.success("No quarantined rows.")
    else:
        count_col = next((c for c in quarantine.columns if c in ("rows_total", "rows", "row_count", "count")),
                         None)
        if "reason_code" in quarantine.columns and count_col:
            by_reason = quarantine.groupby("reason_code")[count_col].sum().sort_values(ascending=False)
            st.metric("Quarantined rows", int(by_reason.sum()))
            st.bar_chart(by_reason, horizontal=True, x_label="reason", y_label="rows")
        st.dataframe(quarantine, hide_index=True, width="stretch")

st.subheader("Recent ingest runs")
if runs is None:
    ui.empty_state("No ingest-run log yet (reporting.ingest_runs appears once the pipeline is deployed).")
elif runs.empty:
    ui.empty_state("The pipeline has not recorded any runs yet.")
else:
    if "status" in runs.columns:
        counts = runs["status"].astype(str).value_counts()
        cols = st.columns(min(len(counts), 4))
        for col, (status, n) in zip(cols, counts.items(), strict=False):
            col.metric(f"Runs {status}", int(n))
    st.dataframe(runs, hide_index=True, width="stretch")

st.subheader("Opportunity engine runs")
if "opportunity_runs" not in available:
    ui.empty_state("reporting.opportunity_runs is not available in this warehouse.")
else:
    engine = queries.engine_runs()
    if engine.empty:
        ui.empty_state("The opportunity engine has not run yet.")
    else:
        ui.freshness_badge("Last engine run", engine["computed_at"].max(), fresh_s=15 * 60, stale_s=60 * 60)
        st.dataframe(engine, hide_index=True, width="stretch")

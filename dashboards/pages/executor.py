"""Executor: mode, trading state, heartbeat age, reconciliation status and recent events, per executor."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import queries, ui

HEARTBEAT_FRESH_S, HEARTBEAT_STALE_S = 30, 120  # the executor beats every few seconds
RECON_FRESH_S, RECON_STALE_S = 120, 600
STATE_COLOUR = {"ACTIVE": "green", "REDUCE_ONLY": "orange", "HALTED": "red"}
LEVELS = ["info", "warning", "error"]

st.title("Executor")

if not queries.has_relation("exec_status"):
    ui.empty_state("The executor's journal is not in this warehouse yet (reporting.exec_status is missing).")
    st.stop()

status = queries.exec_status()
if status.empty:
    ui.empty_state("No executor has run against this warehouse yet. Start one with `perpdex executor run` "
                   "(paper mode by default).")
    st.stop()

for row in status.itertuples(index=False):
    st.subheader(f"Executor {row.executor_id}")
    state = str(row.trading_state) if row.trading_state else "not set"
    has_heartbeat = bool(pd.notna(getattr(row, "heartbeat_at", None)))
    beat_age = ui.age_seconds(row.heartbeat_at if has_heartbeat else row.last_event_at)
    recon_age = ui.age_seconds(row.last_reconciliation_at)
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric("Mode", str(row.mode or "unknown"))
    c2.metric("Trading state", state)
    c3.metric("Heartbeat age" if has_heartbeat else "Last activity", ui.human_age(beat_age))
    c4.metric("Live pairs", int(row.live_pairs), delta=f"{int(row.broken_pairs)} broken" if row.broken_pairs else None,
              delta_color="inverse")
    c5.metric("Reconciliation", str(row.last_reconciliation_status or "never"))
    colour = STATE_COLOUR.get(state, "gray")
    reason = f" — {row.state_reason}" if row.state_reason else ""
    since = ui.human_age(ui.age_seconds(row.state_updated_at))
    if row.trading_state:
        st.markdown(f":{colour}-badge[{state}] set by {row.state_updated_by} {since} ago{reason}")
    if has_heartbeat:
        st.caption(f"daemon {row.daemon_state}, pid {row.daemon_pid}, version {row.daemon_version}, "
                   f"up {ui.human_age(ui.age_seconds(row.daemon_started_at))}")
    hb_colour, hb_word = ui.freshness_label(beat_age, HEARTBEAT_FRESH_S, HEARTBEAT_STALE_S)
    if not has_heartbeat:
        hb_colour, hb_word = "gray", "no heartbeat"
    rc_colour, rc_word = ui.freshness_label(recon_age, RECON_FRESH_S, RECON_STALE_S)
    if row.last_reconciliation_status and row.last_reconciliation_status != "ok":
        rc_colour, rc_word = "red", str(row.last_reconciliation_status)
    st.markdown(f":{hb_colour}-badge[heartbeat: {hb_word}] :{rc_colour}-badge[reconciliation: {rc_word}]")

st.subheader("Reconciliation")
recon = queries.exec_reconciliations()
if recon.empty:
    ui.empty_state("No reconciliation has run yet.")
else:
    st.dataframe(recon, hide_index=True, width="stretch")

st.subheader("Recent events")
levels = st.multiselect("Levels", LEVELS, default=LEVELS, key="exec_levels")
events = queries.exec_events(levels)
if events.empty:
    ui.empty_state("No events at these levels.")
else:
    st.dataframe(events, hide_index=True, width="stretch")

"""Positions & PnL: open and closed pairs, their legs, funding earned, fees, PnL over time and exit reasons."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboards import queries, ui

PNL_DAYS = {"24 hours": 1, "7 days": 7, "30 days": 30}
USD = st.column_config.NumberColumn(format="$%.2f")
PAIR_COLUMNS = ["pair_id", "mode", "asset", "long_venue", "short_venue", "state", "target_notional_usd", "entry_apr",
                "funding_usd", "fees_usd", "trading_pnl_usd", "net_pnl_usd", "opened_at"]

st.title("Positions & PnL")

if not queries.has_relation("exec_pairs"):
    ui.empty_state("The executor's journal is not in this warehouse yet (reporting.exec_pairs is missing).")
    st.stop()

pairs = queries.exec_pairs()
if pairs.empty:
    ui.empty_state("No positions yet: the executor has not opened any pair.")
    st.stop()

pairs["entry_apr"] = pairs["entry_apr"] * 100  # a fraction in the journal, shown in %
open_pairs = pairs[~pairs["is_closed"]]
closed = pairs[pairs["is_closed"]]
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("Open pairs", len(open_pairs))
c2.metric("Closed pairs", len(closed))
c3.metric("Net PnL", f"${pairs['net_pnl_usd'].sum():,.2f}")
c4.metric("Funding earned", f"${pairs['funding_usd'].sum():,.2f}")
c5.metric("Fees paid", f"${pairs['fees_usd'].sum():,.2f}")

money: dict[str, object] = {
    c: USD for c in ("target_notional_usd", "funding_usd", "fees_usd", "trading_pnl_usd", "net_pnl_usd")}
money["entry_apr"] = st.column_config.NumberColumn("entry APR %", format="%.2f")
st.subheader("Open pairs")
if open_pairs.empty:
    ui.empty_state("No open pairs.")
else:
    st.dataframe(open_pairs[PAIR_COLUMNS], hide_index=True, width="stretch", column_config=money)

st.subheader("Closed pairs")
if closed.empty:
    ui.empty_state("No closed pairs yet.")
else:
    st.dataframe(closed[[*PAIR_COLUMNS, "exit_reason", "closed_at"]], hide_index=True, width="stretch",
                 column_config=money)
    reasons = closed["exit_reason"].fillna("unknown").value_counts()
    st.caption("Exit reasons")
    st.bar_chart(reasons, horizontal=True, x_label="reason", y_label="pairs")

st.subheader("Legs")
labels = {r.pair_id: f"{r.pair_id} ({r.asset}, {r.state})" for r in pairs.itertuples(index=False)}
pick = st.selectbox("Pair", list(labels), key="pos_pair", format_func=labels.__getitem__)
legs = queries.exec_legs(pick)
if legs.empty:
    ui.empty_state("No fills for this pair.")
else:
    st.dataframe(legs, hide_index=True, width="stretch", column_config={"fees_usd": USD})

st.subheader("PnL over time")
window = st.radio("Window", list(PNL_DAYS), index=1, horizontal=True, key="pos_pnl_window")
start = pd.Timestamp(ui.now_utc()).floor("h").to_pydatetime() - timedelta(days=PNL_DAYS[window])
marks = queries.exec_pnl_marks(start)
closed_in_window = closed[pd.to_datetime(closed["closed_at"], utc=True) >= pd.Timestamp(start)]
if marks.empty and closed_in_window.empty:
    ui.empty_state("No PnL marks or closed pairs in this window.")
else:
    end = pd.Timestamp(ui.now_utc()).floor("h")
    grid = pd.date_range(pd.Timestamp(start), end, freq="h")
    total = pd.Series(0.0, index=grid)
    if not marks.empty:
        wide = marks.pivot_table(index="bucket", columns="pair_id", values="net_pnl_usd", aggfunc="last")
        wide.index = pd.to_datetime(wide.index, utc=True)
        # a live pair's PnL holds until its next mark; a closed pair's marks stop when it closes
        total += wide.reindex(grid).ffill().drop(columns=list(closed["pair_id"]), errors="ignore").sum(axis=1)
    for r in closed.itertuples(index=False):  # realised net PnL counts from the hour the pair closed
        total[grid >= pd.Timestamp(r.closed_at).floor("h")] += r.net_pnl_usd
    st.line_chart(total.rename("net PnL USD, live marks + realised"), y_label="USD")

"""Funding explorer: current rates as an asset × venue heatmap, and each venue's normalised history per asset."""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import queries, ui
from perpdex_lib.domain.enums import Venue

WINDOW_DAYS = {"24 hours": 1, "7 days": 7, "30 days": 30, "90 days": 90, "1 year": 365}
DAILY_ROLLUP_ABOVE_DAYS = 14  # longer windows read reporting.funding_daily instead of raw rows
ALL_VENUES = [v.value for v in Venue]

st.title("Funding explorer")
unit = st.radio("Unit", ui.UNITS, horizontal=True, key="funding_unit")
scale = ui.rate_scale(unit)

# --- heatmap of current rates -----------------------------------------------------------------------------------
st.subheader("Current rates")
left, right = st.columns([1, 2])
kind = left.radio("Rate kind", ["predicted", "settled"], horizontal=True, key="heat_kind",
                  help="predicted = the venue's live estimate; settled = the last payment")
top_n = right.slider("Assets (widest cross-venue spread first)", 5, 200, 30, key="heat_top_n")

current = queries.current_rates(kind)
if current.empty:
    ui.empty_state(f"No {kind} funding rates in the warehouse yet. Run the ingest (`perpdex up` or the Airflow DAGs).")
else:
    ui.freshness_badge("Current rates", current["observed_at"].max(), fresh_s=900, stale_s=3 * 3600)
    heat = current.groupby(["asset", "venue"])["rate_per_hour"].mean().unstack("venue") * scale
    spread = (heat.max(axis=1) - heat.min(axis=1)).fillna(0)
    heat = heat.loc[spread.sort_values(ascending=False).index[:top_n]]
    heat = heat.reindex(columns=[v for v in ALL_VENUES if v in heat.columns])
    long_form = heat.reset_index().melt(id_vars="asset", var_name="venue", value_name="rate").dropna()
    bound = max(abs(long_form["rate"]).quantile(0.95), 1e-12) if len(long_form) else 1.0
    chart = (
        alt.Chart(long_form)
        .mark_rect()
        .encode(
            x=alt.X("venue:N", sort=list(heat.columns), title=None),
            y=alt.Y("asset:N", sort=list(heat.index), title=None),
            color=alt.Color("rate:Q", title=unit, scale=alt.Scale(scheme="redblue", domain=[-bound, bound],
                                                                    reverse=True, clamp=True)),
            tooltip=["asset", "venue", alt.Tooltip("rate:Q", format=".4f", title=unit)],
        )
        .properties(height=max(200, 18 * len(heat)))
    )
    st.altair_chart(chart, width="stretch")
    with st.expander("Table", expanded=False):
        st.dataframe(heat, width="stretch", column_config={
            c: st.column_config.NumberColumn(format="%.5f") for c in heat.columns})

# --- history per asset ------------------------------------------------------------------------------------------
st.subheader("History")
assets = queries.assets()
if not assets:
    ui.empty_state("No instruments in the warehouse yet.")
    st.stop()
c1, c2, c3 = st.columns([1, 1, 2])
asset = c1.selectbox("Asset", assets, index=assets.index("BTC") if "BTC" in assets else 0, key="hist_asset")
window = c2.selectbox("Window", list(WINDOW_DAYS), index=1, key="hist_window")
venues = c3.multiselect("Venues", ALL_VENUES, default=ALL_VENUES, key="hist_venues")

days = WINDOW_DAYS[window]
daily = days > DAILY_ROLLUP_ABOVE_DAYS
end = pd.Timestamp(ui.now_utc()).floor("h").to_pydatetime() + timedelta(hours=1)  # stable cache key per hour
start = end - timedelta(days=days)
if daily:
    start = pd.Timestamp(start).floor("D").to_pydatetime()
series = queries.funding_series(asset, venues, "settled", start, end, daily) if venues else pd.DataFrame()
if series.empty:
    ui.empty_state(f"No settled funding for {asset} in the last {window}.")
    st.stop()

series["rate"] = series["rate_per_hour"] * scale
wide = series.pivot_table(index="bucket", columns="venue", values="rate", aggfunc="mean")
st.caption(f"Settled funding, {'daily means' if daily else 'hourly'}, {unit}, normalised per hour before scaling.")
st.line_chart(wide, y_label=unit)

stats = series.groupby("venue")["rate"].agg(
    mean="mean", last="last", min="min", max="max", samples="count"
)
stats["positive_share_%"] = series.assign(pos=series["rate"] > 0).groupby("venue")["pos"].mean() * 100
st.dataframe(stats.reset_index(), hide_index=True, width="stretch", column_config={
    c: st.column_config.NumberColumn(format="%.5f") for c in ("mean", "last", "min", "max")})

"""Opportunities: the engine's ranked pairs with filters, a freshness badge, and one pair's history on demand."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboards import queries, ui
from perpdex_lib.domain.enums import Venue

ALL_VENUES = [v.value for v in Venue]
FRESH_S, STALE_S = 15 * 60, 60 * 60  # the engine runs after every ingest (a few minutes apart)
DRILL_DAYS = {"24 hours": 1, "7 days": 7, "14 days": 14}
PERCENT_COLUMNS = ("net_apr", "gross_apr", "apr", "persistence_24h_share_pos", "persistence_7d_share_pos")
RATE_COLUMNS = ("long_rate_per_hour", "short_rate_per_hour", "spread_per_hour", "persistence_24h_mean",
                "persistence_7d_mean", "persistence_24h_stdev", "persistence_7d_stdev")  # fraction/h → %/h
LEADING = ["rank", "asset", "long_venue", "short_venue", "net_apr", "gross_apr", "spread_per_hour", "break_even_hours",
           "liquidity_cap_usd", "horizon_hours", "notional_usd", "total_cost_usd", "persistence_24h_share_pos",
           "persistence_7d_share_pos", "long_next_funding_s", "short_next_funding_s", "max_input_age_s"]

st.title("Opportunities")

if not queries.has_relation("opportunities_latest"):
    ui.empty_state("The opportunity engine has not published reporting.opportunities_latest in this warehouse yet.")
    st.stop()

cols = queries.opportunity_columns()

with st.sidebar:
    st.header("Filters")
    assets = st.multiselect("Assets", queries.opportunity_assets(), key="opp_assets")
    asset_search = st.text_input("Asset contains", key="opp_asset_search", max_chars=64)
    venues = st.multiselect("Venues (both legs)", ALL_VENUES, default=ALL_VENUES, key="opp_venues")
    min_apr_pct = st.number_input("Min net APR %", value=0.0, step=1.0, key="opp_min_apr")
    min_liq = st.number_input("Min liquidity USD", value=0.0, min_value=0.0, step=1000.0, key="opp_min_liq")
    horizons = queries.opportunity_horizons()
    horizon = st.selectbox("Horizon (hours)", [None, *horizons], key="opp_horizon",
                           format_func=lambda h: "all" if h is None else f"{h:g} h")

table = queries.opportunities(assets, asset_search, venues, min_apr_pct / 100.0, min_liq, horizon)

if cols["computed_at"] and not table.empty:
    ui.freshness_badge("Opportunities", table[cols["computed_at"]].max(), FRESH_S, STALE_S)

if table.empty:
    ui.empty_state("No opportunity matches these filters (or the engine found none: missing or stale inputs fail "
                   "closed).")
    st.stop()

c1, c2, c3 = st.columns(3)
c1.metric("Opportunities", len(table))
if cols["apr"]:
    c2.metric("Best net APR", f"{table[cols['apr']].max() * 100:.2f} %")
c3.metric("Assets", table["asset"].nunique())

shown = table[[c for c in LEADING if c in table.columns] + [c for c in table.columns if c not in LEADING]].copy()
config: dict[str, object] = {}
for col in PERCENT_COLUMNS:
    if col in shown.columns:
        shown[col] = shown[col] * 100
        config[col] = st.column_config.NumberColumn(f"{col} %", format="%.2f")
for col in RATE_COLUMNS:
    if col in shown.columns:
        shown[col] = shown[col] * 100
        config[col] = st.column_config.NumberColumn(f"{col} %", format="%.5f")
event = st.dataframe(shown, hide_index=True, width="stretch", column_config=config,
                     on_select="rerun", selection_mode="single-row", key="opp_table")

if queries.has_relation("opportunity_rejection_reasons_latest"):
    reasons = queries.rejection_reasons()
    if not reasons.empty:
        with st.expander(f"Rejected pairs in the latest runs: {int(reasons['pairs'].sum())}"):
            st.bar_chart(reasons.groupby("reason_code")["pairs"].sum().sort_values(), horizontal=True,
                         x_label="reason", y_label="pairs")

# --- drill-down ---------------------------------------------------------------------------------------------
st.subheader("Pair history")


def _label(i: int) -> str:
    r = table.iloc[i]
    return f"{r['asset']}: long {r['long_venue']} / short {r['short_venue']}"


selected = event.selection.rows[0] if event and event.selection.rows else 0
choice = st.selectbox("Opportunity", range(len(table)), index=selected, format_func=_label, key="opp_pick")
window = st.radio("Window", list(DRILL_DAYS), index=1, horizontal=True, key="opp_drill_window")
row = table.iloc[choice]
long_symbol = row.get("long_symbol", row["asset"])
short_symbol = row.get("short_symbol", row["asset"])

end = pd.Timestamp(ui.now_utc()).floor("h").to_pydatetime() + timedelta(hours=1)
start = end - timedelta(days=DRILL_DAYS[window])
legs = queries.pair_funding(row["long_venue"], long_symbol, row["short_venue"], short_symbol, start, end)
if legs.empty:
    ui.empty_state("No settled funding history for these two legs in the window.")
    st.stop()

legs["leg"] = legs["venue"].map({row["long_venue"]: "long", row["short_venue"]: "short"})
wide = legs.pivot_table(index="bucket", columns="leg", values="rate_per_hour", aggfunc="mean")
grid = pd.date_range(wide.index.min(), wide.index.max(), freq="h", tz=wide.index.tz)
wide = wide.reindex(grid).ffill() * 100  # an 8 h venue's rate holds until its next settlement
for leg in ("long", "short"):
    if leg not in wide.columns:
        wide[leg] = float("nan")
wide["spread (short - long)"] = wide["short"] - wide["long"]
wide = wide.rename(columns={"long": f"long {row['long_venue']}", "short": f"short {row['short_venue']}"})
st.line_chart(wide, y_label="% per hour")
spread = wide["spread (short - long)"].dropna()
m1, m2, m3 = st.columns(3)
m1.metric("Mean spread (% / h)", f"{spread.mean():.5f}" if len(spread) else "n/a")
m2.metric("Hours positive", f"{(spread > 0).mean() * 100:.0f} %" if len(spread) else "n/a")
m3.metric("Spread APR", f"{spread.mean() * ui.HOURS_PER_YEAR:.2f} %" if len(spread) else "n/a")

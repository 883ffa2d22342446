"""Small presentation helpers shared by the pages: units, freshness badges, empty states."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

HOURS_PER_YEAR = 8760

UNIT_HOURLY = "% per hour"
UNIT_APR = "APR %"
UNITS = (UNIT_HOURLY, UNIT_APR)


def rate_scale(unit: str) -> float:
    """Multiplier from a fraction per hour to the chosen display unit."""
    return 100.0 * (HOURS_PER_YEAR if unit == UNIT_APR else 1)


def now_utc() -> datetime:
    return datetime.now(UTC)


def age_seconds(ts: object, now: datetime | None = None) -> float | None:
    """Seconds since ``ts`` (a datetime or pandas Timestamp); None when unknown."""
    if ts is None or (isinstance(ts, float) and pd.isna(ts)) or ts is pd.NaT:
        return None
    stamp = pd.Timestamp(ts)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return ((now or now_utc()) - stamp.to_pydatetime()).total_seconds()


def human_age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    seconds = max(seconds, 0)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def freshness_label(seconds: float | None, fresh_s: float, stale_s: float) -> tuple[str, str]:
    """(colour, word) for a data age: fresh below ``fresh_s``, stale above ``stale_s``, ageing between."""
    if seconds is None:
        return "gray", "no data"
    if seconds <= fresh_s:
        return "green", "fresh"
    if seconds <= stale_s:
        return "orange", "ageing"
    return "red", "stale"


def freshness_badge(what: str, ts: object, fresh_s: float, stale_s: float) -> None:
    seconds = age_seconds(ts)
    colour, word = freshness_label(seconds, fresh_s, stale_s)
    st.markdown(f":{colour}-badge[{what}: {word}] updated {human_age(seconds)} ago")


def empty_state(message: str) -> None:
    """One consistent look for 'nothing to show yet', with the reason in plain words."""
    st.info(message, icon=":material/inbox:")

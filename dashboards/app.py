"""perpdex dashboard entry point: ``streamlit run dashboards/app.py`` (or ``perpdex dashboard``).

Read-only: it connects as ``perpdex_dashboard`` and reads ``reporting`` views only.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # `streamlit run` puts dashboards/ on sys.path, not the repo root
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from dashboards.auth import require_login  # noqa: E402

st.set_page_config(page_title="perpdex", page_icon=":material/swap_horiz:", layout="wide")
require_login()

PAGES = [
    st.Page("pages/opportunities.py", title="Opportunities", icon=":material/trending_up:", default=True),
    st.Page("pages/funding.py", title="Funding explorer", icon=":material/show_chart:", url_path="funding"),
    st.Page("pages/positions.py", title="Positions & PnL", icon=":material/account_balance:", url_path="positions"),
    st.Page("pages/executor.py", title="Executor", icon=":material/smart_toy:", url_path="executor"),
    st.Page("pages/pipeline.py", title="Pipeline health", icon=":material/monitor_heart:", url_path="pipeline"),
]

st.navigation(PAGES).run()

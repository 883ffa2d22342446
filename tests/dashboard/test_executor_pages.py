"""Executor and Positions & PnL pages rendered by AppTest against a seeded journal (read-only role)."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import chart_frames, open_page
from tests.dashboard.seed import EXPECTED_FEES_USD, EXPECTED_FUNDING_USD, EXPECTED_NET_PNL_USD

pytestmark = pytest.mark.integration


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _text(at) -> str:
    parts = [m.value for m in at.markdown] + [i.value for i in at.info] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


# --- executor and positions ---------------------------------------------------------------------------------------


def test_executor_page_shows_state_mode_reconciliation_and_events(seeded: str) -> None:
    at = open_page("executor")
    metrics = _metrics(at)
    assert metrics["Mode"] == "paper"
    assert metrics["Trading state"] == "ACTIVE"
    assert metrics["Reconciliation"] == "ok"
    assert metrics["Live pairs"] == "1"
    assert "heartbeat: fresh" in _text(at)
    assert metrics["Heartbeat age"].endswith(" s")  # beat 2 s before the seed; seconds, not minutes
    assert any("pid 4242, version 0.1.0" in c.value for c in at.caption)
    events = at.dataframe[1].value
    assert set(events["kind"]) == {"pair_planned", "hedge_retry", "pair_state"}
    at.multiselect(key="exec_levels").set_value(["warning"]).run()
    assert list(at.dataframe[1].value["kind"]) == ["hedge_retry"]


def test_executor_page_empty_state(dashboard_url: str) -> None:
    at = open_page("executor")
    assert "No executor has run against this warehouse yet" in _text(at)


def test_positions_page_pnl_funding_fees_and_exit_reasons(seeded: str) -> None:
    at = open_page("positions")
    metrics = _metrics(at)
    assert metrics["Open pairs"] == "1"
    assert metrics["Closed pairs"] == "1"
    assert metrics["Net PnL"] == f"${EXPECTED_NET_PNL_USD:,.2f}"
    assert metrics["Funding earned"] == f"${EXPECTED_FUNDING_USD:,.2f}"
    assert metrics["Fees paid"] == f"${EXPECTED_FEES_USD:,.2f}"
    closed = at.dataframe[1].value
    assert list(closed["exit_reason"]) == ["spread_reversed"]
    assert closed["net_pnl_usd"].iloc[0] == pytest.approx(4.0)
    at.selectbox(key="pos_pair").set_value("BTC-closed1").run()
    legs = at.dataframe[2].value.set_index("leg")
    assert legs.loc["long", "entry_avg_price"] == pytest.approx(50000)
    assert legs.loc["long", "exit_avg_price"] == pytest.approx(50100)
    assert legs.loc["short", "exit_qty"] == pytest.approx(0.1)


def test_positions_page_empty_state(dashboard_url: str) -> None:
    at = open_page("positions")
    assert "No positions yet" in _text(at)


def test_positions_pnl_over_time_adds_realised_pnl_of_closed_pairs(seeded: str) -> None:
    at = open_page("positions")
    at.radio(key="pos_pnl_window").set_value("7 days").run()
    assert not at.exception
    pnl = chart_frames(at)[-1].iloc[:, -1]  # hourly total, oldest first
    assert pnl.iloc[-1] == pytest.approx(float(EXPECTED_NET_PNL_USD))  # open pair's last mark 9 + closed pair 4
    assert pnl.iloc[-3] == pytest.approx(10.0)  # earlier marks net 6, plus the pair closed a day ago
    assert pnl.iloc[0] == pytest.approx(0.0)  # a week ago: no marks yet, nothing closed

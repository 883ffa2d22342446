"""The hard gate: Great Expectations suites a whole batch must pass before anything of it loads.

Row rules (:mod:`.rules`) already removed the rows that are individually bad; these expectations catch what
no single row shows (an empty feed, duplicate keys, a unit bug that moves every rate) and fail the task.
Great Expectations costs seconds to import and logs a lot at INFO, so it is imported here, lazily, with its
analytics and progress bars off; the context is built once per process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from perpdex_lib.domain import FundingRate, MarketSnapshot

log = logging.getLogger(__name__)
_STATE: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class GateResult:
    suite: str
    success: bool
    rows: int
    failures: list[str] = field(default_factory=list)  # "expectation(column): n unexpected"


def _quiet_import() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # no phoning home (and no internet here)
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # its import alone logs dozens of lines
    import great_expectations as gx

    _silence()
    return gx


def _silence() -> None:
    """GX logs every context, datasource and temp dir at INFO; keep its warnings, drop the chatter."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if name.startswith("great_expectations.") and isinstance(logger, logging.Logger):
            logger.setLevel(logging.NOTSET)  # inherit WARNING from the package logger


def _batch_definition(name: str) -> Any:
    """A whole-dataframe batch definition on a process-wide ephemeral context (no files written)."""
    if "context" not in _STATE:
        gx = _quiet_import()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        _silence()  # loggers created while building the context
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        _STATE["gx"] = gx
        _STATE["context"] = context
        _STATE["source"] = context.data_sources.add_pandas("perpdex")
    key = f"bd:{name}"
    if key not in _STATE:
        asset = _STATE["source"].add_dataframe_asset(name)
        _STATE[key] = asset.add_batch_definition_whole_dataframe(f"{name}_all")
    return _STATE[key]


def _run(name: str, frame: Any, expectations: Sequence[Any]) -> GateResult:
    gx = _STATE["gx"]
    suite = gx.ExpectationSuite(name=name)
    for e in expectations:
        suite.add_expectation(e)
    result = _batch_definition(name).get_batch(batch_parameters={"dataframe": frame}).validate(suite)
    failures = []
    for r in result.results:
        if not r.success:
            cfg = r.expectation_config
            column = cfg.kwargs.get("column") or cfg.kwargs.get("column_list") or ""
            failures.append(f"{cfg.type}({column}): {r.result.get('unexpected_count', r.result.get('observed_value'))}")
    return GateResult(name, bool(result.success), len(frame), failures)


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def funding_gate(rates: Sequence[FundingRate], venue: str, hard_abs_rate_per_hour: Decimal) -> GateResult:
    """Non-empty, keys present and unique, one venue, known kinds, sane intervals, no rate beyond the hard bound."""
    _batch_definition("funding")
    import pandas as pd

    gx = _STATE["gx"]
    frame = pd.DataFrame({
        "venue": [r.venue.value for r in rates],
        "venue_symbol": [r.venue_symbol for r in rates],
        "asset": [r.asset for r in rates],
        "kind": [r.kind.value for r in rates],
        "funding_time": [r.funding_time for r in rates],
        "interval_hours": [_f(r.interval_hours) for r in rates],
        "rate_per_hour": [_f(r.rate_per_hour) for r in rates],
    }, columns=["venue", "venue_symbol", "asset", "kind", "funding_time", "interval_hours", "rate_per_hour"])
    bound = float(hard_abs_rate_per_hour)
    ex = gx.expectations
    expectations = [
        ex.ExpectTableRowCountToBeBetween(min_value=1),
        *(ex.ExpectColumnValuesToNotBeNull(column=c) for c in frame.columns),
        ex.ExpectColumnValuesToBeInSet(column="venue", value_set=[venue]),
        ex.ExpectColumnValuesToBeInSet(column="kind", value_set=["settled", "predicted"]),
        ex.ExpectColumnValuesToBeBetween(column="interval_hours", min_value=0, max_value=24, strict_min=True),
        ex.ExpectColumnValuesToBeBetween(column="rate_per_hour", min_value=-bound, max_value=bound),
        ex.ExpectCompoundColumnsToBeUnique(column_list=["venue_symbol", "funding_time", "kind"]),
    ]
    return _run("funding", frame, expectations)


def snapshot_gate(snapshots: Sequence[MarketSnapshot], venue: str) -> GateResult:
    """Keys present and unique, one venue, positive marks where given."""
    _batch_definition("snapshots")
    import pandas as pd

    gx = _STATE["gx"]
    frame = pd.DataFrame({
        "venue": [s.venue.value for s in snapshots],
        "venue_symbol": [s.venue_symbol for s in snapshots],
        "asset": [s.asset for s in snapshots],
        "ts": [s.ts for s in snapshots],
        "mark_price": [_f(s.mark_price) for s in snapshots],
    }, columns=["venue", "venue_symbol", "asset", "ts", "mark_price"])
    ex = gx.expectations
    expectations = [
        *(ex.ExpectColumnValuesToNotBeNull(column=c) for c in ("venue", "venue_symbol", "asset", "ts")),
        ex.ExpectColumnValuesToBeInSet(column="venue", value_set=[venue]),
        ex.ExpectColumnValuesToBeBetween(column="mark_price", min_value=0, strict_min=True),
        ex.ExpectColumnValuesToBeUnique(column="venue_symbol"),
    ]
    return _run("snapshots", frame, expectations)

"""A NOTIFY that arrives while the daemon is busy with a pass must wake the next pass, not be dropped.

The pipeline's ``perpdex_opportunities`` NOTIFY (and the CLI's halt/resume) can land at any moment, including
in the middle of a loop pass (monitoring, reconciling, entering). If the wake-up were cleared *after* the pass,
such a NOTIFY would be lost and the daemon would act on it only when the poll timer fires (30 s by default).
"""

from __future__ import annotations

import asyncio
import time

import psycopg

from executor.config import ExecutorConfig, LoopConfig
from executor.daemon import NOTIFY_CHANNEL, Daemon
from executor.risk import TradingState
from perpdex_lib.domain import Venue


class _Probe(Daemon):
    """The real daemon; its monitor step records each pass and, in the first one, a NOTIFY arrives."""

    passes: list[float]

    async def _monitor(self, state: TradingState) -> None:
        self.passes.append(time.monotonic())
        if len(self.passes) == 1:
            async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                await conn.execute("SELECT pg_notify(%s, 'arrives mid-pass')", (NOTIFY_CHANNEL,))
            deadline = time.monotonic() + 5
            while not self._wake.is_set() and time.monotonic() < deadline:  # the listener has delivered it
                await asyncio.sleep(0.01)
            assert self._wake.is_set(), "the NOTIFY never reached the listener"
        await super()._monitor(state)


async def test_notify_during_a_pass_wakes_the_next_pass(clean_db, sim_settings):
    cfg = ExecutorConfig(
        executor_id="wake-test", venues=[Venue.LIGHTER, Venue.HYPERLIQUID],
        loop=LoopConfig(poll_interval_s=60, monitor_interval_s=0, reconcile_interval_s=60, heartbeat_interval_s=60),
    )  # fmt: skip
    with psycopg.connect(clean_db, autocommit=True) as conn:  # no entries: only the wake-up is under test
        conn.execute("INSERT INTO execution.trading_state (executor_id, state, reason) VALUES (%s, 'REDUCE_ONLY', "
                     "'test')", (cfg.executor_id,))
    daemon = _Probe(cfg, sim_settings, candidate_source="live", url=clean_db)
    daemon.passes = []
    task = asyncio.create_task(daemon.run())
    try:
        deadline = time.monotonic() + 15
        while len(daemon.passes) < 2 and time.monotonic() < deadline and not task.done():
            await asyncio.sleep(0.05)
        assert len(daemon.passes) >= 2, "the NOTIFY that arrived mid-pass was dropped (next pass only at the poll)"
        assert daemon.passes[1] - daemon.passes[0] < 10
    finally:
        daemon.request_stop()
        assert await asyncio.wait_for(task, 30) == 0

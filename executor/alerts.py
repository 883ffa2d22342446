"""Operator notifications from the executor: open, close, broken pair, trading-state changes.

Delivery goes through ``perpdex_lib.notify`` (apprise: Telegram, Lark/Feishu, ...) when it is available and
configured; the log line is always written. Messages carry ids and numbers, never credentials.
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger("perpdex.executor.alerts")


async def alert(title: str, body: str, *, level: str = "info") -> None:
    log.log(logging.WARNING if level in ("warning", "error") else logging.INFO, "%s: %s", title, body)
    try:
        from perpdex_lib import notify  # the shared notifier (apprise), if this build has it
    except ImportError:
        return
    send = getattr(notify, "notify", None)
    if send is None:
        return
    try:
        result = send(title, body, level=level)
        if asyncio.iscoroutine(result):
            await result
    except Exception as exc:  # a failing notifier must never stop trading logic
        log.warning("notification failed: %s", type(exc).__name__)

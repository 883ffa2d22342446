"""Alerts: always to the log; also to Telegram, Lark/Feishu or anything apprise speaks when configured.

Targets are apprise URLs from ``Settings.notify_urls`` (``PERPDEX_NOTIFY_URLS='["tgram://bot/chat"]'``).
They hold tokens, so they are secrets: never logged, never in an exception message; a delivery failure is
logged with the target's scheme only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from perpdex_lib.config import Settings, get_settings

log = logging.getLogger("perpdex.notify")


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    FAILURE = "failure"


_LOG_LEVEL = {Level.INFO: logging.INFO, Level.WARNING: logging.WARNING, Level.FAILURE: logging.ERROR}


def notify(title: str, body: str, level: Level = Level.WARNING, settings: Settings | None = None) -> int:
    """Send an alert; returns how many remote targets accepted it (the log always gets it)."""
    settings = settings or get_settings()
    log.log(_LOG_LEVEL[level], "%s: %s", title, body)
    if not settings.notify_urls:
        return 0
    import apprise

    with _quiet_transport():
        return _deliver(apprise, settings, title, body, level)


@contextmanager
def _quiet_transport() -> Iterator[None]:
    """apprise and urllib3 (DEBUG: "POST /hook/<token>") can quote the target URL: mute them while sending."""
    loggers = [logging.getLogger(n) for n in ("apprise", "urllib3", "requests")]
    saved = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, saved, strict=True):
            lg.setLevel(level)


def _deliver(apprise: Any, settings: Settings, title: str, body: str, level: Level) -> int:
    delivered = 0
    for secret in settings.notify_urls:
        url = secret.get_secret_value()
        scheme = url.split("://", 1)[0]
        target = apprise.Apprise()
        if not target.add(url):
            log.error("notify: target with scheme %r is not a valid apprise URL", scheme)
            continue
        notify_type = {Level.INFO: apprise.NotifyType.INFO, Level.WARNING: apprise.NotifyType.WARNING,
                       Level.FAILURE: apprise.NotifyType.FAILURE}[level]
        try:
            ok = target.notify(title=f"[perpdex] {title}", body=body, notify_type=notify_type)
        except Exception as exc:  # a broken target must not break the task that alerts
            log.error("notify: delivery to a %r target raised %s", scheme, type(exc).__name__)
            continue
        if ok:
            delivered += 1
        else:
            log.error("notify: delivery to a %r target failed", scheme)
    return delivered

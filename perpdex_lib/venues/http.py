"""HTTP for venue connectors: rate limits as data, retries on transient errors only, timeouts.

One :class:`VenueHttp` per venue and process. Rate limits are declared in each venue's
``constants.RATE_LIMITS`` and enforced with ``aiolimiter`` (one limiter per metered scope). Retries use
``tenacity`` with exponential backoff and jitter, and only for timeouts, connection errors, 5xx and 429
(honouring ``Retry-After``). Everything else fails at once with a typed error.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from perpdex_lib.venues.errors import VenueHttpError, VenueParseError, VenueRateLimited, VenueUnavailable
from perpdex_lib.venues.wire import decode_json

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``max_requests`` per ``period_s`` seconds for one metered scope (e.g. "rest", "info")."""

    scope: str
    max_requests: float
    period_s: float


class _Transient(Exception):
    """Internal: a failure worth retrying; carries what to raise when retries run out."""

    def __init__(self, final: VenueUnavailable, retry_after_s: float | None = None) -> None:
        self.final = final
        self.retry_after_s = retry_after_s
        super().__init__(str(final))


def _wait(base: wait_exponential_jitter):  # type: ignore[no-untyped-def]
    """Backoff with jitter, but never shorter than a venue's Retry-After."""

    def _inner(state) -> float:  # type: ignore[no-untyped-def]
        exc = state.outcome.exception() if state.outcome else None
        delay = base(state)
        if isinstance(exc, _Transient) and exc.retry_after_s is not None:
            return max(delay, min(exc.retry_after_s, 30.0))
        return delay

    return _inner


class VenueHttp:
    """Async JSON-over-HTTP client bound to one venue's base URL and rate limits."""

    def __init__(
        self,
        venue: str,
        base_url: str,
        rate_limits: Mapping[str, RateLimit] | None = None,
        *,
        timeout_s: float = 10.0,
        max_attempts: int = 4,
        backoff_initial_s: float = 0.2,
        backoff_max_s: float = 5.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.venue = venue
        self.base_url = base_url.rstrip("/")
        self._limiters = {
            name: AsyncLimiter(rl.max_requests, rl.period_s) for name, rl in (rate_limits or {}).items()
        }
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._max_attempts = max_attempts
        self._wait = _wait(wait_exponential_jitter(initial=backoff_initial_s, max=backoff_max_s, jitter=0.2))
        self._session = session
        self._own_session = session is None
        self.requests_sent = 0

    async def __aenter__(self) -> VenueHttp:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, scope: str = "rest", weight: float = 1
    ) -> Any:
        return await self.request("GET", path, params=params, scope=scope, weight=weight)

    async def post(self, path: str, body: Any = None, *, scope: str = "rest") -> Any:
        return await self.request("POST", path, json_body=body, scope=scope)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        scope: str = "rest",
        weight: float = 1,
    ) -> Any:
        """Send one request with retries; return the decoded JSON body (Decimals for fractions).

        ``weight`` is what the request costs in its scope's budget (weight-metered venues such as Aster
        charge 40 for an all-symbol ticker); every attempt pays it again, as at the venue.
        """
        endpoint = f"{method} {path}"
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._once(method, path, endpoint, params, json_body, headers, scope, weight)
        except _Transient as exc:
            raise exc.final from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(
        self,
        method: str,
        path: str,
        endpoint: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        headers: Mapping[str, str] | None,
        scope: str,
        weight: float = 1,
    ) -> Any:
        limiter = self._limiters.get(scope)
        if limiter is not None:
            await limiter.acquire(min(weight, limiter.max_rate))
        self.requests_sent += 1
        url = f"{self.base_url}{path}"
        clean_params = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        try:
            async with self._get_session().request(
                method, url, params=clean_params or None, json=json_body, headers=headers
            ) as resp:
                text = await resp.text()
                status = resp.status
                retry_after = _retry_after(resp.headers.get("Retry-After"))
        except TimeoutError as exc:
            raise _Transient(VenueUnavailable(self.venue, endpoint, "timeout")) from exc
        except aiohttp.ClientError as exc:
            raise _Transient(
                VenueUnavailable(self.venue, endpoint, f"connection failed: {type(exc).__name__}")
            ) from exc
        if status == 429:
            log.info("%s %s: 429, retry after %s s", self.venue, endpoint, retry_after)
            raise _Transient(
                VenueRateLimited(self.venue, endpoint, "rate limited (429)", retry_after), retry_after
            )
        if status >= 500:
            raise _Transient(VenueUnavailable(self.venue, endpoint, f"HTTP {status}"))
        if status >= 400:
            raise VenueHttpError(self.venue, endpoint, status, text[:200])
        try:
            return decode_json(text)
        except ValueError:
            raise VenueParseError(self.venue, endpoint, "<body>", "body is not valid JSON") from None


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None

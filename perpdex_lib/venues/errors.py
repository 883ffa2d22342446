"""Typed venue errors. Messages name venue and endpoint, never credentials or full payloads."""

from __future__ import annotations


class VenueError(Exception):
    """Base for every failure talking to a venue."""

    def __init__(self, venue: str, endpoint: str, message: str) -> None:
        self.venue = venue
        self.endpoint = endpoint
        super().__init__(f"{venue} {endpoint}: {message}")


class VenueUnavailable(VenueError):
    """Transport failure, timeout or 5xx that persisted through every retry (outcome unknown)."""


class VenueRateLimited(VenueUnavailable):
    """429 that persisted through every retry."""

    def __init__(self, venue: str, endpoint: str, message: str, retry_after_s: float | None = None) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(venue, endpoint, message)


class VenueHttpError(VenueError):
    """A non-retryable HTTP answer (4xx other than 429), or an error code inside a 200 body."""

    def __init__(self, venue: str, endpoint: str, status: int, message: str) -> None:
        self.status = status
        super().__init__(venue, endpoint, f"HTTP {status}: {message}")


class VenueParseError(VenueError):
    """The body does not match the venue's wire schema. ``field`` is a dotted path into the body."""

    def __init__(self, venue: str, endpoint: str, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(venue, endpoint, f"bad field {field!r}: {reason}")

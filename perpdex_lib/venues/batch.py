"""A fetch result that keeps rejected rows instead of dropping them or failing the whole venue."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from perpdex_lib.domain.units import UnknownUnitError
from perpdex_lib.venues.errors import VenueParseError

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Reject:
    """One row the connector could not turn into a domain model; it goes to quarantine."""

    venue: str
    endpoint: str
    reason_code: str  # parse_error | unknown_unit | unknown_interval | unknown_symbol | stale | ...
    detail: str
    payload: Any  # the raw row as decoded JSON (Decimals as in the body)


@dataclass(slots=True)
class Batch(Generic[T]):
    items: list[T] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)

    def extend(self, other: Batch[T]) -> None:
        self.items.extend(other.items)
        self.rejects.extend(other.rejects)


def map_rows(
    rows: Iterable[R], convert: Callable[[R], T | None], venue: str, endpoint: str, raw: Callable[[R], Any]
) -> Batch[T]:
    """Apply ``convert`` to every row; a row that fails becomes a :class:`Reject`, the rest go on.

    ``convert`` may return None to skip a row on purpose (e.g. a spot market in a mixed list).
    """
    out: Batch[T] = Batch()
    for row in rows:
        try:
            item = convert(row)
        except VenueParseError as exc:
            out.rejects.append(Reject(venue, endpoint, "parse_error", f"{exc.field}: {exc.reason}", raw(row)))
        except UnknownUnitError as exc:
            out.rejects.append(Reject(venue, endpoint, "unknown_unit", str(exc), raw(row)))
        except (ValueError, ArithmeticError, KeyError, TypeError) as exc:
            out.rejects.append(Reject(venue, endpoint, "parse_error", f"{type(exc).__name__}: {exc}", raw(row)))
        else:
            if item is not None:
                out.items.append(item)
    return out

"""Helpers for strict wire schemas: JSON types are part of the contract.

Bodies are decoded with ``parse_float=Decimal`` so no float ever touches a price. ``DecStr`` accepts only
a JSON string holding a decimal ("0.0001"); ``DecNum`` accepts only a JSON number. A venue that changes a
string to a number (or back) is a contract change we want to hear about.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from perpdex_lib.venues.errors import VenueParseError

M = TypeVar("M", bound=BaseModel)


def decode_json(text: str | bytes) -> Any:
    """Decode a body keeping every JSON number with a fraction as an exact Decimal."""
    return json.loads(text, parse_float=Decimal)


def _dec_from_str(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValueError(f"expected a decimal string, got {type(value).__name__}")
    try:
        dec = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal: {value!r}") from exc
    if not dec.is_finite():
        raise ValueError(f"not finite: {value!r}")
    return dec


def _dec_from_num(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise ValueError(f"expected a JSON number, got {type(value).__name__}")
    dec = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not dec.is_finite():
        raise ValueError(f"not finite: {value!r}")
    return dec


def _int_from_str(value: Any) -> int:
    if not isinstance(value, str) or not value.lstrip("-").isdigit():
        raise ValueError(f"expected an integer string, got {value!r}")
    return int(value)


def _strict_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a JSON integer, got {type(value).__name__}")
    return value


DecStr = Annotated[Decimal, BeforeValidator(_dec_from_str)]
DecNum = Annotated[Decimal, BeforeValidator(_dec_from_num)]
IntStr = Annotated[int, BeforeValidator(_int_from_str)]
Int = Annotated[int, BeforeValidator(_strict_int)]


class WireModel(BaseModel):
    """Base for wire schemas: frozen, unknown fields ignored (venues add fields), known ones strict."""

    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)


def parse_wire(model: type[M], payload: Any, venue: str, endpoint: str) -> M:
    """Validate ``payload`` into ``model`` or raise :class:`VenueParseError` naming the first bad field."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "<body>"
        raise VenueParseError(venue, endpoint, field, err["msg"]) from None

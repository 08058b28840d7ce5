"""The building blocks of every wire body: constrained types, the GTIN check, UUIDv7 ids, and the
``Strict`` (request) and ``Reply`` bases.

Promises: a request body never silently drops an unknown field, never holds a NUL character and
never takes ``true`` for a number; a device's time always carries its zone and lies between 2000
and 2100; a GTIN is accepted only with its right check digit.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

API_PREFIX = "/v1"
MAX_QUANTITY = 1_000_000
MAX_BATCH_LINES = 5_000
MAX_SEQ = 2**62


# --- GTIN barcodes ---------------------------------------------------------------------------


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit for the digits of a GTIN without its last digit."""
    total = 0
    for position, char in enumerate(reversed(body)):
        weight = 3 if position % 2 == 0 else 1
        total += int(char) * weight
    return (10 - total % 10) % 10


def gtin_problem(code: str) -> str | None:
    """Why ``code`` is not a valid GTIN-8 or GTIN-13, or None when it is."""
    if not code.isascii() or not code.isdigit():
        return "a GTIN has digits only"
    if len(code) not in (8, 13):
        return f"a GTIN has 8 or 13 digits, not {len(code)}"
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        return f"check digit should be {expected}, not {code[-1]}"
    return None


def is_valid_gtin(code: str) -> bool:
    return gtin_problem(code) is None


def with_check_digit(body: str) -> str:
    """Complete a 7- or 12-digit body into a GTIN-8 or GTIN-13."""
    if not (body.isascii() and body.isdigit() and len(body) in (7, 12)):
        raise ValueError("a GTIN body has 7 or 12 digits")
    return body + str(gtin_check_digit(body))


def _validate_gtin(code: str) -> str:
    problem = gtin_problem(code)
    if problem is not None:
        raise ValueError(problem)
    return code


def _validate_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise ValueError(f"unknown IANA time zone {name!r}") from error
    return name


_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _refuse_numbers(value: object) -> object:
    # A number would be read as a Unix timestamp: a device must say what time zone it means.
    if isinstance(value, int | float):
        raise ValueError("give the time as an RFC 3339 string with its offset")
    return value


def _validate_plausible_time(value: datetime) -> datetime:
    try:
        moment = value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("time is out of range") from error
    if not _EARLIEST <= moment < _LATEST:
        raise ValueError("time must be between 2000 and 2100")
    return moment


def _validate_not_zero(value: int) -> int:
    if value == 0:
        raise ValueError("must not be zero")
    return value


Gtin = Annotated[str, AfterValidator(_validate_gtin)]
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_-]*$"
Sku = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=SKU_PATTERN)]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=SKU_PATTERN)]
LocationCode = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=CODE_PATTERN)]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
CountedQuantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
SignedQuantity = Annotated[
    int, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY), AfterValidator(_validate_not_zero)
]
FeedPosition = Annotated[int, Field(ge=0, le=MAX_SEQ)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
TimeZoneName = Annotated[str, AfterValidator(_validate_timezone)]
OpId = uuid.UUID
EventTime = Annotated[
    AwareDatetime, BeforeValidator(_refuse_numbers), AfterValidator(_validate_plausible_time)
]
"""A time told by a device: with its zone, as an RFC 3339 string, between 2000 and 2100."""


def uuid7(unix_ms: int | None = None, random_bytes: bytes | None = None) -> uuid.UUID:
    """A UUIDv7 (RFC 9562): time-ordered, so operation ids sort by creation time."""
    ms = int(time.time() * 1000) if unix_ms is None else unix_ms
    rand = os.urandom(10) if random_bytes is None else random_bytes
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (int.from_bytes(rand[:2], "big") & 0x0FFF) << 64
    value |= 0b10 << 62
    value |= int.from_bytes(rand[2:10], "big") & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def _without_nul(value: object) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
    elif isinstance(value, dict):
        for key, member in value.items():
            _without_nul(key)
            _without_nul(member)
    elif isinstance(value, list | tuple):
        for member in value:
            _without_nul(member)


def _admits_bool(annotation: Any) -> bool:
    return annotation is bool or annotation is Any or any(map(_admits_bool, get_args(annotation)))


class Strict(BaseModel):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        # No database stores NUL in text; refuse it here rather than fail deep in a query.
        _without_nul(data)
        return data

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, data: Any) -> Any:
        # Lax validation would take true for 1 (a quantity) and false for 0.0 (a longitude).
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                value = data.get(field.alias or name)
                values = value if isinstance(value, list) else [value]
                if any(isinstance(v, bool) for v in values) and not _admits_bool(field.annotation):
                    raise ValueError(f"{name} must not be true or false")
        return data


class Reply(BaseModel):
    """Base of every reply body."""

    model_config = ConfigDict(frozen=True)

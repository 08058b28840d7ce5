"""The reason a record failed the wire contract's validation, as one line a person can act on."""

from __future__ import annotations

from pydantic import ValidationError


def reason_of(error: ValidationError) -> str:
    problem = error.errors()[0]
    field = ".".join(str(part) for part in problem["loc"])
    message = str(problem["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}" if field else message

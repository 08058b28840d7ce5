"""Administration of the network's devices: tokens bound to a location and a role, who a token
is, the audit trail of what each did, and the service's health.

A token is shown once, when it is created; the ledger keeps only its hash, and no listing of
tokens carries either.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import StringConstraints

from ordersync.contract.types import LocationCode, Reply, Strict
from ordersync.contract.vocabulary import Role


class TokenCreate(Strict):
    location: LocationCode
    role: Role
    device: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "terminal"


class TokenCreated(Reply):
    token_id: int
    location: str
    role: Role
    device: str
    token: str
    """Shown once; the ledger keeps only its hash."""


class TokenInfo(Reply):
    """A device token as ``GET /v1/tokens`` lists it: never its secret nor its hash."""

    token_id: int
    location: str
    role: Role
    device: str
    created_at: datetime
    last_used_at: datetime | None
    """When it last authenticated a request, to within a minute; None if never since issued."""
    revoked_at: datetime | None


class Whoami(Reply):
    token_id: int
    location: str
    role: Role
    device: str
    ledger_id: str
    server_time: datetime


class AuditEntry(Reply):
    id: int
    op_id: uuid.UUID | None
    operation: str
    actor: int
    role: str
    location: str
    device: str
    recorded_at: datetime


class Health(Reply):
    status: Literal["ok"]
    ledger_id: str
    head: int
    database: str

"""Administration of the network's devices: tokens bound to a location and a role, who a token
is, the audit trail of what each did (and what it changed, before and after), and the service's
health.

A token is shown once, when it is created; the ledger keeps only its hash, and no listing of
tokens carries either.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from ordersync.contract.types import LocationCode, Reply, Strict
from ordersync.contract.vocabulary import AuditedEntity, MovementKind, Role


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


class AuditPositionChange(Reply):
    """A position an operation changed: its stock before the operation and after it."""

    kind: Literal["position"] = "position"
    sku: str
    location: str
    on_hand_before: int
    on_hand_after: int
    reserved_before: int
    reserved_after: int
    safety_stock_before: int | None = None
    """Only when the operation changed the safety stock (and so for ``safety_stock_after``)."""
    safety_stock_after: int | None = None
    suspect_before: bool | None = None
    """Only when the operation flagged or cleared the position (and so for ``suspect_after``)."""
    suspect_after: bool | None = None


class AuditStateChange(Reply):
    """An order, job, line or reservation whose state an operation moved."""

    kind: Literal["state"] = "state"
    entity: AuditedEntity
    id: str
    line_no: int | None = None
    """For an order line or a job line: its number in the order or job ``id``."""
    from_state: str | None
    """None when the operation created it."""
    to_state: str


class AuditMovement(Reply):
    """A movement an operation posted: its kind and its signed quantity."""

    kind: Literal["movement"] = "movement"
    movement: MovementKind
    sku: str
    location: str
    qty: int


AuditChange = Annotated[
    AuditPositionChange | AuditStateChange | AuditMovement, Field(discriminator="kind")
]


class AuditEntry(Reply):
    id: int
    op_id: uuid.UUID | None
    operation: str
    actor: int
    role: str
    location: str
    device: str
    recorded_at: datetime
    person: str | None = None
    """The staff code of who was signed in on the device, when someone was."""
    person_name: str | None = None
    """Their name, when the network knows the code."""
    person_unverified: bool = False
    """The ledger did not find the person among the active staff of the device's location when
    it recorded what they did (a sale made offline by someone disabled since, for instance)."""
    changes: list[AuditChange] = Field(default_factory=list)
    """What the operation changed, merged per position and per state, in the order it changed
    them; older rows and operations that change no stock list none."""
    changes_total: int = 0
    """How many changes the operation made: more than ``changes`` lists for a huge batch."""


class Health(Reply):
    status: Literal["ok"]
    ledger_id: str
    head: int
    database: str

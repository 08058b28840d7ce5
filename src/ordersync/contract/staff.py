"""Staff: the people who work at a location, each with a role and a PIN, as the ledger stores them
and as the change feed brings them to the terminals of their location.

A PIN travels only once, in the request that sets it, and is never returned. The ledger keeps a
salted Argon2id verifier; a terminal receives the verifiers of its location's people (and of the
network's admins) so that signing in works offline, exactly as its own device token does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, SecretStr, StringConstraints

from ordersync.contract.types import LocationCode, Reply, Strict
from ordersync.contract.vocabulary import Role

STAFF_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
StaffCode = Annotated[str, StringConstraints(pattern=STAFF_CODE_PATTERN)]
"""What a person types (or scans from a badge) to say who they are: unique in the network."""

PIN_PATTERN = r"^[0-9]{4,8}$"
Pin = Annotated[SecretStr, Field(description="4 to 8 digits; never returned nor logged.")]

StaffName = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]

PERSON_HEADER = "Ordersync-Person"
"""The header naming the person behind a single-operation request (a pushed operation names its
person in its own ``person`` field)."""


class StaffIn(Strict):
    """``PUT /v1/staff/{code}``: create a person or change them. Without ``pin`` the PIN is kept
    (a new person needs one)."""

    name: StaffName
    role: Role
    location: LocationCode
    pin: Pin | None = None
    active: bool = True


class StaffMember(Reply):
    """A person as ``GET /v1/staff`` lists them: never their PIN nor its verifier."""

    code: str
    name: str
    role: Role
    location: str
    active: bool
    created_at: datetime
    updated_at: datetime


class StaffCredential(Reply):
    """A person as the change feed brings them to a terminal: enough to sign them in offline."""

    code: str
    name: str
    role: Role
    location: str
    active: bool
    pin_verifier: str
    """An Argon2id hash of the PIN (the ``$argon2id$...`` encoded form), checked on the terminal."""


class StaffSignIn(Strict):
    """``POST /v1/staff/sign-in``: check a person's PIN at the calling device's location."""

    code: StaffCode
    pin: Pin


class StaffSignedIn(Reply):
    code: str
    name: str
    role: Role
    location: str

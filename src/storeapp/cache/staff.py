"""The SQL of staff in the cache: the people the feed brought (with their PIN verifiers) and the
wrong PINs counted on this terminal. A PIN itself is never written anywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from storeapp.cache.tables import CacheStaff, StaffSignInFailure

_STAFF = CacheStaff.__tablename__
_FAILURES = StaffSignInFailure.__tablename__

UPSERT_STAFF_SQL = (
    f"INSERT OR REPLACE INTO {_STAFF} (code, name, role, location, active, pin_verifier) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
"""One person from the feed, as a DB-API row (the feed writes its pages through the cursor)."""


@dataclass(frozen=True, slots=True)
class StaffRecord:
    code: str
    name: str
    role: str
    location: str
    active: bool
    pin_verifier: str


@dataclass(frozen=True, slots=True)
class Failures:
    """Wrong PINs in a row for one person here, and the end of their lockout if they have one."""

    count: int
    locked_until: datetime | None


def has_staff(connection: Connection, location: str) -> bool:
    """Whether ``location`` has a person of its own who can sign in (the network's admins,
    whom every store's feed brings, do not make a store one that signs its staff in)."""
    row = connection.execute(
        text(f"SELECT 1 FROM {_STAFF} WHERE location = :location AND active LIMIT 1"),
        {"location": location},
    ).first()
    return row is not None


def find_person(connection: Connection, code: str) -> StaffRecord | None:
    """The person whose code is ``code``: exactly as typed, else the one code equal to it
    ignoring case (what staff type on a keyboard)."""
    rows = connection.execute(
        text(
            f"SELECT code, name, role, location, active, pin_verifier FROM {_STAFF} "
            "WHERE code = :code COLLATE NOCASE"
        ),
        {"code": code},
    ).all()
    exact = [row for row in rows if row.code == code]
    chosen = exact or (rows if len(rows) == 1 else [])
    if not chosen:
        return None
    row = chosen[0]
    return StaffRecord(
        row.code, row.name, row.role, row.location, bool(row.active), row.pin_verifier
    )


def read_failures(connection: Connection, code: str) -> Failures:
    row = connection.execute(
        text(f"SELECT failures, locked_until FROM {_FAILURES} WHERE code = :code"),
        {"code": code},
    ).first()
    if row is None:
        return Failures(0, None)
    until = None if row.locked_until is None else datetime.fromisoformat(row.locked_until)
    return Failures(int(row.failures), until)


def write_failures(connection: Connection, code: str, failures: Failures) -> None:
    """Keep ``failures`` for ``code``; none and no lockout forgets the row."""
    if failures.count == 0 and failures.locked_until is None:
        connection.execute(text(f"DELETE FROM {_FAILURES} WHERE code = :code"), {"code": code})
        return
    connection.execute(
        text(
            f"INSERT INTO {_FAILURES} (code, failures, locked_until) "
            "VALUES (:code, :failures, :until) ON CONFLICT (code) DO UPDATE SET "
            "failures = excluded.failures, locked_until = excluded.locked_until"
        ),
        {
            "code": code,
            "failures": failures.count,
            "until": None if failures.locked_until is None else failures.locked_until.isoformat(),
        },
    )

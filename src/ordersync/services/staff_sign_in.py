"""Signing a person in on a device: their PIN checked against its verifier, and the lockout.

Wrong PINs in a row are counted per person and per device (token): after ``max_attempts`` of them
the person is locked out on that device, and only there, until the lockout ends; while it lasts
even the right PIN is refused. The right PIN clears the count. A lockout is audited; a PIN never
is, nor does it appear in any refusal.

A check has three steps so the slow one holds no lock: ``sign_in_candidate`` reads the person and
any lockout, the caller verifies the PIN (``staff_pins.pin_matches``, tens of milliseconds), and
``record_sign_in`` counts the attempt in a write transaction, where a lockout another attempt set
in the meantime still wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import Connection, select

from ordersync.config import LedgerSettings
from ordersync.contract import Role
from ordersync.contract.staff import StaffSignedIn
from ordersync.db.ledger_tx import LedgerTx, table_of
from ordersync.db.raw import RawSql
from ordersync.db.tables import StaffSignInFailureRow
from ordersync.domain.errors import Forbidden, StaffLockedOut, WrongPin
from ordersync.domain.permissions import Principal
from ordersync.services.staff import STAFF, works_here

FAILURES = table_of(StaffSignInFailureRow)


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_attempts: int
    lockout: timedelta

    @classmethod
    def of(cls, settings: LedgerSettings) -> LockoutPolicy:
        return cls(settings.staff_max_attempts, timedelta(minutes=settings.staff_lockout_minutes))


@dataclass(frozen=True, slots=True)
class SignInCandidate:
    """The person a device asks to sign in, known to work there and not locked out on it."""

    person: StaffSignedIn
    pin_verifier: str


class Verdict(Enum):
    SIGNED_IN = "signed_in"
    WRONG_PIN = "wrong_pin"
    LOCKED_OUT = "locked_out"


@dataclass(frozen=True, slots=True)
class SignInResult:
    verdict: Verdict
    attempts_left: int = 0
    locked_until: datetime | None = None


def _locked_out(code: str, until: datetime, now: datetime) -> StaffLockedOut:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return StaffLockedOut(
        f"{code} is locked out on this device after too many wrong PINs; try again in "
        f"{math.ceil(seconds / 60)} min",
        retry_after_seconds=seconds,
        code=code,
        locked_until=until.isoformat(),
    )


def sign_in_candidate(
    connection: Connection, principal: Principal, code: str, now: datetime
) -> SignInCandidate:
    """The person behind ``code`` if they may sign in on this device now; refused otherwise."""
    row = connection.execute(select(STAFF).where(STAFF.c.code == code)).first()
    if row is None or not row.active:
        # not repeated: what was typed as a code may be a PIN typed in the wrong field
        raise Forbidden(f"{principal.location} has no active person with this code")
    role = Role(row.role)
    if not works_here(role, row.location, row.active, principal.location):
        raise Forbidden(
            f"{code} works at {row.location}, not at {principal.location}",
            code=code,
            location=row.location,
        )
    locked_until = connection.execute(
        select(FAILURES.c.locked_until).where(
            FAILURES.c.code == code, FAILURES.c.token_id == principal.token_id
        )
    ).scalar()
    if locked_until is not None and locked_until > now:
        raise _locked_out(code, locked_until, now)
    return SignInCandidate(
        StaffSignedIn(code=row.code, name=row.name, role=role, location=row.location),
        row.pin_verifier,
    )


def record_sign_in(
    tx: LedgerTx, principal: Principal, code: str, matched: bool, policy: LockoutPolicy
) -> SignInResult:
    """Count the attempt of ``code`` on the calling device: clear the count on the right PIN,
    lock the person out on the last wrong one allowed."""
    sql = tx.sql
    if matched:
        row = sql.first(
            "SELECT locked_until FROM staff_sign_in_failures WHERE code = :code "
            "AND token_id = :token_id",
            {"code": code, "token_id": principal.token_id},
        )
        until = None if row is None or row[0] is None else RawSql.read_time(row[0])
        if until is not None and until > tx.now:
            return SignInResult(Verdict.LOCKED_OUT, locked_until=until)
        sql.execute(
            "DELETE FROM staff_sign_in_failures WHERE code = :code AND token_id = :token_id",
            {"code": code, "token_id": principal.token_id},
        )
        return SignInResult(Verdict.SIGNED_IN)
    # A lockout that has ended starts the count again.
    failures, until_value = sql.one(
        "INSERT INTO staff_sign_in_failures (code, token_id, failures, last_failure_at, "
        "locked_until) VALUES (:code, :token_id, 1, :now, NULL) "
        "ON CONFLICT (code, token_id) DO UPDATE SET "
        "failures = CASE WHEN staff_sign_in_failures.locked_until <= excluded.last_failure_at "
        "THEN 1 ELSE staff_sign_in_failures.failures + 1 END, "
        "locked_until = CASE WHEN staff_sign_in_failures.locked_until <= "
        "excluded.last_failure_at THEN NULL ELSE staff_sign_in_failures.locked_until END, "
        "last_failure_at = excluded.last_failure_at "
        "RETURNING failures, locked_until",
        {"code": code, "token_id": principal.token_id, "now": sql.time(tx.now)},
    )
    if until_value is not None:
        return SignInResult(Verdict.LOCKED_OUT, locked_until=RawSql.read_time(until_value))
    if int(failures) < policy.max_attempts:
        return SignInResult(Verdict.WRONG_PIN, attempts_left=policy.max_attempts - int(failures))
    until = tx.now + policy.lockout
    sql.execute(
        "UPDATE staff_sign_in_failures SET locked_until = :until WHERE code = :code "
        "AND token_id = :token_id",
        {"until": sql.time(until), "code": code, "token_id": principal.token_id},
    )
    tx.audit(
        op_id=None,
        operation="staff.lockout",
        actor=principal.token_id,
        role=principal.role.value,
        location=principal.location,
        device=principal.device,
        person=code,
        detail={"code": code, "failures": int(failures), "locked_until": until.isoformat()},
    )
    return SignInResult(Verdict.LOCKED_OUT, locked_until=until)


def signed_in_or_refusal(
    candidate: SignInCandidate, result: SignInResult, now: datetime, policy: LockoutPolicy
) -> StaffSignedIn:
    """The person signed in, or the refusal their attempt earned."""
    code = candidate.person.code
    if result.verdict is Verdict.SIGNED_IN:
        return candidate.person
    if result.verdict is Verdict.WRONG_PIN:
        left = result.attempts_left
        minutes = int(policy.lockout.total_seconds() // 60)
        raise WrongPin(
            f"wrong PIN for {code}: {left} {'attempt' if left == 1 else 'attempts'} left before "
            f"a {minutes}-minute lockout on this device",
            code=code,
            attempts_left=left,
        )
    assert result.locked_until is not None
    raise _locked_out(code, result.locked_until, now)

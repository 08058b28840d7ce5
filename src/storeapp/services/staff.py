"""Staff at the terminal: signing a person in with their code and PIN, offline, against the
verifier the feed brought; the lockout after too many wrong PINs on this terminal; a manager's
approval of one action; and the shift, who is working now, whose code every operation carries.

Promises:

- A PIN is checked and forgotten: never stored, logged, put in an exception or returned.
- ``max_attempts`` wrong PINs in a row lock that person out of this terminal for ``lockout``; a
  locked person is refused even with the right PIN until then; a right PIN resets the count.
- A store without staff (older set-ups, the demo) signs nobody in: operations carry no person.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine

from ordersync.contract import Role
from storeapp.cache import staff as cache
from storeapp.clock import Now

MANAGER_ROLES = frozenset({Role.MANAGER.value, Role.ADMIN.value})
"""The roles whose PIN approves a manager's action."""


@dataclass(frozen=True, slots=True)
class StaffPerson:
    """A person signed in (never their PIN nor its verifier)."""

    code: str
    name: str
    role: str

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGER_ROLES


class SignInRefusal(StrEnum):
    UNKNOWN = "unknown"
    """No person of this store has that code."""
    INACTIVE = "inactive"
    """The person is disabled."""
    WRONG_PIN = "wrong_pin"
    LOCKED = "locked"
    """Too many wrong PINs on this terminal: wait until the lockout ends."""
    NOT_MANAGER = "not_manager"
    """The action needs a manager's PIN and this person is not one."""


class SignInRefused(Exception):
    """Why a person was not signed in; the message names the code, never the PIN."""

    def __init__(
        self,
        refusal: SignInRefusal,
        code: str,
        *,
        attempts_left: int | None = None,
        locked_until: datetime | None = None,
    ) -> None:
        super().__init__(f"{code}: {refusal.value}")
        self.refusal = refusal
        self.code = code
        self.attempts_left = attempts_left
        self.locked_until = locked_until


class StaffService:
    """Signs people in on this terminal from the cache alone (the ledger need not answer)."""

    def __init__(
        self,
        engine: Engine,
        location: str,
        now: Now,
        *,
        max_attempts: int = 5,
        lockout: timedelta = timedelta(minutes=15),
    ) -> None:
        self._engine = engine
        self._location = location
        self._now = now
        self._max_attempts = max_attempts
        self._lockout = lockout
        self._hasher = PasswordHasher()

    def has_staff(self) -> bool:
        """Whether anyone must sign in here: the feed has brought this store's people."""
        with self._engine.connect() as connection:
            return cache.has_staff(connection, self._location)

    def sign_in(self, code: str, pin: str) -> StaffPerson:
        """The person ``code`` once ``pin`` is theirs; else ``SignInRefused`` saying why."""
        code = code.strip()
        with self._engine.connect() as connection:
            record = cache.find_person(connection, code)
            if record is None or not self._works_here(record):
                raise SignInRefused(SignInRefusal.UNKNOWN, code)
            failures = cache.read_failures(connection, record.code)
        if not record.active or not record.pin_verifier:
            raise SignInRefused(SignInRefusal.INACTIVE, record.code)
        now = self._now()
        if failures.locked_until is not None and now < failures.locked_until:
            raise SignInRefused(
                SignInRefusal.LOCKED, record.code, locked_until=failures.locked_until
            )
        # Checked outside any transaction: a verification takes a while, on purpose.
        matches = self._pin_matches(record.pin_verifier, pin)
        if matches:
            kept = cache.Failures(0, None)
        else:
            wrong = failures.count + 1 if failures.locked_until is None else 1
            locked = wrong >= self._max_attempts
            kept = cache.Failures(0, now + self._lockout) if locked else cache.Failures(wrong, None)
        with self._engine.begin() as connection:
            cache.write_failures(connection, record.code, kept)
        if matches:
            return StaffPerson(record.code, record.name, record.role)
        if kept.locked_until is not None:
            raise SignInRefused(SignInRefusal.LOCKED, record.code, locked_until=kept.locked_until)
        raise SignInRefused(
            SignInRefusal.WRONG_PIN, record.code, attempts_left=self._max_attempts - kept.count
        )

    def approve(self, code: str, pin: str) -> StaffPerson:
        """A manager's PIN for one action: the same checks and lockout as signing in."""
        person = self.sign_in(code, pin)
        if not person.is_manager:
            raise SignInRefused(SignInRefusal.NOT_MANAGER, person.code)
        return person

    def _works_here(self, record: cache.StaffRecord) -> bool:
        return record.location == self._location or record.role == Role.ADMIN.value

    def _pin_matches(self, verifier: str, pin: str) -> bool:
        try:
            return self._hasher.verify(verifier, pin)
        except (VerificationError, InvalidHashError):
            return False


class Shift:
    """Who works at this terminal now: the person signed in (in memory only: a TUI session, or
    one CLI command), and for the length of one action the manager who approved it."""

    def __init__(self) -> None:
        self.person: StaffPerson | None = None
        self._approver: StaffPerson | None = None

    def begin(self, person: StaffPerson) -> None:
        self.person = person

    def end(self) -> None:
        self.person = None
        self._approver = None

    @property
    def is_manager(self) -> bool:
        return self.person is not None and self.person.is_manager

    @contextmanager
    def approved_by(self, manager: StaffPerson | None) -> Iterator[None]:
        """Operations made inside carry ``manager``'s code (their PIN approved the action); with
        None, the code of the person signed in, as outside."""
        self._approver = manager
        try:
            yield
        finally:
            self._approver = None

    def code(self) -> str | None:
        """The staff code an operation made now carries (a ``PersonOf``)."""
        acting = self._approver or self.person
        return None if acting is None else acting.code

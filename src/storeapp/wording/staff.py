"""Staff: who is signed in, and why a sign-in or a manager's approval was refused. No sentence
here ever holds a PIN."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from storeapp.i18n import _
from storeapp.services.staff import SignInRefusal, SignInRefused, StaffPerson
from storeapp.wording.figures import number, span


def signed_in_as(person: StaffPerson) -> str:
    """Who works at the terminal now, for a status line."""
    return _("{name} ({code})", name=person.name, code=person.code)


def nobody_signed_in() -> str:
    return _("nobody signed in")


def sign_in_refusal(error: SignInRefused, now: datetime) -> str:
    """Why ``error.code`` was not signed in (or their approval not taken), in one sentence."""
    refusal = error.refusal
    if refusal is SignInRefusal.UNKNOWN:
        return _("No person of this store has the code {code}.", code=error.code)
    if refusal is SignInRefusal.INACTIVE:
        return _("{code} is disabled: ask a manager.", code=error.code)
    if refusal is SignInRefusal.NOT_MANAGER:
        return _(
            "{code} is not a manager: a manager must enter their code and PIN.", code=error.code
        )
    if refusal is SignInRefusal.LOCKED:
        left = (error.locked_until - now) if error.locked_until else timedelta(0)
        minutes = max(math.ceil(left.total_seconds() / 60), 1)
        return _(
            "Too many wrong PINs: {code} is locked out of this terminal for {span}.",
            code=error.code,
            span=span(timedelta(minutes=minutes)),
        )
    return _(
        "Wrong PIN for {code}: {count} attempt(s) left before a lockout.",
        code=error.code,
        count=number(error.attempts_left or 0),
    )

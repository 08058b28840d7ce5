"""Staff PINs: which ones the ledger accepts, and the Argon2id verifier it keeps instead of them.

A PIN exists in clear only in the request that sets or checks it. Nothing here puts it in an
exception, a message or a log record: a refusal says what is wrong with the PIN, never what it is.

The verifier's cost is set so one check takes some tens of milliseconds on a store terminal (which
checks PINs offline against the verifiers the feed brings it): slow enough that trying every PIN
of a stolen cache takes long, fast enough that signing in does not make anyone wait. Hashing runs
outside the ledger's write transaction, so it never holds up other stores' writes.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import SecretStr

from ordersync.contract.staff import PIN_PATTERN
from ordersync.domain.errors import InvalidRequest

PIN_HASHER = PasswordHasher(
    time_cost=2, memory_cost=19_456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)
"""Argon2id, 19 MiB, 2 passes (OWASP's lowest recommended setting): about 30 ms a check here."""

_PIN = re.compile(PIN_PATTERN)
_ASCENDING = "01234567890"
_DESCENDING = "98765432109"


def pin_weakness(pin: str) -> str | None:
    """Why ``pin`` is refused, in words that do not repeat it; None when it is acceptable."""
    if not _PIN.fullmatch(pin):
        return "a PIN is 4 to 8 digits"
    if len(set(pin)) == 1:
        return "a PIN of one repeated digit is too easy to guess"
    if pin in _ASCENDING or pin in _DESCENDING:
        return "a PIN of consecutive digits, counting up or down, is too easy to guess"
    return None


def require_acceptable_pin(pin: SecretStr) -> str:
    """The PIN in clear, once it is known to be acceptable; a problem saying why otherwise."""
    clear = pin.get_secret_value()
    weakness = pin_weakness(clear)
    if weakness is not None:
        raise InvalidRequest(weakness, field="pin")
    return clear


def pin_verifier(pin: SecretStr) -> str:
    """The encoded Argon2id verifier (``$argon2id$...``) of an acceptable PIN."""
    return PIN_HASHER.hash(require_acceptable_pin(pin))


def pin_matches(verifier: str, pin: SecretStr) -> bool:
    """True when ``pin`` is the PIN behind ``verifier``; False for a wrong PIN or a verifier that
    cannot verify anything (an empty one)."""
    try:
        return PIN_HASHER.verify(verifier, pin.get_secret_value())
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False

"""Device tokens: issued once in clear, stored as a SHA-256 hash, bound to a location and a role."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select, update

from ordersync.contract import Role, TokenCreated
from ordersync.db.ledger_tx import LedgerTx, table_of
from ordersync.db.tables import TokenRow
from ordersync.domain.errors import NotFound, UnknownLocation
from ordersync.domain.permissions import Action, Principal

TOKENS = table_of(TokenRow)
TOKEN_PREFIX = "osk_"  # noqa: S105 (a marker that makes leaked tokens easy to spot)


REDACTED = TOKEN_PREFIX + "[redacted]"
_TOKEN_SHAPE = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_\-]{8,}")


def redact_text(text: str) -> str:
    """``text`` with every token-shaped string replaced, so a misplaced token is never kept."""
    return _TOKEN_SHAPE.sub(REDACTED, text) if TOKEN_PREFIX in text else text


def redact_tokens(value: Any) -> Any:
    """``value`` (a JSON document) with every token-shaped string redacted, at any depth."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {redact_tokens(key): redact_tokens(member) for key, member in value.items()}
    if isinstance(value, list | tuple):
        return [redact_tokens(member) for member in value]
    return value


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


CLI_ACTOR = Principal(token_id=0, location="", role=Role.ADMIN, device="ordersync-cli")
"""Who acts when an operator runs the ``ordersync`` command on the server itself."""


def issue_token(
    tx: LedgerTx, location: str, role: Role, device: str, issued_by: Principal = CLI_ACTOR
) -> TokenCreated:
    issued_by.require(Action.MANAGE_TOKENS)
    if tx.location_row(location) is None:
        raise UnknownLocation(f"no location {location!r} in the network", location=location)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = tx.connection.execute(
        TOKENS.insert()
        .values(
            token_hash=hash_token(token),
            location=location,
            role=role.value,
            device=device,
            created_at=tx.now,
        )
        .returning(TOKENS.c.id)
    ).scalar_one()
    tx.audit(
        op_id=None,
        operation="token.issue",
        actor=issued_by.token_id,
        role=issued_by.role.value,
        location=location,
        device=issued_by.device,
        detail={"token_id": token_id, "role": role.value, "device": device},
    )
    return TokenCreated(token_id=token_id, location=location, role=role, device=device, token=token)


def revoke_token(tx: LedgerTx, token_id: int, revoked_by: Principal = CLI_ACTOR) -> None:
    revoked_by.require(Action.MANAGE_TOKENS)
    revoked = tx.connection.execute(
        update(TOKENS)
        .where(TOKENS.c.id == token_id, TOKENS.c.revoked_at.is_(None))
        .values(revoked_at=tx.now)
        .returning(TOKENS.c.location, TOKENS.c.device)
    ).first()
    if revoked is None:
        raise NotFound(f"no active token {token_id}", token_id=token_id)
    tx.audit(
        op_id=None,
        operation="token.revoke",
        actor=revoked_by.token_id,
        role=revoked_by.role.value,
        location=revoked.location,
        device=revoked_by.device,
        detail={"token_id": token_id, "device": revoked.device},
    )


def find_principal(connection: Connection, token: str) -> Principal | None:
    row = connection.execute(
        select(TOKENS.c.id, TOKENS.c.location, TOKENS.c.role, TOKENS.c.device).where(
            TOKENS.c.token_hash == hash_token(token), TOKENS.c.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    return Principal(token_id=row.id, location=row.location, role=Role(row.role), device=row.device)


class TokenCache:
    """Remembers recent token lookups for a few seconds, so a request costs no database read."""

    def __init__(self, ttl_seconds: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        if self._ttl <= 0:
            return None
        with self._lock:
            entry = self._entries.get(token)
            if entry is None or entry[0] < self._monotonic():
                return None
            return entry[1]

    def put(self, token: str, principal: Principal) -> None:
        if self._ttl <= 0:
            return
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[token] = (self._monotonic() + self._ttl, principal)

"""Device tokens: issued once in clear, stored as a SHA-256 hash, bound to a location and a role;
listed for admins without their secret or hash; recognised on each request, with a per-process
memory of recent lookups, and their last use recorded at most once a minute per process.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import Connection, or_, select, update

from ordersync.contract import Role, TokenCreated, TokenInfo
from ordersync.db.ledger_tx import LedgerTx, table_of
from ordersync.db.tables import TokenRow
from ordersync.domain.errors import NotFound, UnknownLocation
from ordersync.domain.permissions import Action, Principal
from ordersync.services.catalog import require_known_location
from ordersync.services.drop_ship import check_token_role

TOKENS = table_of(TokenRow)
TOKEN_PREFIX = "osk_"  # noqa: S105 (a marker that makes leaked tokens easy to spot)
LAST_USE_PRECISION_SECONDS = 60.0
"""A server process records a token's use at most this often."""


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
    check_token_role(tx.sql, location, role)
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
    tx.audit_by(
        issued_by,
        operation="token.issue",
        location=location,
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
    tx.audit_by(
        revoked_by,
        operation="token.revoke",
        location=revoked.location,
        detail={"token_id": token_id, "device": revoked.device},
    )


def list_tokens(
    connection: Connection,
    principal: Principal,
    location: str | None = None,
    include_revoked: bool = False,
) -> list[TokenInfo]:
    """The tokens (of one location, if given), active ones only unless ``include_revoked``;
    ordered by id, which is the order they were issued in."""
    principal.require(Action.MANAGE_TOKENS)
    require_known_location(connection, location)
    query = select(
        TOKENS.c.id,
        TOKENS.c.location,
        TOKENS.c.role,
        TOKENS.c.device,
        TOKENS.c.created_at,
        TOKENS.c.last_used_at,
        TOKENS.c.revoked_at,
    ).order_by(TOKENS.c.id)
    if location is not None:
        query = query.where(TOKENS.c.location == location)
    if not include_revoked:
        query = query.where(TOKENS.c.revoked_at.is_(None))
    return [
        TokenInfo(
            token_id=row.id,
            location=row.location,
            role=Role(row.role),
            device=row.device,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )
        for row in connection.execute(query)
    ]


def record_last_use(tx: LedgerTx, token_id: int) -> None:
    """Stamp the token's last use with the transaction's time (never moving it back)."""
    # SKIP LOCKED (PostgreSQL; SQLite's single writer needs no row lock): a stamp never waits
    # on, nor deadlocks with, another writer holding the row (a revocation, another process's
    # stamp); that one goes ahead and the use is recorded again a minute later.
    unlocked = (
        select(TOKENS.c.id)
        .where(
            TOKENS.c.id == token_id,
            or_(TOKENS.c.last_used_at.is_(None), TOKENS.c.last_used_at < tx.now),
        )
        .with_for_update(skip_locked=True)
    )
    tx.connection.execute(
        update(TOKENS).where(TOKENS.c.id.in_(unlocked)).values(last_used_at=tx.now)
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
    """What one server process remembers of tokens: recent lookups, for a few seconds, so a
    request costs no database read; and when it last had each token's use recorded."""

    def __init__(self, ttl_seconds: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._last_recorded: dict[int, float] = {}
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

    def record_use(
        self, token_id: int, submit: Callable[[Callable[[LedgerTx], None]], Any]
    ) -> None:
        """Have ``submit`` (the process's writer) stamp the token's last use, unless this
        process did so less than a minute ago.

        The stamp goes through the group-commit writer rather than a transaction of its own:
        it shares the commit of the writer's next batch, no second writer queues for SQLite's
        write lock while the request waits, and the request does not wait for it. It runs in
        its own savepoint and nobody awaits its result, so a failed stamp fails no request.
        """
        now = self._monotonic()
        with self._lock:
            last = self._last_recorded.get(token_id)
            if last is not None and now - last < LAST_USE_PRECISION_SECONDS:
                return
            if len(self._last_recorded) > 10_000:
                self._last_recorded.clear()
            self._last_recorded[token_id] = now
        try:
            submit(partial(record_last_use, token_id=token_id))
        except RuntimeError:
            # the writer has stopped: the process is shutting down and the use goes unrecorded
            return

"""Head-office sessions: what the signed ``hq_session`` cookie holds, how it is signed and read.

Promises: a cookie is accepted only with a valid HMAC-SHA256 signature under the process's
signing key and before its expiry; it never holds the API token itself, only the token's id (so
a revoked token's session is refused on the next request, see ``viewer``). The CSRF token of a
session is derived from its random id under the same key: forms carry it, and a POST without it
is refused. Time comes from the caller, never from the system clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SESSION_COOKIE = "hq_session"
SIGN_IN_COOKIE = "hq_sign_in"
"""Holds the nonce the sign-in form's CSRF token is derived from, before any session exists."""
COOKIE_PATH = "/hq"


@dataclass(frozen=True, slots=True)
class HqSession:
    """One browser's sign-in: which token it proved it holds, and until when it lasts."""

    session_id: str
    token_id: int
    signed_in_at: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Signs and reads session cookies and derives CSRF tokens, all under one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the session signing key must be at least 32 bytes")
        self._key = key

    def _mac(self, purpose: str, payload: str) -> str:
        digest = hmac.new(self._key, f"{purpose}:{payload}".encode(), hashlib.sha256).digest()
        return _b64(digest)

    def new_session(self, token_id: int, now: datetime, lifetime: timedelta) -> HqSession:
        return HqSession(
            session_id=secrets.token_urlsafe(16),
            token_id=token_id,
            signed_in_at=now,
            expires_at=now + lifetime,
        )

    def dump(self, session: HqSession) -> str:
        payload = _b64(
            json.dumps(
                {
                    "sid": session.session_id,
                    "tid": session.token_id,
                    "iat": int(session.signed_in_at.timestamp()),
                    "exp": int(session.expires_at.timestamp()),
                },
                separators=(",", ":"),
            ).encode()
        )
        return f"{payload}.{self._mac('session', payload)}"

    def load(self, cookie: str | None, now: datetime) -> HqSession | None:
        """The session ``cookie`` holds, or None when it is missing, forged, garbled or expired."""
        if not cookie or cookie.count(".") != 1:
            return None
        payload, signature = cookie.split(".")
        if not hmac.compare_digest(signature, self._mac("session", payload)):
            return None
        try:
            fields = json.loads(_unb64(payload))
            session = HqSession(
                session_id=str(fields["sid"]),
                token_id=int(fields["tid"]),
                signed_in_at=datetime.fromtimestamp(int(fields["iat"]), UTC),
                expires_at=datetime.fromtimestamp(int(fields["exp"]), UTC),
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        return None if session.expired(now) else session

    def csrf_token(self, seed: str) -> str:
        """The token forms must send back: derived from a session id (or a sign-in nonce)."""
        return self._mac("csrf", seed)

    def csrf_matches(self, seed: str | None, sent: str | None) -> bool:
        if not seed or not sent:
            return False
        return hmac.compare_digest(sent, self.csrf_token(seed))

    def dump_nonce(self, nonce: str) -> str:
        return f"{nonce}.{self._mac('nonce', nonce)}"

    def load_nonce(self, cookie: str | None) -> str | None:
        if not cookie or cookie.count(".") != 1:
            return None
        nonce, signature = cookie.split(".")
        return nonce if hmac.compare_digest(signature, self._mac("nonce", nonce)) else None

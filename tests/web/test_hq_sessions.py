"""Session cookies and CSRF tokens: signed, expiring, bound to one key; the key shared by every
process of one ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from ordersync.config import LedgerSettings
from ordersync.web.sessions import SessionSigner
from ordersync.web.signing_key import key_file_of, signing_key

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def signer() -> SessionSigner:
    return SessionSigner(b"k" * 32)


def test_a_session_reads_back_until_it_expires(signer: SessionSigner) -> None:
    session = signer.new_session(7, NOW, HOUR)
    cookie = signer.dump(session)
    assert signer.load(cookie, NOW + HOUR - timedelta(seconds=1)) == session
    assert signer.load(cookie, NOW + HOUR) is None


def test_a_cookie_signed_with_another_key_or_altered_is_refused(signer: SessionSigner) -> None:
    cookie = signer.dump(signer.new_session(7, NOW, HOUR))
    assert SessionSigner(b"o" * 32).load(cookie, NOW) is None
    payload, signature = cookie.split(".")
    assert signer.load(payload[:-2] + "AA." + signature, NOW) is None
    for garbled in ("", ".", "a.b.c", "not-base64!." + signature):
        assert signer.load(garbled, NOW) is None


def test_csrf_tokens_belong_to_one_session(signer: SessionSigner) -> None:
    first = signer.new_session(7, NOW, HOUR)
    second = signer.new_session(7, NOW, HOUR)
    token = signer.csrf_token(first.session_id)
    assert signer.csrf_matches(first.session_id, token)
    assert not signer.csrf_matches(second.session_id, token)
    assert not signer.csrf_matches(first.session_id, None)
    assert not signer.csrf_matches(first.session_id, "")


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        SessionSigner(b"short")


def test_every_process_of_a_sqlite_ledger_finds_the_same_stored_key(tmp_path: Path) -> None:
    settings = LedgerSettings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}")
    first = signing_key(settings)
    assert key_file_of(settings) == tmp_path / "hq-secret"
    assert (tmp_path / "hq-secret").stat().st_mode & 0o077 == 0
    assert signing_key(settings) == first


def test_the_configured_secret_wins(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    configured = LedgerSettings(database_url=url, hq_secret=SecretStr("s" * 40))
    assert signing_key(configured) == signing_key(configured)
    assert signing_key(configured) != signing_key(LedgerSettings(database_url=url))
    assert signing_key(configured) != signing_key(
        LedgerSettings(database_url=url, hq_secret=SecretStr("t" * 40))
    )

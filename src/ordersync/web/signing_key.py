"""The key that signs head-office sessions, the same in every process serving one ledger.

``ORDERSYNC_HQ_SECRET`` wins when set (several machines must share it). Otherwise the key is
generated once and kept in a file ``hq-secret`` (mode 0600) beside the SQLite ledger, or in the
platform data directory for PostgreSQL: the first process to start creates it with an exclusive
create, so workers started together never end up with two keys.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path

import platformdirs
from sqlalchemy.engine import make_url

from ordersync.config import LedgerSettings

KEY_FILE_NAME = "hq-secret"


def key_file_of(settings: LedgerSettings) -> Path:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / KEY_FILE_NAME
    return Path(platformdirs.user_data_dir("ordersync", appauthor=False)) / KEY_FILE_NAME


def _stored_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole under a private name, then linked into place: link fails when another
        # process got there first, and nobody ever reads a half-written key.
        draft = path.with_name(f".{KEY_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as created:
                created.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            draft.unlink(missing_ok=True)
    text = path.read_text().strip()
    if len(text) < 32:
        raise RuntimeError(f"{path} holds no usable key: delete it and restart")
    return text.encode()


def signing_key(settings: LedgerSettings) -> bytes:
    """32 bytes derived from the configured secret or from the stored one."""
    configured = settings.hq_secret
    raw = (
        configured.get_secret_value().encode()
        if configured is not None
        else _stored_key(key_file_of(settings))
    )
    return hashlib.sha256(b"ordersync-hq:" + raw).digest()

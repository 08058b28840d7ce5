"""The base of every write transaction: its connection, its operation scopes and its feed positions.

Feed positions (``seq``) come from one counter row that the transaction locks the first time it
needs one and keeps until commit; so positions are handed out in commit order and a reader of the
change feed can never see position N+1 while N is still to commit. Feed rows are collected per key
and written once, at the end, with the latest state of each key.

Each operation of a batch runs inside its own savepoint; a refused operation takes back its
statements (``rollback_to``) and its buffered feed rows and journal entries (``restore``), and
nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ordersync.db.raw import RawSql
from ordersync.db.tx_journal import ChangeJournal


@dataclass(frozen=True, slots=True)
class PendingChange:
    kind: str
    key: str
    scope: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class TxMark:
    """Where an operation started, so a refused operation can take back its buffered changes."""

    changes: dict[tuple[str, str], PendingChange]
    journal: int


class FeedTx:
    """A write transaction's connection, operation scopes and feed; ``LedgerTx`` builds on it."""

    def __init__(self, connection: Connection, now: datetime) -> None:
        self.connection = connection
        self.now = now
        self.sql = RawSql(connection)
        self.is_postgres = self.sql.is_postgres
        self._now_db = self.sql.time(now)
        self._last_seq: int | None = None
        self._counter_start: int | None = None
        self._changes: dict[tuple[str, str], PendingChange] = {}
        self._savepoints = 0
        self._seq_at_savepoint: dict[str, int | None] = {}
        self.journal = ChangeJournal()
        """What each operation changed, before and after, for its audit row."""

    # --- operation scope ---------------------------------------------------------------------

    def mark(self) -> TxMark:
        return TxMark(dict(self._changes), self.journal.mark())

    def restore(self, mark: TxMark) -> None:
        self._changes = dict(mark.changes)
        self.journal.restore(mark.journal)

    def savepoint(self) -> str:
        self._savepoints += 1
        name = f"op_{self._savepoints}"
        self.sql.execute(f"SAVEPOINT {name}")
        self._seq_at_savepoint[name] = self._last_seq
        return name

    def release(self, name: str) -> None:
        self.sql.execute(f"RELEASE SAVEPOINT {name}")
        self._seq_at_savepoint.pop(name, None)

    def rollback_to(self, name: str) -> None:
        self.sql.execute(f"ROLLBACK TO SAVEPOINT {name}")
        if self._seq_at_savepoint.pop(name, None) is None:
            # PostgreSQL gives back a row lock taken inside a savepoint that is rolled back: if
            # the feed counter was first locked in here, it must be locked (and read) again.
            self._last_seq = None
            self._counter_start = None

    # --- feed positions ----------------------------------------------------------------------

    def next_seq(self) -> int:
        self.lock_for_decision()
        assert self._last_seq is not None
        self._last_seq += 1
        return self._last_seq

    def lock_for_decision(self) -> None:
        """Take the write lock before reading what a decision depends on (routing reads stock
        first, then reserves): on PostgreSQL another process cannot commit in between."""
        if self._last_seq is None:
            lock = " FOR UPDATE" if self.is_postgres else ""
            (current,) = self.sql.one(f"SELECT last_seq FROM feed_counter WHERE id = 1{lock}")
            self._last_seq = int(current)
            self._counter_start = self._last_seq

    def head(self) -> int:
        if self._last_seq is not None:
            return self._last_seq
        (current,) = self.sql.one("SELECT last_seq FROM feed_counter WHERE id = 1")
        return int(current)

    def record_change(self, kind: str, key: str, scope: str, payload: dict[str, Any]) -> None:
        # Moving the key to the end keeps feed rows in the order their last change happened.
        self._changes.pop((kind, key), None)
        self._changes[(kind, key)] = PendingChange(kind, key, scope, payload)

    def finish(self) -> None:
        """Write the buffered feed rows and the counter; called once, just before commit."""
        if self._changes:
            rows = [
                {
                    "seq": self.next_seq(),
                    "kind": change.kind,
                    "key": change.key,
                    "scope": change.scope,
                    "payload": json.dumps(change.payload, separators=(",", ":")),
                }
                for change in self._changes.values()
            ]
            self.sql.executemany(
                "INSERT INTO changes (seq, kind, key, scope, payload) "
                "VALUES (:seq, :kind, :key, :scope, :payload) "
                "ON CONFLICT (kind, key) DO UPDATE SET seq = excluded.seq, "
                "scope = excluded.scope, payload = excluded.payload",
                rows,
            )
            self._changes.clear()
        if self._last_seq is not None and self._last_seq != self._counter_start:
            self.sql.execute(
                "UPDATE feed_counter SET last_seq = :last WHERE id = 1", {"last": self._last_seq}
            )

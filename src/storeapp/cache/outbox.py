"""The outbox: operations made at this store, kept until the ledger gives a definite answer.

An operation and its local effect are written in one transaction, so a crash loses neither. An
entry leaves ``pending`` only on a definite answer: accepted (deleted, its effect replaced by
the ledger's own numbers) or refused (``attention``: shown to staff, never silently dropped).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from ordersync.contract import Operation, Position
from storeapp.cache.positions import upsert_positions

PENDING = "pending"
ATTENTION = "attention"


@dataclass(frozen=True, slots=True)
class Effect:
    sku: str
    location: str
    on_hand_delta: int
    unavailable_delta: int = 0
    """Units set aside by the operation (negative: put back on sale)."""


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    op_id: str
    kind: str
    summary: str
    payload: dict[str, Any]
    state: str
    created_at: datetime
    attempts: int
    last_error: str | None
    problem: dict[str, Any] | None


def enqueue(
    connection: Connection,
    operation: Operation,
    summary: str,
    effects: list[Effect],
    now: datetime,
    *,
    person: str | None,
) -> int:
    """Record an operation and its local effect (call inside the local action's transaction).

    ``person`` is the staff code of who made it (a ``PersonOf`` of the service says it): every
    caller must say who, so no operation leaves this terminal without its person by oversight.
    """
    if person is not None and operation.person != person:
        operation = operation.model_copy(update={"person": person})
    entry_id = connection.execute(
        text(
            "INSERT INTO outbox (op_id, kind, summary, payload, state, created_at, attempts) "
            "VALUES (:op_id, :kind, :summary, :payload, 'pending', :now, 0) RETURNING id"
        ),
        {
            "op_id": str(operation.op_id),
            "kind": operation.op,
            "summary": summary,
            "payload": operation.model_dump_json(),
            "now": now.isoformat(),
        },
    ).scalar_one()
    if effects:
        connection.execute(
            text(
                "INSERT INTO outbox_effects (outbox_id, sku, location, on_hand_delta, "
                "unavailable_delta) VALUES (:id, :sku, :location, :delta, :unavailable)"
            ),
            [
                {
                    "id": entry_id,
                    "sku": e.sku,
                    "location": e.location,
                    "delta": e.on_hand_delta,
                    "unavailable": e.unavailable_delta,
                }
                for e in effects
            ],
        )
    return int(entry_id)


def _entry(row: Any) -> Entry:
    return Entry(
        id=int(row.id),
        op_id=row.op_id,
        kind=row.kind,
        summary=row.summary,
        payload=json.loads(row.payload),
        state=row.state,
        created_at=_as_datetime(row.created_at),
        attempts=int(row.attempts),
        last_error=row.last_error,
        problem=None if row.problem is None else json.loads(row.problem),
    )


def _as_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value)


def pending(engine: Engine, limit: int) -> list[Entry]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT * FROM outbox WHERE state = 'pending' ORDER BY id LIMIT :limit"),
            {"limit": limit},
        )
        return [_entry(row) for row in rows]


def needing_attention(engine: Engine, include_resolved: bool = False) -> list[Entry]:
    where = "state = 'attention'" + ("" if include_resolved else " AND resolved_at IS NULL")
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT * FROM outbox WHERE {where} ORDER BY id"))
        return [_entry(row) for row in rows]


def counts(connection: Connection) -> tuple[int, int]:
    """(entries waiting to sync, entries needing attention and not yet dismissed)."""
    row = connection.execute(
        text(
            "SELECT COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN state = 'attention' AND resolved_at IS NULL "
            "THEN 1 ELSE 0 END), 0) FROM outbox"
        )
    ).one()
    return int(row[0]), int(row[1])


def accept(engine: Engine, entry_id: int, positions: list[Position], now: datetime) -> None:
    """The ledger applied the entry: its effect is now inside the ledger's own numbers."""
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM outbox_effects WHERE outbox_id = :id"), {"id": entry_id}
        )
        connection.execute(text("DELETE FROM outbox WHERE id = :id"), {"id": entry_id})
        upsert_positions(connection, positions)


def refuse(
    engine: Engine,
    entry_id: int,
    problem: dict[str, Any],
    now: datetime,
    *,
    settled: bool = False,
) -> None:
    """The ledger refused the entry for good: take back its effect and show it to staff.
    ``settled``: the refusal asks nothing of staff (it kept on record, already dismissed)."""
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM outbox_effects WHERE outbox_id = :id"), {"id": entry_id}
        )
        connection.execute(
            text(
                "UPDATE outbox SET state = 'attention', problem = :problem, "
                "last_attempt_at = :now, attempts = attempts + 1, "
                "resolved_at = CASE WHEN :settled THEN :now ELSE resolved_at END WHERE id = :id"
            ),
            {
                "problem": json.dumps(problem),
                "now": now.isoformat(),
                "settled": settled,
                "id": entry_id,
            },
        )


def note_failure(engine: Engine, entry_ids: list[int], error: str, now: datetime) -> None:
    """An attempt got no definite answer: the entries stay pending, with the error for staff."""
    if not entry_ids:
        return
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE outbox SET attempts = attempts + 1, last_error = :error, "
                "last_attempt_at = :now WHERE id = :id"
            ),
            [
                {"error": error[:500], "now": now.isoformat(), "id": entry_id}
                for entry_id in entry_ids
            ],
        )


def dismiss(engine: Engine, entry_id: int, now: datetime) -> bool:
    """Staff have dealt with a refused entry; it stays on record but leaves the list."""
    with engine.begin() as connection:
        changed = connection.execute(
            text(
                "UPDATE outbox SET resolved_at = :now "
                "WHERE id = :id AND state = 'attention' AND resolved_at IS NULL"
            ),
            {"now": now.isoformat(), "id": entry_id},
        ).rowcount
        return bool(changed)

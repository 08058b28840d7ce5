"""Stock in motion in the cache: deliveries expected here and transfers from or to this store as
the change feed delivered them, this terminal's own work laid over them, and the drafts of the
receipts and sends in progress.

The same rule as for jobs (``storeapp.cache.jobs``): an action made here (a request, a send, a
receipt, a cancellation) counts while its outbox entry waits and, once the ledger accepted it,
until the feed brings the document back; a refused action is ignored at once and the feed's
document stands (the refusal is in "needs attention"). A transfer requested here exists only as
its local row (feed sequence 0) until the feed brings it.

The drafts of receipts and sends in progress are ``storeapp.cache.motion_drafts``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, text
from sqlmodel import Field
from typing_extensions import TypedDict

from ordersync.contract import InboundDelivery, Transfer
from storeapp.cache.tables import CacheModel

# --- Tables ----------------------------------------------------------------------------------


class CacheDelivery(CacheModel, table=True):
    """A delivery announced to this store, as the feed last delivered it."""

    __tablename__ = "deliveries"
    id: str = Field(primary_key=True)
    reference: str = Field(index=True)
    kind: str
    source_kind: str
    source: str
    destination: str
    expected_from: str
    expected_until: str
    state: str
    created_at: str
    updated_at: str
    received_at: str | None = None
    seq: int


class CacheDeliveryLine(CacheModel, table=True):
    __tablename__ = "delivery_lines"
    delivery_id: str = Field(primary_key=True)
    line_no: int = Field(primary_key=True)
    sku: str
    expected_qty: int
    received_qty: int | None = None


class CacheTransfer(CacheModel, table=True):
    """A transfer from or to this store; ``seq`` 0: requested here, not yet seen in the feed."""

    __tablename__ = "transfers"
    id: str = Field(primary_key=True)
    from_location: str
    to_location: str
    state: str
    origin: str
    note: str | None = None
    requested_at: str
    sent_at: str | None = None
    expected_at: str | None = None
    received_at: str | None = None
    updated_at: str
    seq: int


class CacheTransferLine(CacheModel, table=True):
    __tablename__ = "transfer_lines"
    transfer_id: str = Field(primary_key=True)
    line_no: int = Field(primary_key=True)
    sku: str
    requested_qty: int
    sent_qty: int | None = None
    received_qty: int | None = None


class CacheMotionAction(CacheModel, table=True):
    """A request, send, receipt or cancellation made here; its outbox entry has the same op id."""

    __tablename__ = "motion_actions"
    op_id: str = Field(primary_key=True)
    document_kind: str
    """``delivery`` or ``transfer`` (a blind receipt has no document, hence no action)."""
    document_id: str = Field(index=True)
    action: str
    created_at: str


MOTION_VIEW_TABLES = ("deliveries", "delivery_lines", "transfers", "transfer_lines")
"""The ledger's view, forgotten by a reset (actions and drafts are this terminal's own work)."""

REQUEST = "request"
SEND = "send"
RECEIVE = "receive"
CANCEL = "cancel"
_STATE_AFTER = {REQUEST: "requested", SEND: "sent", RECEIVE: "received", CANCEL: "cancelled"}


# --- The feed's changes ----------------------------------------------------------------------


class FeedDeliveryChange(TypedDict):
    seq: int
    kind: Literal["delivery"]
    delivery: InboundDelivery


class FeedTransferChange(TypedDict):
    seq: int
    kind: Literal["transfer"]
    transfer: Transfer


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _newer(connection: Connection, table: str, doc_id: str, seq: int) -> bool:
    row = connection.execute(
        text(f"SELECT seq FROM {table} WHERE id = :id"), {"id": doc_id}
    ).first()
    return row is None or seq >= int(row[0])


def apply_motion(
    connection: Connection,
    deliveries: Sequence[tuple[int, InboundDelivery]],
    transfers: Sequence[tuple[int, Transfer]],
) -> None:
    """Keep the newest report of each document, and forget the actions it has now answered.

    An action whose outbox entry still waits stays (the report may predate it).
    """
    for seq, d in deliveries:
        doc_id = str(d.id)
        if not _newer(connection, "deliveries", doc_id, seq):
            continue
        connection.execute(
            text(
                "INSERT OR REPLACE INTO deliveries (id, reference, kind, source_kind, source, "
                "destination, expected_from, expected_until, state, created_at, updated_at, "
                "received_at, seq) VALUES (:id, :reference, :kind, :source_kind, :source, "
                ":destination, :expected_from, :expected_until, :state, :created_at, "
                ":updated_at, :received_at, :seq)"
            ),
            {
                "id": doc_id,
                "reference": d.reference,
                "kind": d.kind.value,
                "source_kind": d.source_kind.value,
                "source": d.source,
                "destination": d.destination,
                "expected_from": d.expected_from.isoformat(),
                "expected_until": d.expected_until.isoformat(),
                "state": d.state.value,
                "created_at": d.created_at.isoformat(),
                "updated_at": d.updated_at.isoformat(),
                "received_at": _iso(d.received_at),
                "seq": seq,
            },
        )
        connection.execute(
            text("DELETE FROM delivery_lines WHERE delivery_id = :id"), {"id": doc_id}
        )
        if d.lines:
            connection.execute(
                text(
                    "INSERT INTO delivery_lines (delivery_id, line_no, sku, expected_qty, "
                    "received_qty) VALUES (:id, :line_no, :sku, :expected, :received)"
                ),
                [
                    {
                        "id": doc_id,
                        "line_no": line.line_no,
                        "sku": line.sku,
                        "expected": line.expected_qty,
                        "received": line.received_qty,
                    }
                    for line in d.lines
                ],
            )
        _forget_answered(connection, doc_id)
    for seq, t in transfers:
        doc_id = str(t.id)
        if not _newer(connection, "transfers", doc_id, seq):
            continue
        upsert_transfer(connection, t, seq)
        _forget_answered(connection, doc_id)


def upsert_transfer(connection: Connection, t: Transfer, seq: int) -> None:
    """Write a transfer and its lines (``seq`` 0: the local row of a request made here)."""
    doc_id = str(t.id)
    connection.execute(
        text(
            "INSERT OR REPLACE INTO transfers (id, from_location, to_location, state, origin, "
            "note, requested_at, sent_at, expected_at, received_at, updated_at, seq) VALUES "
            "(:id, :from_location, :to_location, :state, :origin, :note, :requested_at, "
            ":sent_at, :expected_at, :received_at, :updated_at, :seq)"
        ),
        {
            "id": doc_id,
            "from_location": t.from_location,
            "to_location": t.to_location,
            "state": t.state.value,
            "origin": t.origin.value,
            "note": t.note,
            "requested_at": t.requested_at.isoformat(),
            "sent_at": _iso(t.sent_at),
            "expected_at": _iso(t.expected_at),
            "received_at": _iso(t.received_at),
            "updated_at": t.updated_at.isoformat(),
            "seq": seq,
        },
    )
    connection.execute(text("DELETE FROM transfer_lines WHERE transfer_id = :id"), {"id": doc_id})
    if t.lines:
        connection.execute(
            text(
                "INSERT INTO transfer_lines (transfer_id, line_no, sku, requested_qty, sent_qty, "
                "received_qty) VALUES (:id, :line_no, :sku, :requested, :sent, :received)"
            ),
            [
                {
                    "id": doc_id,
                    "line_no": line.line_no,
                    "sku": line.sku,
                    "requested": line.requested_qty,
                    "sent": line.sent_qty,
                    "received": line.received_qty,
                }
                for line in t.lines
            ],
        )


def _forget_answered(connection: Connection, doc_id: str) -> None:
    connection.execute(
        text(
            "DELETE FROM motion_actions WHERE document_id = :id AND op_id NOT IN "
            "(SELECT op_id FROM outbox WHERE state = 'pending')"
        ),
        {"id": doc_id},
    )


def record_action(
    connection: Connection,
    *,
    op_id: str,
    document_kind: str,
    document_id: str,
    action: str,
    now: datetime,
) -> None:
    """Record a local action (in the transaction that puts its outbox entry)."""
    connection.execute(
        text(
            "INSERT INTO motion_actions (op_id, document_kind, document_id, action, created_at) "
            "VALUES (:op_id, :kind, :doc, :action, :now)"
        ),
        {
            "op_id": op_id,
            "kind": document_kind,
            "doc": document_id,
            "action": action,
            "now": now.isoformat(),
        },
    )


# --- Reading documents with this terminal's work laid over them -------------------------------


@dataclass(frozen=True, slots=True)
class DocumentLine:
    line_no: int
    sku: str
    expected: int
    """Units the document announces (a delivery) or asks for (a transfer)."""
    sent: int | None = None
    received: int | None = None


@dataclass(frozen=True, slots=True)
class CachedDocument:
    """A delivery or a transfer, its state with this terminal's unconfirmed actions applied."""

    kind: str
    """``delivery`` or ``transfer``."""
    id: str
    reference: str | None
    """A delivery's reference (None for a transfer)."""
    source: str
    destination: str
    state: str
    ledger_state: str
    expected_from: datetime | None
    expected_until: datetime | None
    lines: list[DocumentLine]
    seq: int
    unconfirmed: int
    """Actions made here that the ledger has not confirmed through the feed yet."""
    hidden: bool = False
    """A request made here that the ledger refused: the transfer never existed."""
    origin: str | None = None
    note: str | None = None
    requested_at: datetime | None = None


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _live_actions(connection: Connection, ids: Iterable[str]) -> dict[str, list[Any]]:
    ids = list(ids)
    if not ids:
        return {}
    params = {f"d{i}": value for i, value in enumerate(ids)}
    marks = ",".join(f":{key}" for key in params)
    actions: dict[str, list[Any]] = {}
    refused: dict[str, list[Any]] = {}
    for row in connection.execute(
        text(
            "SELECT a.op_id, a.document_id, a.action, o.state AS outbox_state "
            "FROM motion_actions a LEFT JOIN outbox o ON o.op_id = a.op_id "
            f"WHERE a.document_id IN ({marks}) ORDER BY a.created_at, a.op_id"
        ),
        params,
    ):
        target = actions if row.outbox_state in (None, "pending") else refused
        target.setdefault(str(row.document_id), []).append(row)
    for doc_id, rows in refused.items():
        # Remembered so a refused request hides its local row (see ``CachedDocument.hidden``).
        actions.setdefault(doc_id, []).extend(_Refused(row) for row in rows)
    return actions


@dataclass(frozen=True, slots=True)
class _Refused:
    row: Any


def _overlay(document: CachedDocument, actions: list[Any]) -> CachedDocument:
    live = [a for a in actions if not isinstance(a, _Refused)]
    refused = [a.row for a in actions if isinstance(a, _Refused)]
    hidden = document.seq == 0 and any(a.action == REQUEST for a in refused)
    state = document.state
    for action in live:
        state = _STATE_AFTER.get(str(action.action), state)
    return replace(document, state=state, unconfirmed=len(live), hidden=hidden)


def read_deliveries(
    connection: Connection, destination: str, doc_id: str | None = None
) -> list[CachedDocument]:
    where, params = "destination = :dest", {"dest": destination}
    if doc_id is not None:
        where, params = "id = :id", {"id": doc_id}
    rows = connection.execute(
        text(f"SELECT * FROM deliveries WHERE {where} ORDER BY expected_from, reference"), params
    ).all()
    lines: dict[str, list[DocumentLine]] = {}
    ids = [str(row.id) for row in rows]
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        marks = {f"d{i}": value for i, value in enumerate(chunk)}
        for line in connection.execute(
            text(
                "SELECT * FROM delivery_lines WHERE delivery_id IN "
                f"({','.join(':' + k for k in marks)}) ORDER BY delivery_id, line_no"
            ),
            marks,
        ):
            lines.setdefault(str(line.delivery_id), []).append(
                DocumentLine(
                    int(line.line_no),
                    str(line.sku),
                    int(line.expected_qty),
                    received=line.received_qty,
                )
            )
    actions = _live_actions(connection, ids)
    return [
        _overlay(
            CachedDocument(
                kind="delivery",
                id=str(row.id),
                reference=str(row.reference),
                source=str(row.source),
                destination=str(row.destination),
                state=str(row.state),
                ledger_state=str(row.state),
                expected_from=_time(row.expected_from),
                expected_until=_time(row.expected_until),
                lines=lines.get(str(row.id), []),
                seq=int(row.seq),
                unconfirmed=0,
                origin=str(row.source_kind),
            ),
            actions.get(str(row.id), []),
        )
        for row in rows
    ]


def read_transfers(
    connection: Connection, location: str, doc_id: str | None = None
) -> list[CachedDocument]:
    """Transfers from or to ``location`` (or the one ``doc_id``), refused local requests left
    out."""
    where: str = "(from_location = :loc OR to_location = :loc)"
    params: dict[str, Any] = {"loc": location}
    if doc_id is not None:
        where, params = "id = :id", {"id": doc_id}
    rows = connection.execute(
        text(
            f"SELECT * FROM transfers WHERE {where} "
            "ORDER BY COALESCE(expected_at, requested_at), id"
        ),
        params,
    ).all()
    ids = [str(row.id) for row in rows]
    lines: dict[str, list[DocumentLine]] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        marks = {f"d{i}": value for i, value in enumerate(chunk)}
        for line in connection.execute(
            text(
                "SELECT * FROM transfer_lines WHERE transfer_id IN "
                f"({','.join(':' + k for k in marks)}) ORDER BY transfer_id, line_no"
            ),
            marks,
        ):
            lines.setdefault(str(line.transfer_id), []).append(
                DocumentLine(
                    int(line.line_no),
                    str(line.sku),
                    int(line.requested_qty),
                    sent=line.sent_qty,
                    received=line.received_qty,
                )
            )
    actions = _live_actions(connection, ids)
    documents = [
        _overlay(
            CachedDocument(
                kind="transfer",
                id=str(row.id),
                reference=None,
                source=str(row.from_location),
                destination=str(row.to_location),
                state=str(row.state),
                ledger_state=str(row.state),
                expected_from=_time(row.sent_at),
                expected_until=_time(row.expected_at),
                lines=lines.get(str(row.id), []),
                seq=int(row.seq),
                unconfirmed=0,
                origin=str(row.origin),
                note=row.note,
                requested_at=_time(row.requested_at),
            ),
            actions.get(str(row.id), []),
        )
        for row in rows
    ]
    return [document for document in documents if not document.hidden]

"""Transfers read back as the contract shows them: one, or a page of a location's.

A store device reads the transfers that leave from or go to its own location; an admin (or the
ERP) reads them all. The write path (``services.transfers``) reads a transfer's head here before
it acts, and puts the transfer, as it now is, on the feeds of both ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ordersync.contract import (
    Disposition,
    DocumentKind,
    Transfer,
    TransferLineView,
    TransferOrigin,
    TransferState,
)
from ordersync.db.raw import RawSql
from ordersync.domain.errors import Forbidden, NotFound
from ordersync.domain.permissions import Action, Principal
from ordersync.services.discrepancies import document_discrepancies
from ordersync.services.document_reads import (
    MAX_LISTED,
    listing_scope,
    reads_everywhere,
    state_filter,
)

_COLUMNS = (
    "id, from_location, to_location, state, origin, note, requested_at, requested_by, sent_at, "
    "expected_at, received_at, updated_at, sent_by_op, received_by_op, cancel_reason, disposition"
)


@dataclass(frozen=True, slots=True)
class TransferHead:
    """A transfer's own row, without its lines."""

    id: str
    from_location: str
    to_location: str
    state: TransferState
    origin: TransferOrigin
    note: str | None
    requested_at: datetime
    requested_by: str | None
    sent_at: datetime | None
    expected_at: datetime | None
    received_at: datetime | None
    updated_at: datetime
    sent_by_op: str | None
    received_by_op: str | None
    cancel_reason: str | None
    disposition: Disposition
    """Which units travel: on sale, or units set aside (stored as NULL for units on sale)."""


@dataclass(frozen=True, slots=True)
class LineRecord:
    line_no: int
    sku: str
    requested_qty: int
    sent_qty: int | None
    received_qty: int | None


def _time(sql: RawSql, value: Any) -> datetime | None:
    return None if value is None else sql.read_time(value)


def _head(sql: RawSql, row: tuple[Any, ...]) -> TransferHead:
    (
        transfer_id,
        from_location,
        to_location,
        state,
        origin,
        note,
        requested_at,
        requested_by,
        sent_at,
        expected_at,
        received_at,
        updated_at,
        sent_by_op,
        received_by_op,
        cancel_reason,
        disposition,
    ) = row
    return TransferHead(
        id=str(transfer_id),
        from_location=str(from_location),
        to_location=str(to_location),
        state=TransferState(state),
        origin=TransferOrigin(origin),
        note=note,
        requested_at=sql.read_time(requested_at),
        requested_by=requested_by,
        sent_at=_time(sql, sent_at),
        expected_at=_time(sql, expected_at),
        received_at=_time(sql, received_at),
        updated_at=sql.read_time(updated_at),
        sent_by_op=sent_by_op,
        received_by_op=received_by_op,
        cancel_reason=cancel_reason,
        disposition=Disposition.SELLABLE if disposition is None else Disposition(disposition),
    )


def transfer_head(sql: RawSql, transfer_id: str) -> TransferHead | None:
    row = sql.first(f"SELECT {_COLUMNS} FROM transfers WHERE id = :id", {"id": transfer_id})
    return None if row is None else _head(sql, row)


def transfer_lines(sql: RawSql, transfer_id: str) -> list[LineRecord]:
    return [
        LineRecord(
            int(line_no),
            str(sku),
            int(requested),
            None if sent is None else int(sent),
            None if received is None else int(received),
        )
        for line_no, sku, requested, sent, received in sql.all(
            "SELECT line_no, sku, requested_qty, sent_qty, received_qty FROM transfer_lines "
            "WHERE transfer_id = :id ORDER BY line_no",
            {"id": transfer_id},
        )
    ]


def transfer_view(sql: RawSql, head: TransferHead) -> Transfer:
    """The transfer as the contract shows it: its lines and every discrepancy recorded."""
    return Transfer(
        id=uuid.UUID(head.id),
        from_location=head.from_location,
        to_location=head.to_location,
        state=head.state,
        origin=head.origin,
        note=head.note,
        lines=[
            TransferLineView(
                line_no=line.line_no,
                sku=line.sku,
                requested_qty=line.requested_qty,
                sent_qty=line.sent_qty,
                received_qty=line.received_qty,
            )
            for line in transfer_lines(sql, head.id)
        ],
        requested_at=head.requested_at,
        sent_at=head.sent_at,
        expected_at=head.expected_at,
        received_at=head.received_at,
        updated_at=head.updated_at,
        cancel_reason=head.cancel_reason,
        discrepancies=document_discrepancies(sql, DocumentKind.TRANSFER, head.id),
        disposition=head.disposition,
    )


def read_transfer(connection: Connection, principal: Principal, transfer_id: str) -> Transfer:
    """One transfer, for an admin, the ERP, or a device of either of its ends."""
    principal.require(Action.READ_STOCK)
    sql = RawSql(connection)
    head = transfer_head(sql, transfer_id)
    if head is None:
        raise NotFound(f"no transfer {transfer_id}", transfer_id=transfer_id)
    ends = (head.from_location, head.to_location)
    if not reads_everywhere(principal) and principal.location not in ends:
        raise Forbidden(
            f"this device belongs to {principal.location} and cannot read a transfer from "
            f"{head.from_location} to {head.to_location}",
            location=head.to_location,
        )
    return transfer_view(sql, head)


def list_transfers(
    connection: Connection,
    principal: Principal,
    location: str | None,
    states: Sequence[TransferState] | None,
    limit: int,
) -> list[Transfer]:
    """Transfers from or to ``location`` (a store device: its own; an admin and the ERP: any
    location, or all when none is named), the latest requested first."""
    sql = RawSql(connection)
    scope = listing_scope(sql, principal, location)
    params: dict[str, Any] = {"limit": min(limit, MAX_LISTED)}
    where = state_filter(states, params)
    if scope is not None:
        where.append("(from_location = :location OR to_location = :location)")
        params["location"] = scope
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = sql.all(
        f"SELECT {_COLUMNS} FROM transfers{clause} "
        "ORDER BY requested_at DESC, id DESC LIMIT :limit",
        params,
    )
    return [transfer_view(sql, _head(sql, row)) for row in rows]

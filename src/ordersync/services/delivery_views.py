"""Deliveries as they are read: a delivery's row, its lines and discrepancies as the wire shows
them, and the lists a store, the ERP or an admin may read.

A store device reads the deliveries of its own location (and one it sends, as a source); the ERP
and admins read any.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ordersync.contract import (
    DeliveryState,
    DocumentKind,
    InboundDelivery,
    InboundDeliveryLine,
    InboundKind,
    SourceKind,
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

DELIVERY_COLUMNS = (
    "id, reference, kind, source_kind, source, destination, expected_from, expected_until, "
    "state, created_at, updated_at, received_at, received_by_op"
)


@dataclass(frozen=True, slots=True)
class DeliveryHead:
    """A delivery row without its lines."""

    id: str
    reference: str
    kind: InboundKind
    source_kind: SourceKind
    source: str
    destination: str
    expected_from: datetime
    expected_until: datetime
    state: DeliveryState
    created_at: datetime
    updated_at: datetime
    received_at: datetime | None
    received_by_op: str | None


def _head(row: tuple[Any, ...]) -> DeliveryHead:
    read = RawSql.read_time
    return DeliveryHead(
        id=str(row[0]),
        reference=row[1],
        kind=InboundKind(row[2]),
        source_kind=SourceKind(row[3]),
        source=row[4],
        destination=row[5],
        expected_from=read(row[6]),
        expected_until=read(row[7]),
        state=DeliveryState(row[8]),
        created_at=read(row[9]),
        updated_at=read(row[10]),
        received_at=None if row[11] is None else read(row[11]),
        received_by_op=row[12],
    )


def delivery_head(sql: RawSql, delivery_id: str) -> DeliveryHead | None:
    row = sql.first(
        f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = :id", {"id": delivery_id}
    )
    return None if row is None else _head(row)


def delivery_by_reference(sql: RawSql, source: str, reference: str) -> DeliveryHead | None:
    row = sql.first(
        f"SELECT {DELIVERY_COLUMNS} FROM deliveries "
        "WHERE source = :source AND reference = :reference",
        {"source": source, "reference": reference},
    )
    return None if row is None else _head(row)


def delivery_lines(sql: RawSql, delivery_id: str) -> list[InboundDeliveryLine]:
    rows = sql.all(
        "SELECT line_no, sku, expected_qty, received_qty FROM delivery_lines "
        "WHERE delivery_id = :id ORDER BY line_no",
        {"id": delivery_id},
    )
    return [
        InboundDeliveryLine(
            line_no=int(line_no),
            sku=sku,
            expected_qty=int(expected),
            received_qty=None if received is None else int(received),
        )
        for line_no, sku, expected, received in rows
    ]


def delivery_view(sql: RawSql, head: DeliveryHead) -> InboundDelivery:
    """The delivery as the wire shows it: lines, and the discrepancies of its receipt."""
    return InboundDelivery(
        id=uuid.UUID(head.id),
        reference=head.reference,
        kind=head.kind,
        source_kind=head.source_kind,
        source=head.source,
        destination=head.destination,
        expected_from=head.expected_from,
        expected_until=head.expected_until,
        state=head.state,
        lines=delivery_lines(sql, head.id),
        created_at=head.created_at,
        updated_at=head.updated_at,
        received_at=head.received_at,
        discrepancies=document_discrepancies(sql, DocumentKind.DELIVERY, head.id),
    )


# --- reads -----------------------------------------------------------------------------------


def read_delivery(
    connection: Connection, principal: Principal, delivery_id: str
) -> InboundDelivery:
    """One delivery, for the ERP, an admin, or a device of its destination or source."""
    principal.require(Action.READ_STOCK)
    sql = RawSql(connection)
    head = delivery_head(sql, delivery_id)
    if head is None:
        raise NotFound(f"no delivery {delivery_id}", delivery_id=delivery_id)
    if not reads_everywhere(principal) and principal.location not in (
        head.destination,
        head.source,
    ):
        raise Forbidden(
            f"this device belongs to {principal.location} and cannot read a delivery to "
            f"{head.destination}",
            location=head.destination,
        )
    return delivery_view(sql, head)


def list_deliveries(
    connection: Connection,
    principal: Principal,
    location: str | None,
    states: Sequence[DeliveryState] | None,
    limit: int,
) -> list[InboundDelivery]:
    """Deliveries to ``location`` (a store device: its own; the ERP and admins: any, or all
    when none is named), in the order they are expected."""
    sql = RawSql(connection)
    scope = listing_scope(sql, principal, location)
    params: dict[str, Any] = {"limit": min(limit, MAX_LISTED)}
    where = state_filter(states, params)
    if scope is not None:
        where.append("destination = :location")
        params["location"] = scope
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = sql.all(
        f"SELECT {DELIVERY_COLUMNS} FROM deliveries{clause} "
        "ORDER BY expected_until, expected_from, id LIMIT :limit",
        params,
    )
    return [delivery_view(sql, _head(row)) for row in rows]

"""Transfers between locations: requested, sent by scan (in transit), received by scan.

Promises kept here:

- Nothing moves when a transfer is requested. Sending posts a ``transfer_out`` movement at the
  source for each SKU scanned and puts the units *in transit*: on neither shelf, incoming at the
  destination until ``expected_at`` (the send plus the policy's transit days for the distance).
  Receiving posts a ``transfer_in`` movement at the destination for each SKU counted and takes
  every sent unit out of transit, whatever was counted.
- A send is never refused for stock: the units physically left. When the source's record did
  not hold them free, the send is recorded, the position flagged suspect with a count task, and
  a ``sent_without_stock`` discrepancy says so.
- A transfer of units set aside (``disposition``: damaged ones returned to the warehouse, say)
  takes them out of that disposition at the source and puts them in it at the destination; they
  never count as incoming, since they are not coming for sale. Units on sale that travel never
  take units set aside (nor units promised to orders). When the source's record held fewer units
  in the disposition than were sent, the send is flagged as above, and the missing units are
  first moved there from sale: the record learns they were set aside, and no disposition holds
  fewer than nothing.
- Every difference from the document is a discrepancy row with its reason: under- and
  over-shipped at the source when sent, under- and over-received and unexpected items at the
  destination when received. A unit short on arrival is lost in transit: the source is not
  credited back.
- Each step happens once: a transfer is sent only while requested, received only once sent,
  called off only while requested; the refusal says when and by which operation it moved on.
  The feed-counter lock is taken before the transfer is read, so two processes cannot both
  send (or both receive) the same transfer.
- The transfer, as it is after each step, goes on the feeds of both its ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ordersync.contract import (
    AuditedEntity,
    CountTaskReason,
    DiscrepancyKind,
    DiscrepancyReason,
    Disposition,
    DocumentKind,
    MovementKind,
    ScannedLine,
    TransferArrival,
    TransferCancel,
    TransferRequest,
    TransferShipment,
    TransferState,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import (
    AlreadyReceived,
    AlreadySent,
    InvalidRequest,
    InvalidState,
    NotFound,
)
from ordersync.domain.permissions import Action, Principal
from ordersync.domain.routing import haversine_km
from ordersync.services.count_tasks import open_count_task
from ordersync.services.discrepancies import record_discrepancy
from ordersync.services.dispositions import bucket, set_aside, units_held
from ordersync.services.future_stock import settle_arrival
from ordersync.services.movements import Poster
from ordersync.services.routing_policy import PolicyDocument, Promise
from ordersync.services.stock_checks import KnownEntities
from ordersync.services.transfer_views import (
    TransferHead,
    transfer_head,
    transfer_lines,
    transfer_view,
)

_S = TransferState


def _acting_end(principal: Principal, from_location: str, to_location: str) -> str:
    """The end of a transfer a store device acts for: its own, when it is one of the two."""
    return (
        principal.location if principal.location in (from_location, to_location) else from_location
    )


def _publish(tx: LedgerTx, transfer_id: str) -> dict[str, Any]:
    """Put the transfer, as it now is, on the feeds of both ends; return it as the reply."""
    head = transfer_head(tx.sql, transfer_id)
    assert head is not None
    transfer = transfer_view(tx.sql, head)
    tx.record_transfer(transfer)
    return transfer.model_dump(mode="json")


def _found(tx: LedgerTx, transfer_id: str) -> TransferHead:
    # Taken before reading the transfer: on PostgreSQL a second process sending (or receiving)
    # the same transfer waits here, then reads the state the first one committed.
    tx.lock_for_decision()
    head = transfer_head(tx.sql, transfer_id)
    if head is None:
        raise NotFound(f"no transfer {transfer_id}", transfer_id=transfer_id)
    return head


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat().replace("+00:00", "Z")


def _moved_on(head: TransferHead, wanted: str) -> InvalidState:
    """Why a transfer cannot be ``wanted`` (sent, received, cancelled) in its current state."""
    name = f"transfer {head.id}"
    if head.state is _S.CANCELLED:
        return InvalidState(
            f"{name} was cancelled ({head.cancel_reason}); it cannot be {wanted}",
            transfer_id=head.id,
            state=head.state.value,
        )
    if head.state is _S.RECEIVED:
        return AlreadyReceived(
            f"{name} was received at {_when(head.received_at)} by operation {head.received_by_op}",
            transfer_id=head.id,
            state=head.state.value,
            received_at=_when(head.received_at),
            op_id=head.received_by_op,
        )
    if head.state is _S.SENT:
        return AlreadySent(
            f"{name} was sent at {_when(head.sent_at)} by operation {head.sent_by_op}"
            + ("" if wanted == "sent" else "; it can only be received now"),
            transfer_id=head.id,
            state=head.state.value,
            sent_at=_when(head.sent_at),
            op_id=head.sent_by_op,
        )
    return InvalidState(
        f"{name} has not been sent yet: it is received once its source has sent it",
        transfer_id=head.id,
        state=head.state.value,
    )


# --- request ---------------------------------------------------------------------------------


def request_transfer(
    tx: LedgerTx, principal: Principal, command: TransferRequest, policy: PolicyDocument
) -> dict[str, Any]:
    """Ask for units to move: a manager of either end, or an admin. Nothing moves yet."""
    principal.require(
        Action.REQUEST_TRANSFER,
        _acting_end(principal, command.from_location, command.to_location),
    )
    known = KnownEntities(tx)
    known.location(command.from_location)
    known.location(command.to_location)
    seen: set[str] = set()
    for line in command.lines:
        known.sku(line.sku)
        if line.sku in seen:
            raise InvalidRequest(
                f"{line.sku} is on the request twice: ask for each SKU once", sku=line.sku
            )
        seen.add(line.sku)
    transfer_id = str(command.op_id)
    now = tx.sql.time(tx.now)
    tx.sql.execute(
        "INSERT INTO transfers (id, from_location, to_location, state, origin, note, "
        "requested_at, requested_by, updated_at, disposition) VALUES (:id, :from_location, "
        ":to_location, :state, :origin, :note, :now, :person, :now, :disposition)",
        {
            "id": transfer_id,
            "from_location": command.from_location,
            "to_location": command.to_location,
            "state": _S.REQUESTED.value,
            "origin": command.origin.value,
            "note": command.note,
            "now": now,
            "person": principal.person,
            "disposition": _stored(bucket(command.disposition)),
        },
    )
    tx.sql.executemany(
        "INSERT INTO transfer_lines (transfer_id, line_no, sku, requested_qty) "
        "VALUES (:id, :line_no, :sku, :qty)",
        [
            {"id": transfer_id, "line_no": number, "sku": line.sku, "qty": line.qty}
            for number, line in enumerate(command.lines, start=1)
        ],
    )
    tx.journal.state(AuditedEntity.TRANSFER, transfer_id, None, _S.REQUESTED.value)
    return _publish(tx, transfer_id)


# --- scans -----------------------------------------------------------------------------------


@dataclass
class Scanned:
    """The units of one SKU scanned over all the lines that name it, and the first reason given."""

    qty: int = 0
    reason: DiscrepancyReason | None = None


def _scanned(lines: Sequence[ScannedLine], known: KnownEntities) -> dict[str, Scanned]:
    totals: dict[str, Scanned] = {}
    for line in lines:
        known.sku(line.sku)
        found = totals.setdefault(line.sku, Scanned())
        found.qty += line.qty
        found.reason = found.reason or line.reason
    return totals


@dataclass
class _Document:
    """One step of one transfer: where its discrepancies are recorded, and its new lines."""

    tx: LedgerTx
    principal: Principal
    transfer_id: str
    op_id: str
    location: str
    next_line: int

    def flag(
        self,
        sku: str,
        kind: DiscrepancyKind,
        expected: int,
        actual: int,
        reason: DiscrepancyReason | None = None,
    ) -> None:
        record_discrepancy(
            self.tx,
            self.principal,
            document_kind=DocumentKind.TRANSFER,
            document_id=self.transfer_id,
            op_id=self.op_id,
            location=self.location,
            sku=sku,
            kind=kind,
            expected=expected,
            actual=actual,
            reason=reason,
        )

    def add_line(self, sku: str, sent: int, received: int | None) -> None:
        """A line for a SKU the request did not name (requested 0)."""
        self.tx.sql.execute(
            "INSERT INTO transfer_lines (transfer_id, line_no, sku, requested_qty, sent_qty, "
            "received_qty) VALUES (:id, :line_no, :sku, 0, :sent, :received)",
            {
                "id": self.transfer_id,
                "line_no": self.next_line,
                "sku": sku,
                "sent": sent,
                "received": received,
            },
        )
        self.next_line += 1


def _movement_reason(transfer_id: str) -> str:
    """What the movements of a transfer say they are for: the document they belong to."""
    return f"transfer {transfer_id}"


# --- send ------------------------------------------------------------------------------------


def transit_days(tx: LedgerTx, from_location: str, to_location: str, promise: Promise) -> int:
    """The policy's days on the road between two locations: ``near_days`` within
    ``near_km`` of each other, ``far_days`` beyond."""
    places = {
        str(code): (float(latitude), float(longitude))
        for code, latitude, longitude in tx.sql.all(
            "SELECT code, latitude, longitude FROM locations WHERE code IN (:a, :b)",
            {"a": from_location, "b": to_location},
        )
    }
    (lat1, lon1), (lat2, lon2) = places[from_location], places[to_location]
    distance = haversine_km(lat1, lon1, lat2, lon2)
    return promise.near_days if distance <= promise.near_km else promise.far_days


def _stored(disposition: Disposition | None) -> str | None:
    return None if disposition is None else disposition.value


def _take_from_source(
    poster: Poster, document: _Document, sku: str, qty: int, disposition: Disposition
) -> None:
    """Post the units leaving the source's ``disposition``; when its record did not hold them
    free, record the send all the same, flag the position suspect and open a count task."""
    tx, location = poster.tx, document.location
    current = tx.position(sku, location)
    free = units_held(current, disposition)
    reason = _movement_reason(document.transfer_id)
    if free < qty:
        # Flagged before posting, so the count task names this send rather than a sale.
        if current is None:
            facts = poster.known.location(location)
            tx.ensure_position(sku, location, facts.default_safety_stock)
        if current is None or not current.suspect:
            tx.set_position_flags(sku, location, suspect=True)
        open_count_task(tx, sku, location, CountTaskReason.SENT_WITHOUT_STOCK)
        document.flag(sku, DiscrepancyKind.SENT_WITHOUT_STOCK, max(free, 0), qty)
        if disposition is not Disposition.SELLABLE:
            missing = qty - max(free, 0)
            set_aside(
                poster, sku, location, missing, Disposition.SELLABLE, disposition, reason=reason
            )
    poster.post(
        MovementKind.TRANSFER_OUT,
        sku,
        location,
        qty,
        reason=reason,
        disposition=bucket(disposition),
    )


def send_transfer(
    tx: LedgerTx,
    principal: Principal,
    transfer_id: str,
    command: TransferShipment,
    policy: PolicyDocument,
) -> dict[str, Any]:
    """What the source picked by scan leaves its shelf and is in transit to the destination."""
    head = _found(tx, transfer_id)
    principal.require(Action.SEND_TRANSFER, head.from_location)
    if head.state is not _S.REQUESTED:
        raise _moved_on(head, "sent")
    known = KnownEntities(tx)
    scanned = _scanned(command.lines, known)
    if not any(found.qty for found in scanned.values()):
        raise InvalidRequest(
            "nothing scanned: cancel the transfer instead", transfer_id=transfer_id
        )
    op_id = str(command.op_id)
    occurred_at = command.occurred_at or tx.now
    lines = transfer_lines(tx.sql, transfer_id)
    document = _Document(tx, principal, transfer_id, op_id, head.from_location, len(lines) + 1)
    poster = Poster(tx, principal, op_id, occurred_at, known)
    requested = {line.sku: line.requested_qty for line in lines}
    for sku in [*requested, *(sku for sku in scanned if sku not in requested)]:
        found = scanned.get(sku, Scanned())
        if found.qty:
            _take_from_source(poster, document, sku, found.qty, head.disposition)
        wanted = requested.get(sku)
        if wanted is None:
            document.add_line(sku, found.qty, None)
            wanted = 0
        else:
            tx.sql.execute(
                "UPDATE transfer_lines SET sent_qty = :sent WHERE transfer_id = :id AND sku = :sku",
                {"sent": found.qty, "id": transfer_id, "sku": sku},
            )
        if found.qty < wanted:
            document.flag(sku, DiscrepancyKind.UNDER_SHIPPED, wanted, found.qty, found.reason)
        elif found.qty > wanted:
            document.flag(sku, DiscrepancyKind.OVER_SHIPPED, wanted, found.qty, found.reason)
    days = transit_days(tx, head.from_location, head.to_location, policy.promise)
    tx.sql.execute(
        "UPDATE transfers SET state = :state, sent_at = :sent_at, expected_at = :expected_at, "
        "sent_by_op = :op_id, updated_at = :now WHERE id = :id",
        {
            "state": _S.SENT.value,
            "sent_at": tx.sql.time(occurred_at),
            "expected_at": tx.sql.time(occurred_at + timedelta(days=days)),
            "op_id": op_id,
            "now": tx.sql.time(tx.now),
            "id": transfer_id,
        },
    )
    for sku, found in scanned.items():
        if found.qty and head.disposition is Disposition.SELLABLE:
            tx.change_incoming(sku, head.to_location, in_transit=found.qty)
    tx.journal.state(AuditedEntity.TRANSFER, transfer_id, head.state.value, _S.SENT.value)
    return _publish(tx, transfer_id)


# --- receive ---------------------------------------------------------------------------------


def receive_transfer(
    tx: LedgerTx,
    principal: Principal,
    transfer_id: str,
    command: TransferArrival,
    policy: PolicyDocument,
) -> dict[str, Any]:
    """What the destination counted goes on its shelf; every sent unit leaves transit."""
    head = _found(tx, transfer_id)
    principal.require(Action.RECEIVE, head.to_location)
    if head.state is not _S.SENT:
        raise _moved_on(head, "received")
    known = KnownEntities(tx)
    if not command.lines:
        raise InvalidRequest(
            "name what was counted: each SKU with its units, 0 for one none of whose units arrived",
            transfer_id=transfer_id,
        )
    # A count of 0 is an answer too: the units were lost on the way, the line is recorded
    # under-received and the transfer leaves transit rather than wait there for ever.
    counted = _scanned(command.lines, known)
    op_id = str(command.op_id)
    occurred_at = command.occurred_at or tx.now
    lines = transfer_lines(tx.sql, transfer_id)
    document = _Document(tx, principal, transfer_id, op_id, head.to_location, len(lines) + 1)
    poster = Poster(tx, principal, op_id, occurred_at, known)
    sent = {line.sku: line.sent_qty or 0 for line in lines}
    received: dict[str, int] = {}
    for sku in [*sent, *(sku for sku in counted if sku not in sent)]:
        found = counted.get(sku, Scanned())
        received[sku] = found.qty
        if found.qty:
            poster.post(
                MovementKind.TRANSFER_IN,
                sku,
                head.to_location,
                found.qty,
                reason=_movement_reason(transfer_id),
                disposition=bucket(head.disposition),
            )
        expected = sent.get(sku)
        if expected is None:
            document.add_line(sku, 0, found.qty)
        else:
            tx.sql.execute(
                "UPDATE transfer_lines SET received_qty = :received "
                "WHERE transfer_id = :id AND sku = :sku",
                {"received": found.qty, "id": transfer_id, "sku": sku},
            )
        if not expected:
            if found.qty:
                document.flag(sku, DiscrepancyKind.UNEXPECTED, 0, found.qty, found.reason)
        elif found.qty < expected:
            document.flag(sku, DiscrepancyKind.UNDER_RECEIVED, expected, found.qty, found.reason)
        elif found.qty > expected:
            document.flag(sku, DiscrepancyKind.OVER_RECEIVED, expected, found.qty, found.reason)
    tx.sql.execute(
        "UPDATE transfers SET state = :state, received_at = :received_at, "
        "received_by_op = :op_id, updated_at = :now WHERE id = :id",
        {
            "state": _S.RECEIVED.value,
            "received_at": tx.sql.time(occurred_at),
            "op_id": op_id,
            "now": tx.sql.time(tx.now),
            "id": transfer_id,
        },
    )
    for sku, units in sent.items():
        if units and head.disposition is Disposition.SELLABLE:
            tx.change_incoming(sku, head.to_location, in_transit=-units)
    tx.journal.state(AuditedEntity.TRANSFER, transfer_id, head.state.value, _S.RECEIVED.value)
    settle_arrival(tx, DocumentKind.TRANSFER, transfer_id, head.to_location, received, policy)
    return _publish(tx, transfer_id)


# --- cancel ----------------------------------------------------------------------------------


def cancel_transfer(
    tx: LedgerTx,
    principal: Principal,
    transfer_id: str,
    command: TransferCancel,
    policy: PolicyDocument,
) -> dict[str, Any]:
    """Call a request off before it is sent: a manager of either end, or an admin."""
    head = _found(tx, transfer_id)
    principal.require(
        Action.REQUEST_TRANSFER, _acting_end(principal, head.from_location, head.to_location)
    )
    if head.state is not _S.REQUESTED:
        raise _moved_on(head, "cancelled")
    tx.sql.execute(
        "UPDATE transfers SET state = :state, cancel_reason = :reason, updated_at = :now "
        "WHERE id = :id",
        {
            "state": _S.CANCELLED.value,
            "reason": command.reason,
            "now": tx.sql.time(tx.now),
            "id": transfer_id,
        },
    )
    tx.journal.state(AuditedEntity.TRANSFER, transfer_id, head.state.value, _S.CANCELLED.value)
    settle_arrival(tx, DocumentKind.TRANSFER, transfer_id, head.to_location, {}, policy)
    return _publish(tx, transfer_id)

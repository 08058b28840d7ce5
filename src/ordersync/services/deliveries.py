"""Inbound deliveries: announced by the ERP, a warehouse or an admin, called off by the same, and
received by the store they go to.

Promises kept here:

- a delivery's units are *on order* at its destination from its announcement until it is
  received or cancelled: ``incoming.on_order`` moves in the same transaction as the delivery,
  after it, so the next arrival window read for the position is the new one;
- only the receipt changes stock, by one receipt movement per SKU counted; what differs from the
  document (short, over, an item not on it, a delivery nobody announced) is a discrepancy row
  with the reason the person gave, never a refusal: the units are physically there;
- a delivery is received once; a second receipt is a 409 problem naming the first;
- (source, reference) names one delivery: a second announcement of it is a 409 problem naming
  the existing one (an import counts it unchanged instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordersync.contract import (
    AuditedEntity,
    DeliveryReceipt,
    DeliveryState,
    DiscrepancyKind,
    DiscrepancyReason,
    DocumentKind,
    InboundDelivery,
    InboundDeliveryCancel,
    InboundDeliveryCreate,
    InboundKind,
    LocationKind,
    MovementKind,
    Role,
    SourceKind,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.raw import RawSql
from ordersync.domain.errors import (
    AlreadyReceived,
    DuplicateDocument,
    Forbidden,
    InvalidRequest,
    InvalidState,
    NotFound,
    UnknownSku,
    UnknownSupplier,
    WrongLocation,
)
from ordersync.domain.permissions import Action, Principal
from ordersync.services.delivery_views import (
    DELIVERY_COLUMNS,
    DeliveryHead,
    delivery_by_reference,
    delivery_head,
    delivery_lines,
    delivery_view,
)
from ordersync.services.discrepancies import record_discrepancy
from ordersync.services.future_stock import settle_arrival
from ordersync.services.movements import Poster
from ordersync.services.routing_policy import PolicyDocument
from ordersync.services.stock_checks import KnownEntities
from ordersync.services.suppliers import find_supplier

UNKNOWN_SOURCE = "UNKNOWN"
"""The source of a delivery received blind whose paperwork named none."""
_DESK_ROLES = (Role.MANAGER, Role.ADMIN)


# --- who may announce ------------------------------------------------------------------------


def _is_warehouse(sql: RawSql, code: str) -> bool:
    row = sql.first("SELECT kind FROM locations WHERE code = :code", {"code": code})
    return row is not None and row[0] == LocationKind.WAREHOUSE.value


def _require_announcer(
    tx: LedgerTx, principal: Principal, source_kind: SourceKind, source: str
) -> None:
    """The ERP and admins announce (and call off) any delivery; the managers of a warehouse,
    the deliveries their warehouse sends."""
    try:
        principal.require(Action.ANNOUNCE_DELIVERY)
    except Forbidden:
        at_the_desk = principal.role in _DESK_ROLES and principal.person_role in (
            None,
            *_DESK_ROLES,
        )
        sends_it = source_kind is SourceKind.LOCATION and source == principal.location
        if not (at_the_desk and sends_it and _is_warehouse(tx.sql, principal.location)):
            raise


# --- announce --------------------------------------------------------------------------------


def check_announcement(tx: LedgerTx, command: InboundDeliveryCreate) -> None:
    """Refuse an announcement that names what the network does not have."""
    known = KnownEntities(tx)
    known.location(command.destination)
    if command.source_kind is SourceKind.SUPPLIER:
        if find_supplier(tx.sql, command.source) is None:
            raise UnknownSupplier(
                f"no supplier {command.source!r}: add it first (PUT /v1/suppliers/"
                f"{command.source} or `ordersync suppliers add`)",
                supplier=command.source,
            )
    else:
        known.location(command.source)
        if command.source == command.destination:
            raise InvalidRequest(
                "a delivery comes from another location than its destination",
                source=command.source,
                destination=command.destination,
            )
    seen: set[str] = set()
    for line in command.lines:
        if line.sku in seen:
            raise InvalidRequest(
                f"SKU {line.sku} is listed twice: give each SKU once with its total quantity",
                sku=line.sku,
            )
        seen.add(line.sku)
        known.sku(line.sku)


def insert_delivery(
    tx: LedgerTx,
    command: InboundDeliveryCreate,
    *,
    import_run: int | None = None,
) -> InboundDelivery:
    """Write an announced delivery, its lines and its units on order; put it on the feed.

    The caller has checked it (``check_announcement``) and that its reference is free."""
    delivery_id = str(command.op_id)
    now = tx.sql.time(tx.now)
    tx.sql.execute(
        f"INSERT INTO deliveries ({DELIVERY_COLUMNS}, import_run) VALUES (:id, :reference, :kind, "
        ":source_kind, :source, :destination, :expected_from, :expected_until, :state, :now, "
        ":now, NULL, NULL, :import_run)",
        {
            "id": delivery_id,
            "reference": command.reference,
            "kind": command.kind.value,
            "source_kind": command.source_kind.value,
            "source": command.source,
            "destination": command.destination,
            "expected_from": tx.sql.time(command.expected_from),
            "expected_until": tx.sql.time(command.expected_until),
            "state": DeliveryState.EXPECTED.value,
            "now": now,
            "import_run": import_run,
        },
    )
    tx.sql.executemany(
        "INSERT INTO delivery_lines (delivery_id, line_no, sku, expected_qty, received_qty) "
        "VALUES (:id, :line_no, :sku, :qty, NULL)",
        [
            {"id": delivery_id, "line_no": number, "sku": line.sku, "qty": line.qty}
            for number, line in enumerate(command.lines, start=1)
        ],
    )
    for line in command.lines:
        tx.change_incoming(line.sku, command.destination, on_order=line.qty)
    tx.journal.state(AuditedEntity.DELIVERY, delivery_id, None, DeliveryState.EXPECTED.value)
    head = delivery_head(tx.sql, delivery_id)
    assert head is not None
    delivery = delivery_view(tx.sql, head)
    tx.record_delivery(delivery)
    return delivery


def announce_delivery(
    tx: LedgerTx, principal: Principal, command: InboundDeliveryCreate
) -> dict[str, Any]:
    _require_announcer(tx, principal, command.source_kind, command.source)
    check_announcement(tx, command)
    existing = delivery_by_reference(tx.sql, command.source, command.reference)
    if existing is not None:
        raise DuplicateDocument(
            f"{command.source} already announced {command.reference}: delivery {existing.id}",
            delivery_id=existing.id,
            source=command.source,
            reference=command.reference,
        )
    if delivery_head(tx.sql, str(command.op_id)) is not None:
        raise DuplicateDocument(
            f"delivery {command.op_id} already exists", delivery_id=str(command.op_id)
        )
    return insert_delivery(tx, command).model_dump(mode="json")


# --- cancel ----------------------------------------------------------------------------------


def _closed(head: DeliveryHead) -> InvalidState:
    """The refusal of acting on a delivery that is no longer expected."""
    if head.state is DeliveryState.RECEIVED:
        when = "" if head.received_at is None else f" on {head.received_at:%Y-%m-%d %H:%M} UTC"
        return AlreadyReceived(
            f"delivery {head.reference} from {head.source} was already received{when} "
            f"by operation {head.received_by_op}",
            delivery_id=head.id,
            received_at=None if head.received_at is None else head.received_at.isoformat(),
            received_by_op=head.received_by_op,
        )
    return InvalidState(
        f"delivery {head.reference} from {head.source} was cancelled "
        f"on {head.updated_at:%Y-%m-%d %H:%M} UTC",
        delivery_id=head.id,
        state=head.state.value,
    )


def _found(tx: LedgerTx, delivery_id: str) -> DeliveryHead:
    head = delivery_head(tx.sql, delivery_id)
    if head is None:
        raise NotFound(f"no delivery {delivery_id}", delivery_id=delivery_id)
    return head


def _set_state(
    tx: LedgerTx,
    head: DeliveryHead,
    state: DeliveryState,
    *,
    received_at: datetime | None = None,
    op_id: str | None = None,
) -> None:
    tx.sql.execute(
        "UPDATE deliveries SET state = :state, updated_at = :now, received_at = :received_at, "
        "received_by_op = :op_id WHERE id = :id",
        {
            "state": state.value,
            "now": tx.sql.time(tx.now),
            "received_at": None if received_at is None else tx.sql.time(received_at),
            "op_id": op_id,
            "id": head.id,
        },
    )
    tx.journal.state(AuditedEntity.DELIVERY, head.id, head.state.value, state.value)


def cancel_delivery(
    tx: LedgerTx,
    principal: Principal,
    delivery_id: str,
    command: InboundDeliveryCancel,
    policy: PolicyDocument,
) -> dict[str, Any]:
    """Call off an expected delivery: its units are no longer on order, and the orders promised
    against it are routed again."""
    head = _found(tx, delivery_id)
    _require_announcer(tx, principal, head.source_kind, head.source)
    if head.state is not DeliveryState.EXPECTED:
        raise _closed(head)
    _set_state(tx, head, DeliveryState.CANCELLED)
    for line in delivery_lines(tx.sql, head.id):
        tx.change_incoming(line.sku, head.destination, on_order=-line.expected_qty)
    settle_arrival(tx, DocumentKind.DELIVERY, head.id, head.destination, {}, policy)
    return _publish(tx, head.id)


def _publish(tx: LedgerTx, delivery_id: str) -> dict[str, Any]:
    head = delivery_head(tx.sql, delivery_id)
    assert head is not None
    delivery = delivery_view(tx.sql, head)
    tx.record_delivery(delivery)
    return delivery.model_dump(mode="json")


# --- receive ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Counted:
    """The units of one SKU a receipt counted, and the reason given on any of its lines."""

    qty: int
    reason: DiscrepancyReason | None


def counted_per_sku(command: DeliveryReceipt) -> dict[str, Counted]:
    counted: dict[str, Counted] = {}
    for line in command.lines:
        found = counted.setdefault(line.sku, Counted(0, None))
        found.qty += line.qty
        found.reason = found.reason or line.reason
    return counted


@dataclass
class _Receipt:
    """One receipt being applied: where, by whom, and the poster of its movements."""

    tx: LedgerTx
    principal: Principal
    command: DeliveryReceipt
    poster: Poster

    @property
    def op_id(self) -> str:
        return str(self.command.op_id)

    def put_away(self, delivery: DeliveryHead, sku: str, qty: int) -> None:
        if qty > 0:
            self.poster.post(
                MovementKind.RECEIPT,
                sku,
                self.command.location,
                qty,
                reason=f"delivery {delivery.reference} from {delivery.source}",
            )

    def flag(
        self,
        delivery_id: str,
        sku: str,
        kind: DiscrepancyKind,
        expected: int,
        actual: int,
        reason: DiscrepancyReason | None,
    ) -> None:
        record_discrepancy(
            self.tx,
            self.principal,
            document_kind=DocumentKind.DELIVERY,
            document_id=delivery_id,
            op_id=self.op_id,
            location=self.command.location,
            sku=sku,
            kind=kind,
            expected=expected,
            actual=actual,
            reason=reason,
        )

    def add_line(self, delivery_id: str, line_no: int, sku: str, received: int) -> None:
        self.tx.sql.execute(
            "INSERT INTO delivery_lines (delivery_id, line_no, sku, expected_qty, received_qty) "
            "VALUES (:id, :line_no, :sku, 0, :received)",
            {"id": delivery_id, "line_no": line_no, "sku": sku, "received": received},
        )


def receive_delivery(
    tx: LedgerTx, principal: Principal, command: DeliveryReceipt, policy: PolicyDocument
) -> dict[str, Any]:
    """Close the receipt of a delivery (or of one received blind) with what was counted."""
    principal.require(Action.RECEIVE, command.location)
    known = KnownEntities(tx)
    known.location(command.location)
    counted = counted_per_sku(command)
    for sku in counted:
        if not tx.sku_exists(sku):
            raise UnknownSku(
                f"no SKU {sku!r} in the catalog: nothing of this receipt was recorded", sku=sku
            )
    occurred_at = command.occurred_at or tx.now
    receipt = _Receipt(
        tx, principal, command, Poster(tx, principal, str(command.op_id), occurred_at, known)
    )
    head = _delivery_received(tx, command)
    if head is None:
        return _receive_blind(receipt, counted, occurred_at)
    lines = delivery_lines(tx.sql, head.id)
    # The receipt closes the document first, so the arrival windows read next leave it out.
    _set_state(tx, head, DeliveryState.RECEIVED, received_at=occurred_at, op_id=receipt.op_id)
    received: dict[str, int] = {}
    for line in lines:
        got = counted.pop(line.sku, Counted(0, None))
        receipt.put_away(head, line.sku, got.qty)
        tx.sql.execute(
            "UPDATE delivery_lines SET received_qty = :qty WHERE delivery_id = :id "
            "AND line_no = :line_no",
            {"qty": got.qty, "id": head.id, "line_no": line.line_no},
        )
        if got.qty != line.expected_qty:
            kind = (
                DiscrepancyKind.UNDER_RECEIVED
                if got.qty < line.expected_qty
                else DiscrepancyKind.OVER_RECEIVED
            )
            receipt.flag(head.id, line.sku, kind, line.expected_qty, got.qty, got.reason)
        tx.change_incoming(line.sku, head.destination, on_order=-line.expected_qty)
        if got.qty > 0:
            received[line.sku] = received.get(line.sku, 0) + got.qty
    next_line = max((line.line_no for line in lines), default=0)
    for sku, got in counted.items():
        if got.qty == 0:
            continue
        next_line += 1
        receipt.add_line(head.id, next_line, sku, got.qty)
        receipt.put_away(head, sku, got.qty)
        receipt.flag(head.id, sku, DiscrepancyKind.UNEXPECTED, 0, got.qty, got.reason)
        received[sku] = got.qty
    settle_arrival(tx, DocumentKind.DELIVERY, head.id, head.destination, received, policy)
    return _publish(tx, head.id)


def _delivery_received(tx: LedgerTx, command: DeliveryReceipt) -> DeliveryHead | None:
    """The expected delivery this receipt closes; None for a receipt made blind that names no
    delivery the location expects."""
    if command.delivery_id is None:
        if command.source is None or command.reference is None:
            return None
        # Paperwork naming a delivery this store expects: the store received it, unpicked.
        named = delivery_by_reference(tx.sql, command.source, command.reference)
        if (
            named is not None
            and named.destination == command.location
            and named.state is DeliveryState.EXPECTED
        ):
            return named
        return None
    head = _found(tx, str(command.delivery_id))
    if head.destination != command.location:
        raise WrongLocation(
            f"delivery {head.reference} goes to {head.destination}, not {command.location}",
            delivery_id=head.id,
            destination=head.destination,
            location=command.location,
        )
    if head.state is not DeliveryState.EXPECTED:
        raise _closed(head)
    return head


def _blind_reference(tx: LedgerTx, command: DeliveryReceipt, source: str) -> str:
    """The reference a blind receipt is kept under: the paperwork's, else ``BLIND-`` and the
    start of its operation id; when that is taken, the whole operation id is added."""
    wanted = command.reference or f"BLIND-{str(command.op_id)[:8]}"
    if delivery_by_reference(tx.sql, source, wanted) is None:
        return wanted
    tag = f"BLIND-{command.op_id.hex}"
    return f"{wanted[: 64 - len(tag) - 1]}/{tag}"


def _receive_blind(
    receipt: _Receipt, counted: dict[str, Counted], occurred_at: datetime
) -> dict[str, Any]:
    """A delivery nobody announced: recorded as received at once, every line flagged. An
    unknown source is recorded as the paperwork names it, never refused."""
    tx, command = receipt.tx, receipt.command
    source = command.source or UNKNOWN_SOURCE
    source_kind = command.source_kind or SourceKind.SUPPLIER
    delivery_id = receipt.op_id
    now = tx.sql.time(tx.now)
    tx.sql.execute(
        f"INSERT INTO deliveries ({DELIVERY_COLUMNS}, import_run) VALUES (:id, :reference, :kind, "
        ":source_kind, :source, :destination, :at, :at, :state, :now, :now, :at, :id, NULL)",
        {
            "id": delivery_id,
            "reference": _blind_reference(tx, command, source),
            "kind": InboundKind.UNANNOUNCED.value,
            "source_kind": source_kind.value,
            "source": source,
            "destination": command.location,
            "at": tx.sql.time(occurred_at),
            "state": DeliveryState.RECEIVED.value,
            "now": now,
        },
    )
    tx.journal.state(AuditedEntity.DELIVERY, delivery_id, None, DeliveryState.RECEIVED.value)
    head = delivery_head(tx.sql, delivery_id)
    assert head is not None
    line_no = 0
    for sku, got in counted.items():
        if got.qty == 0:
            continue
        line_no += 1
        receipt.add_line(delivery_id, line_no, sku, got.qty)
        receipt.put_away(head, sku, got.qty)
        receipt.flag(delivery_id, sku, DiscrepancyKind.UNANNOUNCED, 0, got.qty, got.reason)
    return _publish(tx, delivery_id)

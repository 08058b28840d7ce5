"""Transfers at the store: asking for one (``request``), calling off one still requested
(``cancel``, managers), and sending one by scan (``open`` a send, scan, ``send``).

Each is one transaction that puts the outbox entry (its op id is the transfer's, for a request)
and its local effect: the cached transfer row for a request, the units leaving the shelf and
the transfer marked sent for a send. A send is never refused for the stock the cache shows
(the units have physically left); ``SentTransfer.short`` says where the shelf seemed to lack
them, and ``shelf_short`` says it before sending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy import Connection, text

from ordersync.contract import (
    CancelTransferOp,
    DocumentLineIn,
    RequestTransferOp,
    ScannedLine,
    SendTransferOp,
    Transfer,
    TransferLineView,
    TransferOrigin,
    TransferState,
)
from storeapp.cache import motion, motion_drafts
from storeapp.cache.motion import CachedDocument
from storeapp.cache.outbox import Effect, enqueue
from storeapp.services.motion_sheets import (
    DraftDesk,
    MotionRefusal,
    MotionRefused,
    Sheet,
    check_quantity,
    find_document,
    resolve_item,
)


@dataclass(frozen=True, slots=True)
class QueuedTransfer:
    transfer_id: UUID
    outbox_id: int


@dataclass(frozen=True, slots=True)
class ShelfShort:
    """The cache shows fewer units on the shelf than are being sent."""

    sku: str
    on_hand: int
    sending: int


@dataclass(frozen=True, slots=True)
class SentTransfer:
    op_id: UUID
    outbox_id: int
    transfer_id: str
    units: int
    short: list[ShelfShort]


@dataclass(frozen=True, slots=True)
class CancelledTransfer:
    op_id: UUID
    outbox_id: int
    transfer_id: str


class TransferDesk(DraftDesk):
    purpose = "send"

    # --- Lists -------------------------------------------------------------------------------

    def transfers(self) -> list[CachedDocument]:
        """Every cached transfer from or to this store, soonest first."""
        with self._engine.connect() as connection:
            return motion.read_transfers(connection, self._location)

    def to_send(self) -> list[CachedDocument]:
        """Transfers this store is asked to send (still requested)."""
        return [
            t
            for t in self.transfers()
            if t.source == self._location and t.state == TransferState.REQUESTED
        ]

    def requested_here(self) -> list[CachedDocument]:
        """Transfers coming to this store, not yet received (requested or on their way)."""
        return [
            t
            for t in self.transfers()
            if t.destination == self._location
            and t.state in (TransferState.REQUESTED, TransferState.SENT)
        ]

    def find(self, query: str) -> CachedDocument:
        return find_document(self.transfers(), query)

    # --- Request and cancel ------------------------------------------------------------------

    def request(
        self,
        from_location: str,
        to_location: str,
        lines: Sequence[tuple[str, int]],
        origin: TransferOrigin = TransferOrigin.MANUAL,
        note: str | None = None,
    ) -> QueuedTransfer:
        """Ask for units to move; the transfer shows here at once as requested."""
        now = self._now()
        transfer_id = self._new_id()
        with self._engine.begin() as connection:
            merged: dict[str, int] = {}
            for code, qty in lines:
                sku = resolve_item(connection, code).sku
                merged[sku] = merged.get(sku, 0) + qty
            for sku, qty in merged.items():
                if qty < 1:
                    raise MotionRefused(
                        MotionRefusal.BAD_QUANTITY,
                        "a transfer line is of at least one unit",
                        sku=sku,
                        qty=qty,
                    )
                check_quantity(sku, qty)
            try:
                operation = RequestTransferOp(
                    op="request_transfer",
                    op_id=transfer_id,
                    from_location=from_location,
                    to_location=to_location,
                    lines=[DocumentLineIn(sku=sku, qty=qty) for sku, qty in merged.items()],
                    origin=origin,
                    note=note,
                )
            except ValidationError as error:
                problem = "; ".join(str(e["msg"]) for e in error.errors())
                raise MotionRefused(
                    MotionRefusal.BAD_REQUEST, f"not a transfer: {problem}", problem=problem
                ) from error
            motion.upsert_transfer(
                connection,
                Transfer(
                    id=transfer_id,
                    from_location=from_location,
                    to_location=to_location,
                    state=TransferState.REQUESTED,
                    origin=origin,
                    note=note,
                    lines=[
                        TransferLineView(
                            line_no=number,
                            sku=sku,
                            requested_qty=qty,
                            sent_qty=None,
                            received_qty=None,
                        )
                        for number, (sku, qty) in enumerate(merged.items(), start=1)
                    ],
                    requested_at=now,
                    updated_at=now,
                ),
                seq=0,
            )
            motion.record_action(
                connection,
                op_id=str(transfer_id),
                document_kind="transfer",
                document_id=str(transfer_id),
                action=motion.REQUEST,
                now=now,
            )
            outbox_id = enqueue(
                connection,
                operation,
                summary=f"transfer request {from_location} -> {to_location}, "
                f"{sum(merged.values())} unit(s)",
                effects=[],
                now=now,
                person=self._person(),
            )
        return QueuedTransfer(transfer_id, outbox_id)

    def cancel(self, query: str, reason: str) -> CancelledTransfer:
        """Call off a transfer still requested (a manager's decision: the ledger checks)."""
        transfer = self.find(query)
        if transfer.state != TransferState.REQUESTED:
            raise MotionRefused(
                MotionRefusal.NOT_REQUESTED,
                f"transfer {transfer.id} is {transfer.state}: only a requested one is cancelled",
                document=transfer.id,
                state=transfer.state,
            )
        reason = reason.strip()
        if not 1 <= len(reason) <= 200:
            raise MotionRefused(
                MotionRefusal.BAD_REQUEST, "a cancellation needs a reason (200 characters at most)"
            )
        now = self._now()
        operation = CancelTransferOp(
            op="cancel_transfer",
            op_id=self._new_id(),
            transfer_id=UUID(transfer.id),
            reason=reason,
        )
        with self._engine.begin() as connection:
            motion.record_action(
                connection,
                op_id=str(operation.op_id),
                document_kind="transfer",
                document_id=transfer.id,
                action=motion.CANCEL,
                now=now,
            )
            outbox_id = enqueue(
                connection,
                operation,
                summary=f"transfer cancel {transfer.id}",
                effects=[],
                now=now,
                person=self._person(),
            )
        return CancelledTransfer(operation.op_id, outbox_id, transfer.id)

    # --- Sending -----------------------------------------------------------------------------

    def open(self, query: str) -> Sheet:
        """The send draft of a transfer this store is asked to send (made if none is open)."""
        transfer = self.find(query)
        self._check_sendable(transfer)
        with self._engine.begin() as connection:
            draft = motion_drafts.open_draft(
                connection,
                purpose=self.purpose,
                document_kind="transfer",
                document_id=transfer.id,
                now=self._now(),
            )
            return self._sheet(connection, draft)

    def open_drafts(self) -> list[Sheet]:
        with self._engine.connect() as connection:
            return [
                self._sheet(connection, d) for d in motion_drafts.list_drafts(connection, "send")
            ]

    def _check_sendable(self, transfer: CachedDocument) -> None:
        if transfer.source != self._location:
            raise MotionRefused(
                MotionRefusal.NOT_HERE,
                f"transfer {transfer.id} is sent by {transfer.source}, not here",
                document=transfer.id,
            )
        if transfer.state == TransferState.CANCELLED:
            raise MotionRefused(
                MotionRefusal.CANCELLED,
                f"transfer {transfer.id} was cancelled",
                document=transfer.id,
            )
        if transfer.state != TransferState.REQUESTED:
            raise MotionRefused(
                MotionRefusal.ALREADY_SENT,
                f"transfer {transfer.id} was already sent",
                document=transfer.id,
            )

    def shelf_short(self, draft_id: int) -> list[ShelfShort]:
        """Lines the cache says the shelf does not hold (a warning: the send goes ahead)."""
        with self._engine.connect() as connection:
            sheet = self._sheet(connection, self._draft(connection, draft_id))
            return _shelf_short(connection, self._location, sheet)

    def send(self, draft_id: int) -> SentTransfer:
        """Send what was scanned: one ``SendTransferOp``, the units off the shelf here."""
        now = self._now()
        with self._engine.begin() as connection:
            draft = self._draft(connection, draft_id)
            sheet = self._sheet(connection, draft)
            transfer = sheet.document
            if transfer is None:
                raise MotionRefused(MotionRefusal.NO_DRAFT, "that transfer is no longer cached")
            self._check_sendable(transfer)
            short = _shelf_short(connection, self._location, sheet)
            operation = SendTransferOp(
                op="send_transfer",
                op_id=self._new_id(),
                transfer_id=UUID(transfer.id),
                lines=[
                    ScannedLine(sku=line.sku, qty=line.counted, reason=line.reason)
                    for line in sheet.lines
                ],
                occurred_at=now,
            )
            motion.record_action(
                connection,
                op_id=str(operation.op_id),
                document_kind="transfer",
                document_id=transfer.id,
                action=motion.SEND,
                now=now,
            )
            outbox_id = enqueue(
                connection,
                operation,
                summary=f"transfer send {transfer.id} to {transfer.destination}, "
                f"{sheet.counted} unit(s)",
                effects=[
                    Effect(line.sku, self._location, -line.counted)
                    for line in sheet.lines
                    if line.counted
                ],
                now=now,
                person=self._person(),
            )
            motion_drafts.delete_draft(connection, draft.id)
        return SentTransfer(operation.op_id, outbox_id, transfer.id, sheet.counted, short)

    def send_now(self, query: str, lines: Sequence[tuple[str, int]]) -> SentTransfer:
        """Open, set every line, send (the command line's ``transfer send``)."""
        sheet = self.open(query)
        for code, qty in lines:
            self.set_quantity(sheet.draft_id, code, qty)
        return self.send(sheet.draft_id)


def _shelf_short(connection: Connection, location: str, sheet: Sheet) -> list[ShelfShort]:
    short = []
    for line in sheet.lines:
        if not line.counted:
            continue
        on_hand = on_hand_here(connection, location, line.sku)
        if on_hand < line.counted:
            short.append(ShelfShort(line.sku, on_hand, line.counted))
    return short


def on_hand_here(connection: Connection, location: str, sku: str) -> int:
    """On hand as the ledger last said, with this terminal's unsent operations applied."""
    row = connection.execute(
        text("SELECT on_hand FROM positions WHERE sku = :sku AND location = :loc"),
        {"sku": sku, "loc": location},
    ).first()
    pending = connection.execute(
        text(
            "SELECT COALESCE(SUM(e.on_hand_delta), 0) FROM outbox_effects e "
            "JOIN outbox o ON o.id = e.outbox_id WHERE o.state = 'pending' "
            "AND e.location = :loc AND e.sku = :sku"
        ),
        {"sku": sku, "loc": location},
    ).scalar_one()
    return (int(row[0]) if row is not None else 0) + int(pending)

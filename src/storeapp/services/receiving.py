"""Receiving at the store: what it expects (deliveries announced to it, transfers sent to it),
soonest first; the receipt of one by scan, kept as a draft until it is closed; a blind receipt of
what arrived with no document.

Closing is one transaction: the outbox entry (``ReceiveDeliveryOp`` or ``ReceiveTransferOp``,
carrying the person signed in), the units counted on the shelf here, the document marked
received. It works offline and reaches the ledger exactly once (the entry's op id). A document
this terminal already received is refused here; one received twice from two terminals is refused
by the ledger, and that refusal lands in "needs attention" like every refused operation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection, text

from ordersync.contract import (
    DEFAULT_DISCREPANCY_REASON,
    DeliveryState,
    DiscrepancyKind,
    DiscrepancyReason,
    LocationCode,
    ReceiveDeliveryOp,
    ReceiveTransferOp,
    ScannedLine,
    SourceKind,
    TransferState,
)
from ordersync.contract.motion import DocumentReference
from storeapp.cache import motion, motion_drafts
from storeapp.cache.motion import CachedDocument
from storeapp.cache.outbox import Effect, enqueue
from storeapp.services.motion_sheets import (
    DraftDesk,
    Mark,
    MotionRefusal,
    MotionRefused,
    Sheet,
    SheetLine,
    find_document,
)

BLIND = "blind"
_NEVER = datetime.max.replace(tzinfo=UTC)
_SOURCE: TypeAdapter[str] = TypeAdapter(LocationCode)
_REFERENCE: TypeAdapter[str] = TypeAdapter(DocumentReference)


@dataclass(frozen=True, slots=True)
class ClosedReceipt:
    op_id: UUID
    outbox_id: int
    document: CachedDocument | None
    """None: received blind."""
    units: int
    discrepancies: list[SheetLine]


def reason_for(line: SheetLine, *, blind: bool = False) -> DiscrepancyReason | None:
    """The reason a line's difference is recorded with: the one given, else the default."""
    if line.mark is Mark.MATCH and not blind:
        return None
    if line.reason is not None or blind:
        return line.reason  # a blind receipt is flagged as a whole, its lines need none
    kind = {
        Mark.UNDER: DiscrepancyKind.UNDER_RECEIVED,
        Mark.OVER: DiscrepancyKind.OVER_RECEIVED,
        Mark.UNEXPECTED: DiscrepancyKind.UNEXPECTED,
    }[line.mark]
    return DEFAULT_DISCREPANCY_REASON[kind]


class ReceivingDesk(DraftDesk):
    purpose = "receive"

    # --- What the store expects --------------------------------------------------------------

    def expected(self) -> list[CachedDocument]:
        """Deliveries expected here and transfers sent here, soonest first (by the start of
        their arrival window)."""
        with self._engine.connect() as connection:
            return _receivable(connection, self._location)

    def documents(self) -> list[CachedDocument]:
        """Every cached delivery to this store and transfer to it, whatever its state."""
        with self._engine.connect() as connection:
            deliveries = motion.read_deliveries(connection, self._location)
            transfers = [
                t
                for t in motion.read_transfers(connection, self._location)
                if t.destination == self._location
            ]
        return deliveries + transfers

    def find(self, query: str) -> CachedDocument:
        """By delivery reference, or by a unique prefix of the id."""
        return find_document(self.documents(), query)

    # --- Opening -----------------------------------------------------------------------------

    def open(self, query: str) -> Sheet:
        """The receipt draft of a document (made if none is open: one per document)."""
        document = self.find(query)
        _check_receivable(document, self._location)
        with self._engine.begin() as connection:
            draft = motion_drafts.open_draft(
                connection,
                purpose=self.purpose,
                document_kind=document.kind,
                document_id=document.id,
                now=self._now(),
            )
            return self._sheet(connection, draft)

    def open_blind(self, source: str, reference: str | None = None) -> Sheet:
        """A receipt with no document: what arrived, where from, what the paperwork says."""
        source = source.strip().upper()
        reference = (reference or "").strip() or None
        if not source:
            raise MotionRefused(MotionRefusal.NO_SOURCE, "a blind receipt needs its source")
        try:
            _SOURCE.validate_python(source)
        except ValidationError as error:
            raise MotionRefused(
                MotionRefusal.BAD_SOURCE,
                f"{source} is not a supplier or location code",
                source=source,
            ) from error
        if reference is not None:
            try:
                _REFERENCE.validate_python(reference)
            except ValidationError as error:
                raise MotionRefused(
                    MotionRefusal.BAD_REFERENCE,
                    f"{reference} is not a document reference (letters, digits, . _ / -)",
                    reference=reference,
                ) from error
        with self._engine.begin() as connection:
            kind = _source_kind(connection, source)
            draft = motion_drafts.open_draft(
                connection,
                purpose=self.purpose,
                document_kind=BLIND,
                document_id=None,
                now=self._now(),
                source_kind=kind.value,
                source=source,
                reference=reference,
            )
            return self._sheet(connection, draft)

    def open_drafts(self) -> list[Sheet]:
        """Receipts in progress on this terminal (they survive a restart)."""
        with self._engine.connect() as connection:
            return [
                self._sheet(connection, d)
                for d in motion_drafts.list_drafts(connection, self.purpose)
            ]

    # --- Closing -----------------------------------------------------------------------------

    def close(self, draft_id: int) -> ClosedReceipt:
        now = self._now()
        with self._engine.begin() as connection:
            draft = self._draft(connection, draft_id)
            sheet = self._sheet(connection, draft)
            document = sheet.document
            if draft.document_id is not None:
                if document is None:
                    raise MotionRefused(MotionRefusal.NO_DRAFT, "that document is no longer cached")
                _check_receivable(document, self._location)
            blind = document is None
            if blind and not sheet.counted:
                raise MotionRefused(
                    MotionRefusal.NOTHING_SCANNED, "a blind receipt needs at least one unit"
                )
            lines = [
                ScannedLine(sku=line.sku, qty=line.counted, reason=reason_for(line, blind=blind))
                for line in sheet.lines
            ]
            operation: ReceiveDeliveryOp | ReceiveTransferOp
            if document is not None and document.kind == "transfer":
                operation = ReceiveTransferOp(
                    op="receive_transfer",
                    op_id=self._new_id(),
                    transfer_id=UUID(document.id),
                    lines=lines,
                    occurred_at=now,
                )
                summary = f"transfer receipt {document.id} from {document.source}"
            elif document is not None:
                operation = ReceiveDeliveryOp(
                    op="receive_delivery",
                    op_id=self._new_id(),
                    delivery_id=UUID(document.id),
                    location=self._location,
                    lines=lines,
                    occurred_at=now,
                )
                summary = f"delivery receipt {document.reference}"
            else:
                operation = ReceiveDeliveryOp(
                    op="receive_delivery",
                    op_id=self._new_id(),
                    location=self._location,
                    lines=[line for line in lines if line.qty],
                    occurred_at=now,
                    source_kind=SourceKind(draft.source_kind or SourceKind.SUPPLIER),
                    source=draft.source,
                    reference=draft.reference,
                )
                summary = f"blind receipt from {draft.source}"
            if document is not None:
                motion.record_action(
                    connection,
                    op_id=str(operation.op_id),
                    document_kind=document.kind,
                    document_id=document.id,
                    action=motion.RECEIVE,
                    now=now,
                )
            outbox_id = enqueue(
                connection,
                operation,
                summary=f"{summary}, {sheet.counted} unit(s)",
                effects=[
                    Effect(line.sku, self._location, line.counted)
                    for line in sheet.lines
                    if line.counted
                ],
                now=now,
                person=self._person(),
            )
            motion_drafts.delete_draft(connection, draft.id)
        return ClosedReceipt(
            op_id=operation.op_id,
            outbox_id=outbox_id,
            document=document,
            units=sheet.counted,
            discrepancies=sheet.discrepancies,
        )

    def receive_now(
        self,
        query: str,
        lines: Sequence[tuple[str, int]],
        reasons: Mapping[str, DiscrepancyReason] | None = None,
    ) -> ClosedReceipt:
        """Open, set every line and reason, close (the command line's ``receive DOC``)."""
        sheet = self.open(query)
        return self._fill_and_close(sheet, lines, reasons or {})

    def receive_blind(
        self,
        source: str,
        reference: str | None,
        lines: Sequence[tuple[str, int]],
        reasons: Mapping[str, DiscrepancyReason] | None = None,
    ) -> ClosedReceipt:
        sheet = self.open_blind(source, reference)
        return self._fill_and_close(sheet, lines, reasons or {})

    def _fill_and_close(
        self,
        sheet: Sheet,
        lines: Sequence[tuple[str, int]],
        reasons: Mapping[str, DiscrepancyReason],
    ) -> ClosedReceipt:
        for code, qty in lines:
            self.set_quantity(sheet.draft_id, code, qty)
        for code, reason in reasons.items():
            self.set_reason(sheet.draft_id, code, reason)
        return self.close(sheet.draft_id)


def _receivable(connection: Connection, location: str) -> list[CachedDocument]:
    deliveries = [
        d for d in motion.read_deliveries(connection, location) if d.state == DeliveryState.EXPECTED
    ]
    transfers = [
        t
        for t in motion.read_transfers(connection, location)
        if t.destination == location and t.state == TransferState.SENT
    ]
    return sorted(deliveries + transfers, key=_eta)


def _eta(document: CachedDocument) -> tuple[datetime, str]:
    """A delivery by the start of its window; a transfer by when it should arrive."""
    if document.kind == "transfer":
        when = document.expected_until or document.expected_from
    else:
        when = document.expected_from
    return (when or _NEVER, document.id)


def _check_receivable(document: CachedDocument, location: str) -> None:
    if document.destination != location:
        raise MotionRefused(
            MotionRefusal.NOT_HERE,
            f"{document.kind} {document.id} goes to {document.destination}, not here",
            document=document.id,
        )
    name = document.reference or document.id
    if document.state in (DeliveryState.RECEIVED, TransferState.RECEIVED):
        raise MotionRefused(
            MotionRefusal.ALREADY_RECEIVED,
            f"{document.kind} {name} was already received",
            document=document.id,
            unconfirmed=document.unconfirmed > 0,
        )
    if document.state in (DeliveryState.CANCELLED, TransferState.CANCELLED):
        raise MotionRefused(
            MotionRefusal.CANCELLED, f"{document.kind} {name} was cancelled", document=document.id
        )
    if document.kind == "transfer" and document.state == TransferState.REQUESTED:
        raise MotionRefused(
            MotionRefusal.NOT_SENT_YET,
            f"transfer {name} has not been sent yet: sync, then receive",
            document=document.id,
        )


def _source_kind(connection: Connection, source: str) -> SourceKind:
    """A code of a location of the network is a location; anything else a supplier."""
    known = connection.execute(
        text("SELECT 1 FROM locations WHERE code = :code"), {"code": source}
    ).first()
    return SourceKind.LOCATION if known is not None else SourceKind.SUPPLIER

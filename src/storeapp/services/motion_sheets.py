"""What receiving and sending have in common: finding a document by what staff type, resolving a
scan to an item, and the sheet of a draft (expected against counted, per SKU, with the
differences marked), kept in the cache as it is made so a restart loses no scan.

Refusals carry a stable code (``MotionRefusal``) and facts; ``storeapp.wording.motion`` says
them to people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine

from ordersync.contract import MAX_QUANTITY, DiscrepancyReason, gtin_problem, uuid7
from storeapp.cache import motion, motion_drafts
from storeapp.cache.motion import CachedDocument
from storeapp.cache.motion_drafts import Draft
from storeapp.clock import NewId, Now, PersonOf, nobody
from storeapp.services.catalog import CatalogItem, by_gtin, by_sku
from storeapp.services.lookup import looks_like_barcode


class MotionRefusal(StrEnum):
    """Why a receipt, a send or a request was refused here; nothing was written."""

    INVALID_BARCODE = "invalid_barcode"
    UNKNOWN_BARCODE = "unknown_barcode"
    UNKNOWN_ITEM = "unknown_item"
    NO_DOCUMENT = "no_document"
    """Nothing cached matches what was typed (``query``)."""
    AMBIGUOUS = "ambiguous"
    """Several documents match (``query``, ``matches``)."""
    ALREADY_RECEIVED = "already_received"
    ALREADY_SENT = "already_sent"
    CANCELLED = "cancelled"
    NOT_SENT_YET = "not_sent_yet"
    NOT_HERE = "not_here"
    """The document is not for this store to receive or send (``document``)."""
    NOT_REQUESTED = "not_requested"
    """Only a transfer still requested can be cancelled."""
    NO_DRAFT = "no_draft"
    BAD_QUANTITY = "bad_quantity"
    NOTHING_SCANNED = "nothing_scanned"
    NO_SOURCE = "no_source"
    BAD_SOURCE = "bad_source"
    BAD_REFERENCE = "bad_reference"
    BAD_REQUEST = "bad_request"
    """The request itself is malformed (``problem``): same places, no lines."""


class MotionRefused(Exception):
    def __init__(self, code: MotionRefusal, message: str, **facts: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.facts = facts


class Mark(StrEnum):
    """How a line's counted units compare with the document."""

    MATCH = "match"
    UNDER = "under"
    OVER = "over"
    UNEXPECTED = "unexpected"
    """Not on the document at all (on a blind receipt, every line)."""


@dataclass(frozen=True, slots=True)
class SheetLine:
    sku: str
    name: str
    size: str
    colour: str
    expected: int | None
    """Units the document gives (None: not on it)."""
    counted: int
    reason: DiscrepancyReason | None

    @property
    def mark(self) -> Mark:
        if self.expected is None:
            return Mark.UNEXPECTED
        if self.counted < self.expected:
            return Mark.UNDER
        if self.counted > self.expected:
            return Mark.OVER
        return Mark.MATCH

    @property
    def difference(self) -> int:
        return self.counted - (self.expected or 0)


@dataclass(frozen=True, slots=True)
class Sheet:
    """A draft: the document it is for (None: blind) and its lines, document order first."""

    draft_id: int
    purpose: str
    document: CachedDocument | None
    source: str | None
    reference: str | None
    opened_at: datetime
    lines: list[SheetLine]

    @property
    def discrepancies(self) -> list[SheetLine]:
        return [line for line in self.lines if line.mark is not Mark.MATCH]

    @property
    def counted(self) -> int:
        return sum(line.counted for line in self.lines)

    @property
    def expected(self) -> int:
        return sum(line.expected or 0 for line in self.lines)

    def line(self, sku: str) -> SheetLine | None:
        return next((line for line in self.lines if line.sku == sku), None)


def resolve_item(connection: Connection, code: str) -> CatalogItem:
    """The item a scanned barcode or a typed SKU names (exactly: no name search)."""
    query = code.strip()
    if looks_like_barcode(query):
        problem = gtin_problem(query)
        if problem is not None:
            raise MotionRefused(
                MotionRefusal.INVALID_BARCODE,
                f"{query} is not a valid barcode: {problem}",
                query=query,
                problem=problem,
            )
        item = by_gtin(connection, query)
        if item is None:
            raise MotionRefused(
                MotionRefusal.UNKNOWN_BARCODE, f"no item has the barcode {query}", query=query
            )
        return item
    item = by_sku(connection, query)
    if item is None:
        raise MotionRefused(MotionRefusal.UNKNOWN_ITEM, f"no item {query}", query=query)
    return item


def check_quantity(sku: str, qty: int) -> None:
    if not 0 <= qty <= MAX_QUANTITY:
        raise MotionRefused(
            MotionRefusal.BAD_QUANTITY,
            f"a quantity is of 0 to {MAX_QUANTITY} units",
            sku=sku,
            qty=qty,
        )


def find_document(documents: list[CachedDocument], query: str) -> CachedDocument:
    """The document whose reference is ``query``, whose id starts with it, or whose short id
    (what lists show) it is."""
    wanted = query.strip().casefold()
    if not wanted:
        raise MotionRefused(MotionRefusal.NO_DOCUMENT, "no document given", query=query)
    by_reference = [d for d in documents if (d.reference or "").casefold() == wanted]
    if len(by_reference) == 1:
        return by_reference[0]
    matches = by_reference or [
        d
        for d in documents
        if d.id.casefold().startswith(wanted) or short_id(d.id).casefold() == wanted
    ]
    if not matches:
        raise MotionRefused(MotionRefusal.NO_DOCUMENT, f"no document {query}", query=query)
    if len(matches) > 1:
        raise MotionRefused(
            MotionRefusal.AMBIGUOUS,
            f"{query} names {len(matches)} documents: give more of the id",
            query=query,
            matches=[d.id for d in matches],
        )
    return matches[0]


def short_id(document_id: str) -> str:
    """What lists show of an id: its last 8 hex digits, random in a UUIDv7 (its first ones are
    the time, shared by documents made together)."""
    return document_id.replace("-", "")[-8:]


class DraftDesk:
    """Scanning into drafts: the part of receiving and sending that is the same."""

    purpose: str

    def __init__(
        self,
        engine: Engine,
        location: str,
        now: Now,
        new_id: NewId = uuid7,
        *,
        person: PersonOf = nobody,
    ) -> None:
        self._engine = engine
        self._location = location
        self._now = now
        self._new_id = new_id
        self._person = person

    @property
    def location(self) -> str:
        return self._location

    def _document(self, connection: Connection, draft: Draft) -> CachedDocument | None:
        if draft.document_id is None:
            return None
        if draft.document_kind == "delivery":
            found = motion.read_deliveries(connection, self._location, draft.document_id)
        else:
            found = motion.read_transfers(connection, self._location, draft.document_id)
        return found[0] if found else None

    def _draft(self, connection: Connection, draft_id: int) -> Draft:
        draft = motion_drafts.read_draft(connection, draft_id)
        if draft is None or draft.purpose != self.purpose:
            raise MotionRefused(MotionRefusal.NO_DRAFT, "that receipt or send is no longer open")
        return draft

    def _expected_of(self, document: CachedDocument | None) -> dict[str, int]:
        expected: dict[str, int] = {}
        for line in document.lines if document else []:
            if self.purpose == "receive" and document is not None and document.kind == "transfer":
                qty = line.sent if line.sent is not None else line.expected
            else:
                qty = line.expected
            expected[line.sku] = expected.get(line.sku, 0) + qty
        return expected

    def _sheet(self, connection: Connection, draft: Draft) -> Sheet:
        document = self._document(connection, draft)
        expected = self._expected_of(document)
        skus = list(expected) + [sku for sku in draft.scans if sku not in expected]
        lines = []
        for sku in skus:
            item = by_sku(connection, sku)
            counted, reason = draft.scans.get(sku, (0, None))
            lines.append(
                SheetLine(
                    sku=sku,
                    name=item.name if item else sku,
                    size=item.size if item else "",
                    colour=item.colour if item else "",
                    expected=expected.get(sku),
                    counted=counted,
                    reason=DiscrepancyReason(reason) if reason else None,
                )
            )
        return Sheet(
            draft_id=draft.id,
            purpose=draft.purpose,
            document=document,
            source=draft.source if document is None else document.source,
            reference=draft.reference if document is None else document.reference,
            opened_at=draft.opened_at,
            lines=lines,
        )

    def sheet(self, draft_id: int) -> Sheet:
        with self._engine.connect() as connection:
            return self._sheet(connection, self._draft(connection, draft_id))

    def scan(self, draft_id: int, code: str, units: int = 1) -> tuple[Sheet, SheetLine]:
        """``units`` more of the scanned item (an item not on the document is kept, marked
        unexpected); an unknown barcode records nothing."""
        with self._engine.begin() as connection:
            draft = self._draft(connection, draft_id)
            item = resolve_item(connection, code)
            counted, reason = draft.scans.get(item.sku, (0, None))
            qty = min(max(counted + units, 0), MAX_QUANTITY)
            motion_drafts.set_scan(connection, draft.id, item.sku, qty, reason, self._now())
            sheet = self._sheet(connection, self._draft(connection, draft_id))
        line = sheet.line(item.sku)
        assert line is not None
        return sheet, line

    def set_quantity(self, draft_id: int, code: str, qty: int) -> Sheet:
        with self._engine.begin() as connection:
            draft = self._draft(connection, draft_id)
            item = resolve_item(connection, code)
            check_quantity(item.sku, qty)
            _, reason = draft.scans.get(item.sku, (0, None))
            motion_drafts.set_scan(connection, draft.id, item.sku, qty, reason, self._now())
            return self._sheet(connection, self._draft(connection, draft_id))

    def set_reason(self, draft_id: int, sku: str, reason: DiscrepancyReason | None) -> Sheet:
        with self._engine.begin() as connection:
            draft = self._draft(connection, draft_id)
            item = resolve_item(connection, sku)
            counted, _ = draft.scans.get(item.sku, (0, None))
            motion_drafts.set_scan(
                connection,
                draft.id,
                item.sku,
                counted,
                None if reason is None else reason.value,
                self._now(),
            )
            return self._sheet(connection, self._draft(connection, draft_id))

    def discard(self, draft_id: int) -> None:
        """Forget a draft and its scans (nothing was sent)."""
        with self._engine.begin() as connection:
            motion_drafts.delete_draft(connection, self._draft(connection, draft_id).id)

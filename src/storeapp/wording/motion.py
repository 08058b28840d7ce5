"""Stock in motion: deliveries and transfers as staff read them (their states, the marks of a
receipt's or a send's lines, the reasons given for a difference), why a receipt, a send or a
request was refused here (the ``MotionRefusal`` codes), and what closing one did."""

from __future__ import annotations

from ordersync.contract import DiscrepancyReason
from storeapp.cache.motion import CachedDocument
from storeapp.i18n import N_, _, active
from storeapp.services.motion_sheets import Mark, MotionRefusal, MotionRefused, short_id
from storeapp.wording.catalog import invalid_barcode, unknown_barcode
from storeapp.wording.figures import NO_VALUE, number

_STATES: dict[str, str] = {
    "expected": N_("expected"),
    "requested": N_("requested"),
    "sent": N_("on its way"),
    "received": N_("received"),
    "cancelled": N_("cancelled"),
}
_MARKS: dict[Mark, str] = {
    Mark.MATCH: N_("as expected"),
    Mark.UNDER: N_("short"),
    Mark.OVER: N_("over"),
    Mark.UNEXPECTED: N_("not on the document"),
}
_REASONS: dict[DiscrepancyReason, str] = {
    DiscrepancyReason.MISSING: N_("missing"),
    DiscrepancyReason.DAMAGED: N_("damaged"),
    DiscrepancyReason.EXTRA: N_("extra units"),
    DiscrepancyReason.WRONG_ITEM: N_("wrong item"),
    DiscrepancyReason.NOT_IN_STOCK: N_("not in stock"),
    DiscrepancyReason.OTHER: N_("other"),
}
REASON_CHOICES = tuple(_REASONS)
"""The reasons a person can give for a difference, in the order a picker lists them."""


def state_text(state: str) -> str:
    label = _STATES.get(state)
    return _(label) if label else state


def mark_text(mark: Mark) -> str:
    return _(_MARKS[mark])


def reason_text(reason: DiscrepancyReason | None) -> str:
    return NO_VALUE if reason is None else _(_REASONS[reason])


def document_name(document: CachedDocument) -> str:
    """How staff name a document: a delivery by its reference, a transfer by its places."""
    if document.kind == "delivery":
        return _("delivery {reference}", reference=document.reference or short_id(document.id))
    return _(
        "transfer {id} from {source} to {destination}",
        id=short_id(document.id),
        source=document.source,
        destination=document.destination,
    )


def document_kind_text(kind: str) -> str:
    return _("delivery") if kind == "delivery" else _("transfer")


def eta_text(document: CachedDocument) -> str:
    """When it should arrive: a delivery's window, a transfer's expected time."""
    moment = active().moment
    if document.kind == "transfer":
        if document.expected_until is None:
            return NO_VALUE
        return moment(document.expected_until)
    if document.expected_from is None or document.expected_until is None:
        return NO_VALUE
    return _(
        "{start} to {end}",
        start=moment(document.expected_from),
        end=moment(document.expected_until),
    )


def units_text(count: int) -> str:
    return _("{count} unit(s)", count=number(count))


def unconfirmed_text(document: CachedDocument) -> str:
    """Whether this terminal did something to it that the ledger has not confirmed yet."""
    return _("waits for the sync") if document.unconfirmed else ""


def motion_refusal(error: MotionRefused) -> str:
    """Why a receipt, a send, a request or a cancellation was refused here."""
    facts = error.facts
    code = error.code
    query = str(facts.get("query", ""))
    if code is MotionRefusal.INVALID_BARCODE:
        return invalid_barcode(query, str(facts.get("problem") or ""))
    if code is MotionRefusal.UNKNOWN_BARCODE:
        return unknown_barcode(query) + " " + _("Nothing was recorded.")
    if code is MotionRefusal.UNKNOWN_ITEM:
        return _("No item {sku} in this store's catalog.", sku=query)
    if code is MotionRefusal.NO_DOCUMENT:
        return _(
            "No delivery or transfer {query} here (give a reference or the start of an id).",
            query=query,
        )
    if code is MotionRefusal.AMBIGUOUS:
        return _("{query} names several documents: give more of the id.", query=query)
    if code is MotionRefusal.ALREADY_RECEIVED:
        if facts.get("unconfirmed"):
            return _("This was already received on this terminal; it waits for the sync.")
        return _("This was already received.")
    if code is MotionRefusal.ALREADY_SENT:
        return _("This transfer was already sent.")
    if code is MotionRefusal.CANCELLED:
        return _("This was cancelled.")
    if code is MotionRefusal.NOT_SENT_YET:
        return _("This transfer has not been sent yet: sync, then receive it.")
    if code is MotionRefusal.NOT_HERE:
        return _("This document is not for this store.")
    if code is MotionRefusal.NOT_REQUESTED:
        return _("Only a transfer still requested can be cancelled.")
    if code is MotionRefusal.NO_DRAFT:
        return _("That receipt or send is no longer open.")
    if code is MotionRefusal.BAD_QUANTITY:
        return _("A quantity is a whole number of units, 0 or more.")
    if code is MotionRefusal.NOTHING_SCANNED:
        return _("Nothing was scanned yet: a blind receipt needs at least one unit.")
    if code is MotionRefusal.NO_SOURCE:
        return _("A blind receipt needs its source: a supplier code or a location.")
    if code is MotionRefusal.BAD_SOURCE:
        return _("{source} is not a supplier or location code.", source=facts.get("source", ""))
    if code is MotionRefusal.BAD_REFERENCE:
        return _(
            "{reference} is not a document reference (letters, digits and . _ / -).",
            reference=facts.get("reference", ""),
        )
    return _("Not a valid transfer: {problem}", problem=facts.get("problem", error.message))


def received_text(units: int, discrepancies: int) -> str:
    return _(
        "Receipt closed: {units} unit(s), {count} difference(s). Sent with the next sync.",
        units=number(units),
        count=number(discrepancies),
    )


def sent_text(units: int) -> str:
    return _(
        "Transfer sent: {units} unit(s) left the shelf. Sent with the next sync.",
        units=number(units),
    )


def requested_text(transfer_id: str) -> str:
    return _("Transfer {id} requested. Sent with the next sync.", id=short_id(transfer_id))


def cancelled_text(transfer_id: str) -> str:
    return _("Transfer {id} cancelled. Sent with the next sync.", id=short_id(transfer_id))


def shelf_short_text(sku: str, on_hand: int, sending: int) -> str:
    """A send of more units than the cache shows on the shelf: said, never refused."""
    return _(
        "{sku}: sending {sending}, the shelf shows {on_hand}; the ledger records the difference.",
        sku=sku,
        sending=number(sending),
        on_hand=number(on_hand),
    )


def blind_title(source: str | None, reference: str | None) -> str:
    return _(
        "Blind receipt from {source} ({reference})",
        source=source or NO_VALUE,
        reference=reference or NO_VALUE,
    )

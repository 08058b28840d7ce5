"""Refusals the ledger gives, each with a stable problem type and the fields a caller needs."""

from __future__ import annotations

from typing import Any

from ordersync.contract import PROBLEM_TYPE_PREFIX


class LedgerError(Exception):
    """A definite refusal: the request was understood and will not be carried out."""

    slug = "refused"
    title = "Request refused"
    status = 400

    def __init__(self, detail: str, **fields: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields

    @property
    def type(self) -> str:
        return PROBLEM_TYPE_PREFIX + self.slug

    def headers(self) -> dict[str, str]:
        """HTTP headers the refusal needs besides its problem document."""
        return {"WWW-Authenticate": "Bearer"} if self.status == 401 else {}

    def problem(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            **self.fields,
        }


class InsufficientStock(LedgerError):
    slug = "insufficient-stock"
    title = "Not enough stock available"
    status = 409


class UnknownSku(LedgerError):
    slug = "unknown-sku"
    title = "Unknown SKU"
    status = 422


class UnknownLocation(LedgerError):
    slug = "unknown-location"
    title = "Unknown location"
    status = 422


class UnknownReference(LedgerError):
    slug = "unknown-reference"
    title = "Unknown reference"
    status = 404


class NotFound(LedgerError):
    slug = "not-found"
    title = "Not found"
    status = 404


class InvalidState(LedgerError):
    slug = "invalid-state"
    title = "Not allowed in the current state"
    status = 409


class ReservationExpired(LedgerError):
    slug = "reservation-expired"
    title = "Reservation expired"
    status = 409


class InvalidCommit(LedgerError):
    slug = "invalid-commit"
    title = "Commit does not match the reservation"
    status = 422


class StaleCount(LedgerError):
    slug = "stale-count"
    title = "Count cannot be reconciled"
    status = 409


class IdempotencyMismatch(LedgerError):
    slug = "idempotency-key-reused"
    title = "Operation id reused with a different request"
    status = 422


class Forbidden(LedgerError):
    slug = "forbidden"
    title = "Not allowed for this device"
    status = 403


class Unauthorized(LedgerError):
    slug = "unauthorized"
    title = "Missing or invalid token"
    status = 401


class InvalidRequest(LedgerError):
    slug = "invalid-request"
    title = "Invalid request"
    status = 422


class WrongPin(LedgerError):
    slug = "wrong-pin"
    title = "Wrong staff code or PIN"
    status = 401


class StaffLockedOut(LedgerError):
    """Too many wrong PINs in a row on one device: refused, even with the right PIN, for a while."""

    slug = "staff-locked-out"
    title = "Locked out after too many wrong PINs"
    status = 423

    def __init__(self, detail: str, retry_after_seconds: int, **fields: Any) -> None:
        super().__init__(detail, retry_after_seconds=retry_after_seconds, **fields)
        self.retry_after_seconds = retry_after_seconds

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class UnknownSupplier(LedgerError):
    slug = "unknown-supplier"
    title = "Unknown supplier"
    status = 422


class DuplicateDocument(LedgerError):
    """A delivery whose source already announced one under the same reference."""

    slug = "duplicate-document"
    title = "Document already announced"
    status = 409


class AlreadyReceived(InvalidState):
    """A second receipt of a delivery or transfer: the first one stands."""

    slug = "already-received"
    title = "Already received"
    status = 409


class AlreadySent(InvalidState):
    """A second send of a transfer: the first one stands (it says when and by which operation)."""

    slug = "already-sent"
    title = "Already sent"
    status = 409


class WrongLocation(LedgerError):
    """A document acted on at a location it does not go to (or come from)."""

    slug = "wrong-location"
    title = "Not for this location"
    status = 422


class QuantityAboveLimit(LedgerError):
    """A counter line (sale, return) with more units than the policy's hard limit per line: most
    likely a fat finger, which would leave a false stock record and a false day of sales."""

    slug = "quantity-above-limit"
    title = "Quantity above the limit per line"
    status = 422


class AlreadyVoided(InvalidState):
    """A second void of a sale: the first one stands (it says when and by which operation)."""

    slug = "already-voided"
    title = "Sale already voided"
    status = 409


class NotEnoughSetAside(LedgerError):
    """Units moved out of a disposition (or written off) that it does not hold."""

    slug = "not-enough-units"
    title = "Not enough units in that disposition"
    status = 422


class JobHeld(InvalidState):
    """A step on a job being picked, from a device that does not hold it: the job belongs to
    the device that started picking it (``held_by``: device, person, since) until it is picked,
    or until a manager takes it over."""

    slug = "job-held"
    title = "Job held by another device"
    status = 409

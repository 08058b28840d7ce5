"""Order in store (endless aisle): the associate orders items the store cannot hand over now,
one line per SKU, for home delivery (placed by its postal code), for collection here or at
another store.

The order is written to the outbox first, under an id generated once, and then sent live. Online,
the associate sees at once where it comes from, why (the routing explanation) and the promised
date; offline it stays in the outbox and the sync sends it later under the same id, so the ledger
places it once however often it arrives. An order the ledger refuses after reconnecting lands in
"needs attention" with the alternatives the ledger offered (other sizes, stores holding it).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, text

from ordersync.contract import (
    Channel,
    Customer,
    Delivery,
    DeliveryKind,
    JobLineState,
    JobStateName,
    LocationKind,
    Order,
    OrderLineIn,
    PlaceOrderOp,
    uuid7,
)
from ordersync.contract.orders import POSTAL_CODE_UNKNOWN
from storeapp.cache import outbox
from storeapp.clock import NewId, Now, PersonOf, nobody
from storeapp.services.catalog import by_sku
from storeapp.services.order_explanations import (
    Alternatives,
    Explanation,
    alternatives_of,
    explain,
)
from storeapp.sync.client import LedgerClient, LedgerRefused, LedgerUnavailable

MAX_ORDER_QTY = 100
"""Units of one line (the ledger's limit)."""
MAX_ORDER_LINES = 50
"""Lines of one order (the ledger's limit)."""
UNFULFILLABLE = "urn:ordersync:problem:order-unfulfillable"


class OrderRefusal(StrEnum):
    """Why the service refused an order before writing it; stable codes the screens translate."""

    UNKNOWN_SKU = "unknown_sku"
    BAD_QUANTITY = "bad_quantity"
    UNKNOWN_STORE = "unknown_store"
    """``collect_at`` is not a store of the network (as far as the cache knows)."""
    NO_CONTACT = "no_contact"
    """Neither an email address nor a phone number to reach the customer."""
    BAD_CUSTOMER = "bad_customer"
    BAD_DELIVERY = "bad_delivery"
    UNKNOWN_POSTAL_CODE = "unknown_postal_code"
    """Five digits, but no department of the ledger's table holds that postal code."""
    NO_LINES = "no_lines"
    """Nothing to order, or more lines than an order takes."""


class OrderInputError(Exception):
    """The order cannot be written as given; ``field`` names what to fix."""

    def __init__(self, code: OrderRefusal, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class OrderStatus(StrEnum):
    PLACED = "placed"
    """The ledger placed it: the order, its sources and promise are known."""
    PENDING = "pending"
    """The ledger could not be reached: kept in the outbox, sent at the next sync."""
    REFUSED = "refused"
    """The ledger refused it (no location can serve it now): see the alternatives."""


# --- Building the request ----------------------------------------------------------------------


def home_delivery(
    address: str | Sequence[str], postal_code: str, city: str, country: str = "FR"
) -> Delivery:
    """Delivery to the customer's home: the street lines, the postal code (which places the
    address for routing) and the town. Nobody types coordinates."""
    given = [address] if isinstance(address, str) else list(address)
    lines = [line.strip() for line in given if line.strip()]
    if not lines:
        raise OrderInputError(OrderRefusal.BAD_DELIVERY, "give the street address", "address")
    if not postal_code.strip():
        raise OrderInputError(OrderRefusal.BAD_DELIVERY, "give the postal code", "postal_code")
    if not city.strip():
        raise OrderInputError(OrderRefusal.BAD_DELIVERY, "give the town", "city")
    return _delivery(
        kind=DeliveryKind.HOME,
        address="\n".join(lines),
        postal_code=postal_code.strip(),
        city=city.strip(),
        country=country.strip().upper(),
    )


def collect_at(location: str) -> Delivery:
    return _delivery(kind=DeliveryKind.COLLECT, collect_at=location.strip().upper())


def _delivery(**values: Any) -> Delivery:
    try:
        return Delivery(**values)
    except ValidationError as error:
        unknown = error.errors()[0].get("type") == POSTAL_CODE_UNKNOWN
        raise OrderInputError(
            OrderRefusal.UNKNOWN_POSTAL_CODE if unknown else OrderRefusal.BAD_DELIVERY,
            _first_problem(error),
            _first_field(error),
        ) from error


def customer(name: str, email: str | None = None, phone: str | None = None) -> Customer:
    """The customer's contact; at least an email address or a phone number."""
    email = (email or "").strip() or None
    phone = (phone or "").strip() or None
    if email is None and phone is None:
        raise OrderInputError(
            OrderRefusal.NO_CONTACT,
            "give an email address or a phone number to reach the customer",
            "email",
        )
    try:
        return Customer(name=name.strip(), email=email, phone=phone)
    except ValidationError as error:
        raise OrderInputError(
            OrderRefusal.BAD_CUSTOMER, _first_problem(error), _first_field(error)
        ) from error


def _first_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    return f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg"))


def _first_field(error: ValidationError) -> str | None:
    loc = error.errors()[0].get("loc", ())
    return str(loc[0]) if loc else None


# --- What the associate sees -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """Where (part of) the order comes from: a job at a location."""

    location: str
    name: str
    job_kind: str
    """``ship`` (sent from there) or ``collect`` (handed over at that store's counter)."""
    lines: list[tuple[str, int]]
    """(SKU, quantity)."""
    distance_km: float | None


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    status: OrderStatus
    op_id: UUID
    """Also the order's id on the ledger."""
    lines: list[tuple[str, int]]
    """(SKU, quantity) of each line, in the order's order."""
    order: Order | None = None
    sources: list[Source] = field(default_factory=list)
    explanation: Explanation | None = None
    """The latest routing decision."""
    promised_by: datetime | None = None
    unserved: list[dict[str, Any]] = field(default_factory=list)
    alternatives: Alternatives | None = None
    problem: dict[str, Any] | None = None
    reason: str | None = None
    """Why it is pending (the connection error) or refused (the ledger's detail)."""


@dataclass(frozen=True, slots=True)
class PendingOrder:
    entry_id: int
    op_id: str
    lines: list[tuple[str, int]]
    customer_name: str
    delivery: dict[str, Any]
    created_at: datetime
    attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class OrderAttention:
    """An order the ledger refused after it was kept offline; stays until dismissed."""

    entry_id: int
    op_id: str
    lines: list[tuple[str, int]]
    customer: dict[str, Any]
    delivery: dict[str, Any]
    created_at: datetime
    problem_type: str
    detail: str
    unserved: list[dict[str, Any]]
    alternatives: Alternatives | None
    problem: dict[str, Any]


# --- The service -------------------------------------------------------------------------------


class OrderInStoreService:
    def __init__(
        self,
        engine: Engine,
        location: str,
        now: Now,
        client: LedgerClient | None,
        new_id: NewId = uuid7,
        *,
        person: PersonOf = nobody,
    ) -> None:
        self._engine = engine
        self._location = location
        self._now = now
        self._client = client
        self._new_id = new_id
        self._person = person

    @property
    def location(self) -> str:
        return self._location

    def collect_here(self) -> Delivery:
        return collect_at(self._location)

    def place(
        self,
        sku: str,
        qty: int,
        delivery: Delivery,
        contact: Customer,
        *,
        external_ref: str | None = None,
        live: bool = True,
    ) -> OrderOutcome:
        """An order of one line: ``place_lines`` with ``[(sku, qty)]``."""
        return self.place_lines(
            [(sku, qty)], delivery, contact, external_ref=external_ref, live=live
        )

    def place_lines(
        self,
        lines: Sequence[tuple[str, int]],
        delivery: Delivery,
        contact: Customer,
        *,
        external_ref: str | None = None,
        live: bool = True,
    ) -> OrderOutcome:
        """Write the order to the outbox (one id, generated here once), then send it live.

        ``lines`` are (SKU, quantity); a SKU named twice is one line of both quantities (the
        ledger takes each SKU once). Returns PLACED with where it comes from, why and the
        promise; PENDING when the ledger cannot be reached (the sync sends it later); REFUSED
        with the alternatives.
        """
        with self._engine.connect() as connection:
            merged = self._checked_lines(connection, lines)
            if delivery.kind is DeliveryKind.COLLECT:
                kind = connection.execute(
                    text("SELECT kind FROM locations WHERE code = :code"),
                    {"code": delivery.collect_at},
                ).scalar()
                if kind != LocationKind.STORE:
                    raise OrderInputError(
                        OrderRefusal.UNKNOWN_STORE,
                        f"{delivery.collect_at} is not a store customers can collect at",
                        "collect_at",
                    )
        operation = PlaceOrderOp(
            op="order",
            op_id=self._new_id(),
            channel=Channel.STORE,
            external_ref=external_ref,
            lines=[OrderLineIn(sku=sku, qty=qty) for sku, qty in merged],
            customer=contact,
            delivery=delivery,
            person=self._person(),
        )
        now = self._now()
        items = ", ".join(f"{qty} x {sku}" for sku, qty in merged)
        with self._engine.begin() as connection:
            entry_id = outbox.enqueue(
                connection,
                operation,
                summary=f"order {items} for {contact.name} ({_delivery_text(delivery)})",
                effects=[],
                now=now,
                person=operation.person,
            )
        if not live or self._client is None:
            return OrderOutcome(OrderStatus.PENDING, operation.op_id, merged)
        return self.send(entry_id, operation)

    @staticmethod
    def _checked_lines(
        connection: Connection, lines: Sequence[tuple[str, int]]
    ) -> list[tuple[str, int]]:
        """The lines as the catalog names their SKUs, one line per SKU, each quantity checked."""
        merged: dict[str, int] = {}
        for sku, qty in lines:
            item = by_sku(connection, sku.strip())
            if item is None:
                raise OrderInputError(
                    OrderRefusal.UNKNOWN_SKU, f"no item {sku} in the catalog", "sku"
                )
            merged[item.sku] = merged.get(item.sku, 0) + qty
            if not 1 <= qty <= MAX_ORDER_QTY or merged[item.sku] > MAX_ORDER_QTY:
                raise OrderInputError(
                    OrderRefusal.BAD_QUANTITY,
                    f"order between 1 and {MAX_ORDER_QTY} units of {item.sku}",
                    "qty",
                )
        if not 1 <= len(merged) <= MAX_ORDER_LINES:
            raise OrderInputError(
                OrderRefusal.NO_LINES, f"order 1 to {MAX_ORDER_LINES} different items", "lines"
            )
        return list(merged.items())

    def send(self, entry_id: int, operation: PlaceOrderOp) -> OrderOutcome:
        """Send a kept order now (the same id: placed once however often it is sent)."""
        lines = [(line.sku, line.qty) for line in operation.lines]
        if self._client is None:
            return OrderOutcome(OrderStatus.PENDING, operation.op_id, lines)
        try:
            order = self._client.place_order(operation)
        except LedgerRefused as error:
            if error.status in (401, 408, 425, 429):
                return OrderOutcome(OrderStatus.PENDING, operation.op_id, lines, reason=str(error))
            # The associate sees the refusal now: it is kept on record, not left to attend to.
            outbox.refuse(self._engine, entry_id, error.problem, self._now())
            outbox.dismiss(self._engine, entry_id, self._now())
            return self._refused(operation.op_id, lines, error.problem)
        except LedgerUnavailable as error:
            outbox.note_failure(self._engine, [entry_id], str(error), self._now())
            return OrderOutcome(OrderStatus.PENDING, operation.op_id, lines, reason=str(error))
        outbox.accept(self._engine, entry_id, [], self._now())
        return self.outcome_of(order)

    def outcome_of(self, order: Order) -> OrderOutcome:
        """A placed order as the associate reads it: sources, explanation, promise."""
        names = self._location_names()
        explanation = explain(order.routing[-1], names) if order.routing else None
        distances = (
            {c.location: c.distance_km for c in explanation.candidates} if explanation else {}
        )
        sources = [
            Source(
                location=job.location,
                name=names.get(job.location, job.location),
                job_kind=job.kind,
                lines=[
                    (line.sku, line.qty)
                    for line in job.lines
                    if line.state != JobLineState.REJECTED
                ],
                distance_km=distances.get(job.location),
            )
            for job in order.jobs
            if job.state not in (JobStateName.REJECTED, JobStateName.CANCELLED)
        ]
        return OrderOutcome(
            OrderStatus.PLACED,
            order.id,
            [(line.sku, line.qty) for line in order.lines],
            order=order,
            sources=sources,
            explanation=explanation,
            promised_by=order.promised_by,
        )

    def _refused(
        self, op_id: UUID, lines: list[tuple[str, int]], problem: dict[str, Any]
    ) -> OrderOutcome:
        return OrderOutcome(
            OrderStatus.REFUSED,
            op_id,
            lines,
            unserved=list(problem.get("unserved") or []),
            alternatives=alternatives_of(problem, self._location_names()),
            problem=problem,
            reason=str(problem.get("detail") or problem.get("title") or ""),
        )

    # --- Reading back --------------------------------------------------------------------------

    def order(self, order_id: UUID | str) -> OrderOutcome:
        """The order as the ledger holds it now (live: raises LedgerUnavailable offline)."""
        client = self._require_client()
        return self.outcome_of(client.get_order(order_id))

    def routing(self, order_id: UUID | str) -> list[Explanation]:
        """Every routing decision of the order, oldest first (live)."""
        client = self._require_client()
        names = self._location_names()
        return [explain(record, names) for record in client.routing(order_id)]

    def pending(self) -> list[PendingOrder]:
        """Orders kept on this terminal, waiting to be sent."""
        entries = [e for e in outbox.pending(self._engine, 10_000) if e.kind == "order"]
        return [
            PendingOrder(
                entry_id=e.id,
                op_id=e.op_id,
                lines=_lines(e.payload),
                customer_name=str(e.payload.get("customer", {}).get("name", "")),
                delivery=dict(e.payload.get("delivery") or {}),
                created_at=e.created_at,
                attempts=e.attempts,
                last_error=e.last_error,
            )
            for e in entries
        ]

    def attention(self) -> list[OrderAttention]:
        """Kept orders the ledger refused when they were sent, with its alternatives."""
        names = self._location_names()
        found = []
        for entry in outbox.needing_attention(self._engine):
            if entry.kind != "order":
                continue
            problem = entry.problem or {}
            found.append(
                OrderAttention(
                    entry_id=entry.id,
                    op_id=entry.op_id,
                    lines=_lines(entry.payload),
                    customer=dict(entry.payload.get("customer") or {}),
                    delivery=dict(entry.payload.get("delivery") or {}),
                    created_at=entry.created_at,
                    problem_type=str(problem.get("type", "")),
                    detail=str(problem.get("detail") or problem.get("title") or ""),
                    unserved=list(problem.get("unserved") or []),
                    alternatives=alternatives_of(problem, names),
                    problem=problem,
                )
            )
        return found

    def dismiss(self, entry_id: int) -> bool:
        """Staff have dealt with a refusal: it leaves the list (and stays on record)."""
        return outbox.dismiss(self._engine, entry_id, self._now())

    def _require_client(self) -> LedgerClient:
        if self._client is None:
            raise LedgerUnavailable("this terminal has no connection to the ledger")
        return self._client

    def _location_names(self) -> dict[str, str]:
        with self._engine.connect() as connection:
            return {
                str(code): str(name)
                for code, name in connection.execute(text("SELECT code, name FROM locations"))
            }


def _lines(payload: Mapping[str, Any]) -> list[tuple[str, int]]:
    return [(str(line.get("sku")), int(line.get("qty", 0))) for line in payload.get("lines", [])]


def _delivery_text(delivery: Delivery) -> str:
    if delivery.kind is DeliveryKind.COLLECT:
        return f"collect at {delivery.collect_at}"
    return f"home delivery to {delivery.postal_code or ''} {delivery.city or ''}".rstrip()


def split_line(text: str) -> tuple[str, int | None]:
    """``SKU`` or ``SKU:QTY`` as typed (a SKU or a barcode never holds a colon): the item and its
    units when given; ValueError when the units are not a whole number of at least 1."""
    item, colon, qty = text.strip().rpartition(":")
    if not colon:
        return text.strip(), None
    units = int(qty) if qty.strip().isdigit() else 0
    if units < 1 or not item.strip():
        raise ValueError(f"{text!r} is not SKU:QTY with QTY a whole number of at least 1")
    return item.strip(), units


def order_id_of(value: str) -> UUID:
    """An order id typed by staff (a UUID), or ValueError."""
    return uuid.UUID(value.strip())

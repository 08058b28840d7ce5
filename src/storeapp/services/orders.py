"""Order in store (endless aisle): the associate orders an item the store cannot hand over now,
for home delivery, for collection here or at another store.

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
from sqlalchemy import Engine, text

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
    RoutingRecord,
    uuid7,
)
from storeapp.cache import outbox
from storeapp.clock import NewId, Now, PersonOf, nobody
from storeapp.services.catalog import by_sku
from storeapp.sync.client import LedgerClient, LedgerRefused, LedgerUnavailable

MAX_ORDER_QTY = 100
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


def home_delivery(address: str, latitude: float, longitude: float) -> Delivery:
    return _delivery(
        kind=DeliveryKind.HOME, address=address.strip(), latitude=latitude, longitude=longitude
    )


def collect_at(location: str) -> Delivery:
    return _delivery(kind=DeliveryKind.COLLECT, collect_at=location.strip().upper())


def _delivery(**values: Any) -> Delivery:
    try:
        return Delivery(**values)
    except ValidationError as error:
        raise OrderInputError(
            OrderRefusal.BAD_DELIVERY, _first_problem(error), _first_field(error)
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
class Verdict:
    """One candidate location of a routing decision: won, or why it lost."""

    location: str
    name: str
    won: bool
    distance_km: float | None
    reasons: list[dict[str, Any]]
    """Machine-readable reasons: ``code`` is a ``RoutingReason`` value, with its numbers."""
    text: str
    """The ledger's own sentence (English)."""


@dataclass(frozen=True, slots=True)
class Explanation:
    """A routing decision as a person reads it."""

    trigger: str
    """``order`` (first routing) or ``short_pick`` (routed again after a short pick)."""
    created_at: datetime | None
    summary: str
    assignments: list[tuple[str, list[int]]]
    """(location, order line numbers it serves)."""
    unserved: list[dict[str, Any]]
    candidates: list[Verdict]

    @property
    def winners(self) -> list[Verdict]:
        return [c for c in self.candidates if c.won]

    @property
    def losers(self) -> list[Verdict]:
        return [c for c in self.candidates if not c.won]


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
class OtherSize:
    instead_of: str
    sku: str
    size: str
    colour: str
    available: int


@dataclass(frozen=True, slots=True)
class CollectPoint:
    location: str
    name: str
    distance_km: float | None


@dataclass(frozen=True, slots=True)
class Alternatives:
    other_sizes: list[OtherSize]
    """Other sizes and colours of the same reference the network holds."""
    collect_at: list[CollectPoint]
    """Stores holding every unserved line, where the customer could collect."""

    @property
    def empty(self) -> bool:
        return not self.other_sizes and not self.collect_at


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    status: OrderStatus
    op_id: UUID
    """Also the order's id on the ledger."""
    sku: str
    qty: int
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
        """Write the order to the outbox (one id, generated here once), then send it live.

        Returns PLACED with where it comes from, why and the promise; PENDING when the ledger
        cannot be reached (the sync sends it later); REFUSED with the alternatives.
        """
        if not 1 <= qty <= MAX_ORDER_QTY:
            raise OrderInputError(
                OrderRefusal.BAD_QUANTITY,
                f"order between 1 and {MAX_ORDER_QTY} units",
                "qty",
            )
        with self._engine.connect() as connection:
            item = by_sku(connection, sku.strip())
            if item is None:
                raise OrderInputError(
                    OrderRefusal.UNKNOWN_SKU, f"no item {sku} in the catalog", "sku"
                )
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
            lines=[OrderLineIn(sku=item.sku, qty=qty)],
            customer=contact,
            delivery=delivery,
            person=self._person(),
        )
        now = self._now()
        with self._engine.begin() as connection:
            entry_id = outbox.enqueue(
                connection,
                operation,
                summary=f"order {qty} x {item.sku} for {contact.name} ({_delivery_text(delivery)})",
                effects=[],
                now=now,
                person=operation.person,
            )
        if not live or self._client is None:
            return OrderOutcome(OrderStatus.PENDING, operation.op_id, item.sku, qty)
        return self.send(entry_id, operation)

    def send(self, entry_id: int, operation: PlaceOrderOp) -> OrderOutcome:
        """Send a kept order now (the same id: placed once however often it is sent)."""
        sku, qty = operation.lines[0].sku, operation.lines[0].qty
        if self._client is None:
            return OrderOutcome(OrderStatus.PENDING, operation.op_id, sku, qty)
        try:
            order = self._client.place_order(operation)
        except LedgerRefused as error:
            if error.status in (401, 408, 425, 429):
                return OrderOutcome(
                    OrderStatus.PENDING, operation.op_id, sku, qty, reason=str(error)
                )
            # The associate sees the refusal now: it is kept on record, not left to attend to.
            outbox.refuse(self._engine, entry_id, error.problem, self._now())
            outbox.dismiss(self._engine, entry_id, self._now())
            return self._refused(operation.op_id, sku, qty, error.problem)
        except LedgerUnavailable as error:
            outbox.note_failure(self._engine, [entry_id], str(error), self._now())
            return OrderOutcome(OrderStatus.PENDING, operation.op_id, sku, qty, reason=str(error))
        outbox.accept(self._engine, entry_id, [], self._now())
        return self.outcome_of(order, sku, qty)

    def outcome_of(self, order: Order, sku: str = "", qty: int = 0) -> OrderOutcome:
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
        first = order.lines[0] if order.lines else None
        return OrderOutcome(
            OrderStatus.PLACED,
            order.id,
            sku or (first.sku if first else ""),
            qty or (first.qty if first else 0),
            order=order,
            sources=sources,
            explanation=explanation,
            promised_by=order.promised_by,
        )

    def _refused(self, op_id: UUID, sku: str, qty: int, problem: dict[str, Any]) -> OrderOutcome:
        return OrderOutcome(
            OrderStatus.REFUSED,
            op_id,
            sku,
            qty,
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
    return "home delivery"


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def explain(record: RoutingRecord, names: Mapping[str, str] | None = None) -> Explanation:
    """Read a routing record's explanation (a JSON document) into plain fields."""
    names = names or {}
    raw = record.explanation
    candidates = [
        Verdict(
            location=str(c.get("location", "")),
            name=names.get(str(c.get("location", "")), str(c.get("location", ""))),
            won=bool(c.get("won")),
            distance_km=_float(c.get("distance_km")),
            reasons=[dict(r) for r in c.get("reasons") or [] if isinstance(r, Mapping)],
            text=str(c.get("text", "")),
        )
        for c in raw.get("candidates") or []
        if isinstance(c, Mapping)
    ]
    assignments = [
        (str(a.get("location", "")), [int(n) for n in a.get("lines") or []])
        for a in raw.get("assignments") or []
        if isinstance(a, Mapping)
    ]
    return Explanation(
        trigger=record.trigger,
        created_at=record.created_at,
        summary=str(raw.get("summary", "")),
        assignments=assignments,
        unserved=[dict(u) for u in raw.get("unserved") or [] if isinstance(u, Mapping)],
        candidates=candidates,
    )


def alternatives_of(
    problem: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> Alternatives | None:
    """The alternatives an ``order-unfulfillable`` problem offers, or None for other problems."""
    raw = problem.get("alternatives")
    if not isinstance(raw, Mapping):
        return None
    names = names or {}
    sizes: Sequence[Any] = raw.get("other_sizes") or []
    points: Sequence[Any] = raw.get("collect_at") or []
    return Alternatives(
        other_sizes=[
            OtherSize(
                instead_of=str(s.get("instead_of", "")),
                sku=str(s.get("sku", "")),
                size=str(s.get("size", "")),
                colour=str(s.get("colour", "")),
                available=int(s.get("available", 0)),
            )
            for s in sizes
            if isinstance(s, Mapping)
        ],
        collect_at=[
            CollectPoint(
                location=str(p.get("location", "")),
                name=names.get(str(p.get("location", "")), str(p.get("location", ""))),
                distance_km=_float(p.get("distance_km")),
            )
            for p in points
            if isinstance(p, Mapping)
        ],
    )


def order_id_of(value: str) -> UUID:
    """An order id typed by staff (a UUID), or ValueError."""
    return uuid.UUID(value.strip())

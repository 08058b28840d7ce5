"""Orders, their routing and the jobs that fulfil them: what a web site or a store sends to
place an order, what the ledger answers, and what a store sends to move a job along.

A job is a location's part of an order; its state follows the job state machine of
``vocabulary``. A transition names the state the device saw, so a job that has moved on since
is not moved again by a stale screen.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ordersync.contract.types import LocationCode, Name, OpId, Reply, Sku, Strict
from ordersync.contract.vocabulary import (
    CancelReason,
    Channel,
    DeliveryKind,
    DocumentKind,
    HoldState,
    JobStateName,
    RejectReason,
)
from ordersync.geo import (
    COUNTRIES,
    PostalCodeError,
    PostalCodeProblem,
    coordinates_of,
    department_of,
    normalise_postal_code,
)

POSTAL_CODE_MALFORMED = "postal_code_malformed"
"""The error type of a postal code that is not five digits (France)."""
POSTAL_CODE_UNKNOWN = "postal_code_unknown"
"""The error type of a postal code no department of the table holds."""
POSTAL_CODE_COUNTRY = "postal_code_country"
"""The error type of a postal code of a country the table does not place."""


class OrderLineIn(Strict):
    sku: Sku
    qty: Annotated[int, Field(ge=1, le=100)]


class Customer(Strict):
    """Just enough to reach the customer about the order."""

    name: Name
    email: (
        Annotated[str, StringConstraints(max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")] | None
    ) = None
    phone: (
        Annotated[str, StringConstraints(max_length=32, pattern=r"^[+0-9 ().-]{4,32}$")] | None
    ) = None


class Delivery(Strict):
    """Home delivery to an address, or collection at a store.

    A home address is placed by its postal code (French codes: the prefecture of the code's
    department, from ``ordersync.geo``); typed ``latitude`` and ``longitude`` are still taken
    (the web platform sends them) and win over the postal code. A postal code the table cannot
    place, without coordinates, is a field error of ``postal_code`` (``POSTAL_CODE_UNKNOWN`` or
    ``POSTAL_CODE_MALFORMED``).
    """

    kind: DeliveryKind
    address: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    """The street lines of a home address, one per line."""
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    collect_at: LocationCode | None = None
    city: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "FR"
    """ISO 3166-1 alpha-2; declared before ``postal_code``, whose check reads it."""
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=12)] | None = None

    @field_validator("postal_code")
    @classmethod
    def _placeable(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        typed = info.data.get("latitude") is not None and info.data.get("longitude") is not None
        country = str(info.data.get("country", "FR"))
        if country not in COUNTRIES:
            if typed:
                return value.strip()
            raise PydanticCustomError(
                POSTAL_CODE_COUNTRY,
                "{reason}",
                {
                    "reason": f"postal codes of {country} "
                    "cannot be placed: give latitude and longitude"
                },
            )
        try:
            department_of(value)
        except PostalCodeError as error:
            if typed and error.problem is PostalCodeProblem.UNKNOWN:
                return error.postal_code
            kind = {
                PostalCodeProblem.MALFORMED: POSTAL_CODE_MALFORMED,
                PostalCodeProblem.UNKNOWN: POSTAL_CODE_UNKNOWN,
            }.get(error.problem, POSTAL_CODE_COUNTRY)
            raise PydanticCustomError(kind, "{reason}", {"reason": error.message}) from error
        return normalise_postal_code(value)

    @model_validator(mode="after")
    def _complete(self) -> Delivery:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        if self.kind is DeliveryKind.HOME and (
            self.address is None or (self.postal_code is None and self.latitude is None)
        ):
            raise ValueError(
                "home delivery needs an address with a postal code (or latitude and longitude)"
            )
        if self.kind is DeliveryKind.COLLECT and self.collect_at is None:
            raise ValueError("collection needs the store it is collected at (collect_at)")
        return self

    @model_serializer(mode="wrap")
    def _without_unused_address_fields(
        self, handler: SerializerFunctionWrapHandler
    ) -> dict[str, Any]:
        # The postal fields came after orders were first fingerprinted for idempotency: left out
        # while unused, an order sent before they existed and replayed after still matches.
        data: dict[str, Any] = handler(self)
        if self.postal_code is None and self.city is None and self.country == "FR":
            for name in ("postal_code", "city", "country"):
                data.pop(name, None)
        return data

    def located(self) -> Delivery:
        """This delivery with the coordinates routing measures from: the typed ones, else the
        postal code's (a collection is placed by its store, not here)."""
        if self.kind is not DeliveryKind.HOME or self.latitude is not None:
            return self
        assert self.postal_code is not None  # _complete: a home delivery has one or the other
        latitude, longitude = coordinates_of(self.postal_code, self.country)
        return self.model_copy(update={"latitude": latitude, "longitude": longitude})


class OrderCreate(Strict):
    """An order from the web site or placed in a store; its id is ``op_id``."""

    op_id: OpId
    channel: Channel
    external_ref: Annotated[str, StringConstraints(max_length=64)] | None = None
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=50)]
    customer: Customer
    delivery: Delivery


class JobLine(Reply):
    line_no: int
    order_line_no: int
    sku: str
    qty: int
    state: str
    """A ``JobLineState`` value."""
    reject_reason: str | None
    """A ``RejectReason`` value, once the line is rejected."""
    in_transit: bool = False
    """Its units are in a parcel on its way to this (collection) store, not here yet."""


class JobHolder(Reply):
    """Who is picking a job: the device that started it (or the manager's that took it over),
    the person signed in on it then, and since when."""

    device: str
    person: str | None
    """A staff code; None when nobody was signed in."""
    since: datetime


class ShipTo(Reply):
    """Where a parcel to the customer's home goes, as the order gave it: the carrier label's
    recipient."""

    name: str
    address: str | None = None
    """The street lines, one per line."""
    postal_code: str | None = None
    city: str | None = None
    country: str = "FR"


class Job(Reply):
    """A location's part of an order."""

    id: uuid.UUID
    order_id: uuid.UUID
    location: str
    kind: str
    """A ``JobKind`` value."""
    state: JobStateName
    destination: str | None
    lines: list[JobLine]
    created_at: datetime
    due_at: datetime
    late: bool
    parcels: int | None
    weight_grams: int | None
    tracking: str | None
    customer_name: str
    held_by: JobHolder | None = None
    """While the job is being picked: who holds it; another device's steps are refused."""
    state_since: datetime | None = None
    """When it entered its state; ``due_at`` is then plus that state's target (the policy's
    ``[service_level]``), and ``late`` says it is past."""
    ready_at: datetime | None = None
    collect_by: datetime | None = None
    """A ready collection's deadline: past it, the job ends as a no-show."""
    cancel_reason: str | None = None
    """A ``CancelReason`` value, once the job is cancelled."""
    ship_to: ShipTo | None = None
    """A ship job to the customer's home: who and where (its label's recipient); None for a
    collection, and for a parcel to the store where the customer collects it."""


class OrderLine(Reply):
    line_no: int
    sku: str
    qty: int
    state: str
    """An ``OrderLineState`` value."""
    returned: int = 0
    """Units of the line the customer brought back (at any store)."""
    cancel_reason: str | None = None
    """A ``CancelReason`` value, once the line is cancelled or unfulfillable."""


class FutureHold(Reply):
    """Units of a delivery or transfer promised to an order line before they arrive (future
    stock), and what became of the promise."""

    order_line_no: int
    sku: str
    qty: int
    location: str
    """Where the units arrive."""
    document_kind: DocumentKind
    document_id: uuid.UUID
    expected_at: datetime
    state: HoldState
    created_at: datetime
    ended_at: datetime | None = None
    outcome: str | None = None
    """What happened when it ended, as a person reads it (the job created, or why re-routed)."""


class RoutingRecord(Reply):
    """A routing decision as a person can read it: the winner and why each candidate lost."""

    id: int
    trigger: str
    created_at: datetime
    explanation: dict[str, Any]


class Order(Reply):
    id: uuid.UUID
    channel: Channel
    state: str
    """An ``OrderState`` value."""
    external_ref: str | None
    placed_by: str
    customer: dict[str, Any]
    delivery: dict[str, Any]
    lines: list[OrderLine]
    jobs: list[Job]
    routing: list[RoutingRecord]
    created_at: datetime
    promised_by: datetime | None
    holds: list[FutureHold] = []
    """Its promises of incoming units, oldest first: an open one says when its line, awaiting
    stock, is expected; an ended one how it ended."""


class JobTransition(Strict):
    op_id: OpId
    to: JobStateName
    from_state: JobStateName | None = None
    """The state the device saw; if the job has moved on since, the transition is refused."""
    parcels: Annotated[int, Field(ge=1, le=100)] | None = None
    weight_grams: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    tracking: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    reason: CancelReason | None = None
    """Why, when cancelling (``other`` when not given); refused with any other step."""

    @model_serializer(mode="wrap")
    def _without_unused_reason(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # The reason came after steps were first fingerprinted for idempotency: left out while
        # unused, a step sent before it existed and replayed after still matches.
        data: dict[str, Any] = handler(self)
        if self.reason is None:
            data.pop("reason", None)
        return data


class JobTakeOver(Strict):
    """A manager takes over a job being picked: it becomes their device's (and theirs); the
    former holder's later steps are refused."""

    op_id: OpId


class LineRejection(Strict):
    """Short pick: the unit is not found, is damaged, or cannot be sent for another reason."""

    op_id: OpId
    reason: RejectReason
    note: Annotated[str, StringConstraints(max_length=200)] | None = None

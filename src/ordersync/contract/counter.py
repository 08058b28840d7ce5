"""The counter's other half on the wire: customer returns, voided sales, units set aside by
disposition (damaged, display, quarantine) and written off.

A return brings units back at any store of the network, linked to the web order or counter sale
it names when the customer has the reference; a return that does not match what was sold is kept
and flagged, never refused (the unit is in the store). A void takes a counter sale back as if it
never happened. Unavailable units are part of on-hand but never reserved, routed or promised.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from ordersync.contract.stock import Position
from ordersync.contract.types import (
    MAX_BATCH_LINES,
    EventTime,
    LocationCode,
    OpId,
    Quantity,
    Reply,
    Sku,
    Strict,
)
from ordersync.contract.vocabulary import Disposition, ReturnFlag

ReasonCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")
]
"""A reason from a list the policy file keeps (``wrong_size``, ``faulty``...)."""
ReasonText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
"""A reason in a person's own words (a write-off's, a void's)."""

# --- Customer returns ------------------------------------------------------------------------


class ReturnedLine(Strict):
    sku: Sku
    qty: Quantity
    reason: ReasonCode
    disposition: Disposition = Disposition.SELLABLE
    """Back on sale, or set aside as damaged (the only two a return may choose)."""
    order_line_no: Annotated[int, Field(ge=1, le=1000)] | None = None
    """The line of the order named by the return, when the customer's receipt says which."""

    @model_validator(mode="after")
    def _return_disposition(self) -> ReturnedLine:
        if self.disposition not in (Disposition.SELLABLE, Disposition.DAMAGED):
            raise ValueError("a returned unit goes back on sale or is set aside as damaged")
        return self


class CustomerReturn(Strict):
    """Units a customer brought back to ``location``; ``op_id`` becomes the return's id.

    ``order_id`` names a web order or an order in store; ``sale_op_id`` names a counter sale by
    its receipt reference (the sale's operation id). Neither is needed: a return without a
    receipt is recorded all the same."""

    op_id: OpId
    location: LocationCode
    lines: Annotated[list[ReturnedLine], Field(min_length=1, max_length=MAX_BATCH_LINES)]
    order_id: uuid.UUID | None = None
    sale_op_id: uuid.UUID | None = None
    occurred_at: EventTime | None = None

    @model_validator(mode="after")
    def _one_reference(self) -> CustomerReturn:
        if self.order_id is not None and self.sale_op_id is not None:
            raise ValueError("a return names an order or a sale's receipt, not both")
        return self


class RecordedReturnLine(Reply):
    line_no: int
    sku: str
    qty: int
    reason: str
    disposition: Disposition
    order_line_no: int | None
    flags: list[ReturnFlag]
    """What did not match the order or sale named; empty when everything did."""


class RecordedReturn(Reply):
    id: uuid.UUID
    location: str
    order_id: uuid.UUID | None
    sale_op_id: uuid.UUID | None
    flags: list[ReturnFlag]
    lines: list[RecordedReturnLine]
    occurred_at: datetime
    recorded_at: datetime
    device: str
    person: str | None
    positions: list[Position]


class ReturnReasons(Reply):
    """The reasons a return may give, in the order staff should see them."""

    reasons: list[str]


# --- Voided sales ----------------------------------------------------------------------------


class SaleVoid(Strict):
    """Take back the counter sale whose operation id (receipt reference) is ``sale_op_id``.

    The terminal that made it may void it the same store day; a manager may later. Stock, the
    day's history and the demand figures end as if the sale had never happened."""

    op_id: OpId
    sale_op_id: uuid.UUID
    reason: ReasonText | None = None


class VoidedLine(Reply):
    sku: str
    qty: int


class VoidedSale(Reply):
    id: uuid.UUID
    """The void's own operation id."""
    sale_op_id: uuid.UUID
    location: str
    sold_at: datetime
    voided_at: datetime
    device: str
    person: str | None
    reason: str | None
    lines: list[VoidedLine]
    positions: list[Position]


# --- Dispositions and write-offs -------------------------------------------------------------


class DispositionLine(Strict):
    sku: Sku
    qty: Quantity
    from_disposition: Disposition = Disposition.SELLABLE
    to_disposition: Disposition

    @model_validator(mode="after")
    def _moves(self) -> DispositionLine:
        if self.from_disposition == self.to_disposition:
            raise ValueError("units move from one disposition to another")
        return self


class DispositionMove(Strict):
    """Set units aside (damaged, display, quarantine) or put them back on sale, at one
    location. Refused when the disposition they leave holds fewer units (for ``sellable``: fewer
    units not promised to orders)."""

    op_id: OpId
    location: LocationCode
    lines: Annotated[list[DispositionLine], Field(min_length=1, max_length=MAX_BATCH_LINES)]
    reason: ReasonText | None = None
    occurred_at: EventTime | None = None


class WriteOffLine(Strict):
    sku: Sku
    qty: Quantity
    disposition: Disposition = Disposition.DAMAGED
    """The unavailable units that leave (a write-off never takes units on sale)."""

    @model_validator(mode="after")
    def _unavailable(self) -> WriteOffLine:
        if self.disposition is Disposition.SELLABLE:
            raise ValueError(
                "only units set aside are written off: set them aside first (damaged, "
                "display or quarantine)"
            )
        return self


class WriteOff(Strict):
    """A manager's write-off of unavailable units at one location, with the reason."""

    op_id: OpId
    location: LocationCode
    lines: Annotated[list[WriteOffLine], Field(min_length=1, max_length=MAX_BATCH_LINES)]
    reason: ReasonText
    occurred_at: EventTime | None = None


class StockSetAside(Reply):
    """The answer to a disposition move or a write-off: the positions as they now stand."""

    op_id: uuid.UUID
    location: str
    movements: int
    positions: list[Position]


# --- Reports ---------------------------------------------------------------------------------


class ReturnRateRow(Reply):
    """Returns of one reference over a window, against what it sold there."""

    reference: str
    name: str
    sold_units: int
    returned_units: int
    return_rate: float
    """Returned units over units sold in the same window (0 when nothing was sold)."""
    by_reason: dict[str, int]


class ReturnRateReport(Reply):
    location: str | None
    """None for the whole network."""
    days: int
    since: datetime
    rows: list[ReturnRateRow]

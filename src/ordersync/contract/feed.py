"""The change feed: what changed, in commit order, for a store to keep its cache in step.

A page never skips a change that committed late; ``next_since`` is where to ask again, and a
change of ``ledger_id`` (or ``reset``) tells a store its cache belongs to another ledger.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ordersync.contract.motion import InboundDelivery, Incoming, Transfer
from ordersync.contract.offers import Offer
from ordersync.contract.orders import Job
from ordersync.contract.staff import StaffCredential
from ordersync.contract.stock import Item, Location, NetworkTotal, Position
from ordersync.contract.types import Reply


class _ChangeBase(Reply):
    seq: int


class ItemChange(_ChangeBase):
    kind: Literal["item"]
    item: Item
    barcodes_removed: list[str] = []


class LocationChange(_ChangeBase):
    kind: Literal["location"]
    location: Location


class PositionChange(_ChangeBase):
    kind: Literal["position"]
    position: Position


class NetworkChange(_ChangeBase):
    kind: Literal["network"]
    total: NetworkTotal


class JobChange(_ChangeBase):
    kind: Literal["job"]
    job: Job


class StaffChange(_ChangeBase):
    """A person of this location (or an admin of the network) was added, changed or disabled."""

    kind: Literal["staff"]
    staff: StaffCredential


class DeliveryChange(_ChangeBase):
    """A delivery to this location was announced, received or cancelled."""

    kind: Literal["delivery"]
    delivery: InboundDelivery


class TransferChange(_ChangeBase):
    """A transfer from or to this location was requested, sent, received or cancelled."""

    kind: Literal["transfer"]
    transfer: Transfer


class IncomingChange(_ChangeBase):
    """The units on their way to one of this location's positions changed."""

    kind: Literal["incoming"]
    incoming: Incoming


class OfferChange(_ChangeBase):
    """An offer made to this location was made, claimed (by it or another) or expired."""

    kind: Literal["offer"]
    offer: Offer


Change = Annotated[
    ItemChange
    | LocationChange
    | PositionChange
    | NetworkChange
    | JobChange
    | StaffChange
    | DeliveryChange
    | TransferChange
    | IncomingChange
    | OfferChange,
    Field(discriminator="kind"),
]


class ChangePage(Reply):
    """A page of the change feed: ask again with ``since=next_since`` while ``has_more``."""

    ledger_id: str
    """Identifies the ledger's database; a store seeing it change must bootstrap again."""
    location: str
    changes: list[Change]
    next_since: int
    has_more: bool
    head: int
    reset: bool = False
    """True when ``since`` is ahead of the ledger: the caller must drop its cache and start at 0."""
    device: str | None = None
    """The device that asked (its token's name): a terminal knows itself as a job's holder."""

"""Offers of competitive allocation, as stores see them: lines offered to several stores at once,
the first to claim them serves them.

Each store an offer is made to sees it from its own side: ``answer`` says whether it is still
open to this store, won by it, lost to another or expired unclaimed. The change feed carries
that view to each store (kind ``offer``) as it carries jobs.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from ordersync.contract.types import OpId, Reply, Strict
from ordersync.contract.vocabulary import DeliveryKind, OfferAnswer, OfferState


class OfferLine(Reply):
    line_no: int
    """The order line's number."""
    sku: str
    qty: int


class Offer(Reply):
    """One offer as one of its stores sees it."""

    id: uuid.UUID
    order_id: uuid.UUID
    location: str
    """The store this view is for."""
    round: int
    """1 for the first stores offered the lines, 2 for the next ones after nobody claimed, ..."""
    state: OfferState
    answer: OfferAnswer
    """How it stands for ``location``."""
    rank: int
    """Where routing ranked ``location`` among the stores offered (1: the best placed)."""
    competitors: int
    """How many other stores were offered the same lines."""
    lines: list[OfferLine]
    customer_name: str
    delivery: DeliveryKind
    collect_at: str | None
    """The store the customer collects at, for a collection shipped from elsewhere."""
    created_at: datetime
    expires_at: datetime
    """Past this moment it cannot be claimed: its lines go to the next stores."""
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    job_id: uuid.UUID | None = None
    """The job the claim created (at ``claimed_by``)."""
    rule_set: str | None = None
    rule: str | None = None


class OfferClaim(Strict):
    """A store claims an open offer made to it: the first claim wins, the others are refused
    (409 ``offer-taken``, naming the winner)."""

    op_id: OpId

"""Offers of competitive allocation: the open offers of a store, and the claim that wins one."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ordersync.api.deps import PrincipalDep, ReadTxDep, RuntimeDep
from ordersync.api.outcomes import answer_operation
from ordersync.api.routes.stock import REFUSALS
from ordersync.contract import LocationCode, Offer, OfferClaim
from ordersync.domain.permissions import Action
from ordersync.services.access import readable_location
from ordersync.services.offer_views import offers_at

router = APIRouter(tags=["orders and jobs"])


@router.get("/offers", response_model=list[Offer])
def offers(
    principal: PrincipalDep,
    tx: ReadTxDep,
    location: Annotated[LocationCode | None, Query()] = None,
    open_only: Annotated[bool, Query(alias="open")] = True,
) -> list[Offer]:
    """The offers made to a location (the caller's own by default): the open ones, soonest to
    expire first, or with ``open=false`` every offer, latest first, with how each ended."""
    scope = readable_location(tx.connection, principal, Action.READ_JOBS, location)
    return offers_at(tx, scope, open_only=open_only)


@router.post("/offers/{offer_id}/claim", responses=REFUSALS)
async def claim(
    offer_id: uuid.UUID,
    body: OfferClaim,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    request: Request,
) -> JSONResponse:
    """Claim an open offer for the caller's store. The first claim wins: its answer is the offer
    (``answer: won``) and the job made of its lines, their units reserved. A later claim by
    another store is a 409 ``offer-taken`` naming the store that won; a claim after the offer's
    time is a 409 ``offer-expired`` (its lines are going to the next stores)."""
    return await answer_operation(
        runtime, request, "claim_offer", principal, body, offer_id=offer_id
    )

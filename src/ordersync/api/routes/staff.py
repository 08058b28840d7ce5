"""Staff: the people of a location (managers and admins), changing one, and signing in on a device.

A PIN is turned into its verifier, or checked against it, in a worker thread before the write
transaction: the ledger's writer never waits on a hash.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.contract import LocationCode, Problem
from ordersync.contract.staff import (
    STAFF_CODE_PATTERN,
    StaffIn,
    StaffMember,
    StaffSignedIn,
    StaffSignIn,
)
from ordersync.domain.permissions import Action
from ordersync.services.staff import StaffChangeRequest, list_staff, upsert_staff
from ordersync.services.staff_pins import pin_matches, pin_verifier, require_acceptable_pin
from ordersync.services.staff_sign_in import (
    LockoutPolicy,
    SignInCandidate,
    record_sign_in,
    sign_in_candidate,
    signed_in_or_refusal,
)

router = APIRouter(tags=["staff"])

StaffCodePath = Annotated[str, Path(pattern=STAFF_CODE_PATTERN, description="a staff code")]

SIGN_IN_REFUSALS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "Missing token, or wrong PIN (with attempts left)"},
    423: {"model": Problem, "description": "Locked out on this device (see Retry-After)"},
}


@router.get("/staff", response_model=list[StaffMember])
def staff_list(
    principal: PrincipalDep,
    connection: ReadDep,
    location: Annotated[LocationCode | None, Query()] = None,
) -> list[StaffMember]:
    """The people of a location (default: the caller's; an admin without one: everyone), by
    code. Never a PIN nor its verifier."""
    return list_staff(connection, principal, location)


@router.put(
    "/staff/{code}",
    response_model=StaffMember,
    responses={422: {"model": Problem, "description": "Unknown location, PIN refused"}},
)
async def staff_put(
    code: StaffCodePath, body: StaffIn, principal: PrincipalDep, runtime: RuntimeDep
) -> StaffMember:
    """Create or change a person. Without ``pin`` their PIN is kept; a new person needs one."""
    principal.require(Action.MANAGE_STAFF)
    verifier = None
    if body.pin is not None:
        require_acceptable_pin(body.pin)
        verifier = await run_in_threadpool(pin_verifier, body.pin)
    change = StaffChangeRequest(code, body.model_copy(update={"pin": None}), verifier)
    return await runtime.writer.run(lambda tx: upsert_staff(tx, principal, change))


@router.post("/staff/sign-in", response_model=StaffSignedIn, responses=SIGN_IN_REFUSALS)
async def staff_sign_in(
    body: StaffSignIn, principal: PrincipalDep, runtime: RuntimeDep
) -> StaffSignedIn:
    """Check a person's PIN on the calling device: they must work at its location (or be an
    admin). Wrong PINs in a row lock them out on this device, and only here, for a while."""
    policy = LockoutPolicy.of(runtime.settings)

    def candidate_now() -> SignInCandidate:
        with runtime.read_engine.connect() as connection, connection.begin():
            return sign_in_candidate(connection, principal, body.code, runtime.clock.now())

    candidate = await run_in_threadpool(candidate_now)
    matched = await run_in_threadpool(pin_matches, candidate.pin_verifier, body.pin)
    result = await runtime.writer.run(
        lambda tx: record_sign_in(tx, principal, body.code, matched, policy)
    )
    return signed_in_or_refusal(candidate, result, runtime.clock.now(), policy)

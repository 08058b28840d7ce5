"""Starting a ledger: on an empty network, the head-office location and the first admin token.

Promises kept here: it happens once. The check (no admin token, no location yet) and the writes
run in one write transaction that first takes the ledger's write lock, so of two concurrent runs
one wins and the other is refused, on SQLite and PostgreSQL. The location and the token go
through the ledger's usual writes (``upsert_locations``, ``issue_token``): the location reaches
the change feed and both reach the audit log like any other.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import select

from ordersync.contract import LocationIn, LocationKind, Role, TokenCreated
from ordersync.db.ledger_tx import LOCATIONS, LedgerTx
from ordersync.domain.errors import InvalidRequest, InvalidState
from ordersync.services.catalog import upsert_locations
from ordersync.services.tokens import CLI_ACTOR, TOKENS, issue_token

HEAD_OFFICE_KIND = LocationKind.WAREHOUSE
"""The vocabulary has no office kind; a warehouse that fulfils no web orders is the closest."""


def head_office(
    code: str, name: str, timezone: str, latitude: float, longitude: float
) -> LocationIn:
    """The head office as a location of the network: it holds no stock for web orders."""
    try:
        return LocationIn(
            code=code,
            kind=HEAD_OFFICE_KIND,
            name=name,
            timezone=timezone,
            latitude=latitude,
            longitude=longitude,
            fulfils_web_orders=False,
            daily_job_capacity=0,
        )
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        raise InvalidRequest(
            f"not a valid head office {field}: {problem['msg']}", field=field
        ) from None


def initialise_ledger(tx: LedgerTx, office: LocationIn, device: str) -> TokenCreated:
    """Create ``office`` and issue the first admin token, bound to it, for ``device``; refused
    once the ledger has any location or admin token."""
    tx.lock_for_decision()
    admin_location = tx.connection.execute(
        select(TOKENS.c.location).where(TOKENS.c.role == Role.ADMIN.value).limit(1)
    ).scalar()
    some_location = tx.connection.execute(
        select(LOCATIONS.c.code).order_by(LOCATIONS.c.code).limit(1)
    ).scalar()
    if admin_location is not None or some_location is not None:
        # name a location that exists, so the command given works as it is written
        raise InvalidState(
            "this ledger is already initialised: to add an admin, run `ordersync token create "
            f"--location {admin_location or some_location} --role admin`"
        )
    upsert_locations(tx, CLI_ACTOR, [office])
    return issue_token(tx, office.code, Role.ADMIN, device)

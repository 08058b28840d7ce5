"""Who is looking at a head-office page: the session cookie checked, the token behind it
checked again, and what that person may see.

Every request re-reads the token's row, so a token revoked (or demoted below manager) ends its
sessions at once, whichever process signed them in. Only manager and admin tokens open the
pages; a store manager sees their own location, an admin every location.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection, select

from ordersync.api.deps import ReadDep, RuntimeDep
from ordersync.contract import Location, LocationKind, Role
from ordersync.domain.errors import Forbidden
from ordersync.domain.permissions import Principal
from ordersync.runtime import LedgerRuntime
from ordersync.services.tokens import TOKENS
from ordersync.web import wording
from ordersync.web.charts import ChartCache
from ordersync.web.page_cache import PageCache
from ordersync.web.sessions import SESSION_COOKIE, HqSession, SessionSigner
from ordersync.web.signing_key import signing_key

HQ_ROLES = (Role.MANAGER, Role.ADMIN)


class SignInRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""


class PageNotFound(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class HqContext:
    """What one process keeps for the head-office pages: its signer, its chart and page caches."""

    signer: SessionSigner
    session_lifetime: timedelta
    charts: ChartCache
    pages: PageCache


def get_hq(request: Request, runtime: RuntimeDep) -> HqContext:
    found: HqContext | None = getattr(request.app.state, "hq", None)
    if found is None:
        found = HqContext(
            signer=SessionSigner(signing_key(runtime.settings)),
            session_lifetime=timedelta(minutes=runtime.settings.hq_session_minutes),
            charts=ChartCache(),
            pages=PageCache(),
        )
        request.app.state.hq = found
    return found


HqDep = Annotated[HqContext, Depends(get_hq)]


def live_principal(connection: Connection, token_id: int) -> Principal | None:
    """The device of token ``token_id`` if it is still active and may open the pages."""
    row = connection.execute(
        select(TOKENS.c.location, TOKENS.c.role, TOKENS.c.device).where(
            TOKENS.c.id == token_id, TOKENS.c.revoked_at.is_(None)
        )
    ).first()
    if row is None or Role(row.role) not in HQ_ROLES:
        return None
    return Principal(
        token_id=token_id, location=row.location, role=Role(row.role), device=row.device
    )


@dataclass(frozen=True, slots=True)
class Viewer:
    principal: Principal
    session: HqSession
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.principal.role is Role.ADMIN

    @property
    def scope(self) -> str:
        """Whose figures the viewer sees: the network (an admin), or one location."""
        return "*" if self.is_admin else self.principal.location

    @property
    def label(self) -> str:
        return wording.SIGNED_IN_AS.format(
            role=self.principal.role.value,
            location=self.principal.location,
            device=self.principal.device,
        )

    def visible_stores(self, locations: list[Location]) -> list[Location]:
        """The stores of the network page: all of them for an admin, one's own for a manager
        (whatever its kind: a warehouse's manager sees the warehouse)."""
        if self.is_admin:
            return [place for place in locations if place.kind is LocationKind.STORE]
        return [place for place in locations if place.code == self.principal.location]

    def require_store(self, code: str, locations: list[Location]) -> Location:
        place = next((place for place in locations if place.code == code), None)
        if place is None:
            raise PageNotFound(wording.UNKNOWN_STORE.format(code=code))
        if not self.is_admin and code != self.principal.location:
            raise Forbidden(
                wording.FORBIDDEN_STORE.format(code=code, own=self.principal.location),
                location=code,
            )
        return place


def current_viewer(request: Request, runtime: RuntimeDep, hq: HqDep, connection: ReadDep) -> Viewer:
    session = hq.signer.load(request.cookies.get(SESSION_COOKIE), runtime.clock.now())
    if session is None:
        raise SignInRequired
    principal = live_principal(connection, session.token_id)
    if principal is None:
        raise SignInRequired
    record_use(runtime, principal)
    return Viewer(principal, session, hq.signer.csrf_token(session.session_id))


def record_use(runtime: LedgerRuntime, principal: Principal) -> None:
    runtime.tokens.record_use(principal.token_id, runtime.writer.submit)


ViewerDep = Annotated[Viewer, Depends(current_viewer)]

"""The audit log as a manager reads it: who changed what at their location, oldest first."""

from __future__ import annotations

from sqlalchemy import Connection, select

from ordersync.contract import AuditEntry
from ordersync.db.ledger_tx import AUDIT
from ordersync.domain.permissions import Action, Principal
from ordersync.services.access import readable_location


def read_audit(
    connection: Connection, principal: Principal, location: str | None, after_id: int, limit: int
) -> list[AuditEntry]:
    """The audit rows of a location after row ``after_id``, at most ``limit`` of them."""
    scope = readable_location(connection, principal, Action.READ_REPORTS, location)
    rows = connection.execute(
        select(AUDIT)
        .where(AUDIT.c.location == scope, AUDIT.c.id > after_id)
        .order_by(AUDIT.c.id)
        .limit(limit)
    )
    return [AuditEntry(**row._asdict()) for row in rows]

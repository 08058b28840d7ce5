"""Count tasks: a position to count, opened by a short pick, a sale below zero, or a schedule."""

from __future__ import annotations

from ordersync.contract import CountTask, CountTaskReason
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.permissions import Action, Principal
from ordersync.services.access import readable_location


def open_count_task(
    tx: LedgerTx, sku: str, location: str, reason: CountTaskReason
) -> CountTask | None:
    """Open a task to count the position; None when one is open already.

    One open task per position is enough: one count answers every reason at once.
    """
    already = tx.sql.first(
        "SELECT id FROM count_tasks WHERE sku = :sku AND location = :location "
        "AND closed_at IS NULL",
        {"sku": sku, "location": location},
    )
    if already is not None:
        return None
    (task_id,) = tx.sql.one(
        "INSERT INTO count_tasks (sku, location, reason, opened_at) "
        "VALUES (:sku, :location, :reason, :now) RETURNING id",
        {"sku": sku, "location": location, "reason": reason, "now": tx.sql.time(tx.now)},
    )
    return CountTask(id=int(task_id), sku=sku, location=location, reason=reason, opened_at=tx.now)


def close_count_tasks(tx: LedgerTx, sku: str, location: str) -> str:
    """A count of the position answers its open tasks; returns the reason of the oldest one
    (what the count was for), or ``unplanned``."""
    oldest = tx.sql.first(
        "SELECT reason FROM count_tasks WHERE sku = :sku AND location = :location "
        "AND closed_at IS NULL ORDER BY id LIMIT 1",
        {"sku": sku, "location": location},
    )
    if oldest is None:
        return CountTaskReason.UNPLANNED
    tx.sql.execute(
        "UPDATE count_tasks SET closed_at = :now "
        "WHERE sku = :sku AND location = :location AND closed_at IS NULL",
        {"now": tx.sql.time(tx.now), "sku": sku, "location": location},
    )
    return str(oldest[0])


def open_count_tasks(tx: LedgerTx, location: str, limit: int = 500) -> list[CountTask]:
    return [
        CountTask(
            id=int(task_id),
            sku=sku,
            location=location,
            reason=reason,
            opened_at=tx.sql.read_time(opened),
        )
        for task_id, sku, reason, opened in tx.sql.all(
            "SELECT id, sku, reason, opened_at FROM count_tasks "
            "WHERE location = :location AND closed_at IS NULL ORDER BY id LIMIT :limit",
            {"location": location, "limit": limit},
        )
    ]


def read_count_tasks(tx: LedgerTx, principal: Principal, location: str | None) -> list[CountTask]:
    """The positions waiting to be counted at a location the caller counts, oldest first."""
    scope = readable_location(tx.connection, principal, Action.COUNT, location)
    return open_count_tasks(tx, scope)

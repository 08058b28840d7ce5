"""Scheduled cycle counts: open count tasks (reason ``cycle``) for a location's most due positions.

The limit is how many cycle tasks the location should have open: each run tops the list up to it
and never beyond, so a run repeated (a retried request, cron twice) opens nothing more, and tasks
not yet counted are not buried under new ones. Tasks opened by a short pick or a sale below zero
are extra, and their positions are left out (one open task per position). Sales come from the
daily position rows and the last counts from the count results, never from the movements.
"""

from __future__ import annotations

from datetime import date, timedelta

from ordersync.contract import CountScheduled, CountTaskReason
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.count_schedule import DEFAULT_POLICY, CountPolicy, PositionHistory, due_counts
from ordersync.domain.errors import UnknownLocation
from ordersync.domain.permissions import Action, Principal
from ordersync.domain.position_days import local_day
from ordersync.services.count_tasks import open_count_task


def schedule_counts(
    tx: LedgerTx,
    principal: Principal,
    location: str,
    limit: int,
    policy: CountPolicy = DEFAULT_POLICY,
) -> CountScheduled:
    principal.require(Action.SCHEDULE_COUNTS, location)
    facts = tx.location_row(location)
    if facts is None:
        raise UnknownLocation(f"no location {location!r} in the network", location=location)
    # Another server process may open a task for the same position meanwhile (a sale below
    # zero, a second schedule): the write lock keeps "one open task per position" true.
    tx.lock_for_decision()
    (open_cycle,) = tx.sql.one(
        "SELECT COUNT(*) FROM count_tasks WHERE location = :location AND closed_at IS NULL "
        "AND reason = :cycle",
        {"location": location, "cycle": CountTaskReason.CYCLE},
    )
    room = limit - int(open_cycle)
    if room <= 0:
        return CountScheduled(location=location, opened=[])
    today = local_day(tx.now, facts.timezone)
    histories = _histories(tx, location, facts.timezone, today, policy)
    chosen = due_counts(histories, today, room, policy)
    opened = [
        task
        for due in chosen
        if (task := open_count_task(tx, due.sku, location, CountTaskReason.CYCLE)) is not None
    ]
    if opened:
        tx.audit_by(
            principal,
            operation="count_tasks.schedule",
            location=location,
            detail={"opened": len(opened), "skus": [task.sku for task in opened][:50]},
        )
    return CountScheduled(location=location, opened=opened)


def _histories(
    tx: LedgerTx, location: str, zone: str, today: date, policy: CountPolicy
) -> list[PositionHistory]:
    """Every position of the location without an open task, with its recent sales and the
    store-local day of its last count."""
    busy = {
        sku
        for (sku,) in tx.sql.all(
            "SELECT sku FROM count_tasks WHERE location = :location AND closed_at IS NULL",
            {"location": location},
        )
    }
    since = today - timedelta(days=policy.velocity_days - 1)
    sold = {
        sku: int(units)
        for sku, units in tx.sql.all(
            "SELECT sku, SUM(sold_units) FROM position_days WHERE location = :location "
            "AND day >= :since AND day <= :today GROUP BY sku",
            {"location": location, "since": since.isoformat(), "today": today.isoformat()},
        )
    }
    last = {
        sku: local_day(tx.sql.read_time(counted), zone)
        for sku, counted in tx.sql.all(
            "SELECT sku, MAX(counted_at) FROM count_results WHERE location = :location "
            "GROUP BY sku",
            {"location": location},
        )
    }
    return [
        PositionHistory(sku, sold.get(sku, 0), last.get(sku))
        for (sku,) in tx.sql.all(
            "SELECT sku FROM positions WHERE location = :location ORDER BY sku",
            {"location": location},
        )
        if sku not in busy
    ]

"""Cycle counts: what was found on the shelf at a feed position becomes the right delta now.

A count counts the units on sale: the expectation is the position's units on sale at the count's
feed position (on hand less units set aside, rebuilt from the movements of units on sale since),
and the difference is posted as units on sale. Units set aside (damaged, on display, in
quarantine) are counted by moving them between dispositions, never by a count.

Each applied count also leaves its variance (expected at the count's position, counted, delta, and
the item's price at that time) in ``count_results``, in the same transaction: the variance report
reads those rows, never the movements. A replayed count returns its stored outcome without running
again, so it leaves no second row.
"""

from __future__ import annotations

from typing import Any

from ordersync.contract import CountIn, CountResult, MovementKind
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.counts import reconcile_count
from ordersync.domain.errors import StaleCount
from ordersync.domain.permissions import Action, Principal
from ordersync.services.count_tasks import close_count_tasks
from ordersync.services.movements import Poster
from ordersync.services.stock_checks import KnownEntities


def record_count(tx: LedgerTx, principal: Principal, command: CountIn) -> dict[str, Any]:
    principal.require(Action.COUNT, command.location)
    known = KnownEntities(tx)
    location = known.location(command.location)
    known.sku(command.sku)
    head = tx.head()
    if command.as_of_seq > head:
        raise StaleCount(
            "the count names a feed position the ledger has not reached",
            as_of_seq=command.as_of_seq,
            head=head,
        )
    tx.ensure_position(command.sku, command.location, location.default_safety_stock)
    current = tx.position(command.sku, command.location)
    assert current is not None
    moved, recounted = tx.moved_since(command.sku, command.location, command.as_of_seq)
    if recounted:
        raise StaleCount(
            "a later count of this position was already recorded; count again",
            sku=command.sku,
            location=command.location,
            as_of_seq=command.as_of_seq,
        )
    reconciliation = reconcile_count(command.counted, current.stock.sellable, moved)
    poster = Poster(tx, principal, str(command.op_id), tx.now, known)
    if reconciliation.delta:
        poster.post(
            MovementKind.COUNT,
            command.sku,
            command.location,
            reconciliation.delta,
            reason=f"counted {command.counted} as of {command.as_of_seq}",
        )
    after = tx.set_position_flags(command.sku, command.location, suspect=False)
    reason = close_count_tasks(tx, command.sku, command.location)
    _record_result(tx, command, reconciliation.expected_at_count, reconciliation.delta, reason)
    return CountResult(
        op_id=command.op_id,
        sku=command.sku,
        location=command.location,
        counted=command.counted,
        expected_at_count=reconciliation.expected_at_count,
        moved_since_count=reconciliation.moved_since_count,
        delta=reconciliation.delta,
        position=after.to_contract(),
    ).model_dump(mode="json")


def _record_result(tx: LedgerTx, command: CountIn, expected: int, delta: int, reason: str) -> None:
    price_minor, currency = tx.sql.one(
        "SELECT price_minor, currency FROM items WHERE sku = :sku", {"sku": command.sku}
    )
    tx.sql.execute(
        "INSERT INTO count_results (op_id, sku, location, counted_at, as_of_seq, expected, "
        "counted, delta, unit_price_minor, currency, reason) VALUES (:op_id, :sku, :location, "
        ":now, :as_of_seq, :expected, :counted, :delta, :price, :currency, :reason)",
        {
            "op_id": str(command.op_id),
            "sku": command.sku,
            "location": command.location,
            "now": tx.sql.time(tx.now),
            "as_of_seq": command.as_of_seq,
            "expected": expected,
            "counted": command.counted,
            "delta": delta,
            "price": int(price_minor),
            "currency": currency,
            "reason": reason,
        },
    )

"""Customer returns at any store: the units come back on sale or set aside as damaged, linked to
the web order or counter sale the customer's receipt names; a return that does not match what
was sold is recorded and flagged, never refused (the unit is in the store).

Refused before anything is recorded: a line above the policy's hard limit per line (most likely
a fat finger), a reason the policy does not list, an unknown SKU or location, a device of
another store. Everything else is recorded, with ``ReturnFlag`` flags saying what did not match:
the order or sale is unknown, has no such item, or sold fewer units than came back (earlier
returns and a void counted). A return linked to an order line adds its units to the line's
``returned``, whichever store of the network shipped or handed over the order.

Returns are returned units in the day's history, never negative sales: demand stays what it
was. The feed counter is locked before the order or sale is read, so two returns of the same
line see each other's units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ordersync.contract import (
    ORDER_LINES_FULFILLED,
    AuditedEntity,
    CustomerReturn,
    Disposition,
    MovementKind,
    ReturnedLine,
    ReturnFlag,
    ReturnReasons,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.counter_policy import CounterPolicy, check_line_units
from ordersync.domain.errors import InvalidRequest
from ordersync.domain.permissions import Action, Principal
from ordersync.services.movements import Poster
from ordersync.services.return_views import joined_flags, load_return
from ordersync.services.routing_policy import PolicyDocument
from ordersync.services.stock_checks import KnownEntities

RECORDED = "recorded"
FLAGGED = "flagged"
"""A return's states in the audit log: it matched what was sold, or it did not."""


@dataclass(frozen=True, slots=True)
class Link:
    """What one returned line was matched to: an order line (or none), and what did not match."""

    order_line_no: int | None = None
    flags: frozenset[ReturnFlag] = frozenset()


@dataclass
class OrderLink:
    """The lines of the order a return names, with the units already returned of each."""

    tx: LedgerTx
    order_id: str
    lines: list[tuple[int, str, int]]
    """(line_no, sku, units fulfilled: shipped or collected), by line number."""
    returned: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls, tx: LedgerTx, order_id: str) -> OrderLink | None:
        if tx.sql.first("SELECT 1 FROM orders WHERE id = :id", {"id": order_id}) is None:
            return None
        rows = tx.sql.all(
            "SELECT line_no, sku, qty, state, returned_qty FROM order_lines "
            "WHERE order_id = :id ORDER BY line_no",
            {"id": order_id},
        )
        lines = [
            (int(n), str(sku), int(qty) if state in ORDER_LINES_FULFILLED else 0)
            for n, sku, qty, state, _ in rows
        ]
        returned = {int(row[0]): int(row[4]) for row in rows}
        return cls(tx, order_id, lines, returned)

    def link(self, line: ReturnedLine) -> Link:
        matched = self._match(line)
        if matched is None:
            return Link(flags=frozenset({ReturnFlag.NOT_ON_ORDER}))
        line_no, _, fulfilled = matched
        before = self.returned[line_no]
        self.returned[line_no] = before + line.qty
        self.tx.sql.execute(
            "UPDATE order_lines SET returned_qty = returned_qty + :qty "
            "WHERE order_id = :order AND line_no = :line",
            {"qty": line.qty, "order": self.order_id, "line": line_no},
        )
        beyond = before + line.qty > fulfilled
        return Link(line_no, frozenset({ReturnFlag.MORE_THAN_SOLD}) if beyond else frozenset())

    def _match(self, line: ReturnedLine) -> tuple[int, str, int] | None:
        """The line named, when it is of this SKU; else the first line of the SKU with units
        fulfilled and not yet returned; else the first line of the SKU."""
        of_sku = [row for row in self.lines if row[1] == line.sku]
        if line.order_line_no is not None:
            return next((row for row in of_sku if row[0] == line.order_line_no), None)
        open_units = (row for row in of_sku if row[2] > self.returned[row[0]])
        return next(open_units, of_sku[0] if of_sku else None)


@dataclass
class SaleLink:
    """The counter sale a return names: units sold per SKU, less earlier returns and a void."""

    left: dict[str, int]

    @classmethod
    def load(cls, tx: LedgerTx, sale_op_id: str) -> SaleLink | None:
        sold = {
            str(sku): -int(qty)
            for sku, qty in tx.sql.all(
                "SELECT sku, SUM(qty) FROM movements WHERE op_id = :sale AND kind = :kind "
                "AND reservation_id IS NULL GROUP BY sku",
                {"sale": sale_op_id, "kind": MovementKind.SALE.value},
            )
        }
        if not sold:
            return None
        voided = tx.sql.first(
            "SELECT 1 FROM sale_voids WHERE sale_op_id = :sale", {"sale": sale_op_id}
        )
        left = {sku: 0 if voided else units for sku, units in sold.items()}
        for sku, units in tx.sql.all(
            "SELECT l.sku, SUM(l.qty) FROM customer_return_lines l "
            "JOIN customer_returns r ON r.id = l.return_id WHERE r.sale_op_id = :sale "
            "GROUP BY l.sku",
            {"sale": sale_op_id},
        ):
            if str(sku) in left:
                left[str(sku)] -= int(units)
        return cls(left)

    def link(self, line: ReturnedLine) -> Link:
        if line.sku not in self.left:
            return Link(flags=frozenset({ReturnFlag.NOT_ON_ORDER}))
        beyond = line.qty > self.left[line.sku]
        self.left[line.sku] -= line.qty
        return Link(flags=frozenset({ReturnFlag.MORE_THAN_SOLD}) if beyond else frozenset())


def record_return(
    tx: LedgerTx, principal: Principal, command: CustomerReturn, policy: PolicyDocument
) -> dict[str, Any]:
    principal.require(Action.RETURN, command.location)
    known = KnownEntities(tx)
    known.location(command.location)
    _check_lines(command.lines, known, policy.counter)
    return_id = str(command.op_id)
    occurred_at = command.occurred_at or tx.now
    tx.lock_for_decision()
    linker, reference_flags = _linker(tx, command)
    poster = Poster(tx, principal, return_id, occurred_at, known)
    every_flag = set(reference_flags)
    for line_no, line in enumerate(command.lines, start=1):
        link = Link() if linker is None else linker.link(line)
        every_flag |= link.flags
        poster.post(
            MovementKind.RETURN,
            line.sku,
            command.location,
            line.qty,
            reason=line.reason,
            disposition=None if line.disposition is Disposition.SELLABLE else line.disposition,
        )
        tx.sql.execute(
            "INSERT INTO customer_return_lines (return_id, line_no, sku, qty, reason, "
            "disposition, order_line_no, flags) VALUES (:id, :line_no, :sku, :qty, :reason, "
            ":disposition, :order_line_no, :flags)",
            {
                "id": return_id,
                "line_no": line_no,
                "sku": line.sku,
                "qty": line.qty,
                "reason": line.reason,
                "disposition": line.disposition.value,
                "order_line_no": link.order_line_no,
                "flags": joined_flags(link.flags),
            },
        )
    tx.sql.execute(
        "INSERT INTO customer_returns (id, location, order_id, sale_op_id, flags, occurred_at, "
        "recorded_at, actor, device, person) VALUES (:id, :location, :order_id, :sale_op_id, "
        ":flags, :occurred_at, :now, :actor, :device, :person)",
        {
            "id": return_id,
            "location": command.location,
            "order_id": None if command.order_id is None else str(command.order_id),
            "sale_op_id": None if command.sale_op_id is None else str(command.sale_op_id),
            "flags": joined_flags(every_flag),
            "occurred_at": tx.sql.time(occurred_at),
            "now": tx.sql.time(tx.now),
            "actor": principal.token_id,
            "device": principal.device,
            "person": principal.person,
        },
    )
    if isinstance(linker, OrderLink):
        _touch_order(tx, linker)
    tx.journal.state(AuditedEntity.RETURN, return_id, None, FLAGGED if every_flag else RECORDED)
    positions = [p.to_contract() for p in poster.touched.values()]
    recorded = load_return(tx.sql, return_id, positions)
    assert recorded is not None
    return recorded.model_dump(mode="json")


def return_reasons(policy: PolicyDocument) -> ReturnReasons:
    return ReturnReasons(reasons=list(policy.counter.return_reasons))


def _check_lines(
    lines: Sequence[ReturnedLine], known: KnownEntities, counter: CounterPolicy
) -> None:
    for line in lines:
        known.sku(line.sku)
        check_line_units(line.qty, counter, sku=line.sku, what="return")
        if line.reason not in counter.return_reasons:
            allowed = list(counter.return_reasons)
            raise InvalidRequest(
                f"{line.reason!r} is not a return reason here; give one of: {', '.join(allowed)}",
                sku=line.sku,
                reason=line.reason,
                allowed=allowed,
            )


def _linker(
    tx: LedgerTx, command: CustomerReturn
) -> tuple[OrderLink | SaleLink | None, frozenset[ReturnFlag]]:
    """What the return's lines are matched against, and the flags of a reference not found."""
    if command.order_id is not None:
        order = OrderLink.load(tx, str(command.order_id))
        return order, frozenset() if order else frozenset({ReturnFlag.UNKNOWN_ORDER})
    if command.sale_op_id is not None:
        sale = SaleLink.load(tx, str(command.sale_op_id))
        return sale, frozenset() if sale else frozenset({ReturnFlag.UNKNOWN_SALE})
    return None, frozenset()


def _touch_order(tx: LedgerTx, order: OrderLink) -> None:
    """The order changed (units came back on its lines): its time of change moves on."""
    tx.sql.execute(
        "UPDATE orders SET updated_at = :now WHERE id = :id",
        {"now": tx.sql.time(tx.now), "id": order.order_id},
    )

"""The oracle of the counter's other half: customer returns, voided sales, units set aside by
disposition and written off, as the ledger must hold them, rebuilt from the operations it
applied, in its order (the rules of ``oracle`` for everything else).

It shares the stock of ``LedgerModel`` (on hand per position, the movements each operation
must write) and keeps what the counter adds: the units of each position set aside per
disposition (damaged, display, quarantine; their sum is the position's ``unavailable``), every
counter sale the ledger knows (to link returns and voids to it), every return with the flags
it must carry, the units returned per order line, and the void of each sale. Its rules:

* a return is never refused (the unit is in the store): each line puts its units on hand (one
  movement), set aside as damaged when the customer's unit is; it is linked to the order or
  the sale its receipt names and flagged, not refused, when that does not match: an order or a
  sale the ledger does not know (``unknown_order``, ``unknown_sale``), a SKU not on it
  (``not_on_order``), more units than it took less earlier returns (for a sale, every earlier
  return naming it, even one that reached the ledger before the sale did; and less a void:
  ``more_than_sold``); a matched order line counts the units returned;
* a void takes a counter sale back once: one movement per sale line puts its units on hand
  again; a second void is refused (409), and so is the void of a sale some return names (its
  units came back already); a void of a sale the ledger does not know is 404;
* a disposition move posts two movements per line (out of one disposition, into another), so
  on hand does not change; it is refused whole (422) when a line's source holds fewer units:
  for units on sale, fewer not promised (``on_hand - unavailable - reserved``);
* a write-off takes units set aside off hand (one movement per line), refused whole (422) when
  the disposition holds fewer;
* a short pick for a damaged unit moves the line's units from sale to damaged (two movements)
  and does not make the position suspect.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ordersync.contract import Disposition, ReturnFlag

if TYPE_CHECKING:
    from tests.simulation.oracle import LedgerModel

COUNTER_OPS = frozenset({"customer_return", "void_sale", "move_disposition", "write_off"})
SELLABLE = Disposition.SELLABLE.value
DAMAGED = Disposition.DAMAGED.value
CREATED = 201
NOT_FOUND = 404
ALREADY_VOIDED = "urn:ordersync:problem:already-voided"
INVALID_STATE = "urn:ordersync:problem:invalid-state"
NOT_ENOUGH = "urn:ordersync:problem:not-enough-units"
FULFILLED_LINE_STATES = frozenset({"shipped", "collected"})
Key = tuple[str, str]
"""(sku, location), as ``LedgerModel`` keys its positions."""


class CounterMismatch(AssertionError):
    """The ledger did something the counter's rules do not allow."""


@dataclass
class ModelSale:
    op_id: str
    location: str
    lines: dict[str, int]
    voided_by: str | None = None


@dataclass(frozen=True)
class ModelReturnLine:
    sku: str
    qty: int
    reason: str
    disposition: str
    order_line_no: int | None
    flags: frozenset[str]


@dataclass
class ModelReturn:
    id: str
    location: str
    order_id: str | None
    sale_op_id: str | None
    lines: list[ModelReturnLine]
    unknown: frozenset[str]
    """The return's own flag when the order or sale it names is unknown (its lines have none)."""

    @property
    def flags(self) -> frozenset[str]:
        return self.unknown.union(*(line.flags for line in self.lines))


@dataclass
class CounterModel:
    stock: LedgerModel
    set_aside: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """(sku, location, disposition) -> units set aside there."""
    unavailable: Counter[Key] = field(default_factory=Counter)
    sales: dict[str, ModelSale] = field(default_factory=dict)
    returns: dict[str, ModelReturn] = field(default_factory=dict)
    order_returned: Counter[tuple[str, int]] = field(default_factory=Counter)
    """(order id, line no) -> units returned against that order line."""
    voids: dict[str, str] = field(default_factory=dict)
    """Voided sale's op_id -> the void's op_id."""
    returns_naming: Counter[str] = field(default_factory=Counter)
    """Sale op_id -> returns naming it (known to the ledger then or not): none may be voided."""
    sale_returned: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(sale op_id, sku) -> units returned naming that sale, whether the ledger knew the sale
    then or not (a return may reach it before the sale it names): they count against it."""
    figures: Counter[str] = field(default_factory=Counter)
    """What the ledger applied (returns, flags, voids, moves, write-offs, refusals)."""

    # --- reading ----------------------------------------------------------------------------

    def dispositions(self, key: Key) -> dict[str, int]:
        """Units set aside at a position per disposition (only those holding some), as the
        ledger's position payload shows them."""
        sku, location = key
        return {
            disposition.value: self.set_aside[(sku, location, disposition.value)]
            for disposition in Disposition
            if disposition is not Disposition.SELLABLE
            and self.set_aside[(sku, location, disposition.value)]
        }

    def holds(self, sku: str, location: str, disposition: str) -> int:
        """Units a move or write-off may take out of ``disposition`` at that position."""
        key = (sku, location)
        if disposition == SELLABLE:
            return self.stock.on_hand[key] - self.unavailable[key] - self.stock.reserved[key]
        return self.set_aside[(sku, location, disposition)]

    # --- what other operations bring ----------------------------------------------------------

    def sold(self, op_id: str, location: str, lines: dict[str, int]) -> None:
        """A counter sale (a ``movements`` operation with sale lines) the ledger applied."""
        self.sales[op_id] = ModelSale(op_id, location, lines)

    def damaged_pick(self, op_id: str, sku: str, location: str, qty: int) -> None:
        """A short pick for a damaged unit: the line's units move from sale to damaged, never
        refused (the unit is on the shelf); the position is suspect when its record did not
        hold them on sale."""
        if self.holds(sku, location, SELLABLE) < qty:
            self.stock.suspect.add((sku, location))
        self._move_units(op_id, sku, location, qty, SELLABLE, DAMAGED)
        self.figures["damaged short picks"] += 1

    # --- applying ---------------------------------------------------------------------------

    def apply(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        {
            "customer_return": self._return,
            "void_sale": self._void,
            "move_disposition": self._move,
            "write_off": self._write_off,
        }[str(op["op"])](op, status, body)

    @staticmethod
    def _expect(op: dict[str, Any], status: int, body: dict[str, Any], want: int) -> None:
        if status != want:
            raise CounterMismatch(
                f"{op['op']} {op['op_id']}: the ledger answered {status}, the model expects "
                f"{want}: {body}"
            )

    def _refused(self, op: dict[str, Any], status: int, body: dict[str, Any], problem: str) -> None:
        if (status, body.get("type")) != (_STATUS_OF[problem], problem):
            raise CounterMismatch(
                f"{op['op']} {op['op_id']} must be refused ({problem}), the ledger answered "
                f"{status}: {body}"
            )
        self.figures[f"{op['op']} refused ({problem.rsplit(':', 1)[-1]})"] += 1

    def _units(self, op_id: str, sku: str, location: str, delta: int, disposition: str) -> None:
        """One movement of ``delta`` units of ``disposition`` at a position."""
        key = (sku, location)
        self.stock.on_hand[key] += delta
        if disposition != SELLABLE:
            self.set_aside[(sku, location, disposition)] += delta
            self.unavailable[key] += delta
        self.stock.movements[op_id] += 1

    def _move_units(
        self, op_id: str, sku: str, location: str, qty: int, source: str, target: str
    ) -> None:
        self._units(op_id, sku, location, -qty, source)
        self._units(op_id, sku, location, qty, target)

    # --- returns ----------------------------------------------------------------------------

    def _return(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        self._expect(op, status, body, CREATED)
        op_id, location = str(op["op_id"]), str(op["location"])
        order_id = None if op.get("order_id") is None else str(op["order_id"])
        sale_op_id = None if op.get("sale_op_id") is None else str(op["sale_op_id"])
        unknown = frozenset[str]()
        if order_id is not None and order_id not in self.stock.orders:
            unknown = frozenset({ReturnFlag.UNKNOWN_ORDER.value})
        if sale_op_id is not None:
            self.returns_naming[sale_op_id] += 1
            if sale_op_id not in self.sales:
                unknown = frozenset({ReturnFlag.UNKNOWN_SALE.value})
        lines = []
        for line in op["lines"]:
            sku, qty = str(line["sku"]), int(line["qty"])
            disposition = str(line.get("disposition") or SELLABLE)
            named = line.get("order_line_no")
            matched, flags = None, frozenset[str]()
            if order_id is not None and not unknown:
                matched, flags = self._against_order(order_id, sku, qty, named)
            elif sale_op_id is not None and not unknown:
                flags = self._against_sale(sale_op_id, sku, qty)
            if sale_op_id is not None:
                self.sale_returned[(sale_op_id, sku)] += qty
            lines.append(
                ModelReturnLine(sku, qty, str(line["reason"]), disposition, matched, flags)
            )
            self._units(op_id, sku, location, qty, disposition)
        recorded = ModelReturn(op_id, location, order_id, sale_op_id, lines, unknown)
        self.returns[op_id] = recorded
        self.figures["returns"] += 1
        self.figures[f"returns linked to {'an order' if order_id else 'a sale'}"] += bool(
            order_id or sale_op_id
        )
        self.figures["returned units set aside as damaged"] += sum(
            line.qty for line in lines if line.disposition == DAMAGED
        )
        for flag in sorted(recorded.flags):
            self.figures[f"returns flagged {flag}"] += 1
        self._check_recorded(op_id, recorded, body)

    def _against_order(
        self, order_id: str, sku: str, qty: int, named: int | None
    ) -> tuple[int | None, frozenset[str]]:
        """The order line a returned unit is linked to, and what did not match."""
        order = self.stock.orders[order_id]
        if named is not None:
            line = order.lines.get(int(named))
            if line is None or line[0] != sku:
                return None, frozenset({ReturnFlag.NOT_ON_ORDER.value})
            candidates = [int(named)]
        else:
            candidates = [n for n, line in sorted(order.lines.items()) if line[0] == sku]
            if not candidates:
                return None, frozenset({ReturnFlag.NOT_ON_ORDER.value})
            with_units = [n for n in candidates if self._left_on_line(order_id, n) > 0]
            candidates = with_units or candidates
        line_no = candidates[0]
        left = self._left_on_line(order_id, line_no)
        self.order_returned[(order_id, line_no)] += qty
        if qty > left:
            return line_no, frozenset({ReturnFlag.MORE_THAN_SOLD.value})
        return line_no, frozenset()

    def _left_on_line(self, order_id: str, line_no: int) -> int:
        _, qty, state = self.stock.orders[order_id].lines[line_no]
        fulfilled = int(qty) if state in FULFILLED_LINE_STATES else 0
        return fulfilled - self.order_returned[(order_id, line_no)]

    def _against_sale(self, sale_op_id: str, sku: str, qty: int) -> frozenset[str]:
        sale = self.sales[sale_op_id]
        if sku not in sale.lines:
            return frozenset({ReturnFlag.NOT_ON_ORDER.value})
        voided = sale.lines[sku] if sale.voided_by is not None else 0
        left = sale.lines[sku] - self.sale_returned[(sale_op_id, sku)] - voided
        if qty > left:
            return frozenset({ReturnFlag.MORE_THAN_SOLD.value})
        return frozenset()

    def _check_recorded(self, op_id: str, recorded: ModelReturn, body: dict[str, Any]) -> None:
        have = [
            (
                str(line["sku"]),
                int(line["qty"]),
                str(line["disposition"]),
                line.get("order_line_no"),
                frozenset(str(flag) for flag in line.get("flags", [])),
            )
            for line in body.get("lines", [])
        ]
        want = [
            (line.sku, line.qty, line.disposition, line.order_line_no, line.flags)
            for line in recorded.lines
        ]
        if have != want or set(body.get("flags", [])) != recorded.flags:
            raise CounterMismatch(
                f"return {op_id}: the ledger recorded lines {have} flagged "
                f"{sorted(body.get('flags', []))}; the model has {want} flagged "
                f"{sorted(recorded.flags)}"
            )

    # --- voids ------------------------------------------------------------------------------

    def _void(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        op_id, sale_op_id = str(op["op_id"]), str(op["sale_op_id"])
        sale = self.sales.get(sale_op_id)
        if sale is None:
            if status != NOT_FOUND:
                raise CounterMismatch(
                    f"void {op_id} of a sale the ledger does not know: answered {status} {body}"
                )
            self.figures["void_sale refused (not-found)"] += 1
            return
        if sale.voided_by is not None:
            self._refused(op, status, body, ALREADY_VOIDED)
            return
        if self.returns_naming[sale_op_id]:
            # Units of it came back: a void would give them back a second time.
            self._refused(op, status, body, INVALID_STATE)
            return
        self._expect(op, status, body, CREATED)
        for sku, qty in sorted(sale.lines.items()):
            self._units(op_id, sku, sale.location, qty, SELLABLE)
        sale.voided_by = op_id
        self.voids[sale_op_id] = op_id
        self.figures["voids"] += 1
        lines = {str(line["sku"]): int(line["qty"]) for line in body.get("lines", [])}
        if lines != sale.lines or body.get("location") != sale.location:
            raise CounterMismatch(
                f"void {op_id}: the ledger gave back {lines} at {body.get('location')}; the "
                f"sale was {sale.lines} at {sale.location}"
            )

    # --- dispositions -----------------------------------------------------------------------

    def _move(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        op_id, location = str(op["op_id"]), str(op["location"])
        lines = [
            (
                str(line["sku"]),
                int(line["qty"]),
                str(line.get("from_disposition") or SELLABLE),
                str(line["to_disposition"]),
            )
            for line in op["lines"]
        ]
        taken: Counter[tuple[str, str]] = Counter()
        for sku, qty, source, _ in lines:
            taken[(sku, source)] += qty
            if self.holds(sku, location, source) < taken[(sku, source)]:
                self._refused(op, status, body, NOT_ENOUGH)
                return
        self._expect(op, status, body, CREATED)
        for sku, qty, source, target in lines:
            self._move_units(op_id, sku, location, qty, source, target)
            self.figures["units put back on sale" if target == SELLABLE else f"units {target}"] += (
                qty
            )
        self.figures["disposition moves"] += 1

    def _write_off(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        op_id, location = str(op["op_id"]), str(op["location"])
        lines = [
            (str(line["sku"]), int(line["qty"]), str(line.get("disposition") or DAMAGED))
            for line in op["lines"]
        ]
        taken: Counter[tuple[str, str]] = Counter()
        for sku, qty, disposition in lines:
            taken[(sku, disposition)] += qty
            if self.holds(sku, location, disposition) < taken[(sku, disposition)]:
                self._refused(op, status, body, NOT_ENOUGH)
                return
        self._expect(op, status, body, CREATED)
        for sku, qty, disposition in lines:
            self._units(op_id, sku, location, -qty, disposition)
            if self.stock.on_hand[(sku, location)] < 0:
                self.stock.suspect.add((sku, location))
            self.figures["units written off"] += qty
        self.figures["write-offs"] += 1


_STATUS_OF = {ALREADY_VOIDED: 409, INVALID_STATE: 409, NOT_ENOUGH: 422}

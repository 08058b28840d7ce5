"""The counter's other half in the simulation: customers bring units back to any store, staff
void their own sales, set units aside (damaged, on display, in quarantine), put them back on
sale and write damaged ones off, each through the real storeapp services
(``CounterReturns``, ``SaleVoids``, ``StockSetAside``).

* ``CounterWorkload.act``: one counter action at a terminal. A return names a sale made earlier
  in the run at any store (by its receipt reference, the sale's op_id), or an order the network
  shipped or handed over (sometimes its line), or nothing; now and then a reference that does
  not match (a receipt or order of no one, an item not on it, more units than were sold), which
  the ledger must record and flag, never refuse. A quarter of the units come back damaged. A
  void takes back one of this terminal's own sales, now and then one a customer already
  returned (the ledger refuses it). Set-asides, put-backs and write-offs are drawn from what
  the terminal's cache shows; a stale cache makes the ledger refuse some (422).
* ``CounterWorkload.bring_back``: few orders reach their customers before the drain, so after
  it customers bring parcels back to any store, naming the order, and the stores drain again.
* Its fault points (``faults.COUNTER_POINTS``), counted per kind of action (``return``,
  ``void``, ``set_aside``) as ``<kind>.<point>``: the terminal dies at the action's local
  commit (``<kind>.before_commit``: nothing is queued), right after it (``after_commit``), or
  with the push carrying it in flight (``after_send``: the ledger gets it after the terminal is
  gone); the push carrying it loses its request (``request_lost``) or its reply
  (``reply_lost``: the ledger committed) or is delivered twice (``duplicated``). The six points
  come in turn, in an order the seed shuffles, whatever the kind of action: a seed's first six
  counter actions fail, one at each, so every seed meets all six; later actions fail now and
  then. Over many seeds, every point meets every kind.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError

from ordersync.contract import Disposition
from storeapp.cache.positions import local_position
from storeapp.services.sales import RecordedSale
from storeapp.services.set_aside import SetAsideRefused
from storeapp.services.voids import VoidRefused
from tests.simulation.counter_model import FULFILLED_LINE_STATES
from tests.simulation.faults import COUNTER_POINTS, Sent
from tests.simulation.store import SimulatedCrash, Terminal

if TYPE_CHECKING:
    from tests.simulation.harness import Simulation

_LOCAL = ("before_commit", "after_commit")
"""Points of the terminal alone; the others need a push to carry the operation."""
_FIRST = len(COUNTER_POINTS)
"""A seed's first counter actions always fail, one at each point."""
_ASIDE = (Disposition.DAMAGED, Disposition.DAMAGED, Disposition.DISPLAY, Disposition.QUARANTINE)


@dataclass(frozen=True)
class SoldHere:
    """A counter sale a terminal committed: what a customer's receipt names."""

    op_id: str
    location: str
    sku: str
    qty: int


class CounterWorkload:
    """Returns, voids and units set aside, driven by the simulation's seeded streams."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.sales: dict[str, SoldHere] = {}
        self.returned: Counter[str] = Counter()
        """Units customers brought back per sale (receipt reference) or order line."""
        self.voided: set[str] = set()
        self.order: list[str] = []
        self.turn = 0
        """The next fault point (an index into ``order``)."""
        self.taken = False
        """Whether the current action took a point (given back if nothing is committed)."""
        self.targets: dict[str, tuple[str, str]] = {}
        """op_id -> (the push fault waiting for the push that carries it, the terminal's name)."""
        self.done: Counter[str] = Counter()
        """What staff did (the ledger's side is in the oracle's figures)."""

    def figures(self) -> Counter[str]:
        if not hasattr(self.sim, "model"):
            return Counter()
        return +(self.done + self.sim.model.counter.figures)

    # --- what the rest of the workload tells it -----------------------------------------------

    def sold(self, terminal: Terminal, sale: RecordedSale) -> None:
        self.sales[str(sale.op_id)] = SoldHere(
            str(sale.op_id), terminal.location, sale.sku, sale.qty
        )

    def push_fault(self, sent: Sent) -> str | None:
        """The named fault for a push carrying an operation one was planned for, once."""
        if not self.targets or not self.sim.faults_on or not sent.url.endswith("/ops"):
            return None
        for op in json.loads(sent.content).get("ops", []):
            target = self.targets.pop(str(op.get("op_id")), None)
            if target is not None:
                return target[0]
        return None

    def waits_for_push(self, terminal: Terminal) -> bool:
        """Whether a fault waits for a push of ``terminal``'s (one whose operation reached the
        ledger some other way, a sync in a child process, waits no more)."""
        for op_id in [op_id for op_id in self.targets if op_id in self.sim.model.applied]:
            del self.targets[op_id]
        return any(owner == terminal.name for _, owner in self.targets.values())

    # --- fault points --------------------------------------------------------------------------

    def _point(self, kind: str, terminal: Terminal) -> str | None:
        """Where this action of ``kind`` fails (``<kind>.<point>``), if it does. The points come
        in turn, in an order the seed shuffles: a seed's first six counter actions fail, one at
        each point, so that every seed meets all six; later actions fail now and then."""
        sim = self.sim
        if not sim.faults_on:
            return None
        if not self.order:
            self.order = list(COUNTER_POINTS)
            sim.frng.shuffle(self.order)
        if self.turn >= _FIRST and sim.frng.random() >= 0.2 * sim.config.fault_rate:
            return None
        point = self.order[self.turn % len(self.order)]
        if point not in _LOCAL and not (terminal.online and sim.ledger.running):
            return None  # no push could carry it now: the point waits for a later action
        self.turn += 1
        self.taken = True
        return f"{kind}.{point}"

    def _arm(self, terminal: Terminal, point: str | None) -> None:
        """Before the action's commit: die at it, if that is the point."""
        if point is not None and point.endswith(".before_commit"):
            terminal.crash_on_commit = point

    def _after(self, terminal: Terminal, op_id: uuid.UUID, point: str | None) -> None:
        """After the action's commit: die now, or leave the fault for the push carrying it."""
        terminal.crash_on_commit = None
        if point is None:
            return
        if point.endswith(".after_commit"):
            raise SimulatedCrash(point)
        if not point.endswith(".before_commit"):
            self.targets[str(op_id)] = (point, terminal.name)

    # --- the action -----------------------------------------------------------------------------

    def act(self, terminal: Terminal) -> None:
        """One counter action at ``terminal`` (``SimulatedCrash`` may leave it anywhere)."""
        rng = self.sim.rng
        choices = [("set_aside", 20), ("put_back", 8), ("write_off", 8)]
        if terminal.location != "WH":
            choices += [("return", 40), ("void", 25)]
        action = rng.choices([a for a, _ in choices], [w for _, w in choices])[0]
        self.taken = False
        try:
            {
                "return": self._return,
                "void": self._void,
                "set_aside": self._set_aside,
                "put_back": self._put_back,
                "write_off": self._write_off,
            }[action](terminal)
        except OperationalError:
            self._give_back()  # the disk is full: nothing was committed
            raise
        except (SetAsideRefused, VoidRefused) as refusal:
            self._give_back()
            self.sim.refused_locally += 1
            self.done[f"{action} refused by the terminal"] += 1
            self.sim.trace(f"counter refused {terminal.name} {action} {refusal}")

    def _give_back(self) -> None:
        """Nothing was committed: the point the action took did not happen."""
        if self.taken:
            self.turn -= 1

    # --- returns --------------------------------------------------------------------------------

    def _return(self, terminal: Terminal) -> None:
        rng = self.sim.rng
        draw = rng.random()
        sku, qty = rng.choice(sorted(self.sim.gtins)), 1
        order_id: uuid.UUID | None = None
        line_no: int | None = None
        sale_op_id: uuid.UUID | None = None
        what, bought = "without a receipt", ""
        sales = [s for op, s in sorted(self.sales.items()) if op not in self.voided]
        orders = self._fulfilled_lines()
        if draw < 0.04:
            order_id, what = self._unknown_reference(), "of an order of no one"
        elif draw < 0.08:
            sale_op_id, what = self._unknown_reference(), "of a receipt of no one"
        elif draw < 0.4 and orders:
            order, number, sku, units = rng.choice(orders)
            order_id, what, bought = uuid.UUID(order), "of an order", f"{order}/{number}"
            line_no = number if rng.random() < 0.5 else None
            qty = max(1, min(rng.randint(1, 2), units - self.returned[bought]))
        elif draw < 0.8 and sales:
            sale = rng.choice(sales)
            sale_op_id, sku, what, bought = uuid.UUID(sale.op_id), sale.sku, "of a sale", sale.op_id
            qty = max(1, min(rng.randint(1, 2), sale.qty - self.returned[bought]))
            if rng.random() < 0.05:
                sku, what = rng.choice(sorted(self.sim.gtins)), "of a sale, maybe not that item"
        damaged = rng.random() < 0.25
        disposition = Disposition.DAMAGED if damaged else Disposition.SELLABLE
        reason = rng.choice(terminal.returns.reasons())
        point = self._point("return", terminal)
        self._arm(terminal, point)
        queued = terminal.returns.record(
            sku,
            qty,
            reason=reason,
            disposition=disposition,
            order_id=order_id,
            order_line_no=line_no,
            sale_op_id=sale_op_id,
        )
        if bought:
            self.returned[bought] += qty
        self.done["returns made"] += 1
        self.sim.trace(
            f"return {terminal.name} {queued.op_id} {qty} x {sku} {what} {disposition.value} "
            f"{point}"
        )
        self._after(terminal, queued.op_id, point)

    def _fulfilled_lines(self) -> list[tuple[str, int, str, int]]:
        """(order id, line no, sku, units) of every order line that reached its customer."""
        return [
            (order.id, number, str(line[0]), int(line[1]))
            for order in sorted(self.sim.model.orders.values(), key=lambda o: o.id)
            for number, line in sorted(order.lines.items())
            if line[2] in FULFILLED_LINE_STATES
        ]

    def bring_back(self, terminal: Terminal) -> None:
        """After the drain every order has reached its customer: some bring units back to this
        store, whichever shipped or handed them over, naming the order (and now and then its
        line); two customers may bring back the same line, more than it held."""
        rng = self.sim.rng
        if terminal.location == "WH":
            return
        for order, number, sku, units in self._fulfilled_lines():
            if rng.random() >= 0.06:
                continue
            key = f"{order}/{number}"
            qty = max(1, min(rng.randint(1, units), units - self.returned[key]))
            queued = terminal.returns.record(
                sku,
                qty,
                reason=rng.choice(terminal.returns.reasons()),
                disposition=Disposition.DAMAGED if rng.random() < 0.25 else Disposition.SELLABLE,
                order_id=uuid.UUID(order),
                order_line_no=number if rng.random() < 0.5 else None,
            )
            self.returned[key] += qty
            self.done["returns made after delivery"] += 1
            self.sim.trace(f"return {terminal.name} {queued.op_id} {qty} x {sku} of order {key}")

    def _unknown_reference(self) -> uuid.UUID:
        return uuid.UUID(int=self.sim.rng.getrandbits(128), version=4)

    # --- voids ----------------------------------------------------------------------------------

    def _void(self, terminal: Terminal) -> None:
        rng = self.sim.rng
        recent = [s for s in terminal.voids.recent() if not s.voided and not s.refused]
        mine = [s for s in recent if self.returned[str(s.op_id)] == 0]
        if not recent:
            return
        # Now and then a sale a customer already brought back: the ledger must refuse its void.
        sale = rng.choice(mine if mine and rng.random() < 0.9 else recent)
        point = self._point("void", terminal)
        self._arm(terminal, point)
        queued = terminal.voids.void(sale.op_id, "keyed by mistake")
        self.voided.add(str(sale.op_id))
        self.done["voids made"] += 1
        self.sim.trace(f"void {terminal.name} {queued.op_id} of {sale.op_id} {point}")
        self._after(terminal, queued.op_id, point)

    # --- units set aside ------------------------------------------------------------------------

    def _held(self, terminal: Terminal) -> dict[tuple[str, Disposition], int]:
        """What the terminal's cache shows per SKU and disposition (units on sale: those free)."""
        held: dict[tuple[str, Disposition], int] = {}
        with terminal.db.connect() as connection:
            for sku in sorted(self.sim.gtins):
                position = local_position(connection, sku, terminal.location)
                for disposition in Disposition:
                    held[(sku, disposition)] = position.movable(disposition)
        return held

    def _set_aside(self, terminal: Terminal) -> None:
        rng = self.sim.rng
        held = self._held(terminal)
        on_sale = [sku for (sku, d), n in sorted(held.items()) if d is Disposition.SELLABLE and n]
        # Now and then more than the cache shows: the terminal must refuse it.
        sku = rng.choice(on_sale) if on_sale and rng.random() < 0.9 else rng.choice(sorted(held))[0]
        self._move(terminal, sku, Disposition.SELLABLE, rng.choice(_ASIDE), "set_aside")

    def _aside(self, terminal: Terminal) -> list[tuple[str, Disposition]]:
        """(sku, disposition) of every unit set aside the terminal's cache shows."""
        return [
            (sku, disposition)
            for (sku, disposition), units in sorted(self._held(terminal).items())
            if disposition is not Disposition.SELLABLE and units > 0
        ]

    def _put_back(self, terminal: Terminal) -> None:
        aside = self._aside(terminal)
        if not aside:
            return
        sku, disposition = self.sim.rng.choice(aside)
        self._move(terminal, sku, disposition, Disposition.SELLABLE, "put_back")

    def _move(
        self,
        terminal: Terminal,
        sku: str,
        source: Disposition,
        target: Disposition,
        action: str,
    ) -> None:
        qty = self.sim.rng.choice((1, 1, 1, 2))
        point = self._point("set_aside", terminal)
        self._arm(terminal, point)
        queued = terminal.set_aside.move(sku, qty, to=target, from_=source)
        self.done[f"{action} made"] += 1
        self.sim.trace(
            f"{action} {terminal.name} {queued.op_id} {qty} x {sku} {source.value}->{target.value} "
            f"{point}"
        )
        self._after(terminal, queued.op_id, point)

    def _write_off(self, terminal: Terminal) -> None:
        aside = self._aside(terminal)
        if not aside:
            return
        sku, disposition = self.sim.rng.choice(aside)
        point = self._point("set_aside", terminal)
        self._arm(terminal, point)
        queued = terminal.set_aside.write_off(
            sku, 1, disposition=disposition, reason="beyond repair"
        )
        self.done["write_off made"] += 1
        self.sim.trace(
            f"write_off {terminal.name} {queued.op_id} 1 x {sku} {disposition.value} {point}"
        )
        self._after(terminal, queued.op_id, point)

"""The demo's counter on the evening before its anchor, at the Paris Rivoli store: units set aside
on the shop floor and customer returns, so the item screen shows units that are on hand but not
for sale, and the returns list and the return-rate report have something to show.

On the morning of that day two units of ``SHOWCASE`` are found damaged on the shelf and a third
goes on display in the window. Later two customers bring back a faulty bra: one ordered on the web
and shipped by the Haussmann store, one bought at Rivoli's own counter a few days before; both
returns are linked to what was sold and set aside as damaged, and the manager writes the two
returned units off that evening.

Nothing here changes a position's on-hand at the end of the day (units set aside stay on the
shelf; each returned unit leaves again by the write-off), so the stock stays exactly what the
history's generator tracked. ``plan_demo_counter`` is pure: the same network gives the same
steps, down to their ids and times. ``load_demo_counter`` applies them through the services, each
at its own moment; loading again finds each step's movements (or its return) already in the ledger
and leaves it alone, whatever the demo's user did with those units since.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import Engine

from ordersync.clock import ManualClock
from ordersync.contract import (
    CustomerReturn,
    Disposition,
    DispositionLine,
    DispositionMove,
    ReturnedLine,
    Role,
    WriteOff,
    WriteOffLine,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.writer import run_in_transaction
from ordersync.demo.history import DemoNetwork
from ordersync.demo.motion import SISTER, STORE
from ordersync.demo.network import PARIS, demo_principal
from ordersync.demo.orders import DEMO_ROUTING, DemoOrder
from ordersync.services.dispositions import move_disposition, write_off
from ordersync.services.returns import record_return

C = TypeVar("C", bound=BaseModel)

SHOWCASE = "BRA-ELO-NOIR-85B"
"""The item whose units the demo sets aside at Paris Rivoli (the README's example SKU)."""
DAMAGED_ON_SHELF = 2
ON_DISPLAY = 1
RETURN_REASON = "faulty"
# Fixed forever: changing it would give every counter step of a loaded demo a new id.
NAMESPACE = uuid.UUID("9a4e2c71-5b3d-5f08-a6c1-7e2d9b4f3a65")


@dataclass(frozen=True, slots=True)
class CounterStep:
    """One operation at the counter, at its moment."""

    name: str
    at: datetime
    command: DispositionMove | CustomerReturn | WriteOff

    @property
    def op_id(self) -> str:
        return str(self.command.op_id)


@dataclass(frozen=True)
class DemoCounter:
    steps: tuple[CounterStep, ...]

    def commands(self, kind: type[C]) -> list[C]:
        """The commands of one kind (set-asides, returns, write-offs), in order."""
        return [step.command for step in self.steps if isinstance(step.command, kind)]


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).astimezone(UTC)


def _showcase(network: DemoNetwork) -> str | None:
    """``SHOWCASE`` when the store holds it deep enough to spare the units set aside, else the
    store's deepest bra (another seed's demo); None when no bra is that deep."""
    wanted = 2 * (DAMAGED_ON_SHELF + ON_DISPLAY)
    shelf = {sku: qty for place, sku, qty in network.final_stock if place == STORE}
    if shelf.get(SHOWCASE, 0) >= wanted:
        return SHOWCASE
    deep = sorted(
        (-qty, sku) for sku, qty in shelf.items() if sku.startswith("BRA-") and qty >= wanted
    )
    return deep[0][1] if deep else None


def _web_order_from_sister(network: DemoNetwork, before: date) -> DemoOrder | None:
    """The last web order shipped by the Haussmann store before ``before``, of an item Paris
    Rivoli carries (its unit comes back there)."""
    carried = {sku for place, sku, _ in network.final_stock if place == STORE}
    shipped = [
        order
        for order in network.orders
        if order.channel == "web"
        and order.location == SISTER
        and order.day < before
        and order.steps[-1].action == "shipped"
        and order.sku in carried
    ]
    return shipped[-1] if shipped else None


def _counter_sale(network: DemoNetwork, before: date) -> tuple[uuid.UUID, str] | None:
    """(receipt reference, SKU) of a unit sold at Paris Rivoli's counter on its last day of
    sales before ``before``."""
    for demo_batch in reversed(network.batches):
        if demo_batch.location != STORE or demo_batch.day >= before:
            continue
        sold = sorted(line.sku for line in demo_batch.batch.lines if line.kind == "sale")
        if sold:
            return demo_batch.batch.op_id, sold[0]
    return None


class _Planner:
    def __init__(self, network: DemoNetwork) -> None:
        self.seed = network.seed
        self.anchor = network.anchor
        self.steps: list[CounterStep] = []

    def op_id(self, name: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"counter:{self.seed}:{self.anchor.isoformat()}:{name}")

    def set_aside(self, name: str, at: datetime, sku: str, qty: int, to: Disposition) -> None:
        reason = "found damaged on the shelf" if to is Disposition.DAMAGED else "in the window"
        command = DispositionMove(
            op_id=self.op_id(name),
            location=STORE,
            lines=[DispositionLine(sku=sku, qty=qty, to_disposition=to)],
            reason=reason,
            occurred_at=at,
        )
        self.steps.append(CounterStep(name, at, command))

    def take_back(
        self,
        name: str,
        at: datetime,
        sku: str,
        *,
        order_id: uuid.UUID | None = None,
        sale_op_id: uuid.UUID | None = None,
    ) -> None:
        line = ReturnedLine(
            sku=sku,
            qty=1,
            reason=RETURN_REASON,
            disposition=Disposition.DAMAGED,
            order_line_no=None if order_id is None else 1,
        )
        command = CustomerReturn(
            op_id=self.op_id(name),
            location=STORE,
            lines=[line],
            order_id=order_id,
            sale_op_id=sale_op_id,
            occurred_at=at,
        )
        self.steps.append(CounterStep(name, at, command))

    def write_off(self, name: str, at: datetime, units: Counter[str]) -> None:
        if not units:
            return
        command = WriteOff(
            op_id=self.op_id(name),
            location=STORE,
            lines=[
                WriteOffLine(sku=sku, qty=qty, disposition=Disposition.DAMAGED)
                for sku, qty in sorted(units.items())
            ],
            reason="returned faulty: not sold again",
            occurred_at=at,
        )
        self.steps.append(CounterStep(name, at, command))


def plan_demo_counter(network: DemoNetwork) -> DemoCounter:
    """The demo's counter operations for ``network``, in the order they happen."""
    plan = _Planner(network)
    eve = network.anchor - timedelta(days=1)
    showcase = _showcase(network)
    if showcase is not None:
        damaged, display = Disposition.DAMAGED, Disposition.DISPLAY
        plan.set_aside("damaged", _moment(eve, 10, 15), showcase, DAMAGED_ON_SHELF, damaged)
        plan.set_aside("display", _moment(eve, 10, 20), showcase, ON_DISPLAY, display)
    returned: Counter[str] = Counter()
    order = _web_order_from_sister(network, eve - timedelta(days=1))
    if order is not None:
        plan.take_back("web-return", _moment(eve, 11, 40), order.sku, order_id=order.op_id)
        returned[order.sku] += 1
    sale = _counter_sale(network, eve - timedelta(days=1))
    if sale is not None:
        sale_op_id, sku = sale
        plan.take_back("counter-return", _moment(eve, 16, 5), sku, sale_op_id=sale_op_id)
        returned[sku] += 1
    plan.write_off("write-off", _moment(eve, 19, 30), returned)
    return DemoCounter(tuple(plan.steps))


# --- through the services ----------------------------------------------------------------------


@dataclass
class CounterCounts:
    """What a load did with the counter's operations."""

    applied: int = 0
    found: int = 0
    """Already in the ledger (an earlier load): left alone."""


def _done(tx: LedgerTx, step: CounterStep) -> bool:
    if isinstance(step.command, CustomerReturn):
        query = "SELECT 1 FROM customer_returns WHERE id = :id"
    else:
        query = "SELECT 1 FROM movements WHERE op_id = :id"
    return tx.sql.first(query, {"id": step.op_id}) is not None


def _apply(tx: LedgerTx, step: CounterStep) -> None:
    command = step.command
    if isinstance(command, CustomerReturn):
        record_return(tx, demo_principal(STORE, Role.ASSOCIATE), command, DEMO_ROUTING)
    elif isinstance(command, DispositionMove):
        move_disposition(tx, demo_principal(STORE, Role.ASSOCIATE), command)
    else:
        write_off(tx, demo_principal(STORE, Role.MANAGER), command)


def _step_work(step: CounterStep) -> Callable[[LedgerTx], bool]:
    def work(tx: LedgerTx) -> bool:
        if _done(tx, step):
            return False
        _apply(tx, step)
        return True

    return work


def load_demo_counter(engine: Engine, counter: DemoCounter) -> CounterCounts:
    """Apply the counter's steps, each at its own moment; safe to run again."""
    counts = CounterCounts()
    for step in counter.steps:
        try:
            applied = run_in_transaction(engine, ManualClock(step.at), _step_work(step))
        except Exception as error:
            raise RuntimeError(f"demo counter step {step.name} was refused: {error}") from error
        if applied:
            counts.applied += 1
        else:
            counts.found += 1
    return counts

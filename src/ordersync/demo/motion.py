"""The demo network's stock in motion, on the evening before its anchor day: a supplier,
deliveries on their way to the Paris Rivoli store (one due today, a shipping notice from the Lyon
warehouse, one later) and to Lyon, a transfer from Paris Haussmann already on the road to Paris
Rivoli, and one Lyon asked Paris Rivoli for, waiting to be sent. So the Receive and Transfers
screens, the manager's day and the size grid's ``0 +N`` cells have something to show.

``plan_demo_motion`` is pure: the same network gives the same documents, down to their ids,
references and times, all placed from the anchor. ``load_demo_motion`` applies them through the
ordinary operations (``operation_work``, under ids derived from the seed and the anchor), each
at its own moment. Loading again finds each document already there (or moved on by the demo's
user: received, sent, called off) and leaves it alone.

What comes to Paris Rivoli is sizes it is out of, of the trending reference first (the most
demanded first), each on one document only; the transfers leave their source a unit or more.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import Engine

from ordersync.clock import ManualClock
from ordersync.contract import (
    DocumentLineIn,
    InboundDeliveryCreate,
    InboundKind,
    Role,
    ScannedLine,
    SourceKind,
    SupplierIn,
    TransferRequest,
    TransferShipment,
    TransferState,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.writer import run_in_transaction
from ordersync.demo.history import DemoNetwork
from ordersync.demo.network import PARIS, TRENDING, WAREHOUSE, build_catalog, demo_principal
from ordersync.domain.permissions import Principal
from ordersync.services.idempotency import Outcome
from ordersync.services.operations import PathKey, operation_work
from ordersync.services.suppliers import find_supplier, put_supplier

C = TypeVar("C", bound=BaseModel)

STORE = "PAR-01"
"""The store the demo opens on."""
SISTER = "PAR-02"
"""Sends Paris Rivoli the sizes it has on its shelves."""
ASKING = "LYO-01"
"""Asks Paris Rivoli for sizes Lyon is out of."""
SUPPLIER = "LISE-CHARMEL"
SUPPLIER_NAME = "Lise Charmel"
# Fixed forever: changing it would give every motion document of a loaded demo a new id.
NAMESPACE = uuid.UUID("3d0f5b7a-9c2e-5a41-8e6d-2b9c4f1a7e53")

_SENT_PER_SIZE = 1
_ASKED_PER_SIZE = 2


@dataclass(frozen=True, slots=True)
class MotionStep:
    """One operation of the demo's stock in motion, at its moment."""

    name: str
    at: datetime
    op: str
    principal: Principal
    command: BaseModel
    keys: Mapping[str, PathKey] = field(default_factory=dict)

    @property
    def op_id(self) -> str:
        return str(getattr(self.command, "op_id"))  # noqa: B009 - every command carries one


@dataclass(frozen=True)
class DemoMotion:
    supplier_at: datetime
    steps: tuple[MotionStep, ...]

    def commands(self, kind: type[C]) -> list[C]:
        """The commands of one kind (announcements, requests, shipments), in order."""
        return [step.command for step in self.steps if isinstance(step.command, kind)]

    def sent_units(self) -> dict[tuple[str, str], int]:
        """(location, SKU): units the sent transfers took off that location's shelf."""
        sources = {
            str(step.command.op_id): step.command.from_location
            for step in self.steps
            if isinstance(step.command, TransferRequest)
        }
        sent: dict[tuple[str, str], int] = defaultdict(int)
        for step in self.steps:
            if isinstance(step.command, TransferShipment):
                source = sources[str(step.keys["transfer_id"])]
                for line in step.command.lines:
                    sent[(source, line.sku)] += line.qty
        return dict(sent)


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).astimezone(UTC)


class _Stock:
    """The stock the network's history leaves at each location."""

    def __init__(self, network: DemoNetwork) -> None:
        self.final = {(location, sku): qty for location, sku, qty in network.final_stock}

    def on_hand(self, location: str, sku: str) -> int:
        return self.final.get((location, sku), 0)

    def out_of(self, location: str, sku: str) -> bool:
        """A size ``location`` carries and has none of."""
        return self.final.get((location, sku)) == 0


def _bras_by_demand() -> list[str]:
    """Every bra SKU: the trending reference first, then by the demand of its reference, then by
    its own demand."""
    catalog = [sku for sku in build_catalog() if sku.family == "bra"]
    demand: dict[str, float] = defaultdict(float)
    for sku in catalog:
        demand[sku.item.reference] += sku.weight
    catalog.sort(
        key=lambda sku: (
            sku.item.reference != TRENDING,
            -demand[sku.item.reference],
            -sku.weight,
            sku.item.sku,
        )
    )
    return [sku.item.sku for sku in catalog]


def _take(
    pool: list[str], wanted: int, fits: Callable[[str], bool] = lambda _sku: True
) -> list[str]:
    """Up to ``wanted`` SKUs of ``pool`` that fit, in order; they leave the pool."""
    taken = [sku for sku in pool if fits(sku)][:wanted]
    for sku in taken:
        pool.remove(sku)
    return taken


def _lines(skus: Iterable[str], qty: int) -> list[DocumentLineIn]:
    return [DocumentLineIn(sku=sku, qty=qty) for sku in skus]


class _Planner:
    def __init__(self, network: DemoNetwork) -> None:
        self.seed = network.seed
        self.anchor = network.anchor
        self.eve = network.anchor - timedelta(days=1)
        self.steps: list[MotionStep] = []

    def op_id(self, name: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"motion:{self.seed}:{self.anchor.isoformat()}:{name}")

    def announce(
        self,
        name: str,
        at: datetime,
        source: tuple[SourceKind, str],
        destination: str,
        window: tuple[datetime, datetime],
        lines: list[DocumentLineIn],
    ) -> None:
        if not lines:
            return
        source_kind, code = source
        kind = (
            InboundKind.PURCHASE_ORDER
            if source_kind is SourceKind.SUPPLIER
            else InboundKind.SHIPPING_NOTICE
        )
        prefix = "PO" if kind is InboundKind.PURCHASE_ORDER else "ASN"
        command = InboundDeliveryCreate(
            op_id=self.op_id(name),
            reference=f"{prefix}-{self.anchor:%y%m%d}-{name.upper()}",
            kind=kind,
            source_kind=source_kind,
            source=code,
            destination=destination,
            expected_from=window[0],
            expected_until=window[1],
            lines=lines,
        )
        principal = demo_principal(WAREHOUSE)
        self.steps.append(MotionStep(name, at, "announce_delivery", principal, command))

    def request(
        self,
        name: str,
        at: datetime,
        from_location: str,
        to_location: str,
        lines: list[DocumentLineIn],
    ) -> uuid.UUID | None:
        if not lines:
            return None
        command = TransferRequest(
            op_id=self.op_id(name),
            from_location=from_location,
            to_location=to_location,
            lines=lines,
        )
        asked_by = demo_principal(to_location, Role.MANAGER)
        self.steps.append(MotionStep(name, at, "request_transfer", asked_by, command))
        return command.op_id

    def send(
        self,
        name: str,
        at: datetime,
        transfer_id: uuid.UUID,
        source: str,
        lines: list[DocumentLineIn],
    ) -> None:
        command = TransferShipment(
            op_id=self.op_id(name),
            lines=[ScannedLine(sku=line.sku, qty=line.qty) for line in lines],
            occurred_at=at,
        )
        sender = demo_principal(source, Role.ASSOCIATE)
        step = MotionStep(name, at, "send_transfer", sender, command, {"transfer_id": transfer_id})
        self.steps.append(step)


def plan_demo_motion(network: DemoNetwork) -> DemoMotion:
    """The demo's documents in motion for ``network``, in the order they happen."""
    stock = _Stock(network)
    plan = _Planner(network)
    anchor, eve = plan.anchor, plan.eve
    bras = _bras_by_demand()
    missed = [sku for sku in bras if stock.out_of(STORE, sku)]
    trending = [sku for sku in bras if sku.startswith(f"{TRENDING}-")]

    # Yesterday morning Lyon asked for sizes Paris Rivoli holds deep: Paris Rivoli sends them.
    asked = sorted(
        (sku for sku in trending if stock.on_hand(STORE, sku) >= 2 * _ASKED_PER_SIZE),
        key=lambda sku: (stock.on_hand(ASKING, sku), -stock.on_hand(STORE, sku), bras.index(sku)),
    )[:2]
    plan.request("lyon-asks", _moment(eve, 10, 30), STORE, ASKING, _lines(asked, _ASKED_PER_SIZE))

    # Paris Rivoli asked its sister store for missed sizes; they left Haussmann last night.
    sister_has = _take(missed, 2, lambda sku: stock.on_hand(SISTER, sku) > _SENT_PER_SIZE)
    sister_lines = _lines(sister_has, _SENT_PER_SIZE)
    transfer = plan.request("from-haussmann", _moment(eve, 11, 15), SISTER, STORE, sister_lines)
    if transfer is not None:
        plan.send("haussmann-sends", _moment(eve, 20, 15), transfer, SISTER, sister_lines)

    supplier = (SourceKind.SUPPLIER, SUPPLIER)
    warehouse = (SourceKind.LOCATION, WAREHOUSE)
    announced = _moment(eve, 20, 30)
    plan.announce(
        "today",
        announced,
        supplier,
        STORE,
        (_moment(anchor, 13), _moment(anchor, 17)),
        _lines(_take(missed, 3), 3),
    )
    tomorrow = anchor + timedelta(days=1)
    plan.announce(
        "wh",
        announced + timedelta(minutes=1),
        warehouse,
        STORE,
        (_moment(tomorrow, 8), _moment(tomorrow, 12)),
        _lines(_take(missed, 2, lambda sku: stock.on_hand(WAREHOUSE, sku) >= 2), 2),
    )
    later = anchor + timedelta(days=3)
    plan.announce(
        "later",
        announced + timedelta(minutes=2),
        supplier,
        STORE,
        (_moment(later, 9), _moment(later, 12)),
        _lines(_take(missed, 3), 2),
    )
    lyon_short = sorted(
        (sku for sku in trending if sku not in asked),
        key=lambda sku: (stock.on_hand(ASKING, sku), bras.index(sku)),
    )[:3]
    in_two_days = anchor + timedelta(days=2)
    plan.announce(
        "lyon",
        announced + timedelta(minutes=3),
        supplier,
        ASKING,
        (_moment(in_two_days, 9), _moment(in_two_days, 13)),
        _lines(lyon_short, 3),
    )
    return DemoMotion(supplier_at=_moment(eve, 20), steps=tuple(plan.steps))


# --- through the services ----------------------------------------------------------------------


@dataclass
class MotionCounts:
    """What a load did with the motion's operations."""

    applied: int = 0
    found: int = 0
    """Already in the ledger (an earlier load, or moved on by the demo's user since): left alone."""


def _done(tx: LedgerTx, step: MotionStep) -> bool:
    """Whether the step's effect is already in the ledger (its document exists, or moved on)."""
    if step.op == "announce_delivery":
        query, key = "SELECT 1 FROM deliveries WHERE id = :id", step.op_id
    elif step.op == "request_transfer":
        query, key = "SELECT 1 FROM transfers WHERE id = :id", step.op_id
    else:
        query = "SELECT 1 FROM transfers WHERE id = :id AND state <> :requested"
        key = str(step.keys["transfer_id"])
    found = tx.sql.first(query, {"id": key, "requested": TransferState.REQUESTED.value})
    return found is not None


def _step_work(step: MotionStep) -> Callable[[LedgerTx], Outcome | None]:
    submit = operation_work(step.op, step.principal, step.command, context=None, **step.keys)

    def work(tx: LedgerTx) -> Outcome | None:
        # Looked at before the stored outcome: a demo folder loaded by an older version of this
        # plan holds its documents under the same ids, and asking again would be a mismatch.
        return None if _done(tx, step) else submit(tx)

    return work


def _put_supplier(tx: LedgerTx) -> None:
    if find_supplier(tx.sql, SUPPLIER) is None:
        put_supplier(tx, demo_principal(WAREHOUSE), SUPPLIER, SupplierIn(name=SUPPLIER_NAME))


def load_demo_motion(engine: Engine, motion: DemoMotion) -> MotionCounts:
    """Apply the motion's steps, each at its own moment; safe to run again."""
    run_in_transaction(engine, ManualClock(motion.supplier_at), _put_supplier)
    counts = MotionCounts()
    for step in motion.steps:
        outcome = run_in_transaction(engine, ManualClock(step.at), _step_work(step))
        if outcome is None:
            counts.found += 1
        elif outcome.status >= 400:
            raise RuntimeError(f"demo motion {step.name} was refused: {outcome.body}")
        else:
            counts.applied += 1
    return counts

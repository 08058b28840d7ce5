"""The demo network's orders over its last three weeks, so the fulfilment figures have something
to show: web orders shipped from stores and from the warehouse, orders placed in a store for a
customer it could not serve, click & collect, and a few short picks.

``DemoOrderPlanner`` is pure and seeded (its own random stream, so the movement history is the
same with or without it). Each order is planned at one location and goes through the ordinary
services at the hours it happens, in time order with the day's movement batches, so
``position_days`` close each day on the right stock.

Two things keep the demo's stock exactly what its generator tracked. Each order's units are
received at its location just before the order is placed (net effect on the shelf: none), and
orders are routed under ``DEMO_ROUTING``, which only asks locations within a kilometre of the
customer: the customer lives next to the location the order was planned for. A short-picked line
finds no other location, becomes unfulfillable, and the count taken that evening finds the unit
missing, which takes the received unit back out.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import Engine

from ordersync.clock import ManualClock
from ordersync.contract import (
    Channel,
    CountIn,
    JobStateName,
    JobTransition,
    LineRejection,
    LocationIn,
    LocationKind,
    MovementBatch,
    OrderCreate,
    ReceiptLine,
    RejectReason,
    Role,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.writer import run_in_transaction
from ordersync.demo.network import PARIS, demo_principal
from ordersync.domain.routing import RoutingPolicy
from ordersync.services.counts import record_count
from ordersync.services.job_creation import job_id_for
from ordersync.services.jobs import reject_line, transition_job
from ordersync.services.movements import apply_movements
from ordersync.services.orders import place_order
from ordersync.services.routing_policy import PolicyDocument, Promise

ORDER_DAYS = 21
"""Orders are planned over this many last days of the history (not on Sundays)."""
DEMO_ROUTING = PolicyDocument(RoutingPolicy(max_distance_km=1.0), Promise())
NAMESPACE = uuid.UUID("0b6f8f0e-3c1d-5a2e-9f47-d1e2c3b4a596")

_ORDERS_A_STORE_TAKES = (0, 1, 2)
_HOW_OFTEN = (0.62, 0.32, 0.06)
"""A store that ships web orders gets none on most days, one on a third of them, now and then 2."""
_SHORT_PICK = 0.07
_CUSTOMERS = (
    "Camille Martin",
    "Léa Bernard",
    "Chloé Dubois",
    "Manon Thomas",
    "Inès Robert",
    "Sarah Richard",
    "Julie Petit",
    "Emma Durand",
    "Louise Leroy",
    "Alice Moreau",
)

Action = Literal[
    "place", "picking", "picked", "packed", "shipped", "ready", "collected", "reject", "count"
]


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    action: Action


@dataclass(frozen=True, slots=True)
class DemoOrder:
    op_id: uuid.UUID
    day: date
    location: str
    """Where it is picked."""
    sku: str
    qty: int
    channel: Literal["web", "store"]
    placed_by: str
    collect: bool
    latitude: float
    longitude: float
    town: str
    customer: str
    steps: tuple[Step, ...]


def _moment(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC) + timedelta(minutes=minutes)


class DemoOrderPlanner:
    """Plans each day's orders from the stock the generator tracks that morning."""

    def __init__(self, seed: int, locations: Sequence[LocationIn]) -> None:
        self.seed = seed
        self.rng = random.Random(f"demo-orders:{seed}")
        self.places = [loc for loc in locations if loc.fulfils_web_orders]
        self.stores = [loc.code for loc in locations if loc.kind is LocationKind.STORE]
        self.count = 0

    def plan_day(
        self,
        day: date,
        stock: Mapping[str, Mapping[str, int]],
        weight: Mapping[str, float],
    ) -> list[DemoOrder]:
        if day.weekday() == 6:
            return []
        orders = []
        for place in self.places:
            if place.kind is LocationKind.WAREHOUSE:
                wanted = self.rng.randint(1, 2)
            else:
                wanted = self.rng.choices(_ORDERS_A_STORE_TAKES, weights=_HOW_OFTEN)[0]
            shelf = stock.get(place.code, {})
            skus = sorted(s for s, n in shelf.items() if n >= place.default_safety_stock)
            for _ in range(wanted if skus else 0):
                sku = self.rng.choices(skus, weights=[weight[s] for s in skus])[0]
                orders.append(self._order(day, place, sku))
        return orders

    def _order(self, day: date, place: LocationIn, sku: str) -> DemoOrder:
        rng = self.rng
        self.count += 1
        kind = rng.random()
        is_store = place.kind is LocationKind.STORE
        collect = is_store and kind < 0.2
        channel: Literal["web", "store"] = "store" if is_store and 0.2 <= kind < 0.35 else "web"
        placed_by = place.code
        if channel == "store":
            placed_by = rng.choice([code for code in self.stores if code != place.code])
        placed = 9 * 60 + rng.randint(30, 210)
        picking = placed + rng.randint(15, 90)
        steps: list[Step] = [
            Step(_moment(day, placed), "place"),
            Step(_moment(day, picking), "picking"),
        ]
        if rng.random() < _SHORT_PICK:
            steps.append(Step(_moment(day, picking + rng.randint(5, 20)), "reject"))
            steps.append(Step(_moment(day, 17 * 60 + rng.randint(0, 30)), "count"))
        elif collect:
            picked = picking + rng.randint(10, 30)
            ready = picked + rng.randint(5, 15)
            collected = max(ready + 30, 15 * 60 + rng.randint(30, 165))
            steps += [
                Step(_moment(day, picked), "picked"),
                Step(_moment(day, ready), "ready"),
                Step(_moment(day, collected), "collected"),
            ]
        else:
            picked = picking + rng.randint(10, 40)
            packed = picked + rng.randint(5, 25)
            shipped = max(packed + 20, 15 * 60 + rng.randint(0, 150))
            steps += [
                Step(_moment(day, picked), "picked"),
                Step(_moment(day, packed), "packed"),
                Step(_moment(day, shipped), "shipped"),
            ]
        town = place.name.split()[-1] if place.kind is LocationKind.WAREHOUSE else place.name
        return DemoOrder(
            op_id=uuid.uuid5(NAMESPACE, f"{self.seed}:{day.isoformat()}:{self.count}"),
            day=day,
            location=place.code,
            sku=sku,
            qty=1 if rng.random() < 0.9 else 2,
            channel=channel,
            placed_by=placed_by,
            collect=collect,
            latitude=round(place.latitude + rng.uniform(-0.004, 0.004), 5),
            longitude=round(place.longitude + rng.uniform(-0.004, 0.004), 5),
            town=town,
            customer=rng.choice(_CUSTOMERS),
            steps=tuple(steps),
        )


# --- through the services ----------------------------------------------------------------------


def _step_id(order: DemoOrder, action: str) -> uuid.UUID:
    return uuid.uuid5(order.op_id, action)


def _job_id(order: DemoOrder) -> str:
    return job_id_for(str(order.op_id), order.location, "first")


def _job_state(tx: LedgerTx, order: DemoOrder) -> str | None:
    row = tx.sql.first("SELECT state FROM jobs WHERE id = :id", {"id": _job_id(order)})
    return None if row is None else str(row[0])


def _place(order: DemoOrder, tx: LedgerTx) -> None:
    if tx.sql.first("SELECT 1 FROM orders WHERE id = :id", {"id": str(order.op_id)}):
        return
    admin = demo_principal(order.location)
    receipt = ReceiptLine(kind="receipt", sku=order.sku, location=order.location, qty=order.qty)
    apply_movements(tx, admin, MovementBatch(op_id=_step_id(order, "receipt"), lines=[receipt]))
    delivery: dict[str, Any] = (
        {"kind": "collect", "collect_at": order.location}
        if order.collect
        else {
            "kind": "home",
            "address": f"{order.town}",
            "latitude": order.latitude,
            "longitude": order.longitude,
        }
    )
    command = OrderCreate.model_validate(
        {
            "op_id": order.op_id,
            "channel": order.channel,
            "lines": [{"sku": order.sku, "qty": order.qty}],
            "customer": {"name": order.customer},
            "delivery": delivery,
        }
    )
    placer = (
        demo_principal(order.placed_by, Role.MANAGER)
        if command.channel is Channel.STORE
        else demo_principal(order.placed_by)
    )
    place_order(tx, placer, command, DEMO_ROUTING)


_BEFORE = {
    "picking": "assigned",
    "picked": "picking",
    "packed": "picked",
    "shipped": "packed",
    "ready": "picked",
    "collected": "ready",
}


def _transition(order: DemoOrder, action: str, tx: LedgerTx) -> None:
    if _job_state(tx, order) != _BEFORE[action]:
        return
    extra: dict[str, Any] = {}
    if action == "packed":
        extra = {"parcels": 1, "weight_grams": 180 * order.qty + 120}
    elif action == "shipped":
        extra = {"tracking": f"DEMO{order.op_id.hex[:10].upper()}"}
    command = JobTransition(op_id=_step_id(order, action), to=JobStateName(action), **extra)
    transition_job(tx, demo_principal(order.location), _job_id(order), command, DEMO_ROUTING)


def _reject(order: DemoOrder, tx: LedgerTx) -> None:
    if _job_state(tx, order) not in ("assigned", "picking"):
        return
    command = LineRejection(op_id=_step_id(order, "reject"), reason=RejectReason.NOT_FOUND)
    reject_line(tx, demo_principal(order.location), _job_id(order), 1, command, DEMO_ROUTING)


def _count(order: DemoOrder, tx: LedgerTx) -> None:
    """The evening count finds the short-picked units missing."""
    position = tx.position(order.sku, order.location)
    if position is None or not position.suspect:
        return
    command = CountIn(
        op_id=_step_id(order, "count"),
        sku=order.sku,
        location=order.location,
        counted=max(0, position.stock.on_hand - order.qty),
        as_of_seq=tx.head(),
    )
    record_count(tx, demo_principal(order.location), command)


def _work(order: DemoOrder, step: Step) -> Callable[[LedgerTx], None]:
    if step.action == "place":
        return lambda tx: _place(order, tx)
    if step.action == "reject":
        return lambda tx: _reject(order, tx)
    if step.action == "count":
        return lambda tx: _count(order, tx)
    return lambda tx: _transition(order, step.action, tx)


def load_orders(engine: Engine, orders: Sequence[DemoOrder], done: set[str]) -> int:
    """Apply the steps of ``orders`` in time order, each at its own hour; the orders whose ids
    are in ``done`` (loaded before, and ended) are left alone. Answers how many were placed."""
    pending = [order for order in orders if str(order.op_id) not in done]
    steps = sorted(
        ((step.at, index, step) for index, order in enumerate(pending) for step in order.steps),
        key=lambda entry: (entry[0], entry[1]),
    )
    for at, index, step in steps:
        run_in_transaction(engine, ManualClock(at), _work(pending[index], step))
    return len(pending)

"""The oracle: what the ledger must hold, rebuilt from the operations it applied, in its order.

The simulation delivers one request at a time, so the order in which the ledger first applies
operations is known: the harness hands the model each first application with the ledger's
answer. The model predicts that answer from its own state and the ledger's rules, and the run
fails at the first difference:

* a counter sale or a receipt is always accepted, and moves on hand by its quantity;
* an order is placed only where every line can be served without overselling (available =
  on hand - units set aside - reserved - safety stock) from a position whose record is not
  suspect, from one location when one can serve it all, from the collection store's own shelf
  when it holds everything; it is refused only when some line cannot be served anywhere;
* a position becomes suspect when units leaving it (a sale, a shipment, a write-off) take it
  below zero, when a short pick finds its units missing (or damaged units it did not hold on
  sale), or when a send takes more than its free units on sale; a count clears it;
* a job moves only along its state machine and only from the state the device saw; shipping
  and handing over turn each line's hold into a movement, cancelling gives the units back, a
  shipped parcel for collection opens a handover job at the collection store;
* a short pick gives the units back and routes the line again, never to a location that already
  failed it, or marks it unfulfillable when nowhere else can serve it; a damaged unit's short
  pick sets the line's units aside as damaged.

Which of several valid locations routing picks is the ledger's choice (distance, stock depth,
load); the model checks the choice is valid and takes it. Deliveries and transfers have rules
of their own (``motion_model``), on the same stock, and so do returns, voids and units set aside
(``counter_model``), who holds a job, takeovers and no-shows (``fulfilment_model``), and
offers to several locations, their claims and their expiry (``offers_model``). A
count counts the units on sale: it takes the ledger's figures (expected at the count, moved
since) and checks their arithmetic against them. Every reservation ends once:
ending one twice is a failure here, whatever the ledger says.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ordersync.contract import RejectReason
from tests.simulation.counter_model import COUNTER_OPS, CounterMismatch, CounterModel
from tests.simulation.fulfilment_model import (
    FULFILMENT_OPS,
    HELD_STEPS,
    FulfilmentMismatch,
    FulfilmentModel,
)
from tests.simulation.motion_model import MOTION_OPS, MotionMismatch, MotionModel
from tests.simulation.offers_model import (
    OFFER_OPS,
    OfferMismatch,
    OffersModel,
    Placement,
    decided_offers,
    offer_id_for,
)

UNFULFILLABLE = "urn:ordersync:problem:order-unfulfillable"
INVALID_STATE = "urn:ordersync:problem:invalid-state"
STALE_COUNT = "urn:ordersync:problem:stale-count"
FINAL_JOB_STATES = frozenset({"shipped", "collected", "cancelled", "rejected"})
FINAL_LINE_STATES = frozenset({"shipped", "collected", "cancelled", "unfulfillable"})
_NEXT = {
    "ship": {
        "assigned": {"picking"},
        "picking": {"picked"},
        "picked": {"packed", "cancelled"},
        "packed": {"shipped"},
    },
    "collect": {
        "assigned": {"picking"},
        "picking": {"picked"},
        "picked": {"ready", "cancelled"},
        "ready": {"collected", "cancelled"},
    },
}
_LINE_END = {"shipped": "shipped", "collected": "collected", "cancelled": "cancelled"}


class ModelMismatch(AssertionError):
    """The ledger did something its rules (as the model keeps them) do not allow."""


@dataclass
class Hold:
    id: str
    sku: str
    location: str
    qty: int
    state: str = "pending"
    ended_by: str | None = None


@dataclass
class JobLine:
    line_no: int
    order_line_no: int
    sku: str
    qty: int
    reservation_id: str
    state: str = "open"


@dataclass
class ModelJob:
    id: str
    order_id: str
    location: str
    kind: str
    state: str
    destination: str | None
    lines: dict[int, JobLine]


@dataclass
class ModelOrder:
    id: str
    collect_at: str | None
    lines: dict[int, list[Any]]
    """line_no -> [sku, qty, state]."""
    state: str = "open"


@dataclass
class Applied:
    op_id: str
    kind: str
    status: int
    body: dict[str, Any]
    owner: str


def job_id_for(order_id: str, location: str, attempt: str) -> str:
    return str(uuid.uuid5(uuid.UUID(order_id), f"job:{location}:{attempt}"))


def hold_id_for(job_id: str, number: int) -> str:
    return str(uuid.uuid5(uuid.UUID(job_id), f"line:{number}"))


def _without_instance(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "instance"}


@dataclass
class LedgerModel:
    locations: list[str]
    safety: dict[str, int]
    on_hand: Counter[tuple[str, str]] = field(default_factory=Counter)
    reserved: Counter[tuple[str, str]] = field(default_factory=Counter)
    holds: dict[str, Hold] = field(default_factory=dict)
    jobs: dict[str, ModelJob] = field(default_factory=dict)
    orders: dict[str, ModelOrder] = field(default_factory=dict)
    applied: dict[str, Applied] = field(default_factory=dict)
    movements: Counter[str] = field(default_factory=Counter)
    """Movement rows each operation must have written."""
    final_transitions: Counter[str] = field(default_factory=Counter)
    """Successful transitions of each job to a final state (at most one)."""
    suspect: set[tuple[str, str]] = field(default_factory=set)
    """Positions whose record is suspect until counted: routing leaves them out."""
    motion: MotionModel = field(init=False)
    """Deliveries and transfers (``motion_model``), on the same stock."""
    counter: CounterModel = field(init=False)
    """Returns, voids and units set aside (``counter_model``), on the same stock."""
    fulfilment: FulfilmentModel = field(init=False)
    """Who holds each job, takeovers and no-shows (``fulfilment_model``), on the same jobs."""
    offers: OffersModel = field(init=False)
    """Offers, their claims and their expiry (``offers_model``), on the same orders and stock."""

    def __post_init__(self) -> None:
        self.motion = MotionModel(self)
        self.counter = CounterModel(self)
        self.fulfilment = FulfilmentModel(self)
        self.offers = OffersModel(self)

    # --- reading ----------------------------------------------------------------------------

    def available(self, sku: str, location: str) -> int:
        key = (sku, location)
        unavailable = self.counter.unavailable[key]
        return self.on_hand[key] - unavailable - self.reserved[key] - self.safety.get(location, 0)

    def routable(self, sku: str, location: str, qty: int) -> bool:
        """Whether routing may send ``qty`` units of ``sku`` from ``location``."""
        return (sku, location) not in self.suspect and self.available(sku, location) >= qty

    def can_serve(self, location: str, lines: list[tuple[str, int]]) -> bool:
        return all(self.routable(sku, location, qty) for sku, qty in lines)

    def open_jobs(self) -> list[ModelJob]:
        return [job for job in self.jobs.values() if job.state not in FINAL_JOB_STATES]

    # --- applying ---------------------------------------------------------------------------

    def replay(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        """A later copy of an applied operation: the first outcome, unchanged."""
        op_id = str(op["op_id"])
        first = self.applied.get(op_id)
        if first is None:
            raise ModelMismatch(f"{op_id} replayed, but no first application was seen")
        if first.status != status or _without_instance(first.body) != _without_instance(body):
            raise ModelMismatch(
                f"{op_id} replayed with another outcome: first {first.status} "
                f"{_without_instance(first.body)}, now {status} {_without_instance(body)}"
            )

    def apply(self, op: dict[str, Any], status: int, body: dict[str, Any], owner: str) -> None:
        op_id = str(op["op_id"])
        if op_id in self.applied:
            raise ModelMismatch(f"{op_id} applied a second time (status {status})")
        kind = str(op["op"])
        if kind in MOTION_OPS or kind in COUNTER_OPS:
            try:
                (self.motion if kind in MOTION_OPS else self.counter).apply(op, status, body)
            except (MotionMismatch, CounterMismatch) as mismatch:
                raise ModelMismatch(str(mismatch)) from mismatch
            self.applied[op_id] = Applied(op_id, kind, status, body, owner)
            self._check_positions(op_id, list(body.get("positions", [])))
            return
        try:
            if kind in OFFER_OPS:
                self.offers.apply(op, status, body, owner)
                self.applied[op_id] = Applied(op_id, kind, status, body, owner)
                return
            if kind in FULFILMENT_OPS or (
                kind in HELD_STEPS and self.fulfilment.refuses(op, status, body, owner)
            ):
                if kind in FULFILMENT_OPS:
                    self.fulfilment.apply(op, status, body, owner)
                self.applied[op_id] = Applied(op_id, kind, status, body, owner)
                return
        except (FulfilmentMismatch, OfferMismatch) as mismatch:
            raise ModelMismatch(str(mismatch)) from mismatch
        handler = {
            "movements": self._movements,
            "count": self._count,
            "order": self._order,
            "job_transition": self._transition,
            "reject_line": self._reject,
        }.get(kind)
        if handler is None:
            raise ModelMismatch(f"the simulation sends no {kind} operation ({op_id})")
        try:
            handler(op, status, body)
        except OfferMismatch as mismatch:
            raise ModelMismatch(str(mismatch)) from mismatch
        if kind == "job_transition":
            try:
                self.fulfilment.stepped(op, status, body, owner)
            except FulfilmentMismatch as mismatch:
                raise ModelMismatch(str(mismatch)) from mismatch
        self.applied[op_id] = Applied(op_id, kind, status, body, owner)

    @staticmethod
    def _expect(op: dict[str, Any], status: int, body: dict[str, Any], want: int) -> None:
        if status != want:
            raise ModelMismatch(
                f"{op['op']} {op['op_id']}: the ledger answered {status}, the model expects "
                f"{want}: {body}"
            )

    def _check_positions(self, op_id: str, positions: list[dict[str, Any]]) -> None:
        for position in positions:
            key = (str(position["sku"]), str(position["location"]))
            have = (
                position["on_hand"],
                position["reserved"],
                position.get("unavailable", 0),
                position.get("dispositions", {}),
                position["suspect"],
            )
            want = (
                self.on_hand[key],
                self.reserved[key],
                self.counter.unavailable[key],
                self.counter.dispositions(key),
                key in self.suspect,
            )
            if have != want:
                raise ModelMismatch(
                    f"{op_id}: the ledger reports {key} at (on hand, reserved, unavailable, "
                    f"set aside, suspect) {have}; the model has {want}"
                )

    def _movements(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        self._expect(op, status, body, 201)
        sold: Counter[tuple[str, str]] = Counter()
        for line in op["lines"]:
            key = (str(line["sku"]), str(line["location"]))
            if line["kind"] == "sale":
                self.on_hand[key] -= int(line["qty"])
                sold[key] += int(line["qty"])
                if self.on_hand[key] < 0:
                    self.suspect.add(key)
            elif line["kind"] == "receipt":
                self.on_hand[key] += int(line["qty"])
            else:
                raise ModelMismatch(f"the simulation sends no {line['kind']} line")
            self.movements[str(op["op_id"])] += 1
        for location in {location for _, location in sold}:
            lines = {sku: qty for (sku, at), qty in sold.items() if at == location}
            self.counter.sold(str(op["op_id"]), location, lines)
        self._check_positions(str(op["op_id"]), list(body.get("positions", [])))

    def _count(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        if status == 409 and body.get("type") == STALE_COUNT:
            return
        self._expect(op, status, body, 201)
        key = (str(op["sku"]), str(op["location"]))
        # A count counts the units on sale; those set aside are not on the shelf it counts.
        before = self.on_hand[key] - self.counter.unavailable[key]
        expected, moved, delta = (
            int(body["expected_at_count"]),
            int(body["moved_since_count"]),
            int(body["delta"]),
        )
        if expected + moved != before or delta != int(op["counted"]) - expected:
            raise ModelMismatch(
                f"count {op['op_id']}: {before} on sale before it, the ledger says expected "
                f"{expected} at the count, {moved} moved since, delta {delta} for "
                f"{op['counted']} counted"
            )
        self.on_hand[key] += delta
        self.suspect.discard(key)
        if delta:
            self.movements[str(op["op_id"])] += 1
        self._check_positions(str(op["op_id"]), [body["position"]])

    # --- orders and routing -----------------------------------------------------------------

    def _order(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        order_id = str(op["op_id"])
        lines = [(n, str(line["sku"]), int(line["qty"])) for n, line in enumerate(op["lines"], 1)]
        collect_at = op["delivery"].get("collect_at")
        can_be_served = all(
            any(self.routable(sku, loc, qty) for loc in self.locations) for _, sku, qty in lines
        )
        if not can_be_served:
            if status != 409 or body.get("type") != UNFULFILLABLE:
                raise ModelMismatch(
                    f"order {order_id}: some line cannot be served anywhere, yet the ledger "
                    f"answered {status}: {body}"
                )
            return
        self._expect(op, status, body, 201)
        jobs = [
            (
                str(job["location"]),
                [(int(n["order_line_no"]), str(n["sku"]), int(n["qty"])) for n in job["lines"]],
            )
            for job in body["jobs"]
        ]
        offers = decided_offers(body)
        # An offer stands where its best placed location would have served it.
        places = [
            *jobs,
            *((str(o["locations"][0]), [(int(n), "", 0) for n in o["lines"]]) for o in offers),
        ]
        served: dict[int, str] = {}
        for location, job_lines in places:
            for n, _, _ in job_lines:
                if n in served:
                    raise ModelMismatch(f"order {order_id}: line {n} twice")
                served[n] = location
        if sorted(served) != [n for n, _, _ in lines]:
            raise ModelMismatch(f"order {order_id}: lines served {sorted(served)} of {lines}")
        whole = [
            loc for loc in self.locations if self.can_serve(loc, [(s, q) for _, s, q in lines])
        ]
        if whole and len(places) != 1:
            raise ModelMismatch(
                f"order {order_id}: {whole} could serve it whole, the ledger split it over "
                f"{[location for location, _ in places]}"
            )
        if collect_at in whole and (offers or jobs[0][0] != collect_at):
            raise ModelMismatch(
                f"order {order_id}: the collection store {collect_at} holds every line, the "
                f"ledger sends it from {places[0][0]}"
            )
        order = ModelOrder(order_id, collect_at, {n: [sku, qty, "routed"] for n, sku, qty in lines})
        if op.get("channel") == "web":
            self.offers.competitive.add(order_id)
        self.offers.check_placement(
            order, Placement(jobs, offers), frozenset(), f"order {order_id}"
        )
        self.orders[order_id] = order
        for (location, job_lines), job in zip(jobs, body["jobs"], strict=True):
            self.open_job(order, location, "first", job_lines, str(job["id"]))
        self.offers.made(order, offers, "first", 1)

    def open_job(
        self,
        order: ModelOrder,
        location: str,
        attempt: str,
        lines: list[tuple[int, str, int]],
        reported_id: str | None,
    ) -> ModelJob:
        job_id = job_id_for(order.id, location, attempt)
        if reported_id is not None and reported_id != job_id:
            raise ModelMismatch(f"job at {location} of {order.id} is {reported_id}, not {job_id}")
        if job_id in self.jobs:
            raise ModelMismatch(f"job {job_id} created twice")
        for _, sku, qty in lines:
            if self.available(sku, location) < qty:
                raise ModelMismatch(
                    f"oversell: {qty} of {sku} reserved at {location} for {order.id} with only "
                    f"{self.available(sku, location)} available"
                )
        kind = "collect" if location == order.collect_at else "ship"
        job = ModelJob(
            job_id,
            order.id,
            location,
            kind,
            "assigned",
            None if kind == "collect" else order.collect_at,
            {},
        )
        for number, (order_line_no, sku, qty) in enumerate(lines, 1):
            hold = Hold(hold_id_for(job_id, number), sku, location, qty)
            self.holds[hold.id] = hold
            self.reserved[(sku, location)] += qty
            job.lines[number] = JobLine(number, order_line_no, sku, qty, hold.id)
        self.jobs[job_id] = job
        return job

    def _end_hold(self, hold_id: str, state: str, op_id: str) -> Hold:
        hold = self.holds[hold_id]
        if hold.state != "pending":
            raise ModelMismatch(
                f"reservation {hold_id} ended twice: {hold.state} by {hold.ended_by}, then "
                f"{state} by {op_id}"
            )
        hold.state, hold.ended_by = state, op_id
        self.reserved[(hold.sku, hold.location)] -= hold.qty
        return hold

    def close_order_if_done(self, order: ModelOrder) -> None:
        states = [line[2] for line in order.lines.values()]
        if any(state in ("routed", "in_transit", "offered") for state in states):
            return
        order.state = "follow_up" if "unfulfillable" in states else "closed"

    # --- jobs -------------------------------------------------------------------------------

    def _job_of(self, op: dict[str, Any]) -> ModelJob:
        job = self.jobs.get(str(op["job_id"]))
        if job is None:
            raise ModelMismatch(f"{op['op']} {op['op_id']} names job {op['job_id']} never created")
        return job

    def _refused_state(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        if status != 409 or body.get("type") != INVALID_STATE:
            raise ModelMismatch(
                f"{op['op']} {op['op_id']} must be refused (invalid state), the ledger answered "
                f"{status}: {body}"
            )

    def _transition(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        job = self._job_of(op)
        target = str(op["to"])
        seen = op.get("from_state")
        if (seen is not None and seen != job.state) or target not in _NEXT[job.kind].get(
            job.state, set()
        ):
            self._refused_state(op, status, body)
            return
        self._expect(op, status, body, 200)
        op_id = str(op["op_id"])
        job.state = target
        if target in _LINE_END:
            self.final_transitions[job.id] += 1
            self.settle(job, target, op_id)
        if body.get("state") != target:
            raise ModelMismatch(f"{op_id}: job {job.id} is {body.get('state')}, not {target}")

    def settle(self, job: ModelJob, target: str, op_id: str) -> None:
        """End the job's open lines as ``target`` does (by ``op_id``: a step or a no-show)."""
        order = self.orders[job.order_id]
        to_store = job.destination if target == "shipped" else None
        for line in job.lines.values():
            if line.state != "open":
                continue
            key = (line.sku, job.location)
            if not line.reservation_id:
                if target == "cancelled":
                    self.on_hand[key] += line.qty
                    self.movements[op_id] += 1
            elif target == "cancelled":
                self._end_hold(line.reservation_id, "released", op_id)
            else:
                self._end_hold(line.reservation_id, "committed", op_id)
                self.on_hand[key] -= line.qty
                self.movements[op_id] += 1
                if self.on_hand[key] < 0:
                    self.suspect.add(key)
            line.state = _LINE_END[target]
            order.lines[line.order_line_no][2] = "in_transit" if to_store else _LINE_END[target]
        self.close_order_if_done(order)
        if to_store is not None:
            handover = job_id_for(order.id, to_store, f"handover-{job.id}")
            self.jobs[handover] = ModelJob(
                handover,
                order.id,
                to_store,
                "collect",
                "picked",
                None,
                {
                    n: JobLine(n, line.order_line_no, line.sku, line.qty, "")
                    for n, line in job.lines.items()
                    if line.state == "shipped"
                },
            )

    def _reject(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        job = self._job_of(op)
        line = job.lines.get(int(op["line_no"]))
        if line is None:
            raise ModelMismatch(f"{op['op_id']}: job {job.id} has no line {op['line_no']}")
        if job.state not in ("assigned", "picking") or line.state != "open":
            self._refused_state(op, status, body)
            return
        self._expect(op, status, body, 200)
        op_id = str(op["op_id"])
        if self.holds[line.reservation_id].state == "pending":
            self._end_hold(line.reservation_id, "released", op_id)
        if op.get("reason") == RejectReason.DAMAGED:
            self.counter.damaged_pick(op_id, line.sku, job.location, line.qty)
        else:
            self.suspect.add((line.sku, job.location))
        line.state = "rejected"
        order = self.orders[job.order_id]
        failed = {
            other.location
            for other in self.jobs.values()
            if other.order_id == order.id
            for other_line in other.lines.values()
            if other_line.order_line_no == line.order_line_no and other_line.state == "rejected"
        }
        candidates = [loc for loc in self.locations if loc not in failed]
        able = [loc for loc in candidates if self.routable(line.sku, loc, line.qty)]
        rerouted = body.get("rerouted_to")
        if not able:
            if rerouted is not None:
                raise ModelMismatch(
                    f"{op_id}: no location can serve {line.qty} x {line.sku}, the ledger sends "
                    f"the line to {rerouted}"
                )
            order.lines[line.order_line_no][2] = "unfulfillable"
        else:
            if rerouted not in able:
                raise ModelMismatch(
                    f"{op_id}: the line went to {rerouted}; only {able} can serve it "
                    f"({sorted(failed)} failed it)"
                )
            if order.collect_at in able and rerouted != order.collect_at:
                raise ModelMismatch(
                    f"{op_id}: the collection store {order.collect_at} holds the line, the "
                    f"ledger sends it from {rerouted}"
                )
            attempt = f"line{line.order_line_no}-after{len(failed)}"
            lines = [(line.order_line_no, line.sku, line.qty)]
            offers = [
                offer
                for offer in decided_offers(body.get("order") or {})
                if offer["offer_id"] == offer_id_for(order.id, attempt, [line.order_line_no])
            ]
            if offers and offers[0]["locations"][0] != rerouted:
                raise ModelMismatch(f"{op_id}: rerouted to {rerouted}, offered {offers}")
            placement = Placement([] if offers else [(str(rerouted), lines)], offers)
            self.offers.check_placement(order, placement, frozenset(failed), op_id)
            if offers:
                self.offers.made(order, offers, attempt, 1)
            else:
                self.open_job(order, str(rerouted), attempt, lines, None)
        if not any(other.state == "open" for other in job.lines.values()):
            job.state = "rejected"
        self.close_order_if_done(order)

"""The ledger against a model of itself: random histories of real operations, checked each step.

A Hypothesis state machine drives the real services through the real group-commit writer
(``execute_batch``) on a real database, fresh for every example, while an in-memory model keeps
what the ledger must hold: on hand, reserved, safety stock and the suspect flag of each position,
the state of each reservation, the list of movements in order and the stored outcome of every
operation id. After every step the database must equal the model, the ledger's own self-check
must pass, and no reservation may have ended twice.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal, NamedTuple

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.engine import make_url

from ordersync.clock import ManualClock
from ordersync.contract import (
    PROBLEM_TYPE_PREFIX,
    AdjustmentLine,
    CommitLine,
    CountIn,
    MovementBatch,
    ReceiptLine,
    ReservationCommit,
    ReservationCreate,
    ReservationLineIn,
    ReservationRelease,
    ReservationState,
    ReturnLine,
    Role,
    SafetyStockSet,
    SaleLine,
    TransferLine,
    uuid7,
)
from ordersync.db.engine import create_ledger_engine
from ordersync.db.ledger_tx import (
    AUDIT,
    CHANGES,
    IDEMPOTENCY,
    MOVEMENTS,
    POSITIONS,
    RESERVATION_LINES,
)
from ordersync.db.ledger_tx import RESERVATIONS as RESERVATION_ROWS
from ordersync.db.writer import execute_batch
from ordersync.domain.errors import LedgerError
from ordersync.domain.permissions import Principal
from ordersync.services.availability import sku_availability
from ordersync.services.check import check_ledger
from ordersync.services.feed import feed_head
from ordersync.services.idempotency import Outcome
from ordersync.services.operations import (
    OperationContext,
    OutcomeWork,
    expiry_work,
    operation_work,
)
from tests.support.ledger_harness import START, PostgresDatabases, SqliteDatabases, seed_network

SKUS = ("S1", "S2", "S3")
UNKNOWN_SKU = "S9"
LOCATIONS = ("A", "B", "WH")
DEFAULT_TTL = 600
FAR_AHEAD = 10**6
"""Added to the feed head to name a position the ledger has not reached."""


def qty(most: int) -> st.SearchStrategy[int]:
    return st.integers(1, most)


# Derandomized, so CI runs the same histories every time; sized to stay well under a minute
# per backend (the PostgreSQL examples pay for CREATE DATABASE ... TEMPLATE each).
SETTINGS = {
    "sqlite": settings(
        max_examples=60,
        stateful_step_count=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    ),
    "postgresql": settings(
        max_examples=20,
        stateful_step_count=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    ),
}

# What the ledger answers, written out here so a changed status code is noticed.
REFUSAL_STATUS = {
    "forbidden": 403,
    "not-found": 404,
    "insufficient-stock": 409,
    "invalid-state": 409,
    "reservation-expired": 409,
    "stale-count": 409,
    "unknown-sku": 422,
    "invalid-request": 422,
    "invalid-commit": 422,
    "idempotency-key-reused": 422,
}
NOT_STORED = {"forbidden"}
"""Refusals about the device rather than the operation: raised, not kept as the op's outcome,
so that a device allowed to do it may still send the same operation id."""
SUCCESS_STATUS = {
    "movements": 201,
    "reserve": 201,
    "commit": 200,
    "release": 200,
    "count": 201,
    "safety": 200,
}
RANK = {Role.ASSOCIATE: 0, Role.MANAGER: 1, Role.ADMIN: 2}
ROLE_OF_LINE = {
    "receipt": Role.ASSOCIATE,
    "sale": Role.ASSOCIATE,
    "return": Role.ASSOCIATE,
    "adjustment": Role.MANAGER,
    "transfer": Role.ADMIN,
}
TOKEN_IDS = {Role.ASSOCIATE: 10, Role.MANAGER: 20, Role.ADMIN: 30}


def device(role: Role, location: str) -> Principal:
    """A device of ``role`` at ``location``; services never look principals up in the database."""
    return Principal(
        token_id=TOKEN_IDS[role] + LOCATIONS.index(location),
        location=location,
        role=role,
        device=f"{role.value}-{location}".lower(),
    )


ADMIN = device(Role.ADMIN, "WH")
EVERY_DEVICE = [device(role, loc) for role in RANK for loc in LOCATIONS]
"""The store roles: the web role touches no position (tests/api/test_web_platform.py)."""

Key = tuple[str, str]
"""(sku, location)"""
AnyLine = ReceiptLine | SaleLine | ReturnLine | AdjustmentLine | TransferLine
PositionView = tuple[str, str, int, int, int, int, bool]
"""(sku, location, on_hand, reserved, safety_stock, available, suspect)"""


class Movement(NamedTuple):
    op_id: str
    kind: str
    sku: str
    location: str
    qty: int
    reservation_id: str | None


# --- the model -------------------------------------------------------------------------------


@dataclass
class ModelPosition:
    on_hand: int = 0
    reserved: int = 0
    safety_stock: int = 0
    suspect: bool = False

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved - self.safety_stock

    def view(self, key: Key) -> PositionView:
        sku, location = key
        return (
            sku,
            location,
            self.on_hand,
            self.reserved,
            self.safety_stock,
            self.available,
            self.suspect,
        )


@dataclass
class ModelReservation:
    id: str
    owner: str
    order_ref: str | None
    created_at: datetime
    expires_at: datetime
    lines: list[list[Any]]
    """[sku, location, held, committed] per line, in line order."""
    state: ReservationState = ReservationState.PENDING
    ended_at: datetime | None = None
    ended_by: str | None = None

    def holds(self, key: Key) -> bool:
        return any((sku, location) == key for sku, location, _, _ in self.lines)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state.value,
            "owner_location": self.owner,
            "order_ref": self.order_ref,
            "lines": [tuple(line) for line in self.lines],
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "ended_at": self.ended_at,
        }


@dataclass
class Model:
    positions: dict[Key, ModelPosition] = field(default_factory=dict)
    reservations: dict[str, ModelReservation] = field(default_factory=dict)
    log: list[Movement] = field(default_factory=list)

    def post(
        self,
        op_id: str,
        kind: str,
        sku: str,
        location: str,
        qty: int,
        reservation_id: str | None = None,
    ) -> None:
        position = self.positions.setdefault((sku, location), ModelPosition())
        position.on_hand += qty
        if kind in ("sale", "shipment", "transfer_out") and position.on_hand < 0:
            position.suspect = True
        self.log.append(Movement(op_id, kind, sku, location, qty, reservation_id))

    def can_hold(self, key: Key, qty: int) -> bool:
        position = self.positions.get(key)
        return position is not None and position.available >= qty

    def end(
        self, reservation: ModelReservation, state: ReservationState, now: datetime, by: str | None
    ) -> None:
        assert reservation.state is ReservationState.PENDING
        reservation.state = state
        reservation.ended_at = now
        reservation.ended_by = by

    def give_back(self, reservation: ModelReservation) -> None:
        for sku, location, held, _ in reservation.lines:
            self.positions[(sku, location)].reserved -= held

    def expire_due(self, now: datetime, key: Key | None = None) -> int:
        due = sorted(
            (
                r
                for r in self.reservations.values()
                if r.state is ReservationState.PENDING
                and r.expires_at <= now
                and (key is None or r.holds(key))
            ),
            key=lambda r: r.expires_at,
        )
        for reservation in due:
            self.end(reservation, ReservationState.EXPIRED, now, None)
            self.give_back(reservation)
        return len(due)


# --- operations ------------------------------------------------------------------------------

OpName = Literal["movements", "reserve", "commit", "release", "count", "safety"]


@dataclass(frozen=True)
class Op:
    """One request as a store would send it; ``target`` is the reservation or the position."""

    name: OpName
    principal: Principal
    command: BaseModel
    target: str = ""

    @property
    def op_id(self) -> str:
        return str(getattr(self.command, "op_id"))  # noqa: B009

    @property
    def request(self) -> tuple[str, str, str, str]:
        """What the ledger's fingerprint covers: operation, target, asking location, body."""
        body = json.dumps(self.command.model_dump(mode="json"), sort_keys=True)
        return (self.name, self.target, self.principal.location, body)

    def work(self) -> OutcomeWork:
        context = OperationContext(default_ttl=DEFAULT_TTL)
        if self.name in ("commit", "release"):
            return operation_work(
                self.name, self.principal, self.command, context, reservation_id=self.target
            )
        if self.name == "safety":
            location, sku = self.target.split("|")
            return operation_work(
                "safety_stock", self.principal, self.command, context, location=location, sku=sku
            )
        return operation_work(self.name, self.principal, self.command, context)

    def __repr__(self) -> str:
        who = f"{self.principal.role.value}@{self.principal.location}"
        body = self.command.model_dump(mode="json", exclude={"op_id"})
        target = f" {self.target}" if self.target else ""
        return f"<{self.name}{target} {self.op_id[-6:]} by {who}: {body}>"


class Refused(Exception):
    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug


@dataclass(frozen=True)
class Expected:
    kind: Literal["done", "refused", "raised", "replay", "mismatch"]
    status: int
    slug: str | None = None
    view: Any = None
    stored: dict[str, Any] | None = None


def _require(principal: Principal, needed: Role, location: str) -> None:
    if RANK[principal.role] < RANK[needed]:
        raise Refused("forbidden")
    if principal.role is not Role.ADMIN and principal.location != location:
        raise Refused("forbidden")


def owner_of(principal: Principal, locations: list[str]) -> str:
    """A reservation at one location is that location's (an admin reserves on its behalf)."""
    return locations[0] if len(set(locations)) == 1 else principal.location


def _known_sku(sku: str) -> None:
    if sku not in SKUS:
        raise Refused("unknown-sku")


class Oracle:
    """What the ledger must answer and hold, computed without a database."""

    def __init__(self) -> None:
        self.model = Model()
        self.outcomes: dict[str, tuple[tuple[str, str, str, str], int, dict[str, Any] | None]] = {}
        self.snapshots: dict[int, int] = {0: 0}
        """Feed head seen between steps -> number of movements recorded at that time."""

    def expect(self, op: Op, now: datetime, head: int) -> Expected:
        stored = self.outcomes.get(op.op_id)
        if stored is not None:
            request, status, body = stored
            if request != op.request:
                return Expected("mismatch", 422, "idempotency-key-reused")
            return Expected("replay", status, stored=body)
        working = copy.deepcopy(self.model)
        try:
            view = getattr(self, f"_{op.name}")(working, op, now, head)
        except Refused as refusal:
            status = REFUSAL_STATUS[refusal.slug]
            if refusal.slug in NOT_STORED:
                return Expected("raised", status, refusal.slug)
            self.outcomes[op.op_id] = (op.request, status, None)
            return Expected("refused", status, refusal.slug)
        self.model = working
        status = SUCCESS_STATUS[op.name]
        self.outcomes[op.op_id] = (op.request, status, None)
        return Expected("done", status, view=view)

    def remember(self, op_id: str, body: dict[str, Any]) -> None:
        request, status, _ = self.outcomes[op_id]
        self.outcomes[op_id] = (request, status, body)

    def _movements(self, m: Model, op: Op, now: datetime, head: int) -> dict[str, Any]:
        batch = op.command
        assert isinstance(batch, MovementBatch)
        for line in batch.lines:
            where = line.from_location if isinstance(line, TransferLine) else line.location
            _require(op.principal, ROLE_OF_LINE[line.kind], where)
            _known_sku(line.sku)
        touched: dict[Key, None] = {}
        before = len(m.log)
        for line in batch.lines:
            if isinstance(line, ReceiptLine | ReturnLine):
                m.post(op.op_id, line.kind, line.sku, line.location, line.qty)
            elif isinstance(line, SaleLine):
                m.post(op.op_id, "sale", line.sku, line.location, -line.qty)
            elif isinstance(line, AdjustmentLine):
                current = m.positions.get((line.sku, line.location))
                if (current.on_hand if current else 0) + line.delta < 0:
                    raise Refused("invalid-request")
                m.post(op.op_id, "adjustment", line.sku, line.location, line.delta)
            else:
                assert isinstance(line, TransferLine)
                source = m.positions.get((line.sku, line.from_location))
                free = source.on_hand - source.reserved if source else 0
                if free < line.qty:
                    raise Refused("insufficient-stock")
                m.post(op.op_id, "transfer_out", line.sku, line.from_location, -line.qty)
                m.post(op.op_id, "transfer_in", line.sku, line.to_location, line.qty)
            for movement in m.log[before:]:
                touched[(movement.sku, movement.location)] = None
        views = [m.positions[key].view(key) for key in touched]
        return {
            "op_id": op.op_id,
            "movements": len(m.log) - before,
            "positions": views,
            "suspect": [view for view in views if view[-1]],
        }

    def _reserve(self, m: Model, op: Op, now: datetime, head: int) -> dict[str, Any]:
        command = op.command
        assert isinstance(command, ReservationCreate)
        seen: set[Key] = set()
        for line in command.lines:
            _require(op.principal, Role.ASSOCIATE, line.location)
            _known_sku(line.sku)
            if (line.sku, line.location) in seen:
                raise Refused("invalid-request")
            seen.add((line.sku, line.location))
        for line in command.lines:
            key = (line.sku, line.location)
            if not m.can_hold(key, line.qty):
                # Reservations whose time is up but which no sweep has ended yet give way.
                m.expire_due(now, key)
            if not m.can_hold(key, line.qty):
                raise Refused("insufficient-stock")
            m.positions[key].reserved += line.qty
        reservation = ModelReservation(
            id=op.op_id,
            owner=owner_of(op.principal, [line.location for line in command.lines]),
            order_ref=command.order_ref,
            created_at=now,
            expires_at=now + timedelta(seconds=command.ttl_seconds or DEFAULT_TTL),
            lines=[[line.sku, line.location, line.qty, 0] for line in command.lines],
        )
        m.reservations[reservation.id] = reservation
        return reservation.view()

    def _ending(self, m: Model, op: Op, now: datetime) -> ModelReservation:
        reservation = m.reservations.get(op.target)
        if reservation is None:
            raise Refused("not-found")
        _require(op.principal, Role.ASSOCIATE, reservation.owner)
        if reservation.state is not ReservationState.PENDING:
            raise Refused("invalid-state")
        return reservation

    def _commit(self, m: Model, op: Op, now: datetime, head: int) -> dict[str, Any]:
        command = op.command
        assert isinstance(command, ReservationCommit)
        reservation = self._ending(m, op, now)
        if reservation.expires_at <= now:
            raise Refused("reservation-expired")
        if command.lines is None:
            wanted = {(sku, loc): held for sku, loc, held, _ in reservation.lines}
        else:
            wanted = {}
            for line in command.lines:
                if (line.sku, line.location) in wanted:
                    raise Refused("invalid-commit")
                wanted[(line.sku, line.location)] = line.qty
            if any(not reservation.holds(key) for key in wanted):
                raise Refused("invalid-commit")
            if any(wanted.get((sku, loc), 0) > held for sku, loc, held, _ in reservation.lines):
                raise Refused("invalid-commit")
            if not any(wanted.values()):
                raise Refused("invalid-commit")
        m.end(reservation, ReservationState.COMMITTED, now, op.op_id)
        for line in reservation.lines:
            sku, location, held, _ = line
            m.positions[(sku, location)].reserved -= held
            committed = wanted.get((sku, location), 0)
            if committed:
                m.post(op.op_id, command.movement, sku, location, -committed, reservation.id)
                line[3] = committed
        return reservation.view()

    def _release(self, m: Model, op: Op, now: datetime, head: int) -> dict[str, Any]:
        reservation = self._ending(m, op, now)
        m.end(reservation, ReservationState.RELEASED, now, op.op_id)
        m.give_back(reservation)
        return reservation.view()

    def _count(self, m: Model, op: Op, now: datetime, head: int) -> dict[str, Any]:
        command = op.command
        assert isinstance(command, CountIn)
        key = (command.sku, command.location)
        _require(op.principal, Role.ASSOCIATE, command.location)
        _known_sku(command.sku)
        if command.as_of_seq > head:
            raise Refused("stale-count")
        position = m.positions.setdefault(key, ModelPosition())
        since = [
            movement
            for movement in m.log[self.snapshots[command.as_of_seq] :]
            if (movement.sku, movement.location) == key
        ]
        if any(movement.kind == "count" for movement in since):
            raise Refused("stale-count")
        moved = sum(movement.qty for movement in since)
        expected = position.on_hand - moved
        delta = command.counted - expected
        if delta:
            m.post(op.op_id, "count", command.sku, command.location, delta)
        position.suspect = False
        return {
            "op_id": op.op_id,
            "sku": command.sku,
            "location": command.location,
            "counted": command.counted,
            "expected_at_count": expected,
            "moved_since_count": moved,
            "delta": delta,
            "position": position.view(key),
        }

    def _safety(self, m: Model, op: Op, now: datetime, head: int) -> PositionView:
        command = op.command
        assert isinstance(command, SafetyStockSet)
        location, sku = op.target.split("|")
        _require(op.principal, Role.MANAGER, location)
        _known_sku(sku)
        position = m.positions.setdefault((sku, location), ModelPosition())
        position.safety_stock = command.safety_stock
        return position.view((sku, location))


# --- what the ledger answered, in the model's terms ------------------------------------------


def _position_view(body: dict[str, Any]) -> PositionView:
    return (
        body["sku"],
        body["location"],
        body["on_hand"],
        body["reserved"],
        body["safety_stock"],
        body["available"],
        body["suspect"],
    )


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _answer_view(name: OpName, body: dict[str, Any]) -> Any:
    if name == "movements":
        return {
            "op_id": body["op_id"],
            "movements": body["movements"],
            "positions": [_position_view(p) for p in body["positions"]],
            "suspect": [_position_view(p) for p in body["suspect"]],
        }
    if name in ("reserve", "commit", "release"):
        return {
            "id": body["id"],
            "state": body["state"],
            "owner_location": body["owner_location"],
            "order_ref": body["order_ref"],
            "lines": [
                (line["sku"], line["location"], line["qty"], line["committed_qty"])
                for line in body["lines"]
            ],
            "created_at": _moment(body["created_at"]),
            "expires_at": _moment(body["expires_at"]),
            "ended_at": _moment(body["ended_at"]),
        }
    if name == "count":
        return {**body, "position": _position_view(body["position"])}
    return _position_view(body)


# --- the state machine -----------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    databases: ClassVar[SqliteDatabases | PostgresDatabases]

    def __init__(self) -> None:
        super().__init__()
        self.url = self.databases.fresh()
        self.clock = ManualClock(START)
        self.engine = seed_network(self.url, self.clock).engine
        self.reader = create_ledger_engine(self.url, writer=False)
        self.oracle = Oracle()
        self.history: list[Op] = []
        self.ended: dict[str, tuple[str, datetime | None]] = {}
        self.issued = 0
        with self.reader.connect() as connection:
            self.head = feed_head(connection)
        self.oracle.snapshots[self.head] = 0

    def teardown(self) -> None:
        self.reader.dispose()
        self.engine.dispose()
        self.databases.drop(self.url)

    # --- running operations ------------------------------------------------------------------

    def new_op_id(self) -> Any:
        """A UUIDv7 as a store would make it, from a counter so that examples replay exactly."""
        self.issued += 1
        unix_ms = int(START.timestamp() * 1000) + self.issued
        return uuid7(unix_ms=unix_ms, random_bytes=self.issued.to_bytes(10, "big"))

    def run(self, ops: list[Op]) -> None:
        """Send ``ops`` as one group-commit batch and hold each answer against the model."""
        now = self.clock.now()
        answers = execute_batch(self.engine, self.clock, [op.work() for op in ops])
        for number, (op, (result, error)) in enumerate(zip(ops, answers, strict=True)):
            expected = self.oracle.expect(op, now, self.head)
            where = f"operation {number + 1} of {len(ops)} {op!r}"
            self.check_answer(where, op, expected, result, error)
            self.history.append(op)

    def check_answer(
        self,
        where: str,
        op: Op,
        expected: Expected,
        result: Any,
        error: BaseException | None,
    ) -> None:
        if expected.kind in ("mismatch", "raised"):
            assert isinstance(error, LedgerError), f"{where}: expected a refusal, got {error!r}"
            assert result is None
            assert (error.status, error.slug) == (expected.status, expected.slug), where
            return
        assert error is None, f"{where}: raised {error!r}"
        assert isinstance(result, Outcome), f"{where}: answered {result!r}"
        if expected.kind == "replay":
            assert result.replayed, f"{where}: a replay was applied again: {result.body}"
            assert (result.status, result.body) == (expected.status, expected.stored), (
                f"{where}: the replay answered {result.status} {result.body}, "
                f"first answer was {expected.status} {expected.stored}"
            )
            return
        assert not result.replayed, f"{where}: a new operation id was answered as a replay"
        assert result.status == expected.status, (
            f"{where}: expected {expected.status} {expected.slug or ''}, "
            f"got {result.status} {result.body}"
        )
        if expected.kind == "refused":
            assert result.body["type"] == PROBLEM_TYPE_PREFIX + str(expected.slug), where
            assert result.body["status"] == expected.status, where
        else:
            answer = _answer_view(op.name, result.body)
            assert answer == expected.view, f"{where}: answered {answer}, model {expected.view}"
            if op.name == "movements":
                assert result.body["seq"] > self.head, f"{where}: seq did not move"
        self.oracle.remember(op.op_id, result.body)

    # --- drawing requests --------------------------------------------------------------------

    def draw_line(self, data: st.DataObject, kind: str) -> AnyLine:
        sku = data.draw(st.sampled_from(SKUS), label="sku")
        location = data.draw(st.sampled_from(LOCATIONS), label="location")
        if kind == "receipt":
            return ReceiptLine(kind="receipt", sku=sku, location=location, qty=data.draw(qty(8)))
        if kind == "sale":
            return SaleLine(kind="sale", sku=sku, location=location, qty=data.draw(qty(5)))
        if kind == "return":
            return ReturnLine(kind="return", sku=sku, location=location, qty=data.draw(qty(3)))
        if kind == "adjustment":
            delta = data.draw(st.integers(-4, 4).filter(bool), label="delta")
            return AdjustmentLine(
                kind="adjustment", sku=sku, location=location, delta=delta, reason="shrinkage"
            )
        to_location = data.draw(
            st.sampled_from([loc for loc in LOCATIONS if loc != location]), label="to"
        )
        return TransferLine(
            kind="transfer",
            sku=sku,
            from_location=location,
            to_location=to_location,
            qty=data.draw(qty(5)),
        )

    def draw_device(self, data: st.DataObject, needed: Role, locations: set[str]) -> Principal:
        """Mostly the least device allowed to do it, sometimes an admin or any device at all."""
        choice = data.draw(st.sampled_from(["fit", "fit", "fit", "admin", "any"]), label="who")
        if choice == "any":
            return data.draw(st.sampled_from(EVERY_DEVICE), label="device")
        if choice == "admin" or len(locations) != 1:
            return ADMIN
        return device(needed, next(iter(locations)))

    def draw_movements(self, data: st.DataObject, kinds: list[str]) -> Op:
        lines = [self.draw_line(data, kind) for kind in kinds]
        if data.draw(st.integers(0, 39), label="unknown sku?") == 0:
            lines[0] = lines[0].model_copy(update={"sku": UNKNOWN_SKU})
        needed = max((ROLE_OF_LINE[kind] for kind in kinds), key=RANK.__getitem__)
        where = {
            line.from_location if isinstance(line, TransferLine) else line.location
            for line in lines
        }
        batch = MovementBatch(op_id=self.new_op_id(), lines=lines)
        return Op("movements", self.draw_device(data, needed, where), batch)

    def draw_reserve(self, data: st.DataObject, most_lines: int = 3) -> Op:
        keys = data.draw(
            st.lists(
                st.tuples(st.sampled_from(SKUS), st.sampled_from(LOCATIONS)),
                min_size=1,
                max_size=most_lines,
                unique=True,
            ),
            label="held positions",
        )
        lines = [ReservationLineIn(sku=s, location=loc, qty=data.draw(qty(3))) for s, loc in keys]
        if data.draw(st.integers(0, 14), label="duplicate line?") == 0:
            lines.append(lines[0])
        ttl = data.draw(st.one_of(st.none(), st.integers(1, 1200)), label="ttl")
        command = ReservationCreate(
            op_id=self.new_op_id(),
            lines=lines,
            ttl_seconds=ttl,
            order_ref=data.draw(st.sampled_from([None, "WEB-1", "WEB-2"]), label="order"),
        )
        principal = self.draw_device(data, Role.ASSOCIATE, {loc for _, loc in keys})
        return Op("reserve", principal, command)

    def reservation_shapes(self, pending_ops: list[Op]) -> dict[str, tuple[str, list[Key], int]]:
        """Reservations a commit or release may name: id -> (owner, held lines, qty per line)."""
        shapes: dict[str, tuple[str, list[Key], int]] = {}
        for r in self.oracle.model.reservations.values():
            pending = int(r.state is ReservationState.PENDING)
            shapes[r.id] = (r.owner, [(line[0], line[1]) for line in r.lines], pending)
        for op in pending_ops:
            if op.name == "reserve":
                assert isinstance(op.command, ReservationCreate)
                keys = [(line.sku, line.location) for line in op.command.lines]
                owner = owner_of(op.principal, [location for _, location in keys])
                shapes[op.op_id] = (owner, keys, 1)
        return shapes

    def draw_target(self, data: st.DataObject, pending_ops: list[Op]) -> tuple[str, str, list[Key]]:
        shapes = self.reservation_shapes(pending_ops)
        pending = sorted(rid for rid, shape in shapes.items() if shape[2])
        choice = data.draw(
            st.sampled_from(["pending", "pending", "pending", "pending", "any", "unknown"]),
            label="reservation",
        )
        if choice == "unknown" or not shapes:
            return str(self.new_op_id()), "A", [("S1", "A")]
        rid = data.draw(
            st.sampled_from(pending if choice == "pending" and pending else sorted(shapes))
        )
        owner, keys, _ = shapes[rid]
        return rid, owner, keys

    def held_qty(self, rid: str, key: Key, pending_ops: list[Op]) -> int:
        reservation = self.oracle.model.reservations.get(rid)
        if reservation is not None:
            return next(line[2] for line in reservation.lines if (line[0], line[1]) == key)
        for op in pending_ops:
            if op.op_id == rid and isinstance(op.command, ReservationCreate):
                return next(
                    line.qty for line in op.command.lines if (line.sku, line.location) == key
                )
        return 1

    def draw_commit(
        self, data: st.DataObject, pending_ops: list[Op], shapes: tuple[str, ...] = ()
    ) -> Op:
        rid, owner, keys = self.draw_target(data, pending_ops)
        shapes = shapes or ("full", "partial", "partial", "unknown", "over", "twice")
        shape = data.draw(st.sampled_from(shapes), label="commit shape")
        lines: list[CommitLine] | None = None
        if shape != "full":
            lines = []
            for key in keys:
                if data.draw(st.booleans(), label=f"name {key}?"):
                    held = self.held_qty(rid, key, pending_ops)
                    committed = data.draw(st.integers(0, held), label="committed")
                    lines.append(CommitLine(sku=key[0], location=key[1], qty=committed))
            first = keys[0]
            if shape == "unknown":
                others = [(s, loc) for s in SKUS for loc in LOCATIONS if (s, loc) not in keys]
                extra = data.draw(st.sampled_from(others), label="not held")
                lines.append(CommitLine(sku=extra[0], location=extra[1], qty=1))
            elif shape == "over":
                held = self.held_qty(rid, first, pending_ops)
                lines = [CommitLine(sku=first[0], location=first[1], qty=held + 1)]
            elif shape == "twice":
                lines = [CommitLine(sku=first[0], location=first[1], qty=0)] * 2
        movement = data.draw(st.sampled_from(["sale", "shipment"]), label="movement")
        command = ReservationCommit(op_id=self.new_op_id(), lines=lines, movement=movement)
        return Op("commit", self.draw_device(data, Role.ASSOCIATE, {owner}), command, rid)

    def draw_release(self, data: st.DataObject, pending_ops: list[Op]) -> Op:
        rid, owner, _ = self.draw_target(data, pending_ops)
        command = ReservationRelease(op_id=self.new_op_id())
        return Op("release", self.draw_device(data, Role.ASSOCIATE, {owner}), command, rid)

    def draw_count(self, data: st.DataObject) -> Op:
        sku = data.draw(st.sampled_from(SKUS), label="sku")
        location = data.draw(st.sampled_from(LOCATIONS), label="location")
        when = data.draw(
            st.sampled_from(["head", "head", "older", "older", "ahead"]), label="as of"
        )
        if when == "head":
            as_of = self.head
        elif when == "older":
            # mostly a recent position, with movements after it; at worst the very first one
            seen = sorted(self.oracle.snapshots, reverse=True)
            as_of = data.draw(st.sampled_from([*seen[1:6], 0]), label="position")
        else:
            as_of = self.head + FAR_AHEAD
        command = CountIn(
            op_id=self.new_op_id(),
            sku=sku,
            location=location,
            counted=data.draw(st.integers(0, 8), label="counted"),
            as_of_seq=as_of,
        )
        return Op("count", self.draw_device(data, Role.ASSOCIATE, {location}), command)

    def draw_safety(self, data: st.DataObject) -> Op:
        sku = data.draw(st.sampled_from(SKUS), label="sku")
        location = data.draw(st.sampled_from(LOCATIONS), label="location")
        command = SafetyStockSet(
            op_id=self.new_op_id(), safety_stock=data.draw(st.integers(0, 3), label="safety")
        )
        principal = self.draw_device(data, Role.MANAGER, {location})
        return Op("safety", principal, command, f"{location}|{sku}")

    def draw_changed(self, data: st.DataObject, original: Op) -> Op:
        """The same operation id with another request: another body, place or operation."""
        how = data.draw(
            st.sampled_from(["body", "body", "elsewhere", "other operation"]), label="change"
        )
        command: BaseModel = original.command
        if how == "elsewhere":
            others = [loc for loc in LOCATIONS if loc != original.principal.location]
            moved = device(original.principal.role, data.draw(st.sampled_from(others)))
            return Op(original.name, moved, command, original.target)
        if how == "other operation" and original.name != "release":
            release = ReservationRelease(op_id=getattr(command, "op_id"))  # noqa: B009
            return Op("release", original.principal, release, original.target or "nothing")
        if isinstance(command, MovementBatch):
            first = command.lines[0]
            if isinstance(first, AdjustmentLine):
                changed_line = first.model_copy(update={"delta": first.delta * 2})
            else:
                changed_line = first.model_copy(update={"qty": first.qty + 1})
            command = command.model_copy(update={"lines": [changed_line, *command.lines[1:]]})
        elif isinstance(command, ReservationCreate):
            first_held = command.lines[0].model_copy(update={"qty": command.lines[0].qty + 1})
            command = command.model_copy(update={"lines": [first_held, *command.lines[1:]]})
        elif isinstance(command, ReservationCommit):
            other = "shipment" if command.movement == "sale" else "sale"
            command = command.model_copy(update={"movement": other})
        elif isinstance(command, ReservationRelease):
            return Op("release", original.principal, command, f"{original.target}-other")
        elif isinstance(command, CountIn):
            command = command.model_copy(update={"counted": command.counted + 1})
        else:
            assert isinstance(command, SafetyStockSet)
            command = command.model_copy(update={"safety_stock": command.safety_stock + 1})
        return Op(original.name, original.principal, command, original.target)

    # --- rules -------------------------------------------------------------------------------

    @initialize(data=st.data())
    def stock_the_network(self, data: st.DataObject) -> None:
        """A delivery to every location first, so that holds and transfers have units to take."""
        lines = [
            ReceiptLine(kind="receipt", sku=sku, location=location, qty=data.draw(qty(12)))
            for sku in SKUS
            for location in LOCATIONS
            if data.draw(st.integers(0, 3), label=f"stock {sku} at {location}?")
        ]
        if lines:
            self.run([Op("movements", ADMIN, MovementBatch(op_id=self.new_op_id(), lines=lines))])

    @rule(data=st.data())
    def receive(self, data: st.DataObject) -> None:
        self.run([self.draw_movements(data, ["receipt"])])

    @rule(data=st.data())
    def sell_at_the_counter(self, data: st.DataObject) -> None:
        self.run([self.draw_movements(data, ["sale"])])

    @rule(data=st.data())
    def take_back_a_return(self, data: st.DataObject) -> None:
        self.run([self.draw_movements(data, ["return"])])

    @rule(data=st.data())
    def adjust(self, data: st.DataObject) -> None:
        self.run([self.draw_movements(data, ["adjustment"])])

    @rule(data=st.data())
    def transfer(self, data: st.DataObject) -> None:
        self.run([self.draw_movements(data, ["transfer"])])

    @precondition(lambda self: any(p.reserved for p in self.oracle.model.positions.values()))
    @rule(data=st.data())
    def transfer_units_promised_to_a_reservation(self, data: st.DataObject) -> None:
        """Units held for a customer may be sold at the counter, but never sent elsewhere."""
        held = sorted(k for k, p in self.oracle.model.positions.items() if p.reserved)
        sku, location = data.draw(st.sampled_from(held), label="held position")
        position = self.oracle.model.positions[(sku, location)]
        to_location = data.draw(st.sampled_from([loc for loc in LOCATIONS if loc != location]))
        line = TransferLine(
            kind="transfer",
            sku=sku,
            from_location=location,
            to_location=to_location,
            qty=max(position.on_hand - position.reserved, 0) + 1,
        )
        batch = MovementBatch(op_id=self.new_op_id(), lines=[line])
        self.run([Op("movements", device(Role.ADMIN, location), batch)])

    @rule(data=st.data())
    def post_several_movements_at_once(self, data: st.DataObject) -> None:
        kinds = data.draw(st.lists(st.sampled_from(list(ROLE_OF_LINE)), min_size=2, max_size=4))
        self.run([self.draw_movements(data, kinds)])

    @rule(data=st.data())
    def reserve(self, data: st.DataObject) -> None:
        self.run([self.draw_reserve(data)])

    @rule(data=st.data())
    def reserve_one_line(self, data: st.DataObject) -> None:
        self.run([self.draw_reserve(data, most_lines=1)])

    def pending(self) -> list[ModelReservation]:
        return [
            r
            for r in self.oracle.model.reservations.values()
            if r.state is ReservationState.PENDING
        ]

    @precondition(lambda self: self.pending())
    @rule(data=st.data())
    def commit_in_full(self, data: st.DataObject) -> None:
        self.run([self.draw_commit(data, [], shapes=("full",))])

    @precondition(lambda self: self.pending())
    @rule(data=st.data())
    def commit_in_part(self, data: st.DataObject) -> None:
        """Some lines, some units: the rest goes back; a line not held or overdrawn is refused."""
        self.run([self.draw_commit(data, [])])

    @precondition(lambda self: self.pending())
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        self.run([self.draw_release(data, [])])

    def overdue(self) -> list[ModelReservation]:
        now = self.clock.now()
        return [
            r
            for r in self.oracle.model.reservations.values()
            if r.state is ReservationState.PENDING and r.expires_at <= now
        ]

    @precondition(lambda self: self.overdue())
    @rule(data=st.data(), beyond=st.integers(0, 1))
    def reserve_units_an_overdue_hold_still_takes(self, data: st.DataObject, beyond: int) -> None:
        """No sweep has ended a hold whose time is up: a reservation that needs its units ends
        it on the way (and, if even that is not enough, is refused and ends nothing)."""
        overdue = data.draw(st.sampled_from(sorted(self.overdue(), key=lambda r: r.id)))
        sku, location, held, _ = data.draw(st.sampled_from(overdue.lines), label="line")
        free = max(self.oracle.model.positions[(sku, location)].available, 0)
        line = ReservationLineIn(sku=sku, location=location, qty=free + held + beyond)
        command = ReservationCreate(op_id=self.new_op_id(), lines=[line])
        self.run([Op("reserve", device(Role.ASSOCIATE, location), command)])

    @rule(data=st.data())
    def count(self, data: st.DataObject) -> None:
        self.run([self.draw_count(data)])

    @rule(data=st.data())
    def set_safety_stock(self, data: st.DataObject) -> None:
        self.run([self.draw_safety(data)])

    @rule(seconds=st.integers(1, 300))
    def let_time_pass(self, seconds: int) -> None:
        """No sweep runs: reservations past their time stay pending until something ends them."""
        self.clock.advance(timedelta(seconds=seconds))

    @precondition(lambda self: self.pending())
    @rule(data=st.data())
    def expire(self, data: st.DataObject) -> None:
        pending = sorted(self.pending(), key=lambda r: r.id)
        chosen = data.draw(st.sampled_from(pending), label="reservation")
        moment = chosen.expires_at + timedelta(seconds=data.draw(st.integers(0, 3)))
        if moment > self.clock.now():
            self.clock.set(moment)
        now = self.clock.now()
        [(expired, error)] = execute_batch(self.engine, self.clock, [expiry_work()])
        assert error is None, repr(error)
        assert expired == self.oracle.model.expire_due(now)

    @precondition(lambda self: self.history)
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """A store resends an operation whose answer it lost: the first answer comes back."""
        self.run([data.draw(st.sampled_from(self.history), label="replayed")])

    @precondition(lambda self: self.history)
    @rule(data=st.data())
    def reuse_an_operation_id(self, data: st.DataObject) -> None:
        original = data.draw(st.sampled_from(self.history), label="original")
        self.run([self.draw_changed(data, original)])

    @rule(data=st.data())
    def group_commit(self, data: st.DataObject) -> None:
        """Several stores' operations in one transaction: each stands or falls on its own."""
        size = data.draw(st.integers(2, 5), label="batch size")
        ops: list[Op] = []
        for _ in range(size):
            kinds = ["movements", "movements", "reserve", "commit", "release", "count", "safety"]
            if self.history:
                kinds += ["replay", "changed"]
            if ops:
                kinds.append("again")
            kind = data.draw(st.sampled_from(kinds), label="operation")
            if kind == "movements":
                lines = data.draw(
                    st.lists(st.sampled_from(list(ROLE_OF_LINE)), min_size=1, max_size=3)
                )
                ops.append(self.draw_movements(data, lines))
            elif kind == "reserve":
                ops.append(self.draw_reserve(data))
            elif kind == "commit":
                ops.append(self.draw_commit(data, ops))
            elif kind == "release":
                ops.append(self.draw_release(data, ops))
            elif kind == "count":
                ops.append(self.draw_count(data))
            elif kind == "safety":
                ops.append(self.draw_safety(data))
            elif kind == "replay":
                ops.append(data.draw(st.sampled_from(self.history), label="replayed"))
            elif kind == "changed":
                ops.append(self.draw_changed(data, data.draw(st.sampled_from(self.history))))
            else:
                ops.append(data.draw(st.sampled_from(ops), label="sent twice"))
        self.run(ops)

    # --- after every step --------------------------------------------------------------------

    @invariant()
    def ledger_equals_model(self) -> None:
        model = self.oracle.model
        with self.reader.connect() as connection:
            head = feed_head(connection)
            positions = {
                (row.sku, row.location): (row.on_hand, row.reserved, row.safety_stock, row.suspect)
                for row in connection.execute(select(POSITIONS))
            }
            availability = [sku_availability(connection, sku) for sku in SKUS]
            report = check_ledger(connection)
            movements = [
                Movement(*row)
                for row in connection.execute(
                    select(
                        MOVEMENTS.c.op_id,
                        MOVEMENTS.c.kind,
                        MOVEMENTS.c.sku,
                        MOVEMENTS.c.location,
                        MOVEMENTS.c.qty,
                        MOVEMENTS.c.reservation_id,
                    ).order_by(MOVEMENTS.c.seq)
                )
            ]
            reservations = {row.id: row for row in connection.execute(select(RESERVATION_ROWS))}
            lines = connection.execute(
                select(RESERVATION_LINES).order_by(
                    RESERVATION_LINES.c.reservation_id, RESERVATION_LINES.c.line_no
                )
            ).all()
            expiries = Counter(
                json.loads(detail)["reservation_id"]
                for detail in connection.execute(
                    select(AUDIT.c.detail).where(AUDIT.c.operation == "reservation.expire")
                ).scalars()
            )
            stored = connection.execute(select(IDEMPOTENCY.c.op_id)).scalars().all()
            feed = {
                (row.kind, row.key): (row.seq, json.loads(row.payload))
                for row in connection.execute(
                    select(CHANGES).where(CHANGES.c.kind.in_(("position", "network")))
                )
            }

        # (a) every position equals the model, and so does what the network reports
        expected = {
            key: (p.on_hand, p.reserved, p.safety_stock, p.suspect)
            for key, p in model.positions.items()
        }
        actual = {k: (*v[:3], bool(v[3])) for k, v in positions.items()}
        assert actual == expected, f"positions (sku, location): ledger {actual}, model {expected}"
        for sku, answer in zip(SKUS, availability, strict=True):
            mine = sorted((k, p) for k, p in model.positions.items() if k[0] == sku)
            reported = [_position_view(p.model_dump()) for p in answer.locations]
            assert reported == [p.view(k) for k, p in mine], f"availability of {sku}: {reported}"
            total = (answer.total.on_hand, answer.total.reserved, answer.total.available)
            assert total == (
                sum(p.on_hand for _, p in mine),
                sum(p.reserved for _, p in mine),
                sum(max(0, p.available) for _, p in mine),
            ), f"network total of {sku}"
        assert movements == model.log, f"movements: ledger {movements}, model {model.log}"

        # ... and so does the last word of the change feed on each position and network total
        for (sku, location), p in model.positions.items():
            seq, payload = feed[("position", f"{location}|{sku}")]
            assert seq <= head, f"feed row of {sku} at {location} beyond the head"
            assert _position_view(payload["position"]) == p.view((sku, location)), "feed"
        for answer in availability:
            if any(sku == answer.sku for sku, _ in model.positions):
                _, payload = feed[("network", answer.sku)]
                assert payload["total"] == answer.total.model_dump(), "feed network total"

        # (b) the ledger's self-check rebuilds the same positions and totals
        assert report.ok, [d.describe() for d in report.discrepancies]
        assert report.movements == len(model.log), "movements counted by the check"

        # (c) every reservation is where the model says, and ended at most once
        assert sorted(reservations) == sorted(model.reservations), "reservations"
        held_lines: dict[str, list[tuple[str, str, int, int]]] = {}
        for line in lines:
            held_lines.setdefault(line.reservation_id, []).append(
                (line.sku, line.location, line.qty, line.committed_qty)
            )
        for rid, row in reservations.items():
            mine = model.reservations[rid]
            assert (row.state, row.owner_location, row.order_ref) == (
                mine.state.value,
                mine.owner,
                mine.order_ref,
            ), f"reservation {rid}"
            assert (row.created_at, row.expires_at, row.ended_at, row.ended_by_op) == (
                mine.created_at,
                mine.expires_at,
                mine.ended_at,
                mine.ended_by,
            ), f"reservation {rid}"
            assert held_lines[rid] == [tuple(line) for line in mine.lines], f"lines of {rid}"
            if row.state != ReservationState.PENDING.value:
                first_end = self.ended.setdefault(rid, (row.state, row.ended_at))
                assert first_end == (row.state, row.ended_at), f"{rid} ended twice"
            else:
                assert rid not in self.ended, f"{rid} went back to pending"
        expired = {rid for rid, r in model.reservations.items() if r.state.value == "expired"}
        assert set(expiries) == expired, f"expiries audited {expiries}, expired {expired}"
        assert all(times == 1 for times in expiries.values()), expiries
        assert sorted(stored) == sorted(self.oracle.outcomes), "stored outcomes"

        # the feed head moves forward only, and never without the movements it covers
        assert head >= self.head, "the feed head went back"
        assert self.oracle.snapshots.setdefault(head, len(model.log)) == len(model.log)
        self.head = head


def test_the_ledger_behaves_like_its_model(
    ledger_url: str,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
) -> None:
    backend = make_url(ledger_url).get_backend_name()
    databases = sqlite_databases if backend == "sqlite" else postgres_databases
    assert databases is not None

    class Ledger(LedgerMachine):
        pass

    Ledger.databases = databases
    run_state_machine_as_test(Ledger, settings=SETTINGS[backend])

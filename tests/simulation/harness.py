"""One seed of the simulation: setup, seeded workload under seeded faults, drain, checks.

Everything is driven from one thread, one request at a time, so the order in which the ledger
applies operations is known and the oracle can follow it; everything random comes from
``random.Random`` streams derived from the seed (the workload, the faults, each terminal's
operation ids), and the ledger's clock is stopped, so a seed replays exactly (``digest``).

The world: a real ``ordersync`` process (``ledger``) on a fresh database, 3 to 5 stores and a
warehouse, each with a store terminal (``store``), sometimes a second terminal at one store, and
a web shop placing web orders with an admin token, and a head office announcing deliveries. The
workload: counter sales, orders placed in store (collected here or elsewhere, or delivered home),
web orders, picks, short picks, counts, receipts, lookups, sync rounds, terminals going offline
and back, stock in motion (``motion``: deliveries received, transfers requested, sent and
received), the counter's other half (``counter``: returns, voids, units set aside, put back
and written off), fulfilment (``fulfilment``: the two terminals of a store going for the
same job, a manager's takeover, collections never collected and the ledger's no-show sweep, run
with its clock moved past their deadlines), and competitive allocation (``offers``: web orders
offered to several locations, claimed by terminals, contested, or left to expire and swept).
The faults: ``faults``. A seed's configuration, figures and failure: ``seeds``.

At the end every fault is healed and every store drains (sends its outbox, finishes its jobs,
pulls the feed); then ``checks`` compare the ledger with the oracle and with every cache.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from ordersync.clock import ManualClock
from ordersync.contract import (
    CountOp,
    ItemIn,
    LocationIn,
    LocationKind,
    MovementBatch,
    MovementsOp,
    OperationsResult,
    OrderCreate,
    ReceiptLine,
    RejectReason,
    Role,
    with_check_digit,
)
from ordersync.db.engine import create_ledger_engine
from ordersync.db.writer import run_in_transaction
from ordersync.domain.permissions import Principal
from ordersync.services.catalog import upsert_items, upsert_locations
from ordersync.services.operations import operation_work
from ordersync.services.tokens import issue_token
from storeapp.cache import outbox
from storeapp.services.orders import OrderInputError, collect_at, customer, home_delivery
from storeapp.services.picking import PickingRefused
from tests.simulation import faults
from tests.simulation.checks import final_checks
from tests.simulation.counter import CounterWorkload
from tests.simulation.faults import FaultTransport, Sent
from tests.simulation.fulfilment import FulfilmentWorkload
from tests.simulation.ledger import LedgerServer, WriteHold
from tests.simulation.motion import ERP, MotionWorkload, add_suppliers
from tests.simulation.offers import OffersWorkload
from tests.simulation.oracle import LedgerModel, ModelMismatch
from tests.simulation.seeds import SeedResult, SimConfig, SimulationFailure
from tests.simulation.store import (
    AFTER_LOCAL_COMMIT,
    AFTER_REPLY,
    BEFORE_LOCAL_COMMIT,
    CHILD_KILL_POINTS,
    CRASH_POINTS,
    SYNC_CRASH_POINTS,
    IdSource,
    SimulatedCrash,
    Terminal,
)
from tests.support.ledger_harness import START

HOME_TOWNS = (
    ("13001", "Marseille"),
    ("33000", "Bordeaux"),
    ("59000", "Lille"),
    ("67000", "Strasbourg"),
    ("69002", "Lyon"),
    ("75001", "Paris"),
)
"""Where home deliveries go: postal codes the ledger places (a terminal types no coordinates)."""

OPEN_LINE_STATES = "('routed', 'in_transit', 'offered')"
SYSTEM = Principal(token_id=0, location="WH", role=Role.ADMIN, device="simulation")
WEB = "web"
CITIES = (
    ("PAR", 48.8566, 2.3522),
    ("LYO", 45.7640, 4.8357),
    ("LIL", 50.6292, 3.0573),
    ("MRS", 43.2965, 5.3698),
    ("BOD", 44.8378, -0.5792),
)
SKUS = {
    "BRA-ELO-85B": ("BRA-ELO", "85B", "85", "B"),
    "BRA-ELO-90C": ("BRA-ELO", "90C", "90", "C"),
    "TOP-ISA-S": ("TOP-ISA", "S", None, None),
    "TOP-ISA-M": ("TOP-ISA", "M", None, None),
}


@dataclass
class Held:
    sent: Sent
    due: int
    in_flight: bool


@dataclass
class WebShop:
    """The e-commerce site: places web orders with an admin token, retried until answered."""

    client: httpx.Client
    ids: IdSource
    pending: list[OrderCreate] = field(default_factory=list)

    def place(self, order: OrderCreate) -> None:
        self.pending.append(order)
        self.flush()

    def flush(self) -> None:
        still: list[OrderCreate] = []
        for order in self.pending:
            try:
                reply = self.client.post("/v1/orders", json=order.model_dump(mode="json"))
            except httpx.TransportError:
                still.append(order)
                continue
            if reply.status_code >= 500 or reply.status_code in (408, 425, 429):
                still.append(order)
            elif reply.status_code not in (201, 409):
                raise ModelMismatch(f"web order refused: {reply.status_code} {reply.text}")
        self.pending = still


class Simulation:
    """One seed, on one ledger database; ``run`` returns the figures or raises a failure."""

    def __init__(
        self,
        seed: int,
        backend: str,
        database_url: str,
        work_dir: Path,
        config: SimConfig | None = None,
    ) -> None:
        self.seed = seed
        self.backend = backend
        self.database_url = database_url
        self.work_dir = work_dir
        self.config = config or SimConfig()
        self.rng = random.Random(f"{seed}:workload")
        self.frng = random.Random(f"{seed}:faults")
        self.clock = ManualClock(START)
        self.start_time = START
        self.step = -1
        self.faults_on = False
        self.faults: Counter[str] = Counter()
        self.trace_lines: list[str] = []
        self.requests = 0
        self.refused_locally = 0
        self.made: dict[str, str] = {}
        """op_id -> who committed it (a terminal's name, ``web``)."""
        self.uncommitted: set[str] = set()
        """Ids handed out to actions whose local commit never happened."""
        self.setup_ops: set[str] = set()
        self.held: list[Held] = []
        self.kill_armed: str | None = None
        self.sync_turn = -1
        self.ledger_down_until = -1
        self.problems: list[str] = []
        self.phases: dict[str, float] = {}
        self.terminals: dict[str, Terminal] = {}
        self.primary: dict[str, Terminal] = {}
        self._real: dict[str, httpx.HTTPTransport] = {}
        self.gtins: dict[str, str] = {}
        self.model: LedgerModel
        self.db: Engine
        self.ledger: LedgerServer
        self.web: WebShop
        self.motion = MotionWorkload(self)
        self.counter = CounterWorkload(self)
        self.fulfilment = FulfilmentWorkload(self)
        self.offers = OffersWorkload(self)

    # === running ================================================================================

    def run(self) -> SeedResult:
        started = time.monotonic()
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.db = create_ledger_engine(self.database_url, writer=False)
        self.ledger = LedgerServer(
            self.database_url, self.work_dir / "ledger", self.start_time, self.config.ledger_mutant
        )
        try:
            try:
                self._setup()
                self.phases["setup"] = time.monotonic() - started
                self._workload()
                self.phases["workload"] = time.monotonic() - started - sum(self.phases.values())
                self._drain()
                # Every order reached its customer: some bring units back, the stores drain again.
                for terminal in self.primary.values():
                    self._run(terminal, "bring_back")
                self._drain()
                self.phases["drain"] = time.monotonic() - started - sum(self.phases.values())
                self.problems.extend(final_checks(self))
                self.phases["checks"] = time.monotonic() - started - sum(self.phases.values())
            except ModelMismatch as mismatch:
                self.problems.append(f"step {self.step}: {mismatch}")
            except Exception as error:  # any surprise is a failure of this seed, with its replay
                where = "".join(traceback.format_exception(error)[-6:])
                self.problems.append(f"step {self.step}: {type(error).__name__}: {error}\n{where}")
            if self.problems:
                raise SimulationFailure(
                    self.seed, self.backend, self.config, self.problems
                ) from None
        finally:
            self._teardown()
        applied = [op for op in self.model.applied if op not in self.setup_ops]
        return SeedResult(
            seed=self.seed,
            backend=self.backend,
            steps=self.config.steps,
            operations=len(applied),
            made=len(self.made),
            requests=self.requests,
            faults=self.faults,
            refused=sum(1 for op in applied if self.model.applied[op].status >= 400),
            seconds=time.monotonic() - started,
            digest=self.digest(),
            phases={name: round(seconds, 2) for name, seconds in self.phases.items()},
            documents=self.motion.figures(),
            counter=self.counter.figures(),
            fulfilment=self.fulfilment.figures(),
            offers=self.offers.figures(),
        )

    def _teardown(self) -> None:
        (self.work_dir / "trace.txt").write_text("\n".join(self.trace_lines) + "\n")
        for terminal in self.terminals.values():
            terminal.close()
        if hasattr(self, "web"):
            self.web.client.close()
        self.motion.close()
        for transport in self._real.values():
            transport.close()
        self.ledger.stop()
        self.db.dispose()

    def trace(self, line: str) -> None:
        self.trace_lines.append(f"{self.step} {line}")

    def digest(self) -> str:
        return hashlib.sha256("\n".join(self.trace_lines).encode()).hexdigest()[:16]

    # === setup ==================================================================================

    def _setup(self) -> None:
        rng = self.rng
        stores = [f"S{n}" for n in range(1, rng.randint(3, 5) + 1)]
        codes = [*stores, "WH"]
        safety = {code: rng.choice((0, 0, 1)) for code in codes}
        locations = [
            LocationIn(
                code=code,
                kind=LocationKind.STORE if code != "WH" else LocationKind.WAREHOUSE,
                name=f"{'Warehouse' if code == 'WH' else 'Store'} {code}",
                timezone="Europe/Paris",
                latitude=CITIES[n % len(CITIES)][1] + (0.3 if code == "WH" else 0.0),
                longitude=CITIES[n % len(CITIES)][2],
                fulfils_web_orders=True,
                daily_job_capacity=100_000,
                default_safety_stock=safety[code],
            )
            for n, code in enumerate(codes)
        ]
        items = []
        for n, (sku, (reference, size, row, column)) in enumerate(SKUS.items()):
            gtin = with_check_digit(f"37612{self.seed % 1000:03d}{n:04d}")
            self.gtins[sku] = gtin
            items.append(
                ItemIn(
                    sku=sku,
                    reference=reference,
                    name=f"{reference} {size}",
                    size=size,
                    size_row=row,
                    size_column=column,
                    colour="noir",
                    gtins=[gtin],
                    price_minor=3990,
                )
            )
        setup_clock = ManualClock(self.start_time)
        engine = create_ledger_engine(self.database_url, writer=True)
        try:
            run_in_transaction(
                engine, setup_clock, lambda tx: upsert_locations(tx, SYSTEM, locations)
            )
            run_in_transaction(engine, setup_clock, lambda tx: upsert_items(tx, SYSTEM, items))
            add_suppliers(engine, setup_clock, SYSTEM)
            tokens = {
                code: run_in_transaction(
                    engine,
                    setup_clock,
                    # A manager's device: it requests transfers as well as selling and picking.
                    lambda tx, code=code: issue_token(tx, code, Role.MANAGER, f"till-{code}"),
                ).token
                for code in codes
            }
            # A store's second terminal is a device of its own: one picker per job tells them apart.
            second = f"{stores[0]}b"
            tokens[second] = run_in_transaction(
                engine,
                setup_clock,
                lambda tx: issue_token(tx, stores[0], Role.MANAGER, f"till-{second}"),
            ).token
            admin = run_in_transaction(
                engine, setup_clock, lambda tx: issue_token(tx, "WH", Role.ADMIN, "web-shop")
            ).token
            erp = run_in_transaction(
                engine, setup_clock, lambda tx: issue_token(tx, "WH", Role.ERP, "head-office")
            ).token
            self.model = LedgerModel(locations=codes, safety=safety)
            stock = {
                (code, sku): rng.randint(0, 6) if code == "WH" else rng.randint(0, 3)
                for code in codes
                for sku in SKUS
            }
            batch = MovementBatch(
                op_id=IdSource(f"{self.seed}:setup", self.clock.now)(),
                lines=[
                    ReceiptLine(kind="receipt", sku=sku, location=code, qty=qty)
                    for (code, sku), qty in stock.items()
                    if qty > 0
                ],
            )
            outcome = run_in_transaction(
                engine, setup_clock, operation_work("movements", SYSTEM, batch)
            )
            op = {"op": "movements", **batch.model_dump(mode="json")}
            self.model.apply(op, outcome.status, outcome.body, "setup")
            self.setup_ops.add(str(batch.op_id))
            self.made[str(batch.op_id)] = "setup"
        finally:
            engine.dispose()
        with self.db.connect() as connection:
            self.setup_audit = int(
                connection.execute(
                    text("SELECT count(*) FROM audit_log WHERE op_id IS NULL")
                ).scalar_one()
            )
        self.ledger.start()
        self.trace(f"network {codes} safety {safety}")
        names = [*codes]
        if rng.random() < 0.5:
            names.append(f"{stores[0]}b")
        for name in names:
            location = name.rstrip("b") if name != "WH" else "WH"
            terminal = Terminal(
                name,
                location,
                tokens[name],
                self.work_dir / "stores",
                self.ledger.base_url,
                self._transport_for,
                self.clock.now,
                self.seed,
            )
            self.terminals[name] = terminal
            self.primary.setdefault(location, terminal)
            terminal.open()
        web_ids = IdSource(f"{self.seed}:ids:web", self.clock.now)
        self.web = WebShop(
            httpx.Client(
                base_url=self.ledger.base_url,
                headers={"Authorization": f"Bearer {admin}"},
                timeout=120.0,
                transport=FaultTransport(WEB, self, lambda: True),
            ),
            web_ids,
        )
        self.motion.open_head_office(erp)
        for terminal in self.terminals.values():
            report = terminal.sync.sync_once()
            if not report.online:
                raise ModelMismatch(f"{terminal.name} could not bootstrap: {report.error}")
        for terminal in self.frng.sample(sorted(self.terminals.values(), key=lambda t: t.name), 2):
            hours = self.frng.choice((-9, -5, -3, 2, 4, 7, 11))
            terminal.skew = timedelta(hours=hours, minutes=self.frng.randint(0, 59))
            self.trace(f"clock {terminal.name} {hours}h")
        self._schedule()
        self.fulfilment.open()
        self.offers.open()
        self.faults_on = True

    def _schedule(self) -> None:
        steps, frng = self.config.steps, self.frng
        window = range(max(1, steps // 10), max(2, steps * 8 // 10))
        self.kill_at: dict[int, str] = {}
        for kind in faults.LEDGER_KILLS:
            if frng.random() < 0.8:
                at = frng.choice(window)
                while at in self.kill_at:
                    at += 1
                self.kill_at[at] = kind
        names = sorted(self.terminals)
        self.disk_full_at = {
            frng.choice(window): (frng.choice(names), frng.randint(3, 8))
            for _ in range(frng.randint(1, 2))
        }
        self.disk_full_until: dict[str, int] = {}
        self.child_kill_at = {frng.choice(window) for _ in range(frng.randint(1, 2))}

    def _transport_for(self, terminal: Terminal) -> httpx.BaseTransport:
        return FaultTransport(terminal.name, self, lambda: terminal.online)

    # === the switchboard (asked by every FaultTransport) ========================================

    def ledger_up(self) -> bool:
        return self.ledger.running

    def crash_point(self, owner: str) -> str | None:
        terminal = self.terminals.get(owner)
        return None if terminal is None else terminal.armed

    def disarm(self, owner: str) -> None:
        self.terminals[owner].armed = None

    def targeted_fault(self, sent: Sent) -> str | None:
        workloads = (self.counter, self.fulfilment, self.offers)
        return next((f for w in workloads if (f := w.push_fault(sent)) is not None), None)

    def take_ledger_kill(self, sent: Sent) -> str | None:
        if self.kill_armed is None or not sent.mutation:
            return None
        kind, self.kill_armed = self.kill_armed, None
        return kind

    def kill_ledger(
        self,
        kind: str,
        while_sending: Callable[[], None] | None = None,
        hold_table: str = "idempotency",
    ) -> None:
        if while_sending is None:
            self.ledger.kill()
        else:
            with WriteHold(self.database_url, self.db, hold_table) as hold:
                sender = threading.Thread(target=while_sending, name="request-into-kill")
                sender.start()
                hold.wait_until_blocked()
                self.ledger.kill()
                sender.join(timeout=60)
        self.count(kind)
        self.ledger_down_until = self.step + self.frng.randint(1, 3)
        for transport in self._real.values():
            transport.close()
        self._real.clear()

    def network_fault(self, sent: Sent) -> str | None:
        if not self.faults_on:
            return None
        rate = self.config.fault_rate
        draw = self.frng.random()
        table = [
            (faults.REQUEST_DROPPED, 0.04),
            (faults.REPLY_DROPPED, 0.04 if sent.mutation else 0.02),
            (faults.DUPLICATED, 0.03),
            (faults.REORDERED, 0.03 if sent.mutation else 0.0),
            (faults.SLOW_REPLY, 0.05),
        ]
        for fault, probability in table:
            if draw < probability * rate:
                return fault
            draw -= probability * rate
        return None

    def slow_delay(self) -> float:
        return self.frng.uniform(0.5, 12.0)

    def delay_store(self, owner: str, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    def hold(self, sent: Sent, in_flight: bool) -> None:
        due = self.step if in_flight else self.step + self.frng.randint(1, 6)
        self.held.append(Held(sent, due, in_flight))

    def observe(self, sent: Sent, response: httpx.Response) -> None:
        self.requests += 1
        path = urlparse(sent.url).path
        status = response.status_code
        if status >= 500:
            raise ModelMismatch(f"the ledger answered {status} to {sent.method} {path}")
        if not sent.mutation:
            return
        body = json.loads(sent.content)
        if path.endswith("/ops"):
            if status != 200:
                raise ModelMismatch(f"the ledger refused a whole push: {status} {response.text}")
            result = OperationsResult.model_validate_json(response.content)
            for op, answer in zip(body["ops"], result.results, strict=True):
                self.feed(sent.owner, op, answer.status, answer.body, answer.replayed)
        elif path.endswith(("/orders", "/deliveries")):
            replayed = response.headers.get("Idempotent-Replayed") == "true"
            kind = "order" if path.endswith("/orders") else "announce_delivery"
            self.feed(sent.owner, {"op": kind, **body}, status, response.json(), replayed)

    def feed(
        self, owner: str, op: dict[str, Any], status: int, body: dict[str, Any], replayed: bool
    ) -> None:
        if replayed:
            self.model.replay(op, status, body)
            return
        self.model.apply(op, status, body, owner)
        self.trace(f"applied {owner} {op['op']} {op['op_id']} {status}")

    def replied(self, owner: str, sent: Sent) -> None:
        terminal = self.terminals.get(owner)
        if terminal is not None and terminal.armed == AFTER_REPLY and sent.url.endswith("/orders"):
            # The live order's reply is in; the store dies before it clears the outbox entry.
            terminal.armed = None
            terminal.crash_on_commit = AFTER_REPLY

    def count(self, fault: str) -> None:
        self.faults[fault] += 1
        self.trace(f"fault {fault}")

    def real_transport(self, owner: str) -> httpx.BaseTransport:
        transport = self._real.get(owner)
        if transport is None:
            transport = self._real[owner] = httpx.HTTPTransport(verify=False)
        return transport

    # === the workload ===========================================================================

    def _workload(self) -> None:
        for step in range(self.config.steps):
            self.step = step
            self.clock.advance(timedelta(seconds=self.rng.randint(5, 120)))
            self._scheduled_faults()
            self.fulfilment.tick()
            self.offers.tick()
            self._deliver_held()
            if step in self.child_kill_at and not self._child_kill():
                self.child_kill_at.add(step + 1)
            self._act()

    def _scheduled_faults(self) -> None:
        step = self.step
        if not self.ledger.running and step >= self.ledger_down_until:
            self.ledger.start()
            self.trace("ledger restarted")
        kind = self.kill_at.get(step)
        if kind is not None:
            if not self.ledger.running or self.kill_armed is not None:
                self.kill_at[step + 1] = kind
            elif kind == faults.LEDGER_KILLED_IDLE:
                self.kill_ledger(kind)
            else:
                self.kill_armed = kind
        for name, until in list(self.disk_full_until.items()):
            if step >= until:
                self.terminals[name].free_disk()
                del self.disk_full_until[name]
        if step in self.disk_full_at:
            name, length = self.disk_full_at[step]
            if name not in self.disk_full_until:
                terminal = self.terminals[name]
                terminal.fill_disk()
                self.disk_full_until[name] = step + length
                self.trace(f"disk full {name}")
                # Staff go on using the terminal until it says its disk is full.
                refused = self.faults[faults.DISK_FULL]
                for _ in range(40):
                    self._run(terminal, "sale" if terminal.location != "WH" else "receive")
                    if self.faults[faults.DISK_FULL] > refused:
                        break

    def _deliver_held(self, everything: bool = False) -> None:
        if not self.ledger.running:
            return
        due = [h for h in self.held if everything or h.due <= self.step]
        self.held = [h for h in self.held if h not in due]
        for held in due:
            transport = FaultTransport(held.sent.owner, self, lambda: True)
            transport.forward(held.sent)
            if not held.in_flight:
                self.count(faults.REORDERED)

    def _child_kill(self) -> bool:
        """A sync round in a real process, SIGKILLed at a checkpoint; False: not possible now."""
        able = [
            t
            for t in self.terminals.values()
            if t.online and not t.disk_full and self.ledger.running
        ]
        if not able:
            return False
        waiting = [t for t in able if t.pending()]
        terminal = self.frng.choice(sorted(waiting or able, key=lambda t: t.name))
        point = self.frng.choice(CHILD_KILL_POINTS)
        before = [entry.payload for entry in terminal.pending()]
        log = self.work_dir / "children.log"
        killed = terminal.sync_in_child(point, log)
        self.trace(f"child sync {terminal.name} {point} killed={killed}")
        if killed:
            self.count(faults.STORE_PROCESS_KILLED)
        self._resolve_unseen(terminal.name, before)
        return True

    def _resolve_unseen(self, owner: str, ops: list[dict[str, Any]]) -> None:
        """Operations a real child process may have sent: the ledger's stored outcomes say which
        it applied (in outbox order, nothing else ran meanwhile)."""
        with self.db.connect() as connection:
            for op in ops:
                op_id = str(op["op_id"])
                if op_id in self.model.applied:
                    continue
                row = connection.execute(
                    text("SELECT status_code, response FROM idempotency WHERE op_id = :id"),
                    {"id": op_id},
                ).first()
                if row is not None:
                    self.feed(owner, op, int(row[0]), json.loads(row[1]), replayed=False)

    def _act(self) -> None:
        rng = self.rng
        names = sorted(self.terminals)
        actor = rng.choice([*names, WEB, WEB, ERP])
        if actor == WEB:
            self._web_order()
            return
        if actor == ERP:
            self.motion.announce()
            return
        terminal = self.terminals[actor]
        if terminal.location == "WH":
            actions = [
                ("pick", 50),
                ("claim", self.offers.weight(terminal)),
                ("count", 8),
                ("receive", 4),
                ("motion", 35),
                ("counter", 4),
                ("sync", 25),
                ("offline", 3),
            ]
        else:
            actions = [
                ("sale", 25),
                ("order", 10),
                ("pick", 25),
                ("claim", self.offers.weight(terminal)),
                ("count", 6),
                ("receive", 2),
                ("motion", 35),
                ("counter", 25),
                ("lookup", 3),
                ("sync", 20),
                ("offline", 3),
            ]
            if self.fulfilment.siblings(terminal):
                actions.append(("fulfilment", 100))
        action = rng.choices([a for a, _ in actions], [w for _, w in actions])[0]
        self._run(terminal, action)
        # A closed receipt, send or return goes out at once when the terminal is online (and
        # always when a fault waits for the push that carries it).
        chance = 0.8 if action in ("motion", "counter", "fulfilment", "claim") else 0.3
        waits = any(
            w.waits_for_push(terminal) for w in (self.counter, self.fulfilment, self.offers)
        )
        if action != "sync" and (rng.random() < chance or waits):
            self._run(terminal, "sync")

    def _arm(self, terminal: Terminal, action: str) -> None:
        chance = 0.1 if action in ("sync", "order") else 0.05
        if not self.faults_on or self.frng.random() >= chance * self.config.fault_rate:
            return
        if action == "sync":
            if not (terminal.online and self.ledger.running and terminal.pending()):
                return  # the round would push nothing: its points would not be reached
            # Each point in turn: a few crashes of a seed reach all of them.
            self.sync_turn = self.frng.randrange(3) if self.sync_turn < 0 else self.sync_turn + 1
            terminal.armed = SYNC_CRASH_POINTS[self.sync_turn % len(SYNC_CRASH_POINTS)]
        elif action == "order":
            terminal.armed = self.frng.choice(CRASH_POINTS)
        elif action in ("sale", "pick", "count", "receive"):
            terminal.armed = self.frng.choice((BEFORE_LOCAL_COMMIT, AFTER_LOCAL_COMMIT))

    def _run(self, terminal: Terminal, action: str) -> None:
        self._arm(terminal, action)
        issued = len(terminal.ids.issued)
        try:
            {
                "sale": self._sale,
                "order": self._order_in_store,
                "pick": self._pick,
                "count": self._count,
                "receive": self._receive,
                "motion": self.motion.act,
                "counter": self.counter.act,
                "fulfilment": self.fulfilment.act,
                "takeover": self.fulfilment.take_over_here,
                "claim": self.offers.act,
                "claim_too": self.offers.claim_too,
                "bring_back": self.counter.bring_back,
                "lookup": self._lookup,
                "sync": self._sync,
                "offline": self._toggle_offline,
                "finish_drafts": self.motion.finish_drafts,
            }[action](terminal)
            if terminal.armed == AFTER_LOCAL_COMMIT and len(terminal.ids.issued) > issued:
                raise SimulatedCrash(AFTER_LOCAL_COMMIT)
        except SimulatedCrash as crash:
            self.count(faults.crash_class(crash.point))
            self._deliver_in_flight()
            terminal.crashed()
        except OperationalError as error:
            if "full" not in str(error):
                raise
            self.count(faults.DISK_FULL)
            self.trace(f"disk full refused {terminal.name} {action}")
        finally:
            terminal.armed = None
            terminal.crash_on_commit = None
        self.register(terminal, terminal.ids.issued[issued:])

    def run_action(self, terminal: Terminal, action: str) -> None:
        """One action at ``terminal`` on behalf of a workload acting at another terminal (its
        crash is ``terminal``'s, its operations are registered as ``terminal``'s)."""
        self._run(terminal, action)

    def _deliver_in_flight(self) -> None:
        if any(h.in_flight for h in self.held):
            if not self.ledger.running:
                return  # it stays held and arrives once the ledger is back
            self.held, flying = (
                [h for h in self.held if not h.in_flight],
                [h for h in self.held if h.in_flight],
            )
            for held in flying:
                FaultTransport(held.sent.owner, self, lambda: True).forward(held.sent)

    def register(self, terminal: Terminal, issued: list[str]) -> None:
        """Tell which of the ids ``terminal`` handed out were committed (made) and which not."""
        if not issued:
            return
        present = terminal.outbox_ids()
        for op_id in issued:
            if op_id in present or op_id in self.model.applied:
                self.made[op_id] = terminal.name
                self.trace(f"made {terminal.name} {op_id}")
                if terminal.skew:
                    self.faults[faults.CLOCK_SKEW] += 1
            else:
                self.uncommitted.add(op_id)
                self.trace(f"not made {terminal.name} {op_id}")

    # --- the actions ----------------------------------------------------------------------------

    def _sku(self) -> str:
        return self.rng.choice(sorted(SKUS))

    def _sale(self, terminal: Terminal) -> None:
        sale = terminal.sales.record(self._sku(), self.rng.randint(1, 2))
        self.counter.sold(terminal, sale)
        self.trace(f"sale {terminal.name} {sale.sku} {sale.qty}")

    def _receive(self, terminal: Terminal) -> None:
        sku, qty = self._sku(), self.rng.randint(2, 6)
        operation = MovementsOp(
            op="movements",
            op_id=terminal.ids(),
            lines=[ReceiptLine(kind="receipt", sku=sku, location=terminal.location, qty=qty)],
            occurred_at=terminal.now(),
        )
        with terminal.enqueue() as connection:
            outbox.enqueue(
                connection,
                operation,
                f"receipt {qty} x {sku}",
                [outbox.Effect(sku, terminal.location, qty)],
                terminal.now(),
                person=None,
            )
        self.trace(f"receive {terminal.name} {sku} {qty}")

    def _count(self, terminal: Terminal) -> None:
        sku = self._sku()
        view = terminal.lookup.item_view(sku, live=False)
        if view is None:
            return
        # What the shelf holds on sale as of the feed position the count names: the ledger's
        # view at that position (without this terminal's unsent operations), give or take a unit.
        seen = terminal.on_sale_as_last_pulled(sku)
        counted = max(0, seen + self.rng.choice((-1, 0, 0, 0, 1)))
        operation = CountOp(
            op="count",
            op_id=terminal.ids(),
            sku=sku,
            location=terminal.location,
            counted=counted,
            as_of_seq=terminal.cursor(),
        )
        with terminal.enqueue() as connection:
            outbox.enqueue(
                connection,
                operation,
                f"count {counted} x {sku}",
                [],
                terminal.now(),
                person=None,
            )
        self.trace(f"count {terminal.name} {sku} {counted}")

    def _lookup(self, terminal: Terminal) -> None:
        terminal.lookup.item_view(self._sku(), live=True)

    def _sync(self, terminal: Terminal) -> None:
        report = terminal.sync.sync_once()
        self.trace(f"sync {terminal.name} online={report.online} refused={report.refused}")

    def _toggle_offline(self, terminal: Terminal) -> None:
        terminal.online = not terminal.online
        if not terminal.online:
            self.count(faults.OFFLINE)
        self.trace(f"{terminal.name} {'online' if terminal.online else 'offline'}")

    def _delivery_for(self, here: str) -> Any:
        draw = self.rng.random()
        stores = sorted({t.location for t in self.terminals.values()} - {"WH"})
        if draw < 0.45 and here != "WH":
            return collect_at(here)
        if draw < 0.65:
            return collect_at(self.rng.choice(stores))
        postal_code, city = self.rng.choice(HOME_TOWNS)
        return home_delivery(f"{self.rng.randint(1, 99)} rue de la Paix", postal_code, city)

    def _order_in_store(self, terminal: Terminal) -> None:
        sku, qty = self._sku(), self.rng.randint(1, 3)
        contact = customer(f"Client {self.rng.randint(1, 999)}", phone="06 12 34 56 78")
        try:
            outcome = terminal.orders.place(
                sku, qty, self._delivery_for(terminal.location), contact
            )
        except OrderInputError as error:
            raise ModelMismatch(f"order refused by the terminal: {error}") from error
        self.trace(f"order {terminal.name} {sku} {qty} {outcome.status.value}")

    def _web_order(self) -> None:
        skus = self.rng.sample(sorted(SKUS), self.rng.choice((1, 1, 2)))
        order = OrderCreate(
            op_id=self.web.ids(),
            channel="web",
            lines=[{"sku": sku, "qty": self.rng.randint(1, 3)} for sku in skus],
            customer=customer(f"Web {self.rng.randint(1, 999)}", email="web@example.org"),
            delivery=self._delivery_for("WH"),
        )
        self.made[str(order.op_id)] = WEB
        self.web.place(order)
        self.trace(f"web order {order.op_id} pending={len(self.web.pending)}")

    def _pick(self, terminal: Terminal) -> None:
        rng = self.rng
        jobs = terminal.picking.queue().jobs
        if not jobs:
            return
        job = rng.choice(jobs)
        try:
            self.pick_step(terminal, job, drain=False)
        except PickingRefused as refusal:
            self.refused_locally += 1
            self.trace(f"pick refused {terminal.name} {refusal.code.value}")

    def pick_step(self, terminal: Terminal, job: Any, drain: bool) -> None:
        """Move one job one step, as staff would (in the drain: only forward, never short)."""
        rng, picking = self.rng, terminal.picking
        state = job.state
        short = 0.0 if drain else 0.12
        if state == "assigned":
            if job.open_lines and rng.random() < short:
                line = rng.choice(job.open_lines)
                picking.short_pick(job.id, line.line_no, rng.choice(list(RejectReason)))
            else:
                picking.start(job.id)
        elif state == "picking":
            missing = [line for line in job.open_lines if not line.complete]
            if missing:
                line = rng.choice(missing) if not drain else missing[0]
                if rng.random() < short:
                    picking.short_pick(job.id, line.line_no, RejectReason.NOT_FOUND)
                else:
                    for _ in range(line.remaining):
                        picking.scan(job.id, self.gtins[line.sku])
            else:
                picking.mark_picked(job.id)
        elif state == "picked":
            if not drain and rng.random() < 0.05:
                picking.cancel(job.id)
            elif job.kind == "ship":
                picking.pack(job.id, parcels=1, weight_grams=rng.randint(100, 2000))
            else:
                picking.mark_ready(job.id)
        elif state == "packed":
            picking.ship(job.id, f"TRK{rng.randint(10**6, 10**7)}")
        elif state == "ready":
            if self.fulfilment.waits_for_customer(job.id):
                return  # the customer never comes: the no-show sweep ends it
            if not drain and rng.random() < 0.08:
                picking.cancel(job.id)
            else:
                picking.hand_over(job.id)
        self.trace(f"pick {terminal.name} {job.id[:8]} {state}")

    # === the drain ==============================================================================

    def _drain(self) -> None:
        self.faults_on = False
        self.step = self.config.steps
        if not self.ledger.running:
            self.ledger.start()
            self.trace("ledger restarted for the drain")
        self.kill_armed = None
        for terminal in self.terminals.values():
            terminal.online = True
            if terminal.disk_full:
                terminal.free_disk()
        self.disk_full_until.clear()
        self._deliver_held(everything=True)
        for round_no in range(self.config.drain_rounds):
            self.step = self.config.steps + round_no
            self.web.flush()
            self.motion.flush()
            busy = self._busy_locations()
            for terminal in self.terminals.values():
                if round_no == 0 or terminal.location in busy or terminal.pending():
                    self._run(terminal, "sync")
            # Every terminal: a job taken over is finished by the terminal that took it.
            for terminal in self.terminals.values():
                for queued in terminal.picking.queue().jobs:
                    for _ in range(12):
                        job = terminal.picking.job(queued.id)
                        if job is None or job.done:
                            break
                        issued = len(terminal.ids.issued)
                        try:
                            self.pick_step(terminal, job, drain=True)
                        except PickingRefused:
                            self.refused_locally += 1
                            break
                        finally:
                            self.register(terminal, terminal.ids.issued[issued:])
                self.trace(f"drained {terminal.name}")
            self.fulfilment.drain()
            self.offers.drain()
            if round_no == 0:
                for terminal in self.terminals.values():
                    self._run(terminal, "finish_drafts")
            if self._drained():
                for terminal in self.terminals.values():
                    self._run(terminal, "sync")
                return
        raise ModelMismatch(
            f"the stores did not drain in {self.config.drain_rounds} rounds: {self._drain_state()}"
        )

    def _busy_locations(self) -> set[str]:
        """Locations with jobs still open at the ledger."""
        with self.db.connect() as connection:
            return {
                str(location)
                for (location,) in connection.execute(
                    text(
                        "SELECT DISTINCT location FROM jobs WHERE state NOT IN "
                        "('shipped', 'collected', 'cancelled', 'rejected')"
                    )
                )
            }

    def _drained(self) -> bool:
        if self.web.pending or self.held or self.motion.waiting:
            return False
        if any(t.pending() for t in self.terminals.values()):
            return False
        with self.db.connect() as connection:
            open_jobs = connection.execute(
                text(
                    "SELECT count(*) FROM jobs WHERE state NOT IN "
                    "('shipped', 'collected', 'cancelled', 'rejected')"
                )
            ).scalar_one()
            open_lines = connection.execute(
                text("SELECT count(*) FROM order_lines WHERE state IN " + OPEN_LINE_STATES)
            ).scalar_one()
        return not open_jobs and not open_lines

    def _drain_state(self) -> str:
        waiting = {t.name: len(t.pending()) for t in self.terminals.values()}
        with self.db.connect() as connection:
            jobs = connection.execute(
                text(
                    "SELECT location, state, count(*) FROM jobs WHERE state NOT IN "
                    "('shipped', 'collected', 'cancelled', 'rejected') GROUP BY location, state"
                )
            ).all()
        return (
            f"outboxes {waiting}, web {len(self.web.pending)}, erp {self.motion.waiting}, "
            f"open jobs {jobs}"
        )


def run_seed(
    seed: int,
    backend: str,
    database_url: str,
    work_dir: Path,
    config: SimConfig | None = None,
    keep: bool = False,
) -> SeedResult:
    """Run one seed; its files are removed afterwards unless it failed or ``keep``."""
    simulation = Simulation(seed, backend, database_url, work_dir, config)
    result = simulation.run()
    if not keep:
        shutil.rmtree(work_dir, ignore_errors=True)
    return result

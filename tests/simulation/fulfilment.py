"""Fulfilment in the simulation: one picker per job, a manager's takeover and no-shows, through
the real storeapp picking service (``PickingService.start``, ``take_over``) and the ledger's
real no-show sweep.

* ``FulfilmentWorkload.act``: at a store with two terminals (each a device of its own, both
  managers'), one of them either takes over a job its cache shows the other picking, or goes
  for a job the other started: a job the other's start may not have reached it yet, so both
  queue a start and the ledger refuses the second with ``job-held`` (into that terminal's
  "needs attention"); once its cache knows, the terminal refuses its own step. A former holder,
  maybe offline with steps queued, sees them refused.
* Collections: a quarter of the collections made ready are never collected
  (``waits_for_customer``: the harness leaves them ready). Now and then (``tick``) the ledger's
  clock moves past every ready collection's deadline (``collection_days`` and one day on) and
  its no-show sweep runs in the ledger process (``ledger.SWEEP_PATH``); the sweep runs
  again at once and must end nothing. In the drain, a sweep ends those still waiting.
* Its fault points: a takeover fails at the counter's six points (``takeover.<point>``: the
  terminal dies at its local commit, right after it, with the push carrying it in flight; that
  push loses its request or its reply, or arrives twice), in turn in an order the seed
  shuffles, the first six takeovers of a seed one at each; and a sweep may be cut by a SIGKILL
  of the ledger while it waits on the database (``ledger_sigkill_mid_sweep``: nothing of it is
  committed); it runs again once the ledger is back, at the same time.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx

from ordersync.services.routing_policy import parse_policy
from storeapp.services.job_views import JobView
from storeapp.services.orders import OrderInputError, collect_at, customer
from storeapp.services.picking import PickingRefused
from tests.simulation.faults import COUNTER_POINTS, LEDGER_KILLED_MID_SWEEP, Sent
from tests.simulation.fulfilment_model import FulfilmentMismatch
from tests.simulation.ledger import SWEEP_PATH
from tests.simulation.oracle import ModelMismatch
from tests.simulation.store import SimulatedCrash, Terminal

if TYPE_CHECKING:
    from tests.simulation.harness import Simulation

_LOCAL = ("before_commit", "after_commit")
"""Points of the terminal alone; the others need a push to carry the takeover."""
_FIRST = len(COUNTER_POINTS)
SWEEP_TIMEOUT_SECONDS = 120.0


def never_collected(job_id: str) -> bool:
    """Whether the customer of this collection never comes (a quarter of them, by its id)."""
    return uuid.UUID(job_id).int % 4 == 0


class FulfilmentWorkload:
    """Contested jobs, takeovers and no-shows, driven by a seeded stream of its own."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.rng = random.Random(f"{sim.seed}:fulfilment")
        """Its own stream: its draws leave the rest of a seed's workload and faults alone."""
        self.order: list[str] = []
        self.turn = 0
        self.taken = False
        self.targets: dict[str, tuple[str, str]] = {}
        """op_id -> (the push fault waiting for the push that carries it, the terminal's name)."""
        self.started: dict[str, str] = {}
        """Job id -> the terminal that queued its start here, for its sibling to go for it."""
        self.sweep_steps: set[int] = set()
        self.unfinished: datetime | None = None
        """The time of a sweep the ledger died in: it runs again once the ledger is back."""
        self.done: Counter[str] = Counter()

    def figures(self) -> Counter[str]:
        if not hasattr(self.sim, "model"):
            return Counter()
        return +(self.done + self.sim.model.fulfilment.figures)

    def open(self) -> None:
        """After setup: the policy's collection deadline, and the steps that sweep."""
        sim = self.sim
        policy = parse_policy(sim.ledger.policy.read_text())
        sim.model.fulfilment.collection_days = policy.service_level.collection_days
        steps = sim.config.steps
        window = range(max(1, steps // 5), max(2, steps * 9 // 10))
        self.sweep_steps = {self.rng.choice(window) for _ in range(2)}

    # --- the push faults (asked by the harness's switchboard) ---------------------------------

    def push_fault(self, sent: Sent) -> str | None:
        """The named fault for a push carrying a takeover one was planned for, once."""
        if not self.targets or not self.sim.faults_on or not sent.url.endswith("/ops"):
            return None
        for op in json.loads(sent.content).get("ops", []):
            target = self.targets.pop(str(op.get("op_id")), None)
            if target is not None:
                return target[0]
        return None

    def waits_for_push(self, terminal: Terminal) -> bool:
        for op_id in [op_id for op_id in self.targets if op_id in self.sim.model.applied]:
            del self.targets[op_id]
        return any(owner == terminal.name for _, owner in self.targets.values())

    def _point(self, terminal: Terminal) -> str | None:
        """Where this takeover fails, if it does (as ``CounterWorkload._point``)."""
        sim = self.sim
        if not sim.faults_on:
            return None
        if not self.order:
            self.order = list(COUNTER_POINTS)
            self.rng.shuffle(self.order)
        if self.turn >= _FIRST and self.rng.random() >= 0.2 * sim.config.fault_rate:
            return None
        point = self.order[self.turn % len(self.order)]
        if point not in _LOCAL and not (terminal.online and sim.ledger.running):
            return None
        self.turn += 1
        self.taken = True
        return f"takeover.{point}"

    # --- the action ---------------------------------------------------------------------------

    def siblings(self, terminal: Terminal) -> list[Terminal]:
        return [
            other
            for name, other in sorted(self.sim.terminals.items())
            if other.location == terminal.location and name != terminal.name
        ]

    def act(self, terminal: Terminal) -> None:
        """A takeover or a contested job at ``terminal`` (``SimulatedCrash`` may stop it)."""
        if not self.siblings(terminal):
            return
        jobs = self._refreshed(terminal)
        held = self._held_elsewhere(jobs)
        self.taken = False
        try:
            if held and self.rng.random() < 0.9:
                self._take_over(terminal, self.rng.choice(held))
            else:
                self._contend(terminal, jobs)
        except PickingRefused as refusal:
            self._refused(terminal, refusal)

    def take_over_here(self, terminal: Terminal) -> None:
        """The manager at ``terminal`` takes over a job another device is picking, if any."""
        held = self._held_elsewhere(self._refreshed(terminal))
        if not held:
            return
        self.taken = False
        try:
            self._take_over(terminal, self.rng.choice(held))
        except PickingRefused as refusal:
            self._refused(terminal, refusal)

    def _refreshed(self, terminal: Terminal) -> list[JobView]:
        """The jobs as the ledger last said them: the manager's list refreshes (a sync round)."""
        report = terminal.sync.sync_once()
        self.sim.trace(f"sync {terminal.name} online={report.online} refused={report.refused}")
        return terminal.picking.queue().jobs

    @staticmethod
    def _held_elsewhere(jobs: list[JobView]) -> list[JobView]:
        return [
            job
            for job in jobs
            if job.state == "picking" and job.held_by is not None and not job.held_by.this_terminal
        ]

    def _refused(self, terminal: Terminal, refusal: PickingRefused) -> None:
        """The terminal refused it: nothing was committed, the point taken did not happen."""
        if self.taken:
            self.turn -= 1
        self.sim.refused_locally += 1
        self.done[f"refused by the terminal ({refusal.code.value})"] += 1
        self.sim.trace(f"fulfilment refused {terminal.name} {refusal.code.value}")

    def _take_over(self, terminal: Terminal, job: JobView) -> None:
        point = self._point(terminal)
        if point is not None and point.endswith(".before_commit"):
            terminal.crash_on_commit = point
        queued = terminal.picking.take_over(job.id)
        terminal.crash_on_commit = None
        self.done["takeovers made"] += 1
        self.sim.trace(f"takeover {terminal.name} {job.id[:8]} {queued.op_id} {point}")
        if point is None:
            return
        if point.endswith(".after_commit"):
            raise SimulatedCrash(point)
        if not point.endswith(".before_commit"):
            self.targets[str(queued.op_id)] = (point, terminal.name)

    def _contend(self, terminal: Terminal, jobs: list[JobView]) -> None:
        """Go for a job a sibling started (its start may still be on its way), else start one
        for a sibling to go for."""
        rng = self.rng
        theirs = [
            job
            for job in jobs
            if job.id in self.started and self.started[job.id] != terminal.name and not job.done
        ]
        if theirs:
            job = rng.choice(theirs)
            del self.started[job.id]
            self.done["contested steps"] += 1
            self.sim.trace(f"contend {terminal.name} {job.id[:8]} {job.state}")
            self.sim.pick_step(terminal, job, drain=False)
            return
        assigned = [job for job in jobs if job.state == "assigned"]
        if not assigned:
            self._order_to_collect_here(terminal)
            return
        job = rng.choice(assigned)
        terminal.picking.start(job.id)
        self.started[job.id] = terminal.name
        self.done["contested starts"] += 1
        self.sim.trace(f"contested start {terminal.name} {job.id[:8]}")
        draw = rng.random()
        if draw < 0.4:
            # A manager at its sibling takes it over once the start reaches the ledger.
            self._refreshed(terminal)
            self.sim.run_action(rng.choice(self.siblings(terminal)), "takeover")
        elif draw < 0.8:
            # Its sibling goes for it at once, before either start reaches the ledger.
            other = rng.choice(self.siblings(terminal))
            issued = len(other.ids.issued)
            try:
                other.picking.start(job.id)
                self.done["contested starts"] += 1
                self.sim.trace(f"contested start {other.name} {job.id[:8]}")
            except PickingRefused as refusal:
                self.sim.refused_locally += 1
                self.done[f"refused by the terminal ({refusal.code.value})"] += 1
            finally:
                self.sim.register(other, other.ids.issued[issued:])

    def _order_to_collect_here(self, terminal: Terminal) -> None:
        """No job to go for: a customer orders an item this store has on its shelf, to collect
        here (the ledger serves it from this shelf when it can)."""
        on_shelf = [sku for sku in sorted(self.sim.gtins) if terminal.on_sale_as_last_pulled(sku)]
        if not on_shelf:
            return
        sku = self.rng.choice(on_shelf)
        contact = customer(f"Client {self.rng.randint(1, 999)}", phone="06 12 34 56 78")
        try:
            outcome = terminal.orders.place(sku, 1, collect_at(terminal.location), contact)
        except OrderInputError as error:
            raise ModelMismatch(f"order refused by the terminal: {error}") from error
        self.done["orders to collect at a store with two terminals"] += 1
        self.sim.trace(f"order to collect {terminal.name} {sku} {outcome.status.value}")

    # --- collections and the no-show sweep ----------------------------------------------------

    def waits_for_customer(self, job_id: str) -> bool:
        """A ready collection whose customer does not come: the harness leaves it ready until
        the sweep ends it (after that, a terminal that has not heard may still try to hand it
        over, too late)."""
        return never_collected(job_id) and job_id not in self.sim.model.fulfilment.no_shows

    def tick(self) -> None:
        """A workload step: finish a sweep the ledger died in; sweep when the plan says."""
        sim = self.sim
        if not sim.ledger.running:
            if sim.step in self.sweep_steps:
                self.sweep_steps.add(sim.step + 1)
            return
        if self.unfinished is not None:
            self._sweep(self.unfinished, kill=False)
        if sim.step in self.sweep_steps:
            kill = sim.faults_on and self.rng.random() < 0.5 * sim.config.fault_rate
            self._sweep(self._past_every_deadline(), kill)

    def drain(self) -> None:
        """In the drain: end the collections still waiting for a customer who does not come."""
        model = self.sim.model
        waiting = [
            job
            for job in model.jobs.values()
            if job.state == "ready" and job.kind == "collect" and never_collected(job.id)
        ]
        if waiting or self.unfinished is not None:
            self._sweep(self.unfinished or self._past_every_deadline(), kill=False)

    def _past_every_deadline(self) -> datetime:
        days = self.sim.model.fulfilment.collection_days
        return self.sim.ledger.frozen_at + timedelta(days=days + 1)

    def _sweep(self, at: datetime, kill: bool) -> None:
        sim = self.sim
        # The ledger's clock is at ``at`` from now on, across restarts too.
        sim.ledger.frozen_at = at
        if kill:
            self.unfinished = at
            sim.kill_ledger(
                LEDGER_KILLED_MID_SWEEP,
                while_sending=lambda: self._send(at, quiet=True),
                hold_table="jobs",
            )
            sim.trace(f"sweep at {at.isoformat()} killed")
            return
        ended = self._send(at)
        self.unfinished = None
        try:
            jobs = sim.model.fulfilment.swept(at, ended)
        except FulfilmentMismatch as mismatch:
            raise ModelMismatch(str(mismatch)) from mismatch
        sim.trace(f"sweep at {at.isoformat()} ended {sorted(job[:8] for job in jobs)}")
        again = self._send(at)
        if again:
            raise ModelMismatch(f"a second no-show sweep at {at.isoformat()} ended {again} more")

    def _send(self, at: datetime, quiet: bool = False) -> int:
        url = f"{self.sim.ledger.base_url}{SWEEP_PATH}"
        try:
            reply = httpx.post(url, params={"at": at.isoformat()}, timeout=SWEEP_TIMEOUT_SECONDS)
        except httpx.TransportError:
            if quiet:
                return 0
            raise
        if reply.status_code != 200:
            if quiet:
                return 0
            raise ModelMismatch(f"the no-show sweep answered {reply.status_code}: {reply.text}")
        return int(reply.json()["ended"])

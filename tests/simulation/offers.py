"""Competitive allocation in the simulation: web orders offered to several locations at once,
claimed by store terminals through the real storeapp path (``OfferService.claim``, its outbox
entry pushed by the sync), and expired by the ledger's real sweep (``offer_work``), run with its
clock moved past the offers' time.

* The policy (``ledger.COMPETITIVE_POLICY``) offers every web order's lines to the best placed
  locations able to serve them, up to ``OFFER_TO``, when at least two can.
* ``OffersWorkload.act``: a terminal claims an offer its cache shows open (a sync round first,
  now and then: a manager's screen refreshes). Now and then terminals of the other stores it was
  made to claim it in the same step, before any of those claims reaches the ledger, and the
  claims go out in an order the seed draws (contested claims: exactly one wins, the others are
  refused ``offer-taken``, which the terminals settle without asking staff for attention);
  now and then the store's second terminal claims it too (the ledger answers the same won
  offer). A terminal whose cache is stale claims an offer already taken or expired.
* Time: the ledger's clock stands still while the terminals' clocks run, hours apart
  (``store_clock_hours_off``), so offers last ``CLAIM_MINUTES`` (a day) and the harness decides
  when they expire: a few times a seed, the ledger's clock moves past every open offer's time,
  and its sweep runs at once or a few steps later (claims that arrive in between are past the
  offer's time though it is still open: refused ``offer-expired``). A no-show sweep's move of
  the clock (``fulfilment``) puts every open offer past its time too. In the drain, sweeps run
  until no offer is open (each expired offer's lines go to the next locations, a new round,
  a job, or follow-up).
* Its fault points: a claim fails at the counter's six points (``claim.<point>``: the terminal
  dies at its local commit, right after it, with the push carrying it in flight; that push loses
  its request or its reply, or arrives twice), in turn in an order the seed shuffles, the first
  six claims of a seed one at each; and a sweep may be cut by a SIGKILL of the ledger while it
  waits on the database (``ledger_sigkill_mid_offer_sweep``: nothing of it is committed); it
  runs again once the ledger is back, at the same time.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx

from storeapp.services.offers import OfferRefused, OfferView
from tests.simulation.faults import COUNTER_POINTS, LEDGER_KILLED_MID_OFFER_SWEEP, Sent
from tests.simulation.ledger import CLAIM_MINUTES, OFFER_SWEEP_PATH, OFFER_TO
from tests.simulation.offers_model import OfferMismatch
from tests.simulation.oracle import ModelMismatch
from tests.simulation.store import SimulatedCrash, Terminal

if TYPE_CHECKING:
    from tests.simulation.harness import Simulation

_LOCAL = ("before_commit", "after_commit")
"""Points of the terminal alone; the others need a push to carry the claim."""
_FIRST = len(COUNTER_POINTS)
SWEEP_TIMEOUT_SECONDS = 120.0
CLOCK_MOVES = 3
"""How many times a seed moves the ledger's clock past every open offer."""


class OffersWorkload:
    """Claims, contested claims and expiries, driven by a seeded stream of its own."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.rng = random.Random(f"{sim.seed}:offers")
        """Its own stream: its draws leave the rest of a seed's workload and faults alone."""
        self.order: list[str] = []
        self.turn = 0
        self.taken = False
        self.targets: dict[str, tuple[str, str]] = {}
        """op_id -> (the push fault waiting for the push that carries it, the terminal's name)."""
        self.plan: dict[int, str] = {}
        """Step -> ``move`` (the clock only), ``sweep`` (at the clock's time) or ``both``."""
        self.contested: str | None = None
        """The offer the terminals called in by ``claim_too`` go for."""
        self.unfinished: datetime | None = None
        """The time of a sweep the ledger died in: it runs again once the ledger is back."""
        self.done: Counter[str] = Counter()

    def figures(self) -> Counter[str]:
        if not hasattr(self.sim, "model"):
            return Counter()
        return +(self.done + self.sim.model.offers.figures)

    def open(self) -> None:
        """After setup: the oracle's settings, and the steps that move the clock and sweep."""
        sim = self.sim
        model = sim.model.offers
        model.offer_to, model.claim_minutes = OFFER_TO, CLAIM_MINUTES
        model.now = lambda: sim.ledger.frozen_at
        model.location_of = {name: terminal.location for name, terminal in sim.terminals.items()}
        steps = sim.config.steps
        window = range(max(1, steps // 6), max(2, steps * 9 // 10))
        for _ in range(CLOCK_MOVES):
            step = self.rng.choice(window)
            if self.rng.random() < 0.5:
                self.plan[step] = "both"
            else:
                self.plan[step] = "move"
                self.plan.setdefault(step + self.rng.randint(1, 3), "sweep")

    # --- the push faults (asked by the harness's switchboard) ---------------------------------

    def push_fault(self, sent: Sent) -> str | None:
        """The named fault for a push carrying a claim one was planned for, once."""
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
        """Where this claim fails, if it does (as ``CounterWorkload._point``)."""
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
        return f"claim.{point}"

    # --- the action ---------------------------------------------------------------------------

    def weight(self, terminal: Terminal) -> int:
        """How likely staff at ``terminal`` are to claim now: an offer open for its store draws
        them (its screen counts the time down, refreshing as it goes); without one, a claim is
        rare (of what a stale screen still shows)."""
        location = terminal.location
        open_here = any(
            offer.state == "open" and location in offer.locations
            for offer in self.sim.model.offers.offers.values()
        )
        return 300 if open_here else 4

    def act(self, terminal: Terminal) -> None:
        """A claim at ``terminal``, maybe contested (``SimulatedCrash`` may stop it)."""
        rng = self.rng
        claimable = [offer for offer in terminal.offers.offers() if offer.claimable]
        if not claimable or rng.random() < 0.3:
            report = terminal.sync.sync_once()
            self.sim.trace(f"sync {terminal.name} online={report.online} ended={report.ended}")
            claimable = [offer for offer in terminal.offers.offers() if offer.claimable]
        if not claimable:
            return
        offer = rng.choice(claimable)
        self.taken = False
        try:
            self._claim(terminal, offer, self._point(terminal))
        except OfferRefused as refusal:
            self._refused(terminal, refusal)
            return
        rivals = self._rivals(terminal, offer)
        if not rivals or rng.random() >= 0.8:
            return
        self.contested = offer.id
        for rival in rivals:
            self.sim.run_action(rival, "claim_too")
        self.contested = None
        self.done["contested claims"] += 1
        # The claims go out in an order the seed draws; this terminal's may go last.
        senders = [terminal, *rivals]
        rng.shuffle(senders)
        for sender in senders:
            if sender is terminal:
                report = terminal.sync.sync_once()
                self.sim.trace(f"sync {terminal.name} online={report.online}")
            else:
                self.sim.run_action(sender, "sync")

    def _rivals(self, terminal: Terminal, offer: OfferView) -> list[Terminal]:
        """Terminals of the other stores the offer was made to (one each, some of them), and
        now and then this store's other terminal."""
        made = self.sim.model.offers.offers.get(offer.id)
        if made is None:
            return []
        others = [
            other
            for name, other in sorted(self.sim.terminals.items())
            if other.location in made.locations and name != terminal.name
        ]
        here = [other for other in others if other.location == terminal.location]
        elsewhere = [
            self.sim.primary[location]
            for location in made.locations
            if location != terminal.location and location in self.sim.primary
        ]
        chosen = (
            self.rng.sample(elsewhere, self.rng.randint(1, len(elsewhere))) if elsewhere else []
        )
        if here and self.rng.random() < 0.2:
            chosen.append(here[0])
        return chosen

    def claim_too(self, terminal: Terminal) -> None:
        """``terminal`` claims the contested offer as soon as its cache shows it."""
        if self.contested is None:
            return
        if terminal.offers.offer(self.contested) is None:
            terminal.sync.sync_once()
        try:
            self._claim(terminal, terminal.offers.offer(self.contested), None)
        except OfferRefused as refusal:
            self.taken = False
            self._refused(terminal, refusal)

    def _claim(self, terminal: Terminal, offer: OfferView | None, point: str | None) -> None:
        if offer is None:
            self.done["claims refused by the terminal (unknown_offer)"] += 1
            return
        if point is not None and point.endswith(".before_commit"):
            terminal.crash_on_commit = point
        queued = terminal.offers.claim(offer.id)
        terminal.crash_on_commit = None
        self.done["claims made"] += 1
        self.sim.trace(f"claim {terminal.name} {offer.id[:8]} {queued.op_id} {point}")
        if point is None:
            return
        if point.endswith(".after_commit"):
            raise SimulatedCrash(point)
        if not point.endswith(".before_commit"):
            self.targets[str(queued.op_id)] = (point, terminal.name)

    def _refused(self, terminal: Terminal, refusal: OfferRefused) -> None:
        """The terminal refused it: nothing was committed, the point taken did not happen."""
        if self.taken:
            self.turn -= 1
        self.sim.refused_locally += 1
        self.done[f"claims refused by the terminal ({refusal.code.value})"] += 1
        self.sim.trace(f"claim refused {terminal.name} {refusal.code.value}")

    # --- the clock and the sweep --------------------------------------------------------------

    def tick(self) -> None:
        """A workload step: finish a sweep the ledger died in; move the clock or sweep when the
        plan says."""
        sim = self.sim
        what = self.plan.pop(sim.step, None)
        if not sim.ledger.running:
            if what is not None:
                self.plan.setdefault(sim.step + 1, what)
            return
        if self.unfinished is not None:
            self._sweep(self.unfinished, kill=False)
        if what is None:
            return
        at = self._past_every_offer() if what in ("move", "both") else sim.ledger.frozen_at
        if what == "move":
            sim.ledger.frozen_at = at
            self._send(at, sweep=False)
            sim.trace(f"offer clock at {at.isoformat()}")
            return
        kill = (
            sim.faults_on
            and bool(sim.model.offers.due(at))
            and self.rng.random() < 0.5 * sim.config.fault_rate
        )
        self._sweep(at, kill)

    def drain(self) -> None:
        """In the drain: every open offer expires, its lines go on (rounds follow)."""
        if self.unfinished is not None or any(
            offer.state == "open" for offer in self.sim.model.offers.offers.values()
        ):
            self._sweep(self.unfinished or self._past_every_offer(), kill=False)

    def _past_every_offer(self) -> datetime:
        return self.sim.ledger.frozen_at + timedelta(minutes=CLAIM_MINUTES + 1)

    def _sweep(self, at: datetime, kill: bool) -> None:
        sim = self.sim
        # The ledger's clock is at ``at`` from now on, across restarts too.
        sim.ledger.frozen_at = at
        if kill:
            self.unfinished = at
            sim.kill_ledger(
                LEDGER_KILLED_MID_OFFER_SWEEP,
                while_sending=lambda: self._send(at, quiet=True),
                hold_table="offers",
            )
            sim.trace(f"offer sweep at {at.isoformat()} killed")
            return
        ended = self._send(at)
        self.unfinished = None
        try:
            with sim.db.connect() as ledger:
                offers = sim.model.offers.swept(at, ended, ledger)
        except OfferMismatch as mismatch:
            raise ModelMismatch(str(mismatch)) from mismatch
        sim.trace(f"offer sweep at {at.isoformat()} ended {sorted(o[:8] for o in offers)}")
        again = self._send(at)
        if again:
            raise ModelMismatch(f"a second offer sweep at {at.isoformat()} ended {again} more")

    def _send(self, at: datetime, quiet: bool = False, sweep: bool = True) -> int:
        url = f"{self.sim.ledger.base_url}{OFFER_SWEEP_PATH}"
        params = {"at": at.isoformat(), "sweep": str(sweep).lower()}
        try:
            reply = httpx.post(url, params=params, timeout=SWEEP_TIMEOUT_SECONDS)
        except httpx.TransportError:
            if quiet:
                return 0
            raise
        if reply.status_code != 200:
            if quiet:
                return 0
            raise ModelMismatch(f"the offer sweep at {at.isoformat()} answered {reply.text}")
        return int(reply.json()["ended"])

"""The stock-in-motion workload of the simulation: the head office announces deliveries, the
stores receive them (or receive blind), managers request transfers, the source sends them by
scan and the destination receives them, each through the real storeapp services.

* ``HeadOffice``: the ERP, an ``erp`` token posting ``POST /v1/deliveries`` through the same
  faults as everyone, retried until answered (like the web shop).
* ``MotionWorkload.act``: one motion action at a terminal, drawn from what its cache shows:
  finish an open draft, receive an expected delivery (exact, short, over, an unexpected item),
  receive blind, request a transfer (between stores, or from the warehouse), send one by scan
  (sometimes short, sometimes more than the shelf holds, sometimes an item not asked for),
  receive one (sometimes a unit short), cancel one still requested. Receipts and sends are
  queued in the outbox and pushed by the sync rounds like every operation, offline included.

Crash points of its own (``store.MOTION_CRASH_POINTS``): a receipt or send dies with its scans
in the draft and nothing closed (``*.before_close``/``before_send``: the draft survives the
restart and is finished later), or right after its close committed (``*.after_close``/
``after_send``). The general points apply too: at the close's own commit
(``before_local_commit``) and right after it (``after_local_commit``); the sync round that pushes
it meets every network, ledger and store fault.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import Engine

from ordersync.clock import ManualClock
from ordersync.contract import (
    DiscrepancyReason,
    DocumentLineIn,
    InboundDeliveryCreate,
    InboundKind,
    SourceKind,
    SupplierIn,
    TransferState,
)
from ordersync.db.writer import run_in_transaction
from ordersync.domain.permissions import Principal
from ordersync.services.suppliers import put_supplier
from storeapp.services.motion_sheets import MotionRefused
from tests.simulation.faults import FaultTransport
from tests.simulation.oracle import ModelMismatch
from tests.simulation.store import (
    AFTER_LOCAL_COMMIT,
    BEFORE_LOCAL_COMMIT,
    RECEIVE_AFTER_CLOSE,
    RECEIVE_BEFORE_CLOSE,
    TRANSFER_AFTER_SEND,
    TRANSFER_BEFORE_SEND,
    IdSource,
    SimulatedCrash,
    Terminal,
)

if TYPE_CHECKING:
    from tests.simulation.harness import Simulation

ERP = "erp"
SUPPLIERS = ("LISE-CHARMEL", "SIMONE-P")
_REASONS = tuple(DiscrepancyReason)
_POINTS = ("before_close", "after_close", BEFORE_LOCAL_COMMIT, AFTER_LOCAL_COMMIT)
"""Where a motion action dies, in turn (``before_close``: its draft scanned, not closed)."""


@dataclass
class HeadOffice:
    """The ERP: announces deliveries with an ``erp`` token, retried until answered."""

    client: httpx.Client
    ids: IdSource
    pending: list[InboundDeliveryCreate] = field(default_factory=list)

    def announce(self, delivery: InboundDeliveryCreate) -> None:
        self.pending.append(delivery)
        self.flush()

    def flush(self) -> None:
        still: list[InboundDeliveryCreate] = []
        for delivery in self.pending:
            try:
                reply = self.client.post("/v1/deliveries", json=delivery.model_dump(mode="json"))
            except httpx.TransportError:
                still.append(delivery)
                continue
            if reply.status_code >= 500 or reply.status_code in (408, 425, 429):
                still.append(delivery)
            elif reply.status_code != 201:
                raise ModelMismatch(
                    f"delivery announcement refused: {reply.status_code} {reply.text}"
                )
        self.pending = still


def add_suppliers(engine: Engine, clock: ManualClock, admin: Principal) -> None:
    """The suppliers deliveries come from, set up like the catalog."""
    for code in SUPPLIERS:
        run_in_transaction(
            engine,
            clock,
            lambda tx, code=code: put_supplier(tx, admin, code, SupplierIn(name=code.title())),
        )


class MotionWorkload:
    """Deliveries and transfers, driven by the simulation's seeded streams."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.office: HeadOffice | None = None
        self.references = 0
        self.turns: dict[str, int] = {}
        self.first_points = {
            "receive": ["after_close", "before_close"],
            "send": ["after_close", "before_close"],
        }
        self.done: Counter[str] = Counter()
        """What staff and the head office did (figures: announced, received, sent...)."""

    def open_head_office(self, token: str) -> None:
        sim = self.sim
        self.office = HeadOffice(
            httpx.Client(
                base_url=sim.ledger.base_url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=120.0,
                transport=FaultTransport(ERP, sim, lambda: True),
            ),
            IdSource(f"{sim.seed}:ids:erp", sim.clock.now),
        )

    def close(self) -> None:
        if self.office is not None:
            self.office.client.close()

    @property
    def waiting(self) -> int:
        return 0 if self.office is None else len(self.office.pending)

    def flush(self) -> None:
        if self.office is not None:
            self.office.flush()

    def figures(self) -> Counter[str]:
        """What happened to documents in this seed, as the ledger applied it (and what staff
        did that it never saw: drafts dropped)."""
        if not hasattr(self.sim, "model"):
            return Counter()
        model = self.sim.model.motion
        figures: Counter[str] = Counter()
        for delivery in model.deliveries.values():
            figures["deliveries received blind" if delivery.blind else "deliveries announced"] += 1
            if delivery.state == "received" and not delivery.blind:
                figures["deliveries received"] += 1
        for transfer in model.transfers.values():
            figures["transfers requested"] += 1
            for state in ("sent", "received", "cancelled"):
                figures[f"transfers {state}"] += state in transfer.ended_by
        for op, count in model.twice.items():
            figures[f"{op} refused (document done)"] += count
        for op, count in model.empty.items():
            figures[f"{op} refused (no unit counted)"] += count
        figures["discrepancies"] = len(model.discrepancies)
        figures["drafts dropped"] = self.done["drafts dropped"]
        return +figures

    @property
    def skus(self) -> list[str]:
        return sorted(self.sim.gtins)

    # --- the head office ----------------------------------------------------------------------

    def announce(self) -> None:
        sim, rng = self.sim, self.sim.rng
        assert self.office is not None
        locations = sorted({t.location for t in sim.terminals.values()})
        expected = [d for d in sim.model.motion.deliveries.values() if d.state == "expected"]
        if len(expected) + len(self.office.pending) >= len(locations):
            sim.trace("announce: enough deliveries on their way")
            return
        destination = rng.choice(locations)
        if destination != "WH" and rng.random() < 0.5:
            kind, source_kind, source = InboundKind.SHIPPING_NOTICE, SourceKind.LOCATION, "WH"
        else:
            kind = rng.choice((InboundKind.PURCHASE_ORDER, InboundKind.SHIPPING_NOTICE))
            source_kind, source = SourceKind.SUPPLIER, rng.choice(SUPPLIERS)
        self.references += 1
        skus = rng.sample(self.skus, rng.choice((1, 1, 2)))
        start = sim.clock.now() + timedelta(days=rng.randint(0, 3))
        delivery = InboundDeliveryCreate(
            op_id=self.office.ids(),
            reference=f"ASN-{sim.seed}-{self.references}",
            kind=kind,
            source_kind=source_kind,
            source=source,
            destination=destination,
            expected_from=start,
            expected_until=start + timedelta(days=rng.randint(0, 2)),
            lines=[DocumentLineIn(sku=sku, qty=rng.randint(1, 6)) for sku in skus],
        )
        sim.made[str(delivery.op_id)] = ERP
        self.done["deliveries announced"] += 1
        self.office.announce(delivery)
        sim.trace(
            f"announce {delivery.op_id} {source}->{destination} "
            f"{[(line.sku, line.qty) for line in delivery.lines]} pending={self.waiting}"
        )

    # --- the stores -----------------------------------------------------------------------------

    def _crash_point(self, action: str) -> str | None:
        """Where this action dies, if it does. A seed's first receipts and sends die at the
        named points, half of them (so every seed meets them); then each point in turn."""
        sim = self.sim
        if not sim.faults_on:
            return None
        kind = "send" if action == "send" else "receive" if "receive" in action else "other"
        first = self.first_points.get(kind)
        if first and sim.frng.random() < 0.5 * sim.config.fault_rate:
            return first.pop()
        if sim.frng.random() >= 0.2 * sim.config.fault_rate:
            return None
        turn = self.turns.get(kind)
        turn = sim.frng.randrange(len(_POINTS)) if turn is None else turn + 1
        self.turns[kind] = turn
        return _POINTS[turn % len(_POINTS)]

    def act(self, terminal: Terminal) -> None:
        """One motion action at ``terminal`` (``SimulatedCrash`` may leave it anywhere)."""
        rng = self.sim.rng
        receiving, desk = terminal.receiving, terminal.transfers
        here = terminal.location
        choices: list[tuple[str, int]] = []
        if receiving.open_drafts() or desk.open_drafts():
            choices.append(("resume", 30))
        expected = receiving.expected()
        if any(d.kind == "delivery" for d in expected):
            choices.append(("receive_delivery", 25))
        if any(d.kind == "transfer" for d in expected):
            choices.append(("receive_transfer", 60))
        if desk.to_send():
            choices.append(("send", 60))
        if any(t.state == TransferState.REQUESTED for t in desk.transfers()):
            choices.append(("cancel", 2))
        open_transfers = sum(
            t.state in ("requested", "sent") for t in self.sim.model.motion.transfers.values()
        )
        if here != "WH" and open_transfers < len(self.sim.primary):
            choices.append(("request", 25))
        choices.append(("blind", 3 if here != "WH" else 2))
        action = rng.choices([a for a, _ in choices], [w for _, w in choices])[0]
        point = self._crash_point(action)
        try:
            {
                "resume": self._resume,
                "receive_delivery": self._receive_delivery,
                "receive_transfer": self._receive_transfer,
                "send": self._send,
                "cancel": self._cancel,
                "request": self._request,
                "blind": self._blind,
            }[action](terminal, point)
        except MotionRefused as refusal:
            self.sim.refused_locally += 1
            self.sim.trace(f"motion refused {terminal.name} {action} {refusal.code.value}")

    # --- scanning ------------------------------------------------------------------------------

    def _gtin(self, sku: str) -> str:
        return self.sim.gtins[sku]

    def _count_into(self, desk: Any, draft_id: int, units: dict[str, int]) -> None:
        """Scan each unit (a scanner types the GTIN), or type the quantity."""
        rng = self.sim.rng
        for sku, qty in units.items():
            if qty <= 3 and rng.random() < 0.6:
                for _ in range(qty):
                    desk.scan(draft_id, self._gtin(sku))
            else:
                desk.set_quantity(draft_id, sku, qty)

    def _reasons(self, desk: Any, draft_id: int) -> None:
        rng = self.sim.rng
        for line in desk.sheet(draft_id).discrepancies:
            if rng.random() < 0.5:
                desk.set_reason(draft_id, line.sku, rng.choice(_REASONS))

    def _finish(self, terminal: Terminal, desk: Any, draft_id: int, point: str | None) -> None:
        """Close a receipt or send a transfer, with the crash point chosen for it."""
        name = "receive" if desk is terminal.receiving else "transfer"
        if point == "before_close":
            raise SimulatedCrash(
                RECEIVE_BEFORE_CLOSE if name == "receive" else TRANSFER_BEFORE_SEND
            )
        if point == BEFORE_LOCAL_COMMIT:
            terminal.armed = BEFORE_LOCAL_COMMIT
        if name == "receive":
            terminal.receiving.close(draft_id)
        else:
            terminal.transfers.send(draft_id)
        terminal.armed = None
        self.done[f"{name} closed"] += 1
        if point == "after_close":
            raise SimulatedCrash(RECEIVE_AFTER_CLOSE if name == "receive" else TRANSFER_AFTER_SEND)
        if point == AFTER_LOCAL_COMMIT:
            raise SimulatedCrash(AFTER_LOCAL_COMMIT)

    def _draw(self, expected: int, short: float, over: float) -> int:
        draw = self.sim.rng.random()
        if draw < short:
            return max(0, expected - self.sim.rng.randint(1, 2))
        if draw < short + over:
            return expected + 1
        return expected

    # --- the actions ---------------------------------------------------------------------------

    def _resume(self, terminal: Terminal, point: str | None) -> None:
        for desk in (terminal.receiving, terminal.transfers):
            for sheet in desk.open_drafts():
                self.sim.trace(f"resume {terminal.name} {desk.purpose} draft {sheet.draft_id}")
                self._finish_or_discard(terminal, desk, sheet, point)
                return

    def _finish_or_discard(
        self, terminal: Terminal, desk: Any, sheet: Any, point: str | None
    ) -> None:
        """A draft left open (a crash, a break): finish it, or drop it when its document was
        done meanwhile (received or sent elsewhere, cancelled)."""
        try:
            self._finish(terminal, desk, sheet.draft_id, point)
        except MotionRefused as refusal:
            desk.discard(sheet.draft_id)
            self.done["drafts dropped"] += 1
            self.sim.trace(f"draft dropped {terminal.name} {refusal.code.value}")

    def _receive_delivery(self, terminal: Terminal, point: str | None) -> None:
        rng, receiving = self.sim.rng, terminal.receiving
        delivery = rng.choice([d for d in receiving.expected() if d.kind == "delivery"])
        sheet = receiving.open(delivery.id)
        units = {line.sku: self._draw(line.expected, 0.15, 0.1) for line in delivery.lines}
        if rng.random() < 0.1:
            extra = rng.choice(self.skus)
            units[extra] = units.get(extra, 0) + 1
        self._count_into(receiving, sheet.draft_id, units)
        self._reasons(receiving, sheet.draft_id)
        self.sim.trace(f"receive delivery {terminal.name} {delivery.id[:8]} {units}")
        self._finish(terminal, receiving, sheet.draft_id, point)

    def _blind(self, terminal: Terminal, point: str | None) -> None:
        rng, receiving = self.sim.rng, terminal.receiving
        self.references += 1
        source = rng.choice(SUPPLIERS)
        sheet = receiving.open_blind(source, f"BL-{self.sim.seed}-{self.references}")
        units = {sku: rng.randint(1, 3) for sku in rng.sample(self.skus, 1)}
        self._count_into(receiving, sheet.draft_id, units)
        self.sim.trace(f"receive blind {terminal.name} {source} {units}")
        self._finish(terminal, receiving, sheet.draft_id, point)

    def _receive_transfer(self, terminal: Terminal, point: str | None) -> None:
        rng, receiving = self.sim.rng, terminal.receiving
        transfer = rng.choice([d for d in receiving.expected() if d.kind == "transfer"])
        sheet = receiving.open(transfer.id)
        units = {
            line.sku: self._draw(line.sent or 0, 0.2, 0.05) for line in transfer.lines if line.sent
        }
        self._count_into(receiving, sheet.draft_id, units)
        self._reasons(receiving, sheet.draft_id)
        self.sim.trace(f"receive transfer {terminal.name} {transfer.id[:8]} {units}")
        self._finish(terminal, receiving, sheet.draft_id, point)

    def _send(self, terminal: Terminal, point: str | None) -> None:
        rng, desk = self.sim.rng, terminal.transfers
        transfer = rng.choice(desk.to_send())
        sheet = desk.open(transfer.id)
        units = {line.sku: self._draw(line.expected, 0.15, 0.1) for line in transfer.lines}
        if rng.random() < 0.05:
            extra = rng.choice(self.skus)
            units[extra] = units.get(extra, 0) + 1
        if not any(units.values()):
            units[transfer.lines[0].sku] = 1
        self._count_into(desk, sheet.draft_id, units)
        self._reasons(desk, sheet.draft_id)
        self.sim.trace(f"send {terminal.name} {transfer.id[:8]} {units}")
        self._finish(terminal, desk, sheet.draft_id, point)

    def _request(self, terminal: Terminal, point: str | None) -> None:
        rng, here = self.sim.rng, terminal.location
        others = sorted({t.location for t in self.sim.terminals.values()} - {here})
        other = "WH" if rng.random() < 0.4 else rng.choice(others)
        source, destination = (other, here) if rng.random() < 0.75 else (here, other)
        skus = rng.sample(self.skus, rng.choice((1, 1, 2)))
        lines = [(sku, rng.randint(1, 3)) for sku in skus]
        if point == BEFORE_LOCAL_COMMIT:
            terminal.armed = BEFORE_LOCAL_COMMIT
        queued = terminal.transfers.request(source, destination, lines)
        terminal.armed = None
        self.done["transfers requested"] += 1
        self.sim.trace(f"request {terminal.name} {queued.transfer_id} {source}->{destination}")
        if point == AFTER_LOCAL_COMMIT:
            raise SimulatedCrash(AFTER_LOCAL_COMMIT)

    def _cancel(self, terminal: Terminal, point: str | None) -> None:
        desk = terminal.transfers
        requested = [t for t in desk.transfers() if t.state == TransferState.REQUESTED]
        transfer = self.sim.rng.choice(requested)
        if point == BEFORE_LOCAL_COMMIT:
            terminal.armed = BEFORE_LOCAL_COMMIT
        desk.cancel(transfer.id, "no longer needed")
        terminal.armed = None
        self.done["transfers cancelled"] += 1
        self.sim.trace(f"cancel {terminal.name} {transfer.id[:8]}")

    # --- the drain -----------------------------------------------------------------------------

    def finish_drafts(self, terminal: Terminal) -> None:
        """Staff finish what they left open before the day ends."""
        for desk in (terminal.receiving, terminal.transfers):
            for sheet in desk.open_drafts():
                self._finish_or_discard(terminal, desk, sheet, None)

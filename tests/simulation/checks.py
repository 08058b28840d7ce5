"""The checks after the drain: the ledger, the oracle and every store's cache must all agree.

Each returns the problems it finds (an empty list when all is well):

* the ledger's own check: positions and network totals rebuilt from movements and holds;
* the ledger equals the oracle: every position, reservation, job, job line, order line; and
  every delivery, transfer, discrepancy and incoming row (``motion_checks``); every position's
  units set aside and suspect flag, every return, void and unit returned on an order line
  (``counter_checks``); every job's holder and every no-show (``fulfilment_checks``); every
  offer, its end, its winner's one job and where its lines went (``offers_checks``);
* nothing lost: every operation a terminal or the web shop committed has one stored outcome,
  and none that was never committed locally reached the ledger;
* nothing doubled: each operation wrote exactly the movements the oracle expects, no job was
  ended twice, no reservation ended twice (and a committed one has one movement per line, a
  released one none);
* every order line is shipped, collected, cancelled or unfulfillable;
* every cache equals the ledger: its positions, the network totals, its jobs; nothing waits in
  its outbox, and the refusals it shows are exactly the ledger's refusals of its operations;
* the audit log has one row per applied operation, none for a refused one (and one per no-show
  and per expired offer, of no operation).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from ordersync.services.check import check_ledger
from tests.simulation.counter_checks import cache_counter_agrees, counter_equals_oracle
from tests.simulation.fulfilment_checks import (
    cache_holds_nothing,
    fulfilment_equals_oracle,
    no_show_audit_rows,
)
from tests.simulation.motion_checks import cache_documents_agree, motion_equals_oracle
from tests.simulation.offers_checks import (
    cache_offers_agree,
    offer_audit_rows,
    offers_equal_oracle,
)
from tests.simulation.oracle import FINAL_LINE_STATES

if TYPE_CHECKING:
    from tests.simulation.harness import Simulation
    from tests.simulation.store import Terminal


def final_checks(sim: Simulation) -> list[str]:
    problems: list[str] = []
    with sim.db.connect() as connection:
        report = check_ledger(connection)
        problems += [f"ledger check: {d.describe()}" for d in report.discrepancies]
        problems += ledger_equals_oracle(sim, connection)
        problems += motion_equals_oracle(sim, connection)
        problems += counter_equals_oracle(sim, connection)
        problems += fulfilment_equals_oracle(sim, connection)
        problems += offers_equal_oracle(sim, connection)
        problems += nothing_lost(sim, connection)
        problems += nothing_doubled(sim, connection)
        problems += every_line_ended(connection)
        problems += audit_log(sim, connection)
        for terminal in sim.terminals.values():
            problems += cache_agrees(sim, terminal, connection)
            problems += cache_documents_agree(terminal, connection)
            problems += cache_counter_agrees(sim, terminal, connection)
            problems += cache_holds_nothing(terminal)
            problems += cache_offers_agree(terminal, connection)
    return problems


def ledger_equals_oracle(sim: Simulation, connection: Connection) -> list[str]:
    model = sim.model
    problems: list[str] = []
    positions = {
        (sku, location): (int(on_hand), int(reserved))
        for sku, location, on_hand, reserved in connection.execute(
            text("SELECT sku, location, on_hand, reserved FROM positions")
        )
    }
    for key in sorted(positions.keys() | model.on_hand.keys() | model.reserved.keys()):
        want = (model.on_hand[key], model.reserved[key])
        have = positions.get(key, (0, 0))
        if have != want:
            problems.append(f"position {key}: ledger (on hand, reserved) {have}, oracle {want}")
    holds = dict(connection.execute(text("SELECT id, state FROM reservations")).all())
    for rid in sorted(holds.keys() | model.holds.keys()):
        want = model.holds[rid].state if rid in model.holds else None
        if holds.get(rid) != want:
            problems.append(f"reservation {rid}: ledger {holds.get(rid)}, oracle {want}")
    jobs = {
        job_id: (location, kind, state)
        for job_id, location, kind, state in connection.execute(
            text("SELECT id, location, kind, state FROM jobs")
        )
    }
    for job_id in sorted(jobs.keys() | model.jobs.keys()):
        job = model.jobs.get(job_id)
        want = None if job is None else (job.location, job.kind, job.state)
        if jobs.get(job_id) != want:
            problems.append(f"job {job_id}: ledger {jobs.get(job_id)}, oracle {want}")
    lines = {
        (job_id, int(n)): (sku, int(qty), state)
        for job_id, n, sku, qty, state in connection.execute(
            text("SELECT job_id, line_no, sku, qty, state FROM job_lines")
        )
    }
    model_lines = {
        (job.id, n): (line.sku, line.qty, line.state)
        for job in model.jobs.values()
        for n, line in job.lines.items()
    }
    for key in sorted(lines.keys() | model_lines.keys()):
        if lines.get(key) != model_lines.get(key):
            problems.append(
                f"job line {key}: ledger {lines.get(key)}, oracle {model_lines.get(key)}"
            )
    order_lines = {
        (order_id, int(n)): state
        for order_id, n, state in connection.execute(
            text("SELECT order_id, line_no, state FROM order_lines")
        )
    }
    model_order_lines = {
        (order.id, n): line[2] for order in model.orders.values() for n, line in order.lines.items()
    }
    for key in sorted(order_lines.keys() | model_order_lines.keys()):
        if order_lines.get(key) != model_order_lines.get(key):
            problems.append(
                f"order line {key}: ledger {order_lines.get(key)}, "
                f"oracle {model_order_lines.get(key)}"
            )
    orders = dict(connection.execute(text("SELECT id, state FROM orders")).all())
    for order_id in sorted(orders.keys() | model.orders.keys()):
        want = model.orders[order_id].state if order_id in model.orders else None
        if orders.get(order_id) != want:
            problems.append(f"order {order_id}: ledger {orders.get(order_id)}, oracle {want}")
    return problems


def _outcomes(connection: Connection) -> dict[str, tuple[int, dict[str, Any]]]:
    return {
        str(op_id): (int(status), json.loads(response))
        for op_id, status, response in connection.execute(
            text("SELECT op_id, status_code, response FROM idempotency")
        )
    }


def nothing_lost(sim: Simulation, connection: Connection) -> list[str]:
    problems: list[str] = []
    stored = _outcomes(connection)
    for op_id, owner in sorted(sim.made.items()):
        if op_id not in stored:
            problems.append(f"lost: {owner}'s operation {op_id} has no outcome at the ledger")
        elif op_id not in sim.model.applied:
            problems.append(f"{owner}'s operation {op_id} was applied without the oracle seeing it")
    for op_id in sorted(sim.uncommitted & stored.keys()):
        problems.append(f"operation {op_id} reached the ledger, but was never committed locally")
    for op_id in sorted(stored.keys() - sim.made.keys()):
        problems.append(f"the ledger holds an outcome for {op_id}, which nobody made")
    for op_id, applied in sim.model.applied.items():
        if op_id in stored and stored[op_id][0] != applied.status:
            problems.append(
                f"{op_id}: stored outcome {stored[op_id][0]}, first answer {applied.status}"
            )
    return problems


def nothing_doubled(sim: Simulation, connection: Connection) -> list[str]:
    problems: list[str] = []
    rows = Counter(
        str(op_id) for (op_id,) in connection.execute(text("SELECT op_id FROM movements")).all()
    )
    for op_id in sorted(rows.keys() | sim.model.movements.keys()):
        if rows[op_id] != sim.model.movements[op_id]:
            problems.append(
                f"movements of {op_id}: ledger {rows[op_id]}, oracle {sim.model.movements[op_id]}"
            )
    for reservation_id, state, lines, moved, committed in connection.execute(
        text(
            "SELECT r.id, r.state, "
            "(SELECT count(*) FROM reservation_lines l WHERE l.reservation_id = r.id), "
            "(SELECT count(*) FROM movements m WHERE m.reservation_id = r.id), "
            "(SELECT coalesce(sum(l.committed_qty), 0) FROM reservation_lines l "
            " WHERE l.reservation_id = r.id) "
            "FROM reservations r"
        )
    ):
        if state == "committed" and moved != lines:
            problems.append(f"reservation {reservation_id} committed with {moved} movements")
        if state != "committed" and (moved or committed):
            problems.append(f"reservation {reservation_id} {state} but has {moved} movements")
    for job_id, count in sim.model.final_transitions.items():
        if count > 1:
            problems.append(f"job {job_id} done {count} times")
    return problems


def every_line_ended(connection: Connection) -> list[str]:
    return [
        f"order line {order_id}/{line_no} ended {state}"
        for order_id, line_no, state in connection.execute(
            text("SELECT order_id, line_no, state FROM order_lines")
        )
        if state not in FINAL_LINE_STATES
    ]


def audit_log(sim: Simulation, connection: Connection) -> list[str]:
    problems: list[str] = []
    rows = Counter(
        op_id
        for (op_id,) in connection.execute(
            text("SELECT op_id FROM audit_log WHERE op_id IS NOT NULL")
        ).all()
    )
    accepted = {op_id for op_id, a in sim.model.applied.items() if a.status < 400}
    for op_id in sorted(rows.keys() | accepted):
        want = 1 if op_id in accepted else 0
        if rows[op_id] != want:
            problems.append(f"audit rows of {op_id}: {rows[op_id]}, expected {want}")
    anonymous = connection.execute(
        text("SELECT count(*) FROM audit_log WHERE op_id IS NULL")
    ).scalar_one()
    # The ledger's own changes have rows of no operation: each no-show and each expired offer
    # has one (their checks).
    anonymous -= sum(no_show_audit_rows(connection).values())
    anonymous -= sum(offer_audit_rows(connection).values())
    if anonymous != sim.setup_audit:
        problems.append(f"{anonymous - sim.setup_audit} audit rows without an operation id")
    return problems


def cache_agrees(sim: Simulation, terminal: Terminal, connection: Connection) -> list[str]:
    problems: list[str] = []
    name, location = terminal.name, terminal.location
    with terminal.db.connect() as cache:
        cached_positions = {
            sku: (int(a), int(b), int(c), bool(d))
            for sku, a, b, c, d in cache.execute(
                text(
                    "SELECT sku, on_hand, reserved, safety_stock, suspect FROM positions "
                    "WHERE location = :location"
                ),
                {"location": location},
            )
        }
        cached_totals = {
            sku: (int(a), int(b), int(c))
            for sku, a, b, c in cache.execute(
                text("SELECT sku, on_hand, reserved, available FROM network_totals")
            )
        }
        cached_jobs = {
            str(job_id): (str(state), json.loads(lines))
            for job_id, state, lines in cache.execute(
                text("SELECT id, state, lines FROM jobs WHERE location = :location"),
                {"location": location},
            )
        }
        entries = {
            str(op_id): str(state)
            for op_id, state in cache.execute(text("SELECT op_id, state FROM outbox"))
        }
        effects = cache.execute(text("SELECT count(*) FROM outbox_effects")).scalar_one()
    ledger_positions = {
        sku: (int(a), int(b), int(c), bool(d))
        for sku, a, b, c, d in connection.execute(
            text(
                "SELECT sku, on_hand, reserved, safety_stock, suspect FROM positions "
                "WHERE location = :location"
            ),
            {"location": location},
        )
    }
    if cached_positions != ledger_positions:
        problems.append(f"{name}: cache positions {cached_positions}, ledger {ledger_positions}")
    totals = {
        sku: (int(a), int(b), int(c))
        for sku, a, b, c in connection.execute(
            text("SELECT sku, on_hand, reserved, available FROM sku_totals")
        )
    }
    if cached_totals != totals:
        problems.append(f"{name}: cache network totals {cached_totals}, ledger {totals}")
    ledger_jobs = {
        str(job_id): str(state)
        for job_id, state in connection.execute(
            text("SELECT id, state FROM jobs WHERE location = :location"), {"location": location}
        )
    }
    if {job_id: state for job_id, (state, _) in cached_jobs.items()} != ledger_jobs:
        problems.append(
            f"{name}: cache jobs {sorted(cached_jobs.items())[:5]}..., ledger {ledger_jobs}"
        )
    ledger_lines = {
        (str(job_id), int(n)): str(state)
        for job_id, n, state in connection.execute(
            text(
                "SELECT l.job_id, l.line_no, l.state FROM job_lines l "
                "JOIN jobs j ON j.id = l.job_id WHERE j.location = :location"
            ),
            {"location": location},
        )
    }
    cached_lines = {
        (job_id, int(line["line_no"])): str(line["state"])
        for job_id, (_, lines) in cached_jobs.items()
        for line in lines
    }
    if cached_lines != ledger_lines:
        problems.append(f"{name}: cache job lines differ from the ledger's")
    waiting = sorted(op for op, state in entries.items() if state == "pending")
    if waiting or effects:
        problems.append(f"{name}: {len(waiting)} operations still wait, {effects} local effects")
    refused = {
        op_id
        for op_id, applied in sim.model.applied.items()
        if applied.status >= 400 and sim.made.get(op_id) == name
    }
    attention = {op for op, state in entries.items() if state == "attention"}
    if attention != refused:
        problems.append(
            f"{name}: shows refusals {sorted(attention)}, the ledger refused {sorted(refused)}"
        )
    return problems

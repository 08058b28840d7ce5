"""The checks of fulfilment after the drain (with ``checks``, whose ledger check and oracle
comparison cover every position, reservation, job and order line):

* every job's holder at the ledger is the oracle's (the device that started it or took it
  over), and no job is still being picked, so none is held by two terminals at once: every
  terminal's cache shows no job picking;
* every no-show is the oracle's, once: the job is cancelled with the reason ``no_show``, each of
  its order lines is cancelled with that reason, each of its units came back (every hold of it
  released by the no-show, every received parcel's units returned into the store's stock by
  it), it has one audit row of its own and was never collected; the ledger ended no other job
  as a no-show.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from tests.simulation.harness import Simulation
    from tests.simulation.store import Terminal

NO_SHOW = "no_show"


def fulfilment_equals_oracle(sim: Simulation, connection: Connection) -> list[str]:
    return _holders(sim, connection) + _no_shows(sim, connection)


def no_show_audit_rows(connection: Connection) -> Counter[str]:
    """Audit rows of the sweep's no-shows per job (rows of no operation: the ledger's own)."""
    rows: Counter[str] = Counter()
    for (detail,) in connection.execute(
        text("SELECT detail FROM audit_log WHERE op_id IS NULL AND operation = 'job.no_show'")
    ):
        rows[str(json.loads(detail).get("job_id"))] += 1
    return rows


def _holders(sim: Simulation, connection: Connection) -> list[str]:
    model = sim.model.fulfilment
    held = {
        str(job_id): (str(device) if device is not None else None, str(state))
        for job_id, device, state in connection.execute(
            text("SELECT id, held_by_device, state FROM jobs")
        )
    }
    problems = [
        f"job {job_id}: held by {held.get(job_id, (None, ''))[0]} at the ledger, by "
        f"{model.holders.get(job_id)} in the oracle"
        for job_id in sorted(held.keys() | model.holders.keys())
        if held.get(job_id, (None, ""))[0] != model.holders.get(job_id)
    ]
    problems += [
        f"job {job_id}: still being picked after the drain (by {device})"
        for job_id, (device, state) in sorted(held.items())
        if state == "picking"
    ]
    return problems


def _no_shows(sim: Simulation, connection: Connection) -> list[str]:
    model = sim.model.fulfilment
    jobs = {
        str(job_id): (str(state), reason, str(order_id))
        for job_id, state, reason, order_id in connection.execute(
            text("SELECT id, state, cancel_reason, order_id FROM jobs")
        )
    }
    problems = [
        f"job {job_id}: cancelled as a no-show at the ledger, not in the oracle"
        for job_id, (_, reason, _) in sorted(jobs.items())
        if reason == NO_SHOW and job_id not in model.no_shows
    ]
    audited = no_show_audit_rows(connection)
    problems += [
        f"job {job_id}: {rows} no-show audit rows, the oracle made {int(job_id in model.no_shows)}"
        for job_id, rows in sorted(audited.items())
        if rows != int(job_id in model.no_shows)
    ]
    for job_id, op_id in sorted(model.no_shows.items()):
        state, reason, order_id = jobs.get(job_id, ("missing", None, ""))
        if (state, reason) != ("cancelled", NO_SHOW):
            problems.append(f"no-show {job_id}: the job is {state} ({reason}) at the ledger")
        if audited[job_id] != 1:
            problems.append(f"no-show {job_id}: {audited[job_id]} audit rows")
        problems += _lines_of(connection, job_id, order_id, op_id)
    return problems


def _lines_of(connection: Connection, job_id: str, order_id: str, op_id: str) -> list[str]:
    """The no-show's lines: cancelled with its reason, their units back."""
    problems = []
    for line_no, order_line_no, sku, qty, reservation_id, line_state in connection.execute(
        text(
            "SELECT line_no, order_line_no, sku, qty, reservation_id, state FROM job_lines "
            "WHERE job_id = :id"
        ),
        {"id": job_id},
    ):
        if line_state != "cancelled":
            continue  # rejected or ended before the job was made ready
        order_line = connection.execute(
            text(
                "SELECT state, cancel_reason FROM order_lines WHERE order_id = :o AND line_no = :n"
            ),
            {"o": order_id, "n": order_line_no},
        ).one()
        if tuple(order_line) != ("cancelled", NO_SHOW):
            problems.append(
                f"no-show {job_id}: order line {order_line_no} is {tuple(order_line)} at the ledger"
            )
        if reservation_id:
            hold = connection.execute(
                text("SELECT state, ended_by_op FROM reservations WHERE id = :id"),
                {"id": reservation_id},
            ).one()
            if tuple(hold) != ("released", op_id):
                problems.append(
                    f"no-show {job_id}: line {line_no}'s hold {reservation_id} is {tuple(hold)}, "
                    f"not released by {op_id}"
                )
        else:
            back = connection.execute(
                text(
                    "SELECT coalesce(sum(qty), 0) FROM movements WHERE op_id = :op AND sku = :sku "
                    "AND kind = 'return'"
                ),
                {"op": op_id, "sku": sku},
            ).scalar_one()
            if int(back) < int(qty):
                problems.append(
                    f"no-show {job_id}: {back} of line {line_no}'s {qty} x {sku} came back"
                )
    return problems


def cache_holds_nothing(terminal: Terminal) -> list[str]:
    """After the drain, no terminal believes a job is still being picked."""
    with terminal.db.connect() as cache:
        picking = [
            str(job_id)
            for (job_id,) in cache.execute(text("SELECT id FROM jobs WHERE state = 'picking'"))
        ]
    return [f"{terminal.name}: job {job_id} still picking in its cache" for job_id in picking]

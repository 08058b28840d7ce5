"""The checks of competitive allocation after the drain (with ``checks``, whose oracle comparison
covers every job, reservation, order line and order, and whose "nothing lost", "nothing doubled"
and audit checks cover every claim as every operation):

* every offer at the ledger is the oracle's, and only those: its order, round, lines, the
  locations it was made to (best placed first), how it ended (claimed or expired: none is still
  open), its winner and its job; each store's answer agrees with that end (the winner ``won``,
  the others ``lost``; every store ``expired``);
* a claimed offer has exactly one job, at its winner, with the offer's lines, each line's units
  reserved once (one reservation of its own per line); no other store has a job of it;
* one claim won it (the oracle's), and the ledger stored that claim's outcome once;
* every line of a web order ends in exactly one place: at most one job line holds its units
  (a handover at the collection store holds none), none when it ended unfulfillable; a line
  whose offers nobody claimed and that no location left could serve is ``unfulfillable`` with
  the reason ``not_claimed_in_time``;
* each expired offer has one audit row of its own (the ledger's, of no operation);
* every terminal's cache shows each offer made to its store as the ledger ends it.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

from tests.simulation.offers_model import NOT_CLAIMED_IN_TIME
from tests.simulation.oracle import job_id_for

if TYPE_CHECKING:
    from tests.simulation.harness import Simulation
    from tests.simulation.store import Terminal

ANSWER_AFTER = {"claimed": None, "expired": "expired"}


def offers_equal_oracle(sim: Simulation, connection: Connection) -> list[str]:
    return (
        _offers(sim, connection)
        + _answers(sim, connection)
        + _claimed_jobs(sim, connection)
        + _lines_end_once(sim, connection)
        + _audit(sim, connection)
    )


def offer_audit_rows(connection: Connection) -> Counter[str]:
    """Audit rows of the sweep's expired offers per offer (the ledger's own: no operation)."""
    rows: Counter[str] = Counter()
    for (detail,) in connection.execute(
        text("SELECT detail FROM audit_log WHERE op_id IS NULL AND operation = 'offer.expired'")
    ):
        rows[str(json.loads(detail).get("offer_id"))] += 1
    return rows


def _offers(sim: Simulation, connection: Connection) -> list[str]:
    model = sim.model.offers
    ledger = {
        str(offer_id): (str(order_id), int(round_no), str(state), claimed_by, job_id, lines)
        for offer_id, order_id, round_no, state, claimed_by, job_id, lines in connection.execute(
            text("SELECT id, order_id, round, state, claimed_by, job_id, lines FROM offers")
        )
    }
    made_to: dict[str, list[str]] = {}
    for offer_id, location in connection.execute(
        text("SELECT offer_id, location FROM offer_locations ORDER BY offer_id, rank")
    ):
        made_to.setdefault(str(offer_id), []).append(str(location))
    problems = [
        f"offer {offer_id}: at the ledger, not in the oracle"
        for offer_id in sorted(ledger.keys() - model.offers.keys())
    ]
    for offer_id, offer in sorted(model.offers.items()):
        if offer_id not in ledger:
            problems.append(f"offer {offer_id}: in the oracle, not at the ledger")
            continue
        order_id, round_no, state, claimed_by, job_id, lines = ledger[offer_id]
        have = (
            order_id,
            round_no,
            state,
            claimed_by,
            None if job_id is None else str(job_id),
            [(int(ln["line_no"]), str(ln["sku"]), int(ln["qty"])) for ln in json.loads(lines)],
            made_to.get(offer_id, []),
        )
        want = (
            offer.order_id,
            offer.round,
            offer.state,
            offer.claimed_by,
            offer.job_id,
            offer.lines,
            offer.locations,
        )
        if have != want:
            problems.append(
                f"offer {offer_id}: ledger (order, round, state, winner, job, lines, made to) "
                f"{have}, oracle {want}"
            )
        if state == "open":
            problems.append(f"offer {offer_id}: still open after the drain")
    return problems


def _answers(sim: Simulation, connection: Connection) -> list[str]:
    """Each store's answer agrees with how the offer ended."""
    problems = []
    for offer_id, location, answer, state, claimed_by in connection.execute(
        text(
            "SELECT ol.offer_id, ol.location, ol.state, o.state, o.claimed_by "
            "FROM offer_locations ol JOIN offers o ON o.id = ol.offer_id"
        )
    ):
        if state == "claimed":
            want = "won" if location == claimed_by else "lost"
        else:
            want = ANSWER_AFTER.get(str(state)) or "open"
        if answer != want:
            problems.append(
                f"offer {offer_id} ({state}, won by {claimed_by}): {location} answers {answer}, "
                f"not {want}"
            )
    return problems


def _claimed_jobs(sim: Simulation, connection: Connection) -> list[str]:
    """One job per claimed offer, at its winner, its units reserved once; one winning claim."""
    problems = []
    stored = {
        str(op_id): int(status)
        for op_id, status in connection.execute(
            text(
                "SELECT op_id, status_code FROM idempotency WHERE op_id IN "
                "(SELECT op_id FROM audit_log WHERE operation = 'offer.claim')"
            )
        )
    }
    for offer in sim.model.offers.offers.values():
        made = {
            location: job_id_for(offer.order_id, location, f"offer-{offer.id}")
            for location in offer.locations
        }
        jobs = {
            str(job_id): str(location)
            for job_id, location in connection.execute(
                text("SELECT id, location FROM jobs WHERE order_id = :o"), {"o": offer.order_id}
            )
            if str(job_id) in made.values()
        }
        want = {} if offer.claimed_by is None else {made[offer.claimed_by]: offer.claimed_by}
        if jobs != want:
            problems.append(f"offer {offer.id} ({offer.state}): jobs {jobs}, expected {want}")
            continue
        if offer.claimed_by is None:
            continue
        if offer.won_by is None or stored.get(offer.won_by) != 200:
            problems.append(f"offer {offer.id}: its winning claim {offer.won_by} is not stored")
        job_id = made[offer.claimed_by]
        rows = connection.execute(
            text(
                "SELECT l.order_line_no, l.sku, l.qty, l.reservation_id, "
                "(SELECT count(*) FROM reservation_lines r WHERE r.reservation_id = "
                "l.reservation_id) FROM job_lines l WHERE l.job_id = :job ORDER BY l.line_no"
            ),
            {"job": job_id},
        ).all()
        lines = [(int(n), str(sku), int(qty)) for n, sku, qty, _, _ in rows]
        holds = [(str(hold), int(count)) for _, _, _, hold, count in rows]
        if lines != offer.lines or len({h for h, _ in holds}) != len(holds):
            problems.append(f"offer {offer.id}: job {job_id} lines {lines}, holds {holds}")
        if any(count != 1 for _, count in holds):
            problems.append(f"offer {offer.id}: job {job_id} holds its units {holds}")
    return problems


def _lines_end_once(sim: Simulation, connection: Connection) -> list[str]:
    """Every line of a web order ends in one place; those nobody claimed in time say so."""
    model = sim.model.offers
    problems = []
    holding: Counter[tuple[str, int]] = Counter()
    for order_id, line_no in connection.execute(
        text(
            "SELECT j.order_id, l.order_line_no FROM job_lines l JOIN jobs j ON j.id = l.job_id "
            "WHERE l.reservation_id IS NOT NULL AND l.reservation_id <> '' "
            "AND l.state <> 'rejected'"
        )
    ):
        holding[(str(order_id), int(line_no))] += 1
    for order_id, line_no, state, reason in connection.execute(
        text("SELECT order_id, line_no, state, cancel_reason FROM order_lines")
    ):
        key = (str(order_id), int(line_no))
        if key[0] not in model.competitive:
            continue
        want = 0 if state == "unfulfillable" else 1
        if holding[key] != want:
            problems.append(f"order line {key} ({state}): {holding[key]} job lines hold it")
        unclaimed = key in model.unclaimed
        if unclaimed != (state == "unfulfillable" and reason == NOT_CLAIMED_IN_TIME):
            problems.append(
                f"order line {key}: {state} ({reason}) at the ledger; the oracle "
                f"{'ended it as not claimed in time' if unclaimed else 'did not'}"
            )
    return problems


def _audit(sim: Simulation, connection: Connection) -> list[str]:
    rows = offer_audit_rows(connection)
    expired = {o.id for o in sim.model.offers.offers.values() if o.state == "expired"}
    return [
        f"offer {offer_id}: {rows[offer_id]} expiry audit rows, the oracle expired it "
        f"{int(offer_id in expired)} times"
        for offer_id in sorted(rows.keys() | expired)
        if rows[offer_id] != int(offer_id in expired)
    ]


def cache_offers_agree(terminal: Terminal, connection: Connection) -> list[str]:
    """The terminal's cache shows each offer made to its store as the ledger ends it."""
    with terminal.db.connect() as cache:
        cached = {
            str(offer_id): str(answer)
            for offer_id, answer in cache.execute(
                text("SELECT id, answer FROM offers WHERE location = :location"),
                {"location": terminal.location},
            )
        }
    ledger = {
        str(offer_id): str(answer)
        for offer_id, answer in connection.execute(
            text("SELECT offer_id, state FROM offer_locations WHERE location = :location"),
            {"location": terminal.location},
        )
    }
    return [
        f"{terminal.name}: offer {offer_id} is {answer} in its cache, {ledger.get(offer_id)} at "
        "the ledger"
        for offer_id, answer in sorted(cached.items())
        if ledger.get(offer_id) != answer
    ]

"""The checks of stock in motion after the drain (with ``checks``, whose ledger check rebuilds
``incoming`` from the documents as ``ordersync check`` does):

* every ``incoming`` row equals the oracle: units on order, in transit, none promised (future
  stock is off in the simulation);
* every delivery and transfer has the oracle's state and quantities: received per SKU for a
  delivery, sent and received per SKU for a transfer; none the oracle does not know;
* discrepancies: exactly the oracle's, one row per document, SKU and kind, never two;
* every terminal's cache shows each document of its store in the ledger's state.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from tests.simulation.harness import Simulation
    from tests.simulation.store import Terminal


def motion_equals_oracle(sim: Simulation, connection: Connection) -> list[str]:
    return (
        _incoming(sim, connection)
        + _deliveries(sim, connection)
        + _transfers(sim, connection)
        + _discrepancies(sim, connection)
    )


def _incoming(sim: Simulation, connection: Connection) -> list[str]:
    model = sim.model.motion
    rows = {
        (str(sku), str(location)): (int(on_order), int(in_transit), int(promised))
        for sku, location, on_order, in_transit, promised in connection.execute(
            text("SELECT sku, location, on_order, in_transit, promised FROM incoming")
        )
    }
    problems = []
    for key in sorted(rows.keys() | model.on_order.keys() | model.in_transit.keys()):
        want = (model.on_order[key], model.in_transit[key], 0)
        have = rows.get(key, (0, 0, 0))
        if have != want:
            problems.append(
                f"incoming {key}: ledger (on order, in transit, promised) {have}, oracle {want}"
            )
    return problems


def _per_sku(connection: Connection, query: str) -> dict[str, dict[str, tuple[int | None, ...]]]:
    found: dict[str, dict[str, tuple[int | None, ...]]] = {}
    for document_id, sku, *quantities in connection.execute(text(query)):
        found.setdefault(str(document_id), {})[str(sku)] = tuple(
            None if q is None else int(q) for q in quantities
        )
    return found


def _deliveries(sim: Simulation, connection: Connection) -> list[str]:
    model = sim.model.motion
    states = {
        str(i): (str(destination), str(state))
        for i, destination, state in connection.execute(
            text("SELECT id, destination, state FROM deliveries")
        )
    }
    lines = _per_sku(
        connection, "SELECT delivery_id, sku, expected_qty, received_qty FROM delivery_lines"
    )
    problems = []
    for delivery_id in sorted(states.keys() | model.deliveries.keys()):
        delivery = model.deliveries.get(delivery_id)
        want = None if delivery is None else (delivery.destination, delivery.state)
        if states.get(delivery_id) != want:
            problems.append(
                f"delivery {delivery_id}: ledger {states.get(delivery_id)}, oracle {want}"
            )
            continue
        assert delivery is not None
        have = lines.get(delivery_id, {})
        expected = {sku: have[sku][0] for sku in have}
        if expected != {sku: delivery.expected.get(sku, 0) for sku in have} or not set(
            delivery.expected
        ) <= set(have):
            problems.append(f"delivery {delivery_id}: lines {have}, announced {delivery.expected}")
        if delivery.received is not None:
            received = {sku: q[1] for sku, q in have.items() if q[1]}
            if received != {sku: q for sku, q in delivery.received.items() if q}:
                problems.append(
                    f"delivery {delivery_id}: received {received} at the ledger, "
                    f"oracle {delivery.received}"
                )
    return problems


def _transfers(sim: Simulation, connection: Connection) -> list[str]:
    model = sim.model.motion
    heads = {
        str(i): (str(source), str(destination), str(state))
        for i, source, destination, state in connection.execute(
            text("SELECT id, from_location, to_location, state FROM transfers")
        )
    }
    lines = _per_sku(
        connection,
        "SELECT transfer_id, sku, requested_qty, sent_qty, received_qty FROM transfer_lines",
    )
    problems = []
    for transfer_id in sorted(heads.keys() | model.transfers.keys()):
        transfer = model.transfers.get(transfer_id)
        want = None if transfer is None else (transfer.source, transfer.destination, transfer.state)
        if heads.get(transfer_id) != want:
            problems.append(
                f"transfer {transfer_id}: ledger {heads.get(transfer_id)}, oracle {want}"
            )
            continue
        assert transfer is not None
        have = lines.get(transfer_id, {})
        requested = {sku: q[0] for sku, q in have.items() if q[0]}
        sent = {sku: q[1] for sku, q in have.items() if q[1]}
        received = {sku: q[2] for sku, q in have.items() if q[2]}
        checks = [("requested", requested, transfer.requested)]
        if transfer.sent is not None:
            checks.append(("sent", sent, transfer.sent))
        if transfer.received is not None:
            checks.append(("received", received, transfer.received))
        for what, ledger, oracle in checks:
            if ledger != {sku: q for sku, q in oracle.items() if q}:
                problems.append(
                    f"transfer {transfer_id}: {what} {ledger} at the ledger, oracle {oracle}"
                )
    return problems


def _discrepancies(sim: Simulation, connection: Connection) -> list[str]:
    model = sim.model.motion
    rows = connection.execute(
        text("SELECT document_id, location, sku, kind, expected, actual FROM discrepancies")
    ).all()
    counted = Counter((str(d), str(s), str(k)) for d, _, s, k, _, _ in rows)
    problems = [f"discrepancy {key} recorded {n} times" for key, n in counted.items() if n > 1]
    have = {(str(d), str(s), str(k)): (str(loc), int(e), int(a)) for d, loc, s, k, e, a in rows}
    want = {(d.document_id, d.sku, d.kind): d for d in model.discrepancies}
    for key in sorted(have.keys() | want.keys()):
        if key not in have or key not in want:
            problems.append(f"discrepancy {key}: ledger {have.get(key)}, oracle {want.get(key)}")
            continue
        oracle = want[key]
        figures = (oracle.location, oracle.expected, oracle.actual)
        if oracle.expected is None:
            figures = (oracle.location, have[key][1], have[key][2])
        if have[key] != figures:
            problems.append(f"discrepancy {key}: ledger {have[key]}, oracle {figures}")
    return problems


def cache_documents_agree(terminal: Terminal, connection: Connection) -> list[str]:
    """The terminal's cache shows the documents of its store in the ledger's state."""
    location = terminal.location
    with terminal.db.connect() as cache:
        cached_deliveries = dict(
            cache.execute(
                text("SELECT id, state FROM deliveries WHERE destination = :l"), {"l": location}
            ).all()
        )
        cached_transfers = dict(
            cache.execute(
                text(
                    "SELECT id, state FROM transfers WHERE from_location = :l OR to_location = :l"
                ),
                {"l": location},
            ).all()
        )
    ledger_deliveries = dict(
        connection.execute(
            text("SELECT id, state FROM deliveries WHERE destination = :l"), {"l": location}
        ).all()
    )
    ledger_transfers = dict(
        connection.execute(
            text("SELECT id, state FROM transfers WHERE from_location = :l OR to_location = :l"),
            {"l": location},
        ).all()
    )
    problems = []
    if cached_deliveries != ledger_deliveries:
        problems.append(
            f"{terminal.name}: cache deliveries {cached_deliveries}, ledger {ledger_deliveries}"
        )
    if cached_transfers != ledger_transfers:
        problems.append(
            f"{terminal.name}: cache transfers {cached_transfers}, ledger {ledger_transfers}"
        )
    return problems

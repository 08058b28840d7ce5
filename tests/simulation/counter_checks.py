"""The checks of the counter's other half after the drain (with ``checks``, whose ledger check
rebuilds ``unavailable`` and the units per disposition from the movements, as ``ordersync
check`` does):

* every position's unavailable units, its units per disposition and its suspect flag equal the
  oracle's;
* every return the ledger recorded is one the oracle saw applied, once: its store, the order or
  sale it names, its flags, and each line (SKU, units, reason, disposition, the order line it
  was linked to, its flags); every order line counts the units returned against it;
* every voided sale is voided once, by the oracle's void, and its units are back: per SKU, the
  sale's movements and the void's add up to nothing;
* every terminal's cache shows its positions' units set aside as the ledger does, and each of
  its sales it voided is voided at the ledger by that very void (or the void waits in "needs
  attention", refused).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from tests.simulation.harness import Simulation
    from tests.simulation.store import Terminal


def counter_equals_oracle(sim: Simulation, connection: Connection) -> list[str]:
    return (
        _set_aside(sim, connection)
        + _returns(sim, connection)
        + _returned_on_orders(sim, connection)
        + _voids(sim, connection)
    )


def _flags(stored: str | None) -> frozenset[str]:
    return frozenset(flag for flag in (stored or "").split(",") if flag)


def _set_aside(sim: Simulation, connection: Connection) -> list[str]:
    model = sim.model
    positions = {
        (str(sku), str(location)): (int(unavailable), bool(suspect))
        for sku, location, unavailable, suspect in connection.execute(
            text("SELECT sku, location, unavailable, suspect FROM positions")
        )
    }
    dispositions: dict[tuple[str, str], dict[str, int]] = {}
    for sku, location, disposition, units in connection.execute(
        text("SELECT sku, location, disposition, units FROM position_dispositions")
    ):
        if int(units):
            dispositions.setdefault((str(sku), str(location)), {})[str(disposition)] = int(units)
    problems = []
    for key in sorted(positions.keys() | model.counter.unavailable.keys() | model.suspect):
        want = (model.counter.unavailable[key], key in model.suspect)
        have = positions.get(key, (0, False))
        if have != want:
            problems.append(f"position {key}: ledger (unavailable, suspect) {have}, oracle {want}")
        if dispositions.get(key, {}) != model.counter.dispositions(key):
            problems.append(
                f"position {key}: ledger sets aside {dispositions.get(key, {})}, oracle "
                f"{model.counter.dispositions(key)}"
            )
    return problems


def _returns(sim: Simulation, connection: Connection) -> list[str]:
    model = sim.model.counter
    heads = {
        str(return_id): (str(location), order_id, sale_op_id, _flags(flags))
        for return_id, location, order_id, sale_op_id, flags in connection.execute(
            text("SELECT id, location, order_id, sale_op_id, flags FROM customer_returns")
        )
    }
    lines: dict[str, list[tuple[object, ...]]] = {}
    for return_id, sku, qty, reason, disposition, order_line_no, flags in connection.execute(
        text(
            "SELECT return_id, sku, qty, reason, disposition, order_line_no, flags "
            "FROM customer_return_lines ORDER BY return_id, line_no"
        )
    ):
        lines.setdefault(str(return_id), []).append(
            (str(sku), int(qty), str(reason), str(disposition), order_line_no, _flags(flags))
        )
    problems = []
    for return_id in sorted(heads.keys() | model.returns.keys()):
        recorded = model.returns.get(return_id)
        if recorded is None or return_id not in heads:
            problems.append(f"return {return_id}: ledger {heads.get(return_id)}, oracle {recorded}")
            continue
        want = (recorded.location, recorded.order_id, recorded.sale_op_id, recorded.flags)
        if heads[return_id] != want:
            problems.append(f"return {return_id}: ledger {heads[return_id]}, oracle {want}")
        want_lines = [
            (line.sku, line.qty, line.reason, line.disposition, line.order_line_no, line.flags)
            for line in recorded.lines
        ]
        if lines.get(return_id, []) != want_lines:
            problems.append(
                f"return {return_id}: ledger lines {lines.get(return_id)}, oracle {want_lines}"
            )
    return problems


def _returned_on_orders(sim: Simulation, connection: Connection) -> list[str]:
    model = sim.model.counter
    returned = {
        (str(order_id), int(line_no)): int(qty)
        for order_id, line_no, qty in connection.execute(
            text("SELECT order_id, line_no, returned_qty FROM order_lines WHERE returned_qty <> 0")
        )
    }
    want = {key: qty for key, qty in model.order_returned.items() if qty}
    if returned == want:
        return []
    return [
        f"order line {key}: {returned.get(key, 0)} returned at the ledger, "
        f"oracle {want.get(key, 0)}"
        for key in sorted(returned.keys() | want.keys())
        if returned.get(key, 0) != want.get(key, 0)
    ]


def _voids(sim: Simulation, connection: Connection) -> list[str]:
    model = sim.model.counter
    voided = {
        str(sale): str(void)
        for sale, void in connection.execute(text("SELECT sale_op_id, void_op_id FROM sale_voids"))
    }
    problems = [
        f"sale {sale}: voided at the ledger by {voided.get(sale)}, oracle {model.voids.get(sale)}"
        for sale in sorted(voided.keys() | model.voids.keys())
        if voided.get(sale) != model.voids.get(sale)
    ]
    sale_of = {**{sale: sale for sale in voided}, **{void: sale for sale, void in voided.items()}}
    moved: Counter[tuple[str, str]] = Counter()
    for op_id, sku, qty in connection.execute(
        text(
            "SELECT m.op_id, m.sku, m.qty FROM movements m JOIN sale_voids v "
            "ON m.op_id IN (v.sale_op_id, v.void_op_id)"
        )
    ):
        moved[(sale_of[str(op_id)], str(sku))] += int(qty)
    problems += [
        f"voided sale {sale}: its movements and its void's add up to {units} of {sku}"
        for (sale, sku), units in sorted(moved.items())
        if units
    ]
    return problems


def cache_counter_agrees(sim: Simulation, terminal: Terminal, connection: Connection) -> list[str]:
    """The terminal's cache shows units set aside as the ledger does, and its voids stand."""
    location, name = terminal.location, terminal.name
    with terminal.db.connect() as cache:
        cached = {
            str(sku): (int(unavailable), _units(dispositions))
            for sku, unavailable, dispositions in cache.execute(
                text("SELECT sku, unavailable, dispositions FROM positions WHERE location = :l"),
                {"l": location},
            )
        }
        voided_here = {
            str(sale): str(void)
            for sale, void in cache.execute(
                text("SELECT op_id, voided_by FROM recent_sales WHERE voided_by IS NOT NULL")
            )
        }
    ledger: dict[str, tuple[int, dict[str, int]]] = {
        str(sku): (int(unavailable), {})
        for sku, unavailable in connection.execute(
            text("SELECT sku, unavailable FROM positions WHERE location = :l"), {"l": location}
        )
    }
    for sku, disposition, units in connection.execute(
        text("SELECT sku, disposition, units FROM position_dispositions WHERE location = :l"),
        {"l": location},
    ):
        if int(units):
            ledger[str(sku)][1][str(disposition)] = int(units)
    problems = []
    if cached != ledger:
        problems.append(f"{name}: cache sets aside {cached}, ledger {ledger}")
    for sale, void in sorted(voided_here.items()):
        applied = sim.model.applied.get(void)
        if applied is None:
            problems.append(f"{name}: void {void} of sale {sale} never reached the ledger")
        elif applied.status < 400 and sim.model.counter.voids.get(sale) != void:
            problems.append(
                f"{name}: sale {sale} voided here by {void}, at the ledger by "
                f"{sim.model.counter.voids.get(sale)}"
            )
    return problems


def _units(dispositions: str | None) -> dict[str, int]:
    loaded = json.loads(dispositions or "{}")
    return {str(key): int(value) for key, value in loaded.items() if int(value)}

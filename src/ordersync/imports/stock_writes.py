"""Reconciliation movements posted set-based: the ledger's write path for a chunk of stock lines.

The same promises as a movement posted one at a time (``tx_positions``), kept for thousands of
positions with one statement per table: each movement has its own feed position and is the only
change to on-hand (``positions = Σ movements``); a position's ``seq`` is its last movement's;
each SKU's network total moves once per chunk by the sum of its positions' changes; each
position's day takes the closing stock (a reconciliation is neither a sale nor a receipt, so it
adds no sold, returned or received units); the change feed gets each position touched, then each
SKU's total, with their state after the chunk. Reserved units, units set aside (damaged, on
display, in quarantine: the difference is made of units on sale) and the suspect flag are never
touched. The caller holds the ledger's write lock (``lock_for_decision``) before it reads.

The chunk's changes are staged once (``staging``) and every table takes them with one
``INSERT ... SELECT``; feed rows are built by the database in the shape ``record_change`` gives
them, at feed positions handed out by the transaction's counter like any other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ordersync.contract import MovementKind
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.permissions import Principal
from ordersync.domain.position_days import local_day
from ordersync.domain.stock import Stock
from ordersync.imports.staging import Stage
from ordersync.services.tokens import CLI_ACTOR

STAGE = Stage(
    "import_reconciliations",
    (
        ("seq", "BIGINT"),
        ("sku", "TEXT"),
        ("location", "TEXT"),
        ("delta", "BIGINT"),
        ("on_hand", "BIGINT"),
        ("reserved", "BIGINT"),
        ("safety_stock", "BIGINT"),
        ("suspect", "BOOLEAN"),
        ("offerable_delta", "BIGINT"),
        ("day", "TEXT"),
        ("unavailable", "BIGINT"),
        ("dispositions", "TEXT"),
    ),
)
_INSERT_MOVEMENTS = (
    "INSERT INTO movements (seq, op_id, kind, sku, location, qty, reason, reservation_id, actor, "
    "device, occurred_at, recorded_at) SELECT seq, :op_id, :kind, sku, location, delta, :reason, "
    f"NULL, :actor, :device, :now, :now FROM {STAGE.name} ORDER BY seq"
)
_CHANGE_POSITIONS = (
    "INSERT INTO positions (sku, location, on_hand, reserved, safety_stock, suspect, seq, "
    f"updated_at) SELECT sku, location, delta, 0, safety_stock, :no, seq, :now FROM {STAGE.name} "
    "WHERE true ON CONFLICT (sku, location) DO UPDATE SET "
    "on_hand = positions.on_hand + excluded.on_hand, seq = excluded.seq, "
    "updated_at = excluded.updated_at"
)
_CLOSE_DAYS = (
    "INSERT INTO position_days (sku, location, day, sold_units, returned_units, received_units, "
    "closing_on_hand, min_on_hand, last_occurred_at) SELECT sku, location, day, 0, 0, 0, on_hand, "
    f"on_hand, :now FROM {STAGE.name} WHERE true ON CONFLICT (sku, location, day) DO UPDATE SET "
    "closing_on_hand = CASE WHEN excluded.last_occurred_at >= position_days.last_occurred_at "
    "THEN excluded.closing_on_hand ELSE position_days.closing_on_hand END, "
    "min_on_hand = CASE WHEN position_days.min_on_hand < excluded.min_on_hand "
    "THEN position_days.min_on_hand ELSE excluded.min_on_hand END, "
    "last_occurred_at = CASE WHEN excluded.last_occurred_at >= position_days.last_occurred_at "
    "THEN excluded.last_occurred_at ELSE position_days.last_occurred_at END"
)
_MOVE_TOTALS = (
    "INSERT INTO sku_totals (sku, on_hand, reserved, available, seq) SELECT sku, SUM(delta), 0, "
    f"SUM(offerable_delta), MAX(seq) FROM {STAGE.name} WHERE true GROUP BY sku "
    "ON CONFLICT (sku) DO UPDATE SET on_hand = sku_totals.on_hand + excluded.on_hand, "
    "available = sku_totals.available + excluded.available, seq = excluded.seq"
)
_UPSERT_CHANGE = (
    "ON CONFLICT (kind, key) DO UPDATE SET seq = excluded.seq, scope = excluded.scope, "
    "payload = excluded.payload"
)


def _position_changes(tx: LedgerTx) -> str:
    """Feed rows of the staged positions, at ``:offset`` after their movement's position."""
    build, suspect, dispositions, close = (
        ("json_build_object", "suspect", "CAST(dispositions AS json)", ")::text")
        if tx.is_postgres
        else (
            "json_object",
            "json(CASE WHEN suspect THEN 'true' ELSE 'false' END)",
            "json(dispositions)",
            ")",
        )
    )
    payload = (
        f"{build}('position', {build}('sku', sku, 'location', location, 'on_hand', on_hand, "
        "'reserved', reserved, 'safety_stock', safety_stock, "
        f"'available', on_hand - unavailable - reserved - safety_stock, 'suspect', {suspect}, "
        "'seq', seq, 'updated_at', CAST(:updated_at AS TEXT), 'unavailable', unavailable, "
        f"'dispositions', {dispositions}){close}"
    )
    return (
        "INSERT INTO changes (seq, kind, key, scope, payload) SELECT seq + :offset, 'position', "
        f"location || '|' || sku, location, {payload} FROM {STAGE.name} WHERE true {_UPSERT_CHANGE}"
    )


def _network_changes(tx: LedgerTx) -> str:
    """Feed rows of the staged SKUs' totals, from ``:first`` on, in the order SKUs first came."""
    build, close = ("json_build_object", ")::text") if tx.is_postgres else ("json_object", ")")
    payload = (
        f"{build}('total', {build}('sku', totals.sku, 'on_hand', totals.on_hand, "
        f"'reserved', totals.reserved, 'available', totals.available){close}"
    )
    return (
        "INSERT INTO changes (seq, kind, key, scope, payload) SELECT :first + touched.rank, "
        f"'network', totals.sku, '', {payload} FROM (SELECT sku, "
        f"ROW_NUMBER() OVER (ORDER BY MIN(seq)) - 1 AS rank FROM {STAGE.name} GROUP BY sku) "
        f"AS touched JOIN sku_totals AS totals ON totals.sku = touched.sku WHERE true "
        f"{_UPSERT_CHANGE}"
    )


@dataclass(frozen=True, slots=True)
class Held:
    """A position as the chunk found it."""

    stock: Stock
    suspect: bool
    dispositions: dict[str, int] = field(default_factory=dict)
    """Units set aside per disposition, when the position holds any."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where a position's on-hand must go; ``held`` is None when the position does not exist."""

    sku: str
    location: str
    held: Held | None
    on_hand: int


def _in_list(tx: LedgerTx, column: str) -> str:
    """``column`` is one of the values of the list parameter ``:values`` (one parameter, any
    length: SQLite reads it as JSON, PostgreSQL as an array)."""
    if tx.is_postgres:
        return f"{column} = ANY(:values)"
    return f"{column} IN (SELECT value FROM json_each(:values))"


def _values(tx: LedgerTx, values: list[str]) -> Any:
    return values if tx.is_postgres else json.dumps(values)


def read_positions(tx: LedgerTx, location: str, skus: list[str]) -> dict[str, Held]:
    """The positions of ``location`` for ``skus`` that exist, in one query."""
    rows = tx.sql.all(
        "SELECT sku, on_hand, reserved, safety_stock, suspect, unavailable FROM positions "
        f"WHERE location = :location AND {_in_list(tx, 'sku')}",
        {"location": location, "values": _values(tx, skus)},
    )
    set_aside = [str(row[0]) for row in rows if row[5]]
    dispositions = _dispositions(tx, location, set_aside) if set_aside else {}
    return {
        sku: Held(
            Stock(int(on_hand), int(reserved), int(safety), int(unavailable)),
            bool(suspect),
            dispositions.get(sku, {}),
        )
        for sku, on_hand, reserved, safety, suspect, unavailable in rows
    }


def _dispositions(tx: LedgerTx, location: str, skus: list[str]) -> dict[str, dict[str, int]]:
    """Units set aside per SKU and disposition at ``location``, for the feed's position rows."""
    found: dict[str, dict[str, int]] = {}
    for sku, disposition, units in tx.sql.all(
        "SELECT sku, disposition, units FROM position_dispositions "
        f"WHERE location = :location AND {_in_list(tx, 'sku')} AND units <> 0 "
        "ORDER BY sku, disposition",
        {"location": location, "values": _values(tx, skus)},
    ):
        found.setdefault(str(sku), {})[str(disposition)] = int(units)
    return found


def post_reconciliations(
    tx: LedgerTx,
    op_id: str,
    reason: str,
    targets: Sequence[Target],
    actor: Principal = CLI_ACTOR,
) -> int:
    """Post one reconciliation movement per target whose on-hand differs; returns how many.
    ``actor``: who the movements name (the import runs as the ``ordersync`` command)."""
    staged: list[tuple[Any, ...]] = []
    skus: set[str] = set()
    places: dict[str, tuple[int, str]] = {}
    for target in targets:
        place = places.get(target.location)
        if place is None:
            facts = tx.location_row(target.location)
            assert facts is not None, target.location
            day = local_day(tx.now, facts.timezone).isoformat()
            place = places[target.location] = (facts.default_safety_stock, day)
        held = target.held
        before = Stock(0, 0, place[0]) if held is None else held.stock
        delta = target.on_hand - before.on_hand
        if delta == 0:
            continue
        after = replace(before, on_hand=target.on_hand)
        staged.append(
            (
                tx.next_seq(),
                target.sku,
                target.location,
                delta,
                target.on_hand,
                before.reserved,
                before.safety_stock,
                False if held is None else held.suspect,
                after.offerable - before.offerable,
                place[1],
                before.unavailable,
                json.dumps({} if held is None else held.dispositions),
            )
        )
        skus.add(target.sku)
    if not staged:
        return 0
    STAGE.load(tx, staged)
    now = tx.sql.time(tx.now)
    tx.sql.execute(
        _INSERT_MOVEMENTS,
        {
            "op_id": op_id,
            "kind": MovementKind.RECONCILIATION.value,
            "reason": reason,
            "actor": actor.token_id,
            "device": actor.device,
            "now": now,
        },
    )
    tx.sql.execute(_CHANGE_POSITIONS, {"no": False, "now": now})
    tx.sql.execute(_CLOSE_DAYS, {"now": now})
    tx.sql.execute(_MOVE_TOTALS)
    first_move = staged[0][0]
    positions_from = _feed_positions(tx, len(staged))
    tx.sql.execute(
        _position_changes(tx),
        {
            "offset": positions_from - first_move,
            "updated_at": tx.now.isoformat().replace("+00:00", "Z"),
        },
    )
    tx.sql.execute(_network_changes(tx), {"first": _feed_positions(tx, len(skus))})
    return len(staged)


def _feed_positions(tx: LedgerTx, count: int) -> int:
    """Hand out ``count`` consecutive feed positions; returns the first."""
    first = tx.next_seq()
    for _ in range(count - 1):
        tx.next_seq()
    return first

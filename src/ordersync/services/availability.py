"""Network availability of a SKU or of a whole reference, read from positions and SKU totals,
with the units on their way to each location (open deliveries and sent transfers, soonest first).

Both answers come from primary-key ranges (positions by SKU, totals by SKU), never a scan of
movements, so their cost depends on the number of locations, not on the size of the network.

The API serves them as JSON written straight from the rows (``sku_availability_json``,
``reference_availability_json``): a reference is 20 sizes at 500 locations, and building a
model per position, then validating and serialising it again, cost several times the query.
The JSON is the same, byte for byte, as the models' (``sku_availability`` and
``reference_availability``, kept for code that wants the models).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import Connection, select

from ordersync.contract import (
    Arrival,
    NetworkTotal,
    Position,
    ReferenceAvailability,
    SkuAvailability,
)
from ordersync.db.arrivals import open_arrivals
from ordersync.db.ledger_tx import ITEMS, POSITIONS, TOTALS
from ordersync.db.raw import RawSql
from ordersync.domain.errors import UnknownReference, UnknownSku
from ordersync.domain.permissions import Action, Principal
from ordersync.services.positions import Dispositions, dispositions_of, position_of, set_aside_in


def _positions_of(connection: Connection, skus: list[str]) -> dict[str, list[Position]]:
    by_sku: dict[str, list[Position]] = defaultdict(list)
    rows = connection.execute(
        select(POSITIONS)
        .where(POSITIONS.c.sku.in_(skus))
        .order_by(POSITIONS.c.sku, POSITIONS.c.location)
    ).all()
    dispositions = set_aside_in(connection, rows)
    for row in rows:
        by_sku[row.sku].append(position_of(row, dispositions))
    return by_sku


def _totals_of(connection: Connection, skus: list[str]) -> dict[str, NetworkTotal]:
    rows = connection.execute(select(TOTALS).where(TOTALS.c.sku.in_(skus)))
    return {
        row.sku: NetworkTotal(
            sku=row.sku, on_hand=row.on_hand, reserved=row.reserved, available=row.available
        )
        for row in rows
    }


def _assemble(skus: list[str], connection: Connection) -> list[SkuAvailability]:
    positions = _positions_of(connection, skus)
    totals = _totals_of(connection, skus)
    arrivals = _arrivals_of(RawSql(connection), skus)
    return [
        SkuAvailability(
            sku=sku,
            total=totals.get(sku, NetworkTotal(sku=sku, on_hand=0, reserved=0, available=0)),
            locations=positions.get(sku, []),
            arrivals=arrivals.get(sku, []),
        )
        for sku in skus
    ]


def _arrivals_of(sql: RawSql, skus: list[str]) -> dict[str, list[Arrival]]:
    """Open deliveries and sent transfers of ``skus`` per SKU, soonest window first."""
    by_sku: dict[str, list[Arrival]] = defaultdict(list)
    for arrival in open_arrivals(sql, skus):
        by_sku[arrival.sku].append(arrival)
    return by_sku


def sku_availability(connection: Connection, sku: str) -> SkuAvailability:
    if connection.execute(select(ITEMS.c.sku).where(ITEMS.c.sku == sku)).first() is None:
        raise UnknownSku(f"no SKU {sku!r} in the catalog", sku=sku)
    return _assemble([sku], connection)[0]


def reference_availability(connection: Connection, reference: str) -> ReferenceAvailability:
    skus = list(
        connection.execute(
            select(ITEMS.c.sku).where(ITEMS.c.reference == reference).order_by(ITEMS.c.sku)
        ).scalars()
    )
    if not skus:
        raise UnknownReference(f"no reference {reference!r} in the catalog", reference=reference)
    per_sku = _assemble(skus, connection)
    return ReferenceAvailability(
        reference=reference,
        total=NetworkTotal(
            sku="*",
            on_hand=sum(s.total.on_hand for s in per_sku),
            reserved=sum(s.total.reserved for s in per_sku),
            available=sum(s.total.available for s in per_sku),
        ),
        skus=per_sku,
    )


# --- The same answers as JSON, from plain rows -----------------------------------------------

_POSITION_COLUMNS = (
    "sku, location, on_hand, reserved, safety_stock, suspect, seq, updated_at, unavailable"
)
_ZERO_TOTAL = (0, 0, 0)


# The catalog check and the totals come in one statement (one round trip fewer on PostgreSQL).
_ITEM_TOTALS = (
    "SELECT i.sku, t.on_hand, t.reserved, t.available FROM items i "
    "LEFT JOIN sku_totals t ON t.sku = i.sku WHERE {where} ORDER BY i.sku"
)


def _totals(row: Sequence[Any]) -> tuple[int, int, int]:
    return _ZERO_TOTAL if row[1] is None else (row[1], row[2], row[3])


def sku_availability_json(connection: Connection, principal: Principal, sku: str) -> bytes:
    """``sku_availability(connection, sku)`` as its JSON, without the models, for a caller who
    may read stock."""
    principal.require(Action.READ_STOCK)
    sql = RawSql(connection)
    item = sql.first(_ITEM_TOTALS.format(where="i.sku = :sku"), {"sku": sku})
    if item is None:
        raise UnknownSku(f"no SKU {sku!r} in the catalog", sku=sku)
    rows = sql.execute(
        f"SELECT {_POSITION_COLUMNS} FROM positions WHERE sku = :sku ORDER BY sku, location",
        {"sku": sku},
    ).fetchall()
    set_aside = _set_aside(sql, rows)
    return _sku_json(sku, _totals(item), rows, set_aside, _arrivals_of(sql, [sku])[sku]).encode()


def reference_availability_json(
    connection: Connection, principal: Principal, reference: str
) -> bytes:
    """``reference_availability(connection, reference)`` as its JSON, without the models, for a
    caller who may read stock."""
    principal.require(Action.READ_STOCK)
    sql = RawSql(connection)
    items = sql.execute(
        _ITEM_TOTALS.format(where="i.reference = :reference"), {"reference": reference}
    ).fetchall()
    if not items:
        raise UnknownReference(f"no reference {reference!r} in the catalog", reference=reference)
    skus = [str(item[0]) for item in items]
    marks = ", ".join(f":s{i}" for i in range(len(skus)))
    params = {f"s{i}": sku for i, sku in enumerate(skus)}
    by_sku: dict[str, list[Sequence[Any]]] = {sku: [] for sku in skus}
    rows = sql.execute(
        f"SELECT {_POSITION_COLUMNS} FROM positions WHERE sku IN ({marks}) ORDER BY sku, location",
        params,
    ).fetchall()
    for row in rows:
        by_sku[row[0]].append(row)
    set_aside = _set_aside(sql, rows)
    arrivals = _arrivals_of(sql, skus)
    parts = []
    on_hand = reserved = available = 0
    for item in items:
        total = _totals(item)
        on_hand += total[0]
        reserved += total[1]
        available += total[2]
        parts.append(_sku_json(item[0], total, by_sku[item[0]], set_aside, arrivals[item[0]]))
    return (
        f'{{"reference":{encode_basestring(reference)},"total":{{"sku":"*",'
        f'"on_hand":{on_hand},"reserved":{reserved},"available":{available}}},'
        f'"skus":[{",".join(parts)}]}}'
    ).encode()


def _set_aside(sql: RawSql, rows: Sequence[Sequence[Any]]) -> Dispositions:
    """The dispositions of the positions among ``rows`` that hold units set aside (none: no
    query)."""
    skus = {row[0] for row in rows if row[8]}
    return dispositions_of(sql, skus) if skus else {}


def _sku_json(
    sku: str,
    total: Sequence[int],
    rows: Sequence[Sequence[Any]],
    set_aside: Dispositions,
    arrivals: Sequence[Arrival],
) -> str:
    name = encode_basestring(sku)
    # Arrivals are few (the documents on their way): serialised by their model.
    coming = ",".join(arrival.model_dump_json() for arrival in arrivals)
    return (
        f'{{"sku":{name},"total":{{"sku":{name},"on_hand":{total[0]},"reserved":{total[1]},'
        f'"available":{total[2]}}},"locations":[{_positions_json(name, rows, set_aside)}],'
        f'"arrivals":[{coming}]}}'
    )


def _dispositions_json(units: dict[str, int]) -> str:
    return ",".join(f"{encode_basestring(name)}:{count}" for name, count in units.items())


def _positions_json(name: str, rows: Sequence[Sequence[Any]], set_aside: Dispositions) -> str:
    """The positions of one SKU (``name``: its JSON string) as ``Position`` serialises each
    (same members, same order). Per row only what changes is formatted: this loop is most of
    the work of a reference's 10,000 positions."""
    head = f'{{"sku":{name},"location":'
    places: dict[str, str] = {}
    parts = []
    for (
        sku,
        location,
        on_hand,
        reserved,
        safety_stock,
        suspect,
        seq,
        updated_at,
        unavailable,
    ) in rows:
        place = places.get(location)
        if place is None:
            place = places[location] = encode_basestring(location)
        if type(updated_at) is str and len(updated_at) == 26 and updated_at[10] == " ":
            # SQLite's text, as SQLAlchemy and the writer store it: wire_time's first case.
            clock = updated_at[11:19] if updated_at.endswith(".000000") else updated_at[11:]
            time = f"{updated_at[:10]}T{clock}Z"
        else:
            time = wire_time(updated_at)
        available = on_hand - unavailable - reserved - safety_stock
        held = _dispositions_json(set_aside.get((sku, location), {})) if unavailable else ""
        parts.append(
            f'{head}{place},"on_hand":{on_hand},"reserved":{reserved},'
            f'"safety_stock":{safety_stock},"available":{available},'
            f'"suspect":{"true" if suspect else "false"},"seq":{seq},"updated_at":"{time}",'
            f'"unavailable":{unavailable},"dispositions":{{{held}}}}}'
        )
    return ",".join(parts)


def wire_time(value: Any) -> str:
    """A stored time (UTC without zone: text on SQLite, a datetime on PostgreSQL) as pydantic
    writes an aware UTC datetime: ``2026-11-26T09:00:00Z``, microseconds only when not zero."""
    if isinstance(value, str) and len(value) == 26 and value[10] == " " and value[19] == ".":
        # SQLite's text, as SQLAlchemy and the writer store it: "2026-11-26 09:00:00.000000".
        clock = value[11:19] if value.endswith(".000000") else value[11:]
        return f"{value[:10]}T{clock}Z"
    if isinstance(value, datetime) and value.tzinfo is None:  # PostgreSQL's timestamp
        return value.isoformat() + "Z"
    moment = RawSql.read_time(value)  # any other form: read it as the models do
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"

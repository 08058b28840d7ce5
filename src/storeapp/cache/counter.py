"""The counter's own records in the cache: this terminal's recent counter sales (what a void or
a return names by receipt reference), the ledger's list of return reasons, and the units per
disposition that this terminal's unsent operations set aside or put back on sale.

Promises:

- A sale's row is written in the transaction that queues the sale (``remember_sale``), so every
  sale this terminal recorded can be found again to void it; the row of a voided sale names its
  void (``voided_by``), written in the transaction that queues the void.
- Rows of sales older than ``RECENT_SALES_KEPT`` are forgotten when a new sale is recorded: a
  void that old is a manager's, who may name a sale this terminal no longer knows.
- A disposition effect counts only while its outbox entry is pending, like ``outbox_effects``:
  once the ledger accepted the entry its units are in the ledger's own figures, once it refused
  it they never happened. Rows of entries no longer pending are dropped at the next write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Index, text
from sqlmodel import Field

from ordersync.contract import Disposition
from storeapp.cache.tables import CacheModel

RECENT_SALES_KEPT = timedelta(days=35)
"""How long this terminal remembers its sales: past a month, only a manager voids them."""

# --- Tables ----------------------------------------------------------------------------------


class CacheRecentSale(CacheModel, table=True):
    """A counter sale made on this terminal; ``op_id`` is its receipt reference."""

    __tablename__ = "recent_sales"
    __table_args__ = (Index("ix_recent_sales_occurred_at", "occurred_at"),)
    op_id: str = Field(primary_key=True)
    sku: str
    qty: int
    occurred_at: str
    person: str | None = None
    voided_by: str | None = None
    """The op id of the void queued here for this sale."""


class CacheReturnReason(CacheModel, table=True):
    """The ledger's list of reasons a customer's return may give, in the order staff see it."""

    __tablename__ = "return_reasons"
    rank: int = Field(primary_key=True)
    reason: str
    fetched_at: str


class CacheDispositionEffect(CacheModel, table=True):
    """Units of one disposition a pending outbox entry sets aside (positive) or takes out of it
    (negative) at one position; units on sale are ``outbox_effects``' on hand minus unavailable."""

    __tablename__ = "outbox_dispositions"
    op_id: str = Field(primary_key=True)
    """The entry's operation id (outbox ids are reused once entries are gone; op ids never)."""
    sku: str = Field(primary_key=True)
    location: str = Field(primary_key=True)
    disposition: str = Field(primary_key=True)
    delta: int


# --- Recent sales ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaleRecord:
    """A sale of this terminal as the cache keeps it. ``outbox_state`` is the state of its
    outbox entry (None once the ledger accepted it); ``void_state`` the same of the void queued
    for it, if any."""

    op_id: str
    sku: str
    name: str | None
    qty: int
    occurred_at: datetime
    person: str | None
    voided_by: str | None
    outbox_state: str | None
    void_state: str | None


def remember_sale(
    connection: Connection,
    op_id: str,
    sku: str,
    qty: int,
    occurred_at: datetime,
    person: str | None,
) -> None:
    """Keep a sale just queued (inside its transaction), forgetting the oldest ones."""
    connection.execute(
        text("DELETE FROM recent_sales WHERE occurred_at < :oldest"),
        {"oldest": (occurred_at - RECENT_SALES_KEPT).isoformat()},
    )
    connection.execute(
        text(
            "INSERT INTO recent_sales (op_id, sku, qty, occurred_at, person) "
            "VALUES (:op_id, :sku, :qty, :occurred_at, :person)"
        ),
        {
            "op_id": op_id,
            "sku": sku,
            "qty": qty,
            "occurred_at": occurred_at.isoformat(),
            "person": person,
        },
    )


_SALES_SQL = (
    "SELECT r.op_id, r.sku, i.name, r.qty, r.occurred_at, r.person, r.voided_by, o.state, "
    "v.state FROM recent_sales r LEFT JOIN items i ON i.sku = r.sku "
    "LEFT JOIN outbox o ON o.op_id = r.op_id LEFT JOIN outbox v ON v.op_id = r.voided_by"
)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _sale(row: Sequence[object]) -> SaleRecord:
    op_id, sku, name, qty, occurred_at, person, voided_by, state, void_state = row
    return SaleRecord(
        op_id=str(op_id),
        sku=str(sku),
        name=_text(name),
        qty=int(str(qty)),
        occurred_at=datetime.fromisoformat(str(occurred_at)),
        person=_text(person),
        voided_by=_text(voided_by),
        outbox_state=_text(state),
        void_state=_text(void_state),
    )


def recent_sales(connection: Connection, limit: int) -> list[SaleRecord]:
    """This terminal's sales, newest first."""
    rows = connection.execute(
        text(f"{_SALES_SQL} ORDER BY r.occurred_at DESC, r.op_id DESC LIMIT :limit"),
        {"limit": limit},
    )
    return [_sale(tuple(row)) for row in rows]


def find_sale(connection: Connection, op_id: str) -> SaleRecord | None:
    row = connection.execute(text(f"{_SALES_SQL} WHERE r.op_id = :op_id"), {"op_id": op_id}).first()
    return None if row is None else _sale(tuple(row))


def mark_voided(connection: Connection, sale_op_id: str, void_op_id: str) -> None:
    connection.execute(
        text("UPDATE recent_sales SET voided_by = :void WHERE op_id = :sale"),
        {"void": void_op_id, "sale": sale_op_id},
    )


# --- Return reasons --------------------------------------------------------------------------


def read_reasons(connection: Connection) -> list[str]:
    """The reasons as the ledger last listed them; empty when it never did."""
    rows = connection.execute(text("SELECT reason FROM return_reasons ORDER BY rank"))
    return [str(row[0]) for row in rows]


def write_reasons(connection: Connection, reasons: Iterable[str], fetched_at: datetime) -> None:
    connection.execute(text("DELETE FROM return_reasons"))
    rows = [
        {"rank": rank, "reason": reason, "fetched_at": fetched_at.isoformat()}
        for rank, reason in enumerate(reasons)
    ]
    if rows:
        connection.execute(
            text(
                "INSERT INTO return_reasons (rank, reason, fetched_at) "
                "VALUES (:rank, :reason, :fetched_at)"
            ),
            rows,
        )


# --- Units per disposition of unsent operations ----------------------------------------------


@dataclass(frozen=True, slots=True)
class DispositionEffect:
    sku: str
    location: str
    disposition: Disposition
    delta: int


def add_disposition_effects(
    connection: Connection, op_id: str, effects: Iterable[DispositionEffect]
) -> None:
    """Record what a pending entry does to the dispositions (inside the entry's transaction)."""
    connection.execute(
        text(
            "DELETE FROM outbox_dispositions WHERE op_id NOT IN "
            "(SELECT op_id FROM outbox WHERE state = 'pending')"
        )
    )
    totals: dict[tuple[str, str, Disposition], int] = {}
    for effect in effects:
        key = (effect.sku, effect.location, effect.disposition)
        totals[key] = totals.get(key, 0) + effect.delta
    rows = [
        {"op_id": op_id, "sku": sku, "location": location, "disposition": d.value, "delta": n}
        for (sku, location, d), n in totals.items()
        if d is not Disposition.SELLABLE and n
    ]
    if rows:
        connection.execute(
            text(
                "INSERT INTO outbox_dispositions (op_id, sku, location, disposition, delta) "
                "VALUES (:op_id, :sku, :location, :disposition, :delta)"
            ),
            rows,
        )


def pending_dispositions(connection: Connection, sku: str, location: str) -> dict[Disposition, int]:
    """Units per disposition that pending entries set aside (or take out) at one position."""
    rows = connection.execute(
        text(
            "SELECT d.disposition, SUM(d.delta) FROM outbox_dispositions d "
            "JOIN outbox o ON o.op_id = d.op_id WHERE o.state = 'pending' "
            "AND d.sku = :sku AND d.location = :location GROUP BY d.disposition"
        ),
        {"sku": sku, "location": location},
    )
    known = {d.value: d for d in Disposition}
    return {known[str(name)]: int(total) for name, total in rows if str(name) in known}

"""Counter sales: recorded at once in the cache (the unit is in hand) and queued for the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import Engine

from ordersync.contract import MovementsOp, SaleLine, uuid7
from storeapp.cache.outbox import Effect, enqueue
from storeapp.clock import NewId, Now, PersonOf, nobody


@dataclass(frozen=True, slots=True)
class RecordedSale:
    op_id: UUID
    outbox_id: int
    sku: str
    qty: int


class CounterSales:
    def __init__(
        self,
        engine: Engine,
        location: str,
        now: Now,
        new_id: NewId = uuid7,
        *,
        person: PersonOf = nobody,
    ) -> None:
        self._engine = engine
        self._location = location
        self._now = now
        self._new_id = new_id
        self._person = person

    def record(self, sku: str, qty: int = 1) -> RecordedSale:
        """Write the sale and its outbox entry in one transaction: a crash keeps both or neither."""
        if qty < 1:
            raise ValueError("a sale is of at least one unit")
        now = self._now()
        operation = MovementsOp(
            op="movements",
            op_id=self._new_id(),
            lines=[SaleLine(kind="sale", sku=sku, location=self._location, qty=qty)],
            occurred_at=now,
        )
        with self._engine.begin() as connection:
            entry_id = enqueue(
                connection,
                operation,
                summary=f"sale {qty} x {sku}",
                effects=[Effect(sku, self._location, -qty)],
                now=now,
                person=self._person(),
            )
        return RecordedSale(operation.op_id, entry_id, sku, qty)

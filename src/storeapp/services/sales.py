"""Counter sales: recorded at once in the cache (the unit is in hand) and queued for the ledger.

Promises:

- The sale, its outbox entry and its row in ``recent_sales`` (what a void names it by) are
  written in one transaction: a crash keeps all three or none.
- A line above ``confirm_above`` units is recorded only when ``confirmed``: a finger that slipped
  on the keypad (100,000 for 1) asks first, it is never refused once confirmed (the ledger's own
  hard limit per line still applies when the sale reaches it).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import Engine

from ordersync.contract import MovementsOp, SaleLine, uuid7
from storeapp.cache.counter import remember_sale
from storeapp.cache.outbox import Effect, enqueue
from storeapp.clock import NewId, Now, PersonOf, nobody
from storeapp.wording.counter import at_least_one_unit, units_above_limit

DEFAULT_CONFIRM_ABOVE = 10
"""Units on one line above which staff confirm (``StoreSettings.confirm_units_above``)."""


class NeedsConfirmation(Exception):
    """A line of ``qty`` units, above ``limit``: record it again with ``confirmed=True``."""

    def __init__(self, qty: int, limit: int) -> None:
        super().__init__(units_above_limit(qty, limit))
        self.qty = qty
        self.limit = limit


def check_line(qty: int, limit: int, confirmed: bool) -> None:
    """A line's quantity before anything is queued: at least one unit, and above ``limit``
    only once confirmed (``ValueError`` or ``NeedsConfirmation``)."""
    if qty < 1:
        raise ValueError(at_least_one_unit())
    if qty > limit and not confirmed:
        raise NeedsConfirmation(qty, limit)


@dataclass(frozen=True, slots=True)
class RecordedSale:
    op_id: UUID
    """The sale's receipt reference: what a return or a void names it by."""
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
        confirm_above: int = DEFAULT_CONFIRM_ABOVE,
    ) -> None:
        self._engine = engine
        self._location = location
        self._now = now
        self._new_id = new_id
        self._person = person
        self.confirm_above = confirm_above

    def record(self, sku: str, qty: int = 1, *, confirmed: bool = False) -> RecordedSale:
        """Write the sale and its outbox entry in one transaction: a crash keeps both or neither.

        Raises ``NeedsConfirmation`` above ``confirm_above`` units unless ``confirmed``."""
        check_line(qty, self.confirm_above, confirmed)
        now = self._now()
        person = self._person()
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
                person=person,
            )
            remember_sale(connection, str(operation.op_id), sku, qty, now, person)
        return RecordedSale(operation.op_id, entry_id, sku, qty)

"""Customer returns at the counter: recorded at once in the cache (the unit is in the store) and
queued for the ledger, linked to the order or the sale the customer's receipt names.

Promises:

- The return, its outbox entry and its local effect (+qty on hand; +qty set aside when damaged)
  are written in one transaction: a crash keeps all of them or none.
- What the store can check is checked before anything is queued, with a sentence staff can
  act on: the reason is one of the ledger's list (as last fetched, else the default list), the
  unit goes back on sale or is set aside as damaged, a line above ``confirm_above`` units is
  confirmed. What only the ledger knows (is the order ours, was that much sold) it records and
  flags; it never refuses a return for it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Engine

from ordersync.contract import (
    DEFAULT_RETURN_REASONS,
    RETURN_DISPOSITIONS,
    CustomerReturnOp,
    Disposition,
    ReturnedLine,
    ReturnReasons,
    uuid7,
)
from storeapp.cache.counter import (
    DispositionEffect,
    add_disposition_effects,
    read_reasons,
    write_reasons,
)
from storeapp.cache.outbox import Effect, enqueue
from storeapp.clock import NewId, Now, PersonOf, nobody
from storeapp.services.sales import DEFAULT_CONFIRM_ABOVE, check_line
from storeapp.sync.client import LedgerClient, LedgerRefused, LedgerUnavailable
from storeapp.wording.counter import (
    line_without_order,
    order_and_receipt,
    return_disposition_refused,
    unknown_reason,
)

REASONS_PATH = "/returns/reasons"


@dataclass(frozen=True, slots=True)
class QueuedReturn:
    op_id: uuid.UUID
    """The return's id at the ledger."""
    outbox_id: int
    sku: str
    qty: int
    disposition: Disposition = Disposition.SELLABLE


class CounterReturns:
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

    def reasons(self) -> list[str]:
        """The reasons a return may give: the ledger's list as last fetched, else the default."""
        with self._engine.connect() as connection:
            return read_reasons(connection) or list(DEFAULT_RETURN_REASONS)

    def refresh_reasons(self, client: LedgerClient, timeout: float | None = None) -> bool:
        """Fetch the ledger's list into the cache; False when the ledger did not give it (the
        list kept is then the one fetched before, or the default)."""
        try:
            answer = client.read(REASONS_PATH, ReturnReasons, timeout=timeout)
        except (LedgerUnavailable, LedgerRefused):
            return False
        if not answer.reasons:
            return False
        with self._engine.begin() as connection:
            write_reasons(connection, answer.reasons, self._now())
        return True

    def record(
        self,
        sku: str,
        qty: int = 1,
        *,
        reason: str,
        disposition: Disposition = Disposition.SELLABLE,
        order_id: uuid.UUID | None = None,
        order_line_no: int | None = None,
        sale_op_id: uuid.UUID | None = None,
        confirmed: bool = False,
    ) -> QueuedReturn:
        """Queue the return of ``qty`` units of ``sku``; ``ValueError`` (a sentence for staff)
        or ``NeedsConfirmation`` when it cannot be queued as it is."""
        allowed = self.reasons()
        if reason not in allowed:
            raise ValueError(unknown_reason(reason, allowed))
        if disposition not in RETURN_DISPOSITIONS:
            raise ValueError(return_disposition_refused(disposition))
        if order_id is not None and sale_op_id is not None:
            raise ValueError(order_and_receipt())
        if order_line_no is not None and order_id is None:
            raise ValueError(line_without_order())
        check_line(qty, self.confirm_above, confirmed)
        now = self._now()
        operation = CustomerReturnOp(
            op="customer_return",
            op_id=self._new_id(),
            location=self._location,
            lines=[
                ReturnedLine(
                    sku=sku,
                    qty=qty,
                    reason=reason,
                    disposition=disposition,
                    order_line_no=order_line_no,
                )
            ],
            order_id=order_id,
            sale_op_id=sale_op_id,
            occurred_at=now,
        )
        set_aside = qty if disposition is not Disposition.SELLABLE else 0
        with self._engine.begin() as connection:
            entry_id = enqueue(
                connection,
                operation,
                summary=f"return {qty} x {sku} ({reason}, {disposition.value})",
                effects=[Effect(sku, self._location, qty, unavailable_delta=set_aside)],
                now=now,
                person=self._person(),
            )
            add_disposition_effects(
                connection,
                str(operation.op_id),
                [DispositionEffect(sku, self._location, disposition, qty)],
            )
        return QueuedReturn(operation.op_id, entry_id, sku, qty, disposition)

"""Units set aside at this store (damaged, on display, in quarantine) or put back on sale, and a
manager's write-off of units set aside: checked against the cached position, then queued.

Promises:

- The operation, its outbox entry and its local effect (the units that change disposition, the
  units that leave on a write-off) are written in one transaction: a crash keeps all or none.
- A move or write-off of more units than the disposition holds here is refused before anything
  is queued (``SetAsideRefused``): the position read is the ledger's last view with this
  terminal's unsent operations laid over it, read inside the write transaction. Units on sale
  that an order holds do not leave the shelf, as at the ledger.
- A write-off is a manager's: the person signed in, a manager whose PIN approved it
  (``approver``, whose code it then carries), or a manager's device (see
  ``storeapp.services.voids.manager_check``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, Engine

from ordersync.contract import (
    Disposition,
    DispositionLine,
    MoveDispositionOp,
    WriteOffLine,
    WriteOffOp,
    uuid7,
)
from storeapp.cache.counter import DispositionEffect, add_disposition_effects
from storeapp.cache.outbox import Effect, enqueue
from storeapp.cache.positions import local_position
from storeapp.clock import NewId, Now, PersonOf, nobody
from storeapp.services.staff import StaffPerson
from storeapp.services.voids import MAX_REASON_LENGTH
from storeapp.wording.counter import (
    at_least_one_unit,
    not_enough_here,
    reason_too_long,
    same_disposition,
    write_off_managers_only,
    write_off_needs_reason,
    write_off_of_units_on_sale,
)


class SetAsideRefusal(StrEnum):
    NOT_ENOUGH = "not_enough"
    """The disposition the units leave holds fewer here."""
    SAME_DISPOSITION = "same_disposition"
    MANAGERS_ONLY = "managers_only"
    UNITS_ON_SALE = "units_on_sale"
    """A write-off takes units set aside, never units on sale."""


class SetAsideRefused(Exception):
    """Why nothing was queued; ``str()`` is the sentence staff read. For ``NOT_ENOUGH``,
    ``held`` is what the disposition holds here."""

    def __init__(
        self,
        refusal: SetAsideRefusal,
        message: str,
        *,
        sku: str = "",
        disposition: Disposition | None = None,
        held: int | None = None,
    ) -> None:
        super().__init__(message)
        self.refusal = refusal
        self.sku = sku
        self.disposition = disposition
        self.held = held


@dataclass(frozen=True, slots=True)
class QueuedMove:
    op_id: uuid.UUID
    outbox_id: int
    sku: str
    qty: int
    from_disposition: Disposition
    to_disposition: Disposition


@dataclass(frozen=True, slots=True)
class QueuedWriteOff:
    op_id: uuid.UUID
    outbox_id: int
    sku: str
    qty: int
    disposition: Disposition


def _unavailable(disposition: Disposition) -> int:
    """1 for a disposition whose units are set aside, 0 for units on sale."""
    return 0 if disposition is Disposition.SELLABLE else 1


def _checked_reason(reason: str | None) -> str | None:
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON_LENGTH:
        raise ValueError(reason_too_long(MAX_REASON_LENGTH))
    return reason


class StockSetAside:
    def __init__(
        self,
        engine: Engine,
        location: str,
        now: Now,
        new_id: NewId = uuid7,
        *,
        person: PersonOf = nobody,
        is_manager: Callable[[], bool],
    ) -> None:
        self._engine = engine
        self._location = location
        self._now = now
        self._new_id = new_id
        self._person = person
        self._is_manager = is_manager

    def move(
        self,
        sku: str,
        qty: int,
        *,
        to: Disposition,
        from_: Disposition = Disposition.SELLABLE,
        reason: str | None = None,
    ) -> QueuedMove:
        """Move ``qty`` units of ``sku`` from one disposition to another (set them aside, or put
        them back on sale with ``to=SELLABLE``)."""
        if qty < 1:
            raise ValueError(at_least_one_unit())
        if from_ is to:
            raise SetAsideRefused(
                SetAsideRefusal.SAME_DISPOSITION, same_disposition(to), sku=sku, disposition=to
            )
        now = self._now()
        operation = MoveDispositionOp(
            op="move_disposition",
            op_id=self._new_id(),
            location=self._location,
            lines=[DispositionLine(sku=sku, qty=qty, from_disposition=from_, to_disposition=to)],
            reason=_checked_reason(reason),
            occurred_at=now,
        )
        with self._engine.begin() as connection:
            self._require_units(connection, sku, qty, from_)
            entry_id = enqueue(
                connection,
                operation,
                summary=f"set aside {qty} x {sku}: {from_.value} -> {to.value}",
                effects=[
                    Effect(
                        sku,
                        self._location,
                        0,
                        unavailable_delta=qty * (_unavailable(to) - _unavailable(from_)),
                    )
                ],
                now=now,
                person=self._person(),
            )
            add_disposition_effects(
                connection,
                str(operation.op_id),
                [
                    DispositionEffect(sku, self._location, from_, -qty),
                    DispositionEffect(sku, self._location, to, qty),
                ],
            )
        return QueuedMove(operation.op_id, entry_id, sku, qty, from_, to)

    def write_off(
        self,
        sku: str,
        qty: int,
        *,
        disposition: Disposition = Disposition.DAMAGED,
        reason: str,
        approver: StaffPerson | None = None,
    ) -> QueuedWriteOff:
        """A manager's write-off of ``qty`` units of ``sku`` set aside as ``disposition``."""
        if qty < 1:
            raise ValueError(at_least_one_unit())
        checked = _checked_reason(reason)
        if checked is None:
            raise ValueError(write_off_needs_reason())
        if disposition is Disposition.SELLABLE:
            raise SetAsideRefused(
                SetAsideRefusal.UNITS_ON_SALE,
                write_off_of_units_on_sale(),
                sku=sku,
                disposition=disposition,
            )
        approved = approver is not None and approver.is_manager
        if not approved and not self._is_manager():
            raise SetAsideRefused(SetAsideRefusal.MANAGERS_ONLY, write_off_managers_only(), sku=sku)
        now = self._now()
        operation = WriteOffOp(
            op="write_off",
            op_id=self._new_id(),
            location=self._location,
            lines=[WriteOffLine(sku=sku, qty=qty, disposition=disposition)],
            reason=checked,
            occurred_at=now,
        )
        person = approver.code if approver is not None and approved else self._person()
        with self._engine.begin() as connection:
            self._require_units(connection, sku, qty, disposition)
            entry_id = enqueue(
                connection,
                operation,
                summary=f"write-off {qty} x {sku} ({disposition.value}): {checked}",
                effects=[Effect(sku, self._location, -qty, unavailable_delta=-qty)],
                now=now,
                person=person,
            )
            add_disposition_effects(
                connection,
                str(operation.op_id),
                [DispositionEffect(sku, self._location, disposition, -qty)],
            )
        return QueuedWriteOff(operation.op_id, entry_id, sku, qty, disposition)

    def _require_units(
        self, connection: Connection, sku: str, qty: int, source: Disposition
    ) -> None:
        held = local_position(connection, sku, self._location).movable(source)
        if held < qty:
            raise SetAsideRefused(
                SetAsideRefusal.NOT_ENOUGH,
                not_enough_here(sku, qty, held, source),
                sku=sku,
                disposition=source,
                held=held,
            )

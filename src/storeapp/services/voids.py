"""Voiding a counter sale: the sale taken back as if it never happened, queued for the ledger.

Promises:

- The void, its outbox entry, its local effect (the sale's units back on hand) and the mark on
  the sale's row in ``recent_sales`` are written in one transaction: a crash keeps all or none.
- A sale is voided once: a second void of it is refused here while the first one stands (the
  ledger refuses it too, so a void made on another terminal ends in "needs attention").
- The terminal that made a sale voids it the same store day; later, or a sale this terminal
  does not know (another terminal's, or one older than it keeps), only a manager: the person
  signed in, or a manager whose PIN approved this void (``approver``). A sale of another
  terminal is queued without a local effect: which units it held, only the ledger knows.
- Who counts as a manager here is ``manager_check``: the person signed in when there is one,
  else what the ledger said of this device's token.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Engine, text

from ordersync.contract import VoidSaleOp, uuid7
from storeapp.cache.counter import SaleRecord, find_sale, mark_voided, recent_sales
from storeapp.cache.outbox import ATTENTION, Effect, enqueue
from storeapp.clock import NewId, Now, PersonOf, nobody
from storeapp.services.reports import known_access, remember_access
from storeapp.services.staff import MANAGER_ROLES, Shift, StaffPerson
from storeapp.sync.client import LedgerClient, LedgerRefused, LedgerUnavailable
from storeapp.wording.counter import (
    already_voided,
    not_a_receipt,
    reason_too_long,
    sale_of_an_earlier_day,
    sale_of_another_terminal,
    sale_refused_by_ledger,
)

MAX_REASON_LENGTH = 200
"""The contract's ``ReasonText``: a void's or a write-off's reason in a person's words."""


def manager_check(
    engine: Engine, shift: Shift, client: LedgerClient | None = None
) -> Callable[[], bool]:
    """Whether a manager stands behind an action at this terminal now: the person signed in,
    if any; else this device's token, as the ledger last said. Unless it said yes, the ledger is
    asked again through ``client`` (the token may have changed since: ``storeapp setup`` with a
    manager's). When nobody can tell (offline, never asked), the action is queued and the ledger
    decides: a refusal then shows in "needs attention"."""

    def is_manager() -> bool:
        if shift.person is not None:
            return shift.person.is_manager
        access = known_access(engine)
        if access is not True and client is not None:
            try:
                who = client.whoami()
            except (LedgerUnavailable, LedgerRefused):
                return access is None
            access = who.role.value in MANAGER_ROLES
            remember_access(engine, access)
        return access is not False

    return is_manager


def receipt_reference(value: uuid.UUID | str) -> uuid.UUID:
    """A sale's receipt reference (its operation id) as typed or scanned; ``ValueError`` with a
    sentence for staff when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise ValueError(not_a_receipt(value)) from None


def store_zone(connection: Connection, location: str, fallback: str) -> ZoneInfo:
    """The store's time zone as the ledger describes the store, else ``fallback``, else UTC."""
    name = connection.execute(
        text("SELECT timezone FROM locations WHERE code = :code"), {"code": location}
    ).scalar_one_or_none()
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(str(candidate))
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


class VoidRefusal(StrEnum):
    ALREADY_VOIDED = "already_voided"
    SALE_REFUSED = "sale_refused"
    """The ledger refused the sale itself: it never happened in the record."""
    NOT_THIS_TERMINAL = "not_this_terminal"
    """A sale this terminal does not know: a manager's to void."""
    EARLIER_DAY = "earlier_day"
    """Made on an earlier store day: a manager's to void."""


class VoidRefused(Exception):
    """Why a void was not queued; ``str()`` is the sentence staff read."""

    def __init__(self, refusal: VoidRefusal, sale_op_id: str, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal
        self.sale_op_id = sale_op_id


@dataclass(frozen=True, slots=True)
class RecentSale:
    """A sale of this terminal, as the list of recent sales shows it."""

    op_id: uuid.UUID
    """Its receipt reference."""
    sku: str
    name: str | None
    qty: int
    occurred_at: datetime
    person: str | None
    voided: bool
    refused: bool
    """The ledger refused the sale: there is nothing to void."""


@dataclass(frozen=True, slots=True)
class QueuedVoid:
    op_id: uuid.UUID
    outbox_id: int
    sale_op_id: uuid.UUID
    lines: tuple[tuple[str, int], ...] = ()
    """(sku, units) back in stock here; empty for a sale this terminal does not know."""


def _voided(record: SaleRecord) -> bool:
    """A void was queued for the sale here and the ledger has not refused that void."""
    return record.voided_by is not None and record.void_state != ATTENTION


def _recent(record: SaleRecord) -> RecentSale:
    return RecentSale(
        op_id=uuid.UUID(record.op_id),
        sku=record.sku,
        name=record.name,
        qty=record.qty,
        occurred_at=record.occurred_at,
        person=record.person,
        voided=_voided(record),
        refused=record.outbox_state == ATTENTION,
    )


class SaleVoids:
    def __init__(
        self,
        engine: Engine,
        location: str,
        now: Now,
        new_id: NewId = uuid7,
        *,
        person: PersonOf = nobody,
        is_manager: Callable[[], bool],
        timezone: str = "UTC",
    ) -> None:
        self._engine = engine
        self._location = location
        self._now = now
        self._new_id = new_id
        self._person = person
        self._is_manager = is_manager
        self._timezone = timezone

    def recent(self, limit: int = 50) -> list[RecentSale]:
        """This terminal's sales, newest first."""
        with self._engine.connect() as connection:
            return [_recent(record) for record in recent_sales(connection, limit)]

    def void(
        self,
        sale_op_id: uuid.UUID | str,
        reason: str | None = None,
        *,
        approver: StaffPerson | None = None,
    ) -> QueuedVoid:
        """Queue the void of the sale whose receipt reference is ``sale_op_id``; raises
        ``VoidRefused`` (see the module's promises), or ``ValueError`` for a reference that is
        not one or a reason too long."""
        sale_id = receipt_reference(sale_op_id)
        reason = (reason or "").strip() or None
        if reason is not None and len(reason) > MAX_REASON_LENGTH:
            raise ValueError(reason_too_long(MAX_REASON_LENGTH))
        now = self._now()
        with self._engine.connect() as connection:
            known = find_sale(connection, str(sale_id))
            zone = store_zone(connection, self._location, self._timezone)
        # Asked before the write transaction: it may ask the ledger who this device is.
        mine_today = known is not None and _day(known.occurred_at, zone) == _day(now, zone)
        approved = approver is not None and approver.is_manager
        manager = not mine_today and (approved or self._is_manager())
        operation = VoidSaleOp(
            op="void_sale", op_id=self._new_id(), sale_op_id=sale_id, reason=reason
        )
        person = approver.code if approver is not None and approved else self._person()
        with self._engine.begin() as connection:
            # read again inside the transaction: another process may have voided it meanwhile
            record = find_sale(connection, str(sale_id))
            if record is not None:
                _check(record, mine_today or manager)
            elif not manager:
                raise VoidRefused(
                    VoidRefusal.NOT_THIS_TERMINAL,
                    str(sale_id),
                    sale_of_another_terminal(str(sale_id)),
                )
            lines = () if record is None else ((record.sku, record.qty),)
            entry_id = enqueue(
                connection,
                operation,
                summary=f"void of sale {sale_id}",
                effects=[Effect(sku, self._location, qty) for sku, qty in lines],
                now=now,
                person=person,
            )
            mark_voided(connection, str(sale_id), str(operation.op_id))
        return QueuedVoid(operation.op_id, entry_id, sale_id, lines)


def _check(record: SaleRecord, allowed: bool) -> None:
    """A sale this terminal knows: refused when voided already, refused by the ledger, or (unless
    ``allowed``: the same store day, or a manager) made on an earlier day."""
    sale = record.op_id
    if _voided(record):
        raise VoidRefused(VoidRefusal.ALREADY_VOIDED, sale, already_voided(sale))
    if record.outbox_state == ATTENTION:
        raise VoidRefused(VoidRefusal.SALE_REFUSED, sale, sale_refused_by_ledger(sale))
    if not allowed:
        raise VoidRefused(
            VoidRefusal.EARLIER_DAY, sale, sale_of_an_earlier_day(sale, record.occurred_at)
        )


def _day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()

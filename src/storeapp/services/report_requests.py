"""Turning a report's lines into transfer requests, for a manager: a rebalancing suggestion
becomes a request from where the size sleeps to where it sells (origin ``rebalancing``), and the
replenishment report's suggested lines become one request from the warehouse to this store
(origin ``replenishment``).

Promises:

- Only a manager may: this device's token is a manager's (the ledger last said so), the person
  signed in is one, or a manager's PIN approved this one request (``approver``, whose code it
  then carries). Anyone else gets ``RequestRefused`` and nothing is queued.
- A request goes through the outbox like every store operation (``TransferDesk.request``): one
  entry per request, written with its local row in one transaction, so it works offline and is
  sent exactly once. The ledger's own ``POST /v1/locations/{code}/replenishment/transfer`` is
  not used from the terminal for that reason.
- A line is "requested" while a transfer of that origin, between those places, holding that
  SKU, is requested or on its way in the cache (made here, or brought by the feed): asking
  twice is refused with ``ALREADY_REQUESTED``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, text

from ordersync.contract import (
    LocationKind,
    ReplenishmentRow,
    TransferOrigin,
    TransferState,
    TransferSuggestion,
    uuid7,
)
from storeapp.cache.motion import read_transfers
from storeapp.clock import NewId, Now
from storeapp.services.lookup import haversine_km
from storeapp.services.reports import known_access
from storeapp.services.staff import Shift, StaffPerson
from storeapp.services.transfers import QueuedTransfer, TransferDesk

OPEN_STATES = (TransferState.REQUESTED, TransferState.SENT)


class RequestRefusal(StrEnum):
    MANAGERS_ONLY = "managers_only"
    NOTHING_TO_REQUEST = "nothing_to_request"
    """No line with a quantity to move (the report suggests nothing)."""
    NO_WAREHOUSE = "no_warehouse"
    """The cache knows no warehouse to replenish from."""
    ALREADY_REQUESTED = "already_requested"


class RequestRefused(Exception):
    def __init__(self, refusal: RequestRefusal, detail: str = "") -> None:
        super().__init__(detail or refusal.value)
        self.refusal = refusal
        self.detail = detail


@dataclass(frozen=True, slots=True)
class RequestMade:
    """What was queued: the transfer, its outbox entry, and what it asks for."""

    queued: QueuedTransfer
    from_location: str
    to_location: str
    lines: list[tuple[str, int]]

    @property
    def transfer_id(self) -> UUID:
        return self.queued.transfer_id

    @property
    def units(self) -> int:
        return sum(qty for _sku, qty in self.lines)


def line_key(origin: TransferOrigin, from_location: str, to_location: str, sku: str) -> str:
    """How a screen marks a report line as requested."""
    return f"{origin.value}|{from_location}|{to_location}|{sku}"


class ReportRequests:
    """A manager's requests from report lines, at this store (``location``)."""

    def __init__(
        self,
        engine: Engine,
        location: str,
        now: Now,
        shift: Shift,
        new_id: NewId = uuid7,
    ) -> None:
        self._engine = engine
        self._location = location
        self._now = now
        self._shift = shift
        self._new_id = new_id

    @property
    def location(self) -> str:
        return self._location

    def may_request(self) -> bool:
        """A manager's device (as the ledger last said), or a manager signed in."""
        return known_access(self._engine) is True or self._shift.is_manager

    def requested(self) -> set[str]:
        """``line_key`` of every line of an open transfer made from a report."""
        with self._engine.connect() as connection:
            transfers = read_transfers(connection, self._location)
        keys: set[str] = set()
        for transfer in transfers:
            if transfer.state not in OPEN_STATES or transfer.origin is None:
                continue
            try:
                origin = TransferOrigin(transfer.origin)
            except ValueError:
                continue
            keys.update(
                line_key(origin, transfer.source, transfer.destination, line.sku)
                for line in transfer.lines
            )
        return keys

    def nearest_warehouse(self) -> str | None:
        """The warehouse nearest this store, as the cache knows the network."""
        with self._engine.connect() as connection:
            here = connection.execute(
                text("SELECT latitude, longitude FROM locations WHERE code = :code"),
                {"code": self._location},
            ).first()
            warehouses = connection.execute(
                text("SELECT code, latitude, longitude FROM locations WHERE kind = :kind"),
                {"kind": LocationKind.WAREHOUSE.value},
            ).all()
        if not warehouses:
            return None
        if here is None:
            return str(min(row.code for row in warehouses))

        def distance(row: Any) -> tuple[float, str]:
            return (
                haversine_km(here.latitude, here.longitude, row.latitude, row.longitude),
                str(row.code),
            )

        return str(min(warehouses, key=distance).code)

    def request_suggestion(
        self, suggestion: TransferSuggestion, approver: StaffPerson | None = None
    ) -> RequestMade:
        """One rebalancing line as a transfer request (origin ``rebalancing``); ``approver``: a
        manager whose PIN approved it, whose code the request then carries."""
        self._require_manager(approver)
        if suggestion.qty < 1:
            raise RequestRefused(RequestRefusal.NOTHING_TO_REQUEST)
        key = line_key(
            TransferOrigin.REBALANCING,
            suggestion.from_location,
            suggestion.to_location,
            suggestion.sku,
        )
        if key in self.requested():
            raise RequestRefused(RequestRefusal.ALREADY_REQUESTED, suggestion.sku)
        lines = [(suggestion.sku, suggestion.qty)]
        return self._request(
            suggestion.from_location,
            suggestion.to_location,
            lines,
            TransferOrigin.REBALANCING,
            approver,
        )

    def request_replenishment(
        self,
        rows: Sequence[ReplenishmentRow],
        from_location: str | None = None,
        approver: StaffPerson | None = None,
    ) -> RequestMade:
        """The suggested lines not requested yet, as one request from the warehouse (the
        nearest, unless ``from_location`` names one) to this store (origin ``replenishment``)."""
        self._require_manager(approver)
        source = from_location or self.nearest_warehouse()
        if source is None:
            raise RequestRefused(RequestRefusal.NO_WAREHOUSE)
        lines = [(row.sku, row.suggested_qty) for row in self.to_request(rows, source)]
        if not lines:
            already = any(row.suggested_qty > 0 for row in rows)
            raise RequestRefused(
                RequestRefusal.ALREADY_REQUESTED if already else RequestRefusal.NOTHING_TO_REQUEST
            )
        return self._request(source, self._location, lines, TransferOrigin.REPLENISHMENT, approver)

    def to_request(
        self, rows: Sequence[ReplenishmentRow], from_location: str | None = None
    ) -> list[ReplenishmentRow]:
        """The suggested lines a replenishment request would ask for now."""
        source = from_location or self.nearest_warehouse()
        requested = self.requested()
        return [
            row
            for row in rows
            if row.suggested_qty > 0
            and line_key(TransferOrigin.REPLENISHMENT, source or "", self._location, row.sku)
            not in requested
        ]

    def _require_manager(self, approver: StaffPerson | None) -> None:
        if approver is not None and approver.is_manager:
            return
        if not self.may_request():
            raise RequestRefused(RequestRefusal.MANAGERS_ONLY)

    def _request(
        self,
        source: str,
        destination: str,
        lines: list[tuple[str, int]],
        origin: TransferOrigin,
        approver: StaffPerson | None,
    ) -> RequestMade:
        desk = TransferDesk(
            self._engine, self._location, self._now, self._new_id, person=self._shift.code
        )
        with self._shift.approved_by(approver):
            queued = desk.request(source, destination, lines, origin=origin)
        return RequestMade(queued, source, destination, lines)

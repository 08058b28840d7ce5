"""Counting the shelf: the store's count tasks, and count sessions whose results travel to the
ledger through the outbox as ``CountOp``s ("counted N of SKU here, as of feed position V").

The ledger posts ``counted - (what it expected at V)``, so sales recorded after V are not lost
(counting during trading). That only holds if every movement the shelf already reflects is at or
before V, and every one it does not reflect comes after V. Hence, when a SKU's count starts:

- V is the freshest position of that stock this terminal can learn: the ledger's own sequence
  number of the position when it answers (``GET /positions``), else the feed cursor (or the
  cached position's, when an accepted operation brought a newer one);
- the count is refused while this terminal still holds unsent operations that moved that SKU
  here (a sale made before the count, sent after it, would be counted twice: gone from the
  shelf and posted after V). Sync, then count. Operations made after the start are fine: they
  reach the ledger after V, as the count expects.

A session lives in memory until it is submitted; the submission is one transaction that writes
every count to the outbox with its local effect (the counted stock shows at once).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, text

from ordersync.contract import (
    MAX_QUANTITY,
    CountOp,
    CountSchedule,
    CountScheduled,
    CountTask,
    JobStateName,
    Position,
    uuid7,
)
from storeapp.cache import jobs as cached_jobs
from storeapp.cache import outbox
from storeapp.cache.count_tasks import TASK_LIST, store_tasks, stored_tasks
from storeapp.cache.positions import upsert_positions
from storeapp.cache.state import CURSOR, read_state
from storeapp.clock import NewId, Now, PersonOf, nobody
from storeapp.services.catalog import CatalogItem, by_sku
from storeapp.services.lookup import Found, LookupService
from storeapp.services.reports import Answer, Refusal, ask
from storeapp.sync.client import LedgerClient, LedgerRefused, LedgerUnavailable

MAX_PENDING = 1_000_000
"""Every waiting operation is looked at when a count starts (a day offline is a few thousand)."""
_STOCK_LEAVING_STATES = frozenset({JobStateName.SHIPPED, JobStateName.COLLECTED})
"""Job transitions after which the ledger takes the job's units out of this store's stock."""


class CountRefusal(StrEnum):
    """Why a count could not start or be submitted; stable codes the screens translate."""

    INVALID_BARCODE = "invalid_barcode"
    UNKNOWN_BARCODE = "unknown_barcode"
    NOT_FOUND = "not_found"
    """No item of the cached catalog has that SKU (``query``)."""
    NOT_EXACT = "not_exact"
    """The text names a reference or words of a name, not one SKU (``query``, ``sku``)."""
    NEVER_SYNCED = "never_synced"
    UNSENT_OPERATIONS = "unsent_operations"
    """This terminal holds unsent operations on the SKU (``sku``, ``count``, ``summaries``)."""
    BAD_QUANTITY = "bad_quantity"
    NOTHING_TO_SUBMIT = "nothing_to_submit"


class CountRefused(Exception):
    """Nothing was started or written; ``code`` and ``facts`` say why."""

    def __init__(self, code: CountRefusal, message: str, **facts: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.facts = facts


@dataclass(frozen=True, slots=True)
class CountLine:
    """One SKU of a session: units found so far, and the feed position its count started at."""

    sku: str
    name: str
    size: str
    colour: str
    counted: int
    as_of_seq: int
    expected: int
    """What the record said at ``as_of_seq``, as this terminal learnt it (not shown while
    counting: a count is blind)."""
    started_at: datetime
    live: bool
    """``as_of_seq`` came from the ledger just now (False: from the cache, offline)."""


@dataclass(frozen=True, slots=True)
class RecordedCount:
    op_id: UUID
    outbox_id: int
    sku: str
    counted: int
    as_of_seq: int
    expected: int

    @property
    def difference(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True, slots=True)
class TaskView:
    id: int
    sku: str
    name: str
    size: str
    colour: str
    reason: str
    """``short_pick``, ``below_zero``, ``cycle``, or another reason the ledger gives."""
    opened_at: datetime
    submitted: bool
    """A count of this SKU waits in the outbox: the task closes when the ledger gets it."""


@dataclass(frozen=True, slots=True)
class Tasks:
    tasks: list[TaskView]
    live: bool
    fetched_at: datetime | None
    """When the ledger gave this list (None: never)."""
    refusal: Refusal | None = None
    detail: str = ""


class CountingService:
    def __init__(
        self,
        engine: Engine,
        location: str,
        now: Now,
        client: LedgerClient,
        lookup: LookupService,
        *,
        new_id: NewId = uuid7,
        live_timeout: float = 1.5,
        person: PersonOf = nobody,
    ) -> None:
        self._engine = engine
        self._location = location
        self._now = now
        self._client = client
        self._lookup = lookup
        self._new_id = new_id
        self._live_timeout = live_timeout
        self._person = person

    @property
    def location(self) -> str:
        return self._location

    # --- Tasks -----------------------------------------------------------------------------

    def tasks(self, *, live: bool = True) -> Tasks:
        """The store's open count tasks: from the ledger, else the last list it gave (kept at
        each sync, see ``storeapp.cache.count_tasks``)."""
        answer: Answer[list[CountTask]] = Answer(None, Refusal.OFFLINE, "")
        if live:
            answer = ask(
                self._engine,
                lambda: self._client.read_list(
                    "/count-tasks", TASK_LIST, {"location": self._location}
                ),
                managers_only=False,
            )
        now = self._now()
        if answer.value is not None:
            with self._engine.begin() as connection:
                store_tasks(connection, answer.value, now)
            return Tasks(self._views(answer.value), live=True, fetched_at=now)
        with self._engine.connect() as connection:
            kept = stored_tasks(connection)
        return Tasks(
            self._views(kept.tasks),
            live=False,
            fetched_at=kept.fetched_at,
            refusal=answer.refusal,
            detail=answer.detail,
        )

    def _pending(self) -> list[outbox.Entry]:
        return outbox.pending(self._engine, limit=MAX_PENDING)

    def _views(self, tasks: Sequence[CountTask]) -> list[TaskView]:
        submitted = {
            str(entry.payload.get("sku")) for entry in self._pending() if entry.kind == "count"
        }
        with self._engine.connect() as connection:
            views = []
            for task in tasks:
                item = by_sku(connection, task.sku)
                views.append(
                    TaskView(
                        id=task.id,
                        sku=task.sku,
                        name=item.name if item else task.sku,
                        size=item.size if item else "",
                        colour=item.colour if item else "",
                        reason=task.reason,
                        opened_at=task.opened_at,
                        submitted=task.sku in submitted,
                    )
                )
        return views

    def schedule(self, limit: int = 20) -> Answer[CountScheduled]:
        """Open cycle-count tasks here, fast movers first (managers)."""
        body = CountSchedule(location=self._location, limit=limit)
        return ask(
            self._engine,
            lambda: self._client.write(
                "/count-tasks/schedule", body, CountScheduled, person=self._person()
            ),
        )

    # --- Starting a SKU's count ------------------------------------------------------------

    def item_for(self, code: str) -> CatalogItem:
        """The item a scanned barcode or a typed SKU names (exactly: no name search)."""
        result = self._lookup.find(code)
        query = result.query
        if result.found is Found.BAD_BARCODE:
            raise CountRefused(
                CountRefusal.INVALID_BARCODE,
                f"{query} is not a valid barcode: {result.problem}",
                query=query,
                problem=result.problem,
            )
        if result.found is Found.UNKNOWN_BARCODE:
            raise CountRefused(
                CountRefusal.UNKNOWN_BARCODE, f"no item has the barcode {query}", query=query
            )
        item = result.item if result.found is Found.ITEM else None
        if item is None:
            raise CountRefused(CountRefusal.NOT_FOUND, f"no item {query}", query=query)
        if not query.isdigit() and item.sku.casefold() != query.casefold():
            raise CountRefused(
                CountRefusal.NOT_EXACT,
                f"{query} is not a SKU or a barcode (did you mean {item.sku}?)",
                query=query,
                sku=item.sku,
            )
        return item

    def unsent_on(self, sku: str) -> list[outbox.Entry]:
        """Operations of this terminal not yet acknowledged that move ``sku``'s stock here."""
        pending = self._pending()
        with self._engine.connect() as connection:
            return [entry for entry in pending if _moves(connection, entry, sku, self._location)]

    def start(self, sku: str) -> CountLine:
        """Start counting ``sku``: refused while unsent operations moved it here (see above)."""
        now = self._now()
        with self._engine.connect() as connection:
            item = by_sku(connection, sku)
        if item is None:
            raise CountRefused(CountRefusal.NOT_FOUND, f"no item {sku}", query=sku)
        unsent = self.unsent_on(item.sku)
        if unsent:
            raise CountRefused(
                CountRefusal.UNSENT_OPERATIONS,
                f"{len(unsent)} operation(s) on {item.sku} made here are not yet sent: sync, "
                "then count",
                sku=item.sku,
                count=len(unsent),
                summaries=[entry.summary for entry in unsent],
            )
        live = self._live_position(item.sku)
        with self._engine.begin() as connection:
            if live is not None:
                upsert_positions(connection, [live])
            cursor = int(read_state(connection, CURSOR) or "0")
            row = connection.execute(
                text("SELECT on_hand, seq FROM positions WHERE sku = :sku AND location = :loc"),
                {"sku": item.sku, "loc": self._location},
            ).first()
        if live is None and cursor == 0:
            raise CountRefused(
                CountRefusal.NEVER_SYNCED,
                "this terminal has never synced: it cannot tell what the count is compared with",
            )
        on_hand, position_seq = (int(row[0]), int(row[1])) if row is not None else (0, 0)
        # The position's own sequence number covers every movement of this stock the ledger had
        # recorded; the cursor covers everything the feed brought (and nothing moved it since).
        as_of = max(cursor, position_seq)
        return CountLine(
            sku=item.sku,
            name=item.name,
            size=item.size,
            colour=item.colour,
            counted=0,
            as_of_seq=as_of,
            expected=on_hand,
            started_at=now,
            live=live is not None,
        )

    def _live_position(self, sku: str) -> Position | None:
        """The ledger's position now (None: unreachable, or never stocked here)."""
        try:
            return self._client.read(
                f"/positions/{self._location}/{sku}", Position, timeout=self._live_timeout
            )
        except (LedgerUnavailable, LedgerRefused):
            return None

    # --- Submitting ------------------------------------------------------------------------

    def submit(self, lines: Sequence[CountLine]) -> list[RecordedCount]:
        """Write every count and its local effect to the outbox, all in one transaction."""
        if not lines:
            raise CountRefused(CountRefusal.NOTHING_TO_SUBMIT, "nothing was counted")
        for line in lines:
            if not 0 <= line.counted <= MAX_QUANTITY:
                raise CountRefused(
                    CountRefusal.BAD_QUANTITY,
                    f"a count is of 0 to {MAX_QUANTITY} units",
                    sku=line.sku,
                    counted=line.counted,
                )
        now = self._now()
        recorded = []
        with self._engine.begin() as connection:
            for line in lines:
                operation = CountOp(
                    op="count",
                    op_id=self._new_id(),
                    sku=line.sku,
                    location=self._location,
                    counted=line.counted,
                    as_of_seq=line.as_of_seq,
                )
                # The ledger will set the stock to ``counted`` plus what moved since the count;
                # until it answers, the screens show the same through this effect.
                difference = line.counted - line.expected
                effects = (
                    [outbox.Effect(line.sku, self._location, difference)] if difference else []
                )
                entry_id = outbox.enqueue(
                    connection,
                    operation,
                    summary=f"count {line.counted} x {line.sku}",
                    effects=effects,
                    now=now,
                    person=self._person(),
                )
                recorded.append(
                    RecordedCount(
                        op_id=operation.op_id,
                        outbox_id=entry_id,
                        sku=line.sku,
                        counted=line.counted,
                        as_of_seq=line.as_of_seq,
                        expected=line.expected,
                    )
                )
        return recorded

    def count_now(self, code: str, counted: int) -> RecordedCount:
        """Start and submit one SKU's count at once (the command line's ``count submit``)."""
        item = self.item_for(code)
        line = self.start(item.sku)
        return self.submit([replace(line, counted=counted)])[0]


class CountSession:
    """Units found per SKU during one walk of the shelf; nothing is written before ``submit``.

    Safe to call from worker threads: one lock guards the lines.
    """

    def __init__(self, service: CountingService) -> None:
        self._service = service
        self._lines: dict[str, CountLine] = {}
        self._lock = threading.Lock()

    @property
    def lines(self) -> list[CountLine]:
        with self._lock:
            return list(self._lines.values())

    def line(self, sku: str) -> CountLine | None:
        with self._lock:
            return self._lines.get(sku)

    @property
    def units(self) -> int:
        return sum(line.counted for line in self.lines)

    def begin(self, sku: str) -> CountLine:
        """Make ``sku`` part of the count (0 units found until scanned): a task's SKU."""
        with self._lock:
            known = self._lines.get(sku)
        if known is not None:
            return known
        started = self._service.start(sku)
        with self._lock:
            return self._lines.setdefault(started.sku, started)

    def scan(self, code: str) -> CountLine:
        """One unit found, by its barcode (or its SKU typed)."""
        item = self._service.item_for(code)
        return self.adjust(item.sku, 1)

    def adjust(self, sku: str, delta: int) -> CountLine:
        """``delta`` more (or fewer) units of ``sku`` found; never below zero."""
        self.begin(sku)
        with self._lock:
            line = self._lines[sku]
            counted = min(max(line.counted + delta, 0), MAX_QUANTITY)
            self._lines[sku] = updated = replace(line, counted=counted)
        return updated

    def set(self, sku: str, counted: int) -> CountLine:
        if not 0 <= counted <= MAX_QUANTITY:
            raise CountRefused(
                CountRefusal.BAD_QUANTITY,
                f"a count is of 0 to {MAX_QUANTITY} units",
                sku=sku,
                counted=counted,
            )
        self.begin(sku)
        with self._lock:
            self._lines[sku] = updated = replace(self._lines[sku], counted=counted)
        return updated

    def remove(self, sku: str) -> None:
        with self._lock:
            self._lines.pop(sku, None)

    def submit(self) -> list[RecordedCount]:
        with self._lock:
            lines = list(self._lines.values())
        recorded = self._service.submit(lines)
        with self._lock:
            for line in lines:
                self._lines.pop(line.sku, None)
        return recorded


_COUNTER_OPERATIONS = frozenset({"customer_return", "move_disposition", "write_off"})
"""Operations of the counter whose lines name the SKUs they move at their ``location``."""


def _has_effect(connection: Connection, outbox_id: int, sku: str, location: str) -> bool:
    return (
        connection.execute(
            text(
                "SELECT 1 FROM outbox_effects WHERE outbox_id = :id AND sku = :sku "
                "AND location = :location"
            ),
            {"id": outbox_id, "sku": sku, "location": location},
        ).first()
        is not None
    )


def _moves(connection: Connection, entry: outbox.Entry, sku: str, location: str) -> bool:
    """Whether the operation changes ``sku``'s stock at ``location`` once the ledger applies it."""
    payload = entry.payload
    if entry.kind == "movements":
        return any(
            line.get("sku") == sku
            and location
            in (line.get("location"), line.get("from_location"), line.get("to_location"))
            for line in payload.get("lines", [])
        )
    if entry.kind == "count":
        return bool(payload.get("sku") == sku and payload.get("location") == location)
    if entry.kind in _COUNTER_OPERATIONS:
        return payload.get("location") == location and any(
            line.get("sku") == sku for line in payload.get("lines", [])
        )
    if entry.kind == "void_sale":
        # A void names the sale, not its lines: its local effect says which SKUs it gives back.
        return _has_effect(connection, entry.id, sku, location)
    if entry.kind == "commit":
        lines = payload.get("lines")
        if lines is None:
            return True  # commits every held line: which SKUs is not written here
        return any(line.get("sku") == sku and line.get("location") == location for line in lines)
    if entry.kind == "job_transition" and payload.get("to") in _STOCK_LEAVING_STATES:
        job = cached_jobs.read_job(connection, str(payload.get("job_id", "")))
        return (
            job is not None
            and job.location == location
            and any(line.sku == sku for line in job.lines)
        )
    return False

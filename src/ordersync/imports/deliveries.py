"""``deliveries.csv``: purchase orders and shipping notices from the ERP, one row per line.

Columns: ``reference, kind, source_kind, source, destination, expected_from, expected_until,
sku, gtin, qty`` (``kind`` may be left out: a shipping notice; each row names its SKU by ``sku``
or ``gtin``, or both when they agree). Rows with the same source and reference form one delivery,
wherever they are in the file. A time is ISO 8601 with its zone; a date alone means that day at
the destination (from its first minute, until its last).

Policy: a bad line (unreadable cell, bad GTIN check digit, unknown SKU, GTIN, supplier or
location, a quantity that is not a whole number above zero, a bad date, a row that disagrees
with the other rows of its delivery) is reported with its line number and reason, and *its whole
delivery is left out*, each of its other lines reported as left out: a partial purchase order is
worse than none. Other deliveries are applied. A file without a ``sku`` or ``gtin`` column, with
an unknown column, or not UTF-8, is refused whole.

The file is surveyed once before any chunk is applied, so a delivery's fate is known even when
its rows are far apart; the delivery is then announced with the chunk that holds its last row,
through the ledger's own write path (the units go on order at the destination, on its feed).
A delivery already announced (same source and reference) is counted unchanged, never doubled.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import Engine, text

from ordersync.contract import (
    MAX_QUANTITY,
    InboundDeliveryCreate,
    InboundKind,
    SourceKind,
    gtin_problem,
    uuid7,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import LedgerError
from ordersync.imports.cells import BadValue, Cells
from ordersync.imports.chunks import ChunkOutcome
from ordersync.imports.csv_files import Columns, CsvFile
from ordersync.imports.runs import ImportRun
from ordersync.imports.summary import BadLine, ImportRefused
from ordersync.imports.validation import reason_of
from ordersync.services.deliveries import check_announcement, insert_delivery
from ordersync.services.delivery_views import delivery_by_reference

COLUMNS = Columns(
    required=(
        "reference",
        "source_kind",
        "source",
        "destination",
        "expected_from",
        "expected_until",
        "qty",
    ),
    optional=("kind", "sku", "gtin"),
)
ANNOUNCED_KINDS = (InboundKind.PURCHASE_ORDER, InboundKind.SHIPPING_NOTICE)
_LOOKUP_BATCH = 500
_LAST_MINUTE = time(23, 59, 59)

Key = tuple[str, str]
"""A delivery: (source, reference)."""


@dataclass(frozen=True, slots=True)
class RowRead:
    """One row's cells, read without the ledger: what the survey checks and groups."""

    line: int
    reference: str
    source: str
    kind: str
    source_kind: str
    destination: str
    expected_from: str
    expected_until: str
    sku: str
    gtin: str
    qty: int


@dataclass
class Planned:
    """A delivery of the file: its rows, and the first bad line that leaves it out."""

    key: Key
    rows: list[RowRead] = field(default_factory=list)
    bad_line: int | None = None

    @property
    def lines(self) -> list[int]:
        return [row.line for row in self.rows]


@dataclass(frozen=True, slots=True)
class Announcement:
    """What the last row of a good delivery carries to the chunk that applies it."""

    key: Key
    command: InboundDeliveryCreate
    lines: tuple[int, ...]


class DeliveriesKind:
    columns = COLUMNS
    chunk_lines = 5_000

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._verdict: dict[int, str | Announcement | None] = {}
        """Per line: why it is bad or left out, the delivery it closes, or None (a row of a
        good delivery whose last row comes later)."""

    # --- the survey: the whole file, before any chunk ----------------------------------------

    def survey(self, csv_file: CsvFile) -> None:
        """Read every row, check it against the ledger, and decide each delivery's fate."""
        if "sku" not in csv_file.positions and "gtin" not in csv_file.positions:
            raise ImportRefused(
                f"{csv_file.path.name} has neither a sku nor a gtin column: each line names its "
                "item by one of them",
                file=csv_file.path.name,
                missing=["sku", "gtin"],
            )
        rows: list[RowRead] = []
        deliveries: dict[Key, Planned] = {}
        for line, fields, problem in csv_file.records():
            cells = Cells(fields, csv_file.positions)
            key = _key_of(cells)
            if problem is not None or len(fields) != csv_file.width:
                # The run reports the line itself; its delivery, when it can be told, is out.
                self._leave_out(deliveries, key, line)
                continue
            try:
                row = _read_row(line, cells)
            except BadValue as error:
                self._verdict[line] = str(error)
                self._leave_out(deliveries, key, line)
                continue
            rows.append(row)
            deliveries.setdefault(key, Planned(key)).rows.append(row)
        ledger = _Ledger.load(self._engine, rows)
        for planned in deliveries.values():
            self._judge(planned, ledger)

    def _leave_out(self, deliveries: dict[Key, Planned], key: Key, line: int) -> None:
        if key[0] and key[1]:
            planned = deliveries.setdefault(key, Planned(key))
            planned.bad_line = min(line, planned.bad_line or line)

    def _judge(self, planned: Planned, ledger: _Ledger) -> None:
        first: RowRead | None = None
        skus: dict[str, int] = {}
        lines: list[tuple[str, int]] = []
        for row in planned.rows:
            try:
                sku = ledger.check(row)
                if first is not None:
                    _agrees(row, first)
                if sku in skus:
                    raise BadValue(f"SKU {sku} is already on line {skus[sku]} of this delivery")
            except BadValue as error:
                self._verdict[row.line] = str(error)
                planned.bad_line = min(row.line, planned.bad_line or row.line)
                continue
            first = first or row
            skus[sku] = row.line
            lines.append((sku, row.qty))
        command = None
        if planned.bad_line is None and first is not None:
            try:
                command = _command(first, lines, ledger)
            except BadValue as error:
                self._verdict[first.line] = str(error)
                planned.bad_line = first.line
        source, reference = planned.key
        for row in planned.rows:
            if row.line in self._verdict:
                continue
            if command is None:
                self._verdict[row.line] = (
                    f"left out with delivery {reference} from {source}: "
                    f"line {planned.bad_line} is bad"
                )
            else:
                self._verdict[row.line] = None
        if command is not None:
            last = max(planned.lines)
            self._verdict[last] = Announcement(planned.key, command, tuple(planned.lines))

    # --- the run: one record per line --------------------------------------------------------

    def read(self, line: int, fields: list[str], positions: dict[str, int]) -> Announcement | None:
        verdict = self._verdict.get(line)
        if isinstance(verdict, str):
            raise BadValue(verdict)
        return verdict

    def apply(self, tx: LedgerTx, run: ImportRun, records: Sequence[Any]) -> ChunkOutcome:
        applied = unchanged = 0
        bad: list[BadLine] = []
        for record in records:
            if not isinstance(record, Announcement):
                continue
            source, reference = record.key
            if delivery_by_reference(tx.sql, source, reference) is not None:
                unchanged += len(record.lines)
                continue
            command = record.command.model_copy(update={"op_id": _delivery_id(tx, run, record)})
            savepoint = tx.savepoint()
            mark = tx.mark()
            try:
                check_announcement(tx, command)
                insert_delivery(tx, command, import_run=run.id)
            except LedgerError as refusal:
                # The ledger changed since the survey (say, a SKU was removed): the delivery
                # is left out whole, like one with a bad line.
                tx.rollback_to(savepoint)
                tx.restore(mark)
                bad.extend(BadLine(line, refusal.detail) for line in record.lines)
                continue
            tx.release(savepoint)
            applied += len(record.lines)
        return ChunkOutcome(applied=applied, unchanged=unchanged, bad=bad)


def _key_of(cells: Cells) -> Key:
    """The delivery a row belongs to, as far as it can be read (empty when it cannot)."""
    try:
        return (cells.raw("source"), cells.raw("reference"))
    except BadValue:
        return ("", "")


def _delivery_id(tx: LedgerTx, run: ImportRun, record: Announcement) -> uuid.UUID:
    """A UUIDv7 of the import's time, the same for the same delivery of the same run."""
    seed = hashlib.sha256(f"{run.op_id}|{record.key[0]}|{record.key[1]}".encode()).digest()
    return uuid7(int(tx.now.timestamp() * 1000), seed[:10])


def _read_row(line: int, cells: Cells) -> RowRead:
    kind = cells.raw("kind").lower() or InboundKind.SHIPPING_NOTICE.value
    if kind not in {k.value for k in ANNOUNCED_KINDS}:
        choices = " or ".join(k.value for k in ANNOUNCED_KINDS)
        raise BadValue(f"kind is {kind!r}: write {choices} (or leave it empty)")
    source_kind = cells.text("source_kind", max_length=16).lower()
    if source_kind not in {k.value for k in SourceKind}:
        choices = " or ".join(k.value for k in SourceKind)
        raise BadValue(f"source_kind is {source_kind!r}: write {choices}")
    sku = cells.optional_text("sku", max_length=64) or ""
    gtin = cells.optional_text("gtin", max_length=14) or ""
    if not sku and not gtin:
        raise BadValue("sku and gtin are both empty: give one of them")
    if gtin:
        problem = gtin_problem(gtin)
        if problem is not None:
            raise BadValue(f"gtin {gtin} is not valid: {problem}")
    qty_text = cells.raw("qty")
    try:
        qty = cells.whole_number("qty", low=1, high=MAX_QUANTITY)
    except BadValue:
        raise BadValue(
            f"qty is {qty_text!r}: a whole number of units from 1 to {MAX_QUANTITY:,}"
        ) from None
    return RowRead(
        line=line,
        reference=cells.text("reference", max_length=64),
        source=cells.text("source", max_length=32),
        kind=kind,
        source_kind=source_kind,
        destination=cells.text("destination", max_length=32),
        expected_from=cells.text("expected_from", max_length=40),
        expected_until=cells.text("expected_until", max_length=40),
        sku=sku,
        gtin=gtin,
        qty=qty,
    )


_SHARED = ("kind", "source_kind", "destination", "expected_from", "expected_until")


def _agrees(row: RowRead, first: RowRead) -> None:
    """Every row of a delivery says the same of the delivery itself."""
    for name in _SHARED:
        mine, theirs = getattr(row, name), getattr(first, name)
        if mine != theirs:
            raise BadValue(
                f"{name} is {mine!r} where line {first.line} of the same delivery says {theirs!r}"
            )


def moment(value: str, column: str, timezone: str, *, end_of_day: bool) -> datetime:
    """An ISO 8601 time with its zone, or a date: that day at ``timezone`` (its first second,
    or its last with ``end_of_day``)."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        return datetime.combine(day, _LAST_MINUTE if end_of_day else time(0), ZoneInfo(timezone))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadValue(
            f"{column} is {value!r}: write a date (2026-03-05) or a time with its zone "
            "(2026-03-05T08:00:00+01:00)"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise BadValue(f"{column} {value} has no zone: add it (Z, +01:00) or give a date")
    return parsed


class _Ledger:
    """What the survey checks rows against: locations, suppliers, and the SKUs and GTINs the
    file names (looked up in batches, not the whole catalog)."""

    def __init__(
        self,
        timezones: dict[str, str],
        suppliers: set[str],
        skus: set[str],
        gtins: dict[str, str],
    ) -> None:
        self.timezones = timezones
        self.suppliers = suppliers
        self.skus = skus
        self.gtins = gtins

    @classmethod
    def load(cls, engine: Engine, rows: Sequence[RowRead]) -> _Ledger:
        with engine.connect() as connection:
            timezones = {
                str(code): str(zone)
                for code, zone in connection.execute(text("SELECT code, timezone FROM locations"))
            }
            suppliers = {
                str(code) for (code,) in connection.execute(text("SELECT code FROM suppliers"))
            }
            skus = {
                str(sku)
                for batch in _batches({row.sku for row in rows if row.sku})
                for (sku,) in connection.execute(
                    text(f"SELECT sku FROM items WHERE sku IN ({_marks(batch)})"), _named(batch)
                )
            }
            gtins = {
                str(gtin): str(sku)
                for batch in _batches({row.gtin for row in rows if row.gtin})
                for gtin, sku in connection.execute(
                    text(f"SELECT gtin, sku FROM item_barcodes WHERE gtin IN ({_marks(batch)})"),
                    _named(batch),
                )
            }
        return cls(timezones, suppliers, skus, gtins)

    def check(self, row: RowRead) -> str:
        """The row's SKU, once everything it names is known to the ledger."""
        if row.destination not in self.timezones:
            raise BadValue(f"unknown destination {row.destination!r}")
        if row.source_kind == SourceKind.SUPPLIER.value:
            if row.source not in self.suppliers:
                raise BadValue(
                    f"unknown supplier {row.source!r}: add it first (ordersync suppliers add)"
                )
        elif row.source not in self.timezones:
            raise BadValue(f"unknown source location {row.source!r}")
        start, end = self.window(row)
        if end < start:
            raise BadValue(f"expected_until {row.expected_until} is before expected_from")
        sku = row.sku
        if row.gtin:
            owner = self.gtins.get(row.gtin)
            if owner is None:
                raise BadValue(f"no item carries GTIN {row.gtin}")
            if sku and sku != owner:
                raise BadValue(f"GTIN {row.gtin} is SKU {owner}, not {sku}")
            sku = owner
        elif sku not in self.skus:
            raise BadValue(f"unknown SKU {sku!r}")
        return sku

    def window(self, row: RowRead) -> tuple[datetime, datetime]:
        """The row's arrival window, read at its destination."""
        zone = self.timezones[row.destination]
        return (
            moment(row.expected_from, "expected_from", zone, end_of_day=False),
            moment(row.expected_until, "expected_until", zone, end_of_day=True),
        )


def _command(
    first: RowRead, lines: list[tuple[str, int]], ledger: _Ledger
) -> InboundDeliveryCreate:
    start, end = ledger.window(first)
    values = {
        "op_id": uuid7(0, bytes(10)),
        "reference": first.reference,
        "kind": first.kind,
        "source_kind": first.source_kind,
        "source": first.source,
        "destination": first.destination,
        "expected_from": start,
        "expected_until": end,
        "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
    }
    try:
        return InboundDeliveryCreate.model_validate(values)
    except ValidationError as error:
        raise BadValue(reason_of(error)) from None


def _batches(values: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _LOOKUP_BATCH):
        yield ordered[start : start + _LOOKUP_BATCH]


def _marks(batch: list[str]) -> str:
    return ", ".join(f":v{i}" for i in range(len(batch)))


def _named(batch: list[str]) -> dict[str, str]:
    return {f"v{i}": value for i, value in enumerate(batch)}

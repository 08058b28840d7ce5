"""``stock.csv``: on hand per (location, SKU), as a full snapshot or as a delta.

A full snapshot is the whole truth for each location it names: every position of the file whose
on hand differs gets one reconciliation movement of the difference, and every position of those
locations that the file does not list is taken to zero the same way (an ERP reset). A delta
reconciles the positions it lists and touches nothing else. Either way the ledger stays
append-only, and a second run of the same snapshot finds no difference to post.

Lines are checked against the catalog and the network loaded once, before the first chunk, so
reading a line costs no query. A position listed on a bad line (say, an unreadable quantity) is
left as it is: it is neither reconciled nor zeroed as absent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, text

from ordersync.contract import MAX_QUANTITY
from ordersync.db.ledger_tx import LedgerTx
from ordersync.imports.cells import BadValue, whole_number
from ordersync.imports.chunks import ChunkOutcome
from ordersync.imports.csv_files import Columns
from ordersync.imports.runs import ImportRun
from ordersync.imports.stock_writes import Target, post_reconciliations, read_positions

COLUMNS = Columns(required=("location", "sku", "on_hand"))
SNAPSHOT_REASON = "ERP full stock snapshot"
DELTA_REASON = "ERP stock delta"
ABSENT = 0
"""The line number of a position absent from a full snapshot (zeroed, listed on no line)."""


@dataclass(frozen=True, slots=True)
class StockLine:
    line: int
    location: str
    sku: str
    on_hand: int


class Network:
    """The locations and SKUs lines may name, each SKU numbered for the per-location bitmaps."""

    def __init__(self, locations: set[str], skus: dict[str, int]) -> None:
        self.locations = locations
        self.skus = skus

    @classmethod
    def load(cls, engine: Engine) -> Network:
        with engine.connect() as connection:
            locations = {
                str(code) for (code,) in connection.exec_driver_sql("SELECT code FROM locations")
            }
            result = connection.exec_driver_sql("SELECT sku FROM items")
            skus = {str(sku): index for index, (sku,) in enumerate(result)}
        return cls(locations, skus)


class StockKind:
    columns = COLUMNS
    chunk_lines = 50_000

    def __init__(self, network: Network, *, full: bool) -> None:
        self.full = full
        self._network = network
        self._listed: dict[str, bytearray] = {}
        """Per location, one bit per SKU: listed on some line of the file (bad lines too)."""

    @property
    def reason(self) -> str:
        return SNAPSHOT_REASON if self.full else DELTA_REASON

    def read(self, line: int, fields: list[str], positions: dict[str, int]) -> StockLine:
        location = fields[positions["location"]].strip()
        sku = fields[positions["sku"]].strip()
        if location not in self._network.locations:
            raise BadValue(f"unknown location {location!r}" if location else "location is empty")
        index = self._network.skus.get(sku)
        if index is None:
            raise BadValue(f"unknown SKU {sku!r}" if sku else "sku is empty")
        listed = self._listed.get(location)
        if listed is None:
            listed = self._listed[location] = bytearray(len(self._network.skus) // 8 + 1)
        byte, bit = index >> 3, 1 << (index & 7)
        if listed[byte] & bit:
            raise BadValue(f"SKU {sku} at {location} is listed twice")
        listed[byte] |= bit
        on_hand = whole_number("on_hand", fields[positions["on_hand"]].strip(), 0, MAX_QUANTITY)
        return StockLine(line, location, sku, on_hand)

    def apply(self, tx: LedgerTx, run: ImportRun, records: Sequence[StockLine]) -> ChunkOutcome:
        tx.lock_for_decision()
        by_location: dict[str, list[StockLine]] = {}
        for record in records:
            by_location.setdefault(record.location, []).append(record)
        targets: list[Target] = []
        applied = unchanged = 0
        for location, lines in by_location.items():
            held = read_positions(tx, location, [line.sku for line in lines])
            for line in lines:
                current = held.get(line.sku)
                listed = line.line != ABSENT
                if (0 if current is None else current.stock.on_hand) == line.on_hand:
                    unchanged += listed
                else:
                    applied += listed
                    targets.append(Target(line.sku, location, current, line.on_hand))
        posted = post_reconciliations(tx, run.op_id, self.reason, targets)
        return ChunkOutcome(applied=applied, unchanged=unchanged, movements=posted)

    def absent(self, engine: Engine) -> Iterator[list[StockLine]]:
        """For a full snapshot: chunks of the positions with stock that the file does not list,
        in the locations it names, each to be taken to zero."""
        if not self.full:
            return
        for location in sorted(self._listed):
            listed = self._listed[location]
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT sku FROM positions WHERE location = :location AND on_hand <> 0"),
                    {"location": location},
                ).all()
            chunk: list[StockLine] = []
            for (sku,) in rows:
                index = self._network.skus.get(sku)
                if index is not None and listed[index >> 3] & (1 << (index & 7)):
                    continue
                chunk.append(StockLine(ABSENT, location, sku, 0))
                if len(chunk) == self.chunk_lines:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk

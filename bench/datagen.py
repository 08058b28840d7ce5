"""Generated networks, written straight into a freshly migrated ledger database.

Rows go in with PostgreSQL ``COPY`` or SQLite ``executemany``, with the big tables' secondary
indexes dropped during the load and built again after, so ten million positions take minutes.
What is written is what the ledger itself would hold after receiving that stock: locations,
catalog items and their barcodes, positions, network totals per SKU, and the change feed:
one row per location, item, position (scope: its location) and network total (scope: ``""``),
with the JSON payloads ``LedgerTx`` and ``services.catalog`` write, in that seq order, and the
feed counter at the last seq. (Movements are not generated: no measure reads them.)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bench.db import Database
from bench.plan import NetworkShape
from ordersync.contract import (
    Item,
    ItemChange,
    Location,
    LocationChange,
    LocationIn,
    LocationKind,
    NetworkChange,
    PositionChange,
    with_check_digit,
)

DB_TIME = "2026-11-26 09:00:00.000000"
"""When every generated row was last updated, as the ledger stores times (UTC, no zone)."""
ISO_TIME = "2026-11-26T09:00:00Z"
"""The same moment as the feed's payloads write it."""

LOCATION_COLUMNS = (
    "code",
    "kind",
    "name",
    "timezone",
    "latitude",
    "longitude",
    "fulfils_web_orders",
    "daily_job_capacity",
    "default_safety_stock",
    "updated_at",
)
ITEM_COLUMNS = (
    "sku",
    "reference",
    "name",
    "size",
    "size_row",
    "size_column",
    "colour",
    "price_minor",
    "currency",
    "updated_at",
)
"""The columns a raw load writes: the ledger's own, ``updated_at`` at ``DB_TIME``."""


def location_row(location: LocationIn, is_postgres: bool) -> tuple[Any, ...]:
    """``location`` as a row of ``LOCATION_COLUMNS`` (SQLite stores booleans as 1 and 0)."""
    fulfils: bool | int = location.fulfils_web_orders
    return (
        location.code,
        location.kind.value,
        location.name,
        location.timezone,
        location.latitude,
        location.longitude,
        fulfils if is_postgres else int(fulfils),
        location.daily_job_capacity,
        location.default_safety_stock,
        DB_TIME,
    )


BANDS = ("75", "80", "85", "90", "95")
CUPS = ("A", "B", "C", "D")
SIZES = tuple((band, cup) for band in BANDS for cup in CUPS)
COLOURS = ("noir", "ivoire", "rose", "bleu-nuit", "rouge", "sauge", "chair")


def store_code(index: int) -> str:
    return f"S{index + 1:04d}"


WAREHOUSE = "W0001"


def location_code(shape: NetworkShape, index: int) -> str:
    """Stores first, the warehouse last: index order is code order."""
    return WAREHOUSE if index == shape.locations - 1 else store_code(index)


def reference_code(ref: int) -> str:
    return f"R{ref:06d}"


def sku_code(shape: NetworkShape, sku_index: int) -> str:
    ref, size = divmod(sku_index, shape.sizes)
    band, cup = SIZES[size]
    return f"R{ref:06d}-{band}{cup}"


def gtin_of(sku_index: int) -> str:
    return with_check_digit(f"376{sku_index:09d}")


def colour_of(ref: int) -> str:
    return COLOURS[ref % len(COLOURS)]


@dataclass
class NetworkFacts:
    """What was generated, and what the measures need to know about it."""

    shape: NetworkShape
    store: str
    """The store whose cache the feed and app measures bootstrap."""
    skus: int = 0
    positions: int = 0
    changes: int = 0
    head: int = 0
    store_positions: int = 0
    feed_rows: int = 0
    """Change rows the store's feed serves from 0: items, locations, network, its positions."""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def dense_skus(self, count: int) -> list[str]:
        step = max(1, self.shape.dense_skus // count)
        picked = range(0, self.shape.dense_skus, step)
        return [sku_code(self.shape, i) for i in picked][:count]

    def dense_references(self, count: int) -> list[str]:
        step = max(1, self.shape.dense_references // count)
        return [reference_code(r) for r in range(0, self.shape.dense_references, step)][:count]

    def scan_targets(self, count: int) -> list[tuple[str, str]]:
        """(GTIN, SKU) pairs of dense references, each of another reference and colour."""
        shape = self.shape
        refs = list(range(0, shape.dense_references))[:count] or [0]
        targets = []
        for n, ref in enumerate(refs):
            index = ref * shape.sizes + (n * 7) % shape.sizes
            targets.append((gtin_of(index), sku_code(shape, index)))
        return targets


class Stock:
    """Where each SKU is stocked and how many units, as pure functions of the shape."""

    def __init__(self, shape: NetworkShape) -> None:
        shape.check()
        self.shape = shape
        self.locations = shape.locations
        self.dense_positions = shape.dense_skus * shape.locations
        if shape.sparse_skus:
            self.base, self.extra = divmod(
                shape.positions - self.dense_positions, shape.sparse_skus
            )
        else:
            self.base, self.extra = 0, 0
        self._all = range(shape.locations)
        self._low = dict(shape.low_stock)

    def locations_of(self, sku_index: int) -> Iterable[int]:
        if sku_index < self.shape.dense_skus:
            return self._all
        j = sku_index - self.shape.dense_skus
        k = self.base + (1 if j < self.extra else 0)
        if k >= self.locations:
            return self._all
        step = self.locations // k
        start = (j * 7919) % self.locations
        return sorted((start + i * step) % self.locations for i in range(k))

    def on_hand(self, sku_index: int, loc: int) -> int:
        if sku_index in self._low:
            return self._low[sku_index]
        if self.shape.fixed_on_hand is not None:
            return self.shape.fixed_on_hand
        h = ((sku_index * 2654435761) ^ (loc * 40503)) & 0xFFFF
        return h % 200 if loc == self.locations - 1 else h % 9


# --- rows ------------------------------------------------------------------------------------


def location_models(shape: NetworkShape) -> list[LocationIn]:
    models = []
    for index in range(shape.locations):
        code = location_code(shape, index)
        warehouse = code == WAREHOUSE
        models.append(
            LocationIn(
                code=code,
                kind=LocationKind.WAREHOUSE if warehouse else LocationKind.STORE,
                name=("Entrepot" if warehouse else "Magasin") + f" {code}",
                timezone="Europe/Paris",
                latitude=round(43.0 + (index * 37 % 500) / 100, 4),
                longitude=round(-1.0 + (index * 53 % 700) / 100, 4),
            )
        )
    return models


def item_fields(shape: NetworkShape, sku_index: int) -> dict[str, Any]:
    ref, size = divmod(sku_index, shape.sizes)
    band, cup = SIZES[size]
    return {
        "sku": f"R{ref:06d}-{band}{cup}",
        "reference": f"R{ref:06d}",
        "name": f"Soutien-gorge Modele {ref}",
        "size": f"{band}{cup}",
        "size_row": band,
        "size_column": cup,
        "colour": colour_of(ref),
        "gtins": [gtin_of(sku_index)],
        "price_minor": 1990 + (ref % 50) * 100,
        "currency": "EUR",
    }


def item_payload(fields: dict[str, Any]) -> str:
    # The layout of json.dumps({"item": Item(...).model_dump(mode="json"), ...}) without the
    # cost of a model per row; ``verify_payloads`` proves the two agree.
    return (
        f'{{"item":{{"sku":"{fields["sku"]}","reference":"{fields["reference"]}",'
        f'"name":"{fields["name"]}","size":"{fields["size"]}","size_row":"{fields["size_row"]}",'
        f'"size_column":"{fields["size_column"]}","colour":"{fields["colour"]}",'
        f'"gtins":["{fields["gtins"][0]}"],"price_minor":{fields["price_minor"]},'
        f'"currency":"{fields["currency"]}"}},"barcodes_removed":[]}}'
    )


def position_payload(sku: str, loc: str, on_hand: int, seq: int) -> str:
    # As LedgerTx._after_position_change writes it (nothing reserved, no safety stock, nothing
    # set aside).
    return (
        f'{{"position":{{"sku":"{sku}","location":"{loc}","on_hand":{on_hand},"reserved":0,'
        f'"safety_stock":0,"available":{on_hand},"suspect":false,"seq":{seq},'
        f'"updated_at":"{ISO_TIME}","unavailable":0,"dispositions":{{}}}}}}'
    )


def network_payload(sku: str, total: int) -> str:
    return f'{{"total":{{"sku":"{sku}","on_hand":{total},"reserved":0,"available":{total}}}}}'


def location_payload(model: LocationIn) -> str:
    body = {"location": Location(**model.model_dump()).model_dump(mode="json")}
    return json.dumps(body, separators=(",", ":"))


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def verify_payloads(shape: NetworkShape) -> None:
    """Fail loudly if the generated payloads are not what the ledger writes and the store reads.

    Items are compared with the catalog service's own rendering; position and network rows are
    parsed as the wire contract's change types and must keep every value.
    """
    for sku_index in (0, shape.skus - 1):
        fields = item_fields(shape, sku_index)
        expected = {"item": Item(**fields).model_dump(mode="json"), "barcodes_removed": []}
        got = item_payload(fields)
        if got != _compact(expected):
            raise AssertionError(f"item payload drifted:\n{got}\n{_compact(expected)}")
        ItemChange.model_validate({"seq": 1, "kind": "item", **json.loads(got)})
    model = location_models(shape)[0]
    LocationChange.model_validate(
        {"seq": 1, "kind": "location", **json.loads(location_payload(model))}
    )
    sku = sku_code(shape, 0)
    position = json.loads(position_payload(sku, "S0001", 7, 42))
    parsed = PositionChange.model_validate({"seq": 43, "kind": "position", **position})
    dumped = parsed.position.model_dump(mode="json")
    dumped["updated_at"] = dumped["updated_at"].replace("+00:00", "Z")
    if dumped != position["position"]:
        raise AssertionError(f"position payload drifted: {position} vs {dumped}")
    total = json.loads(network_payload(sku, 9))
    parsed_total = NetworkChange.model_validate({"seq": 44, "kind": "network", **total})
    if parsed_total.total.model_dump(mode="json") != total["total"]:
        raise AssertionError(f"network payload drifted: {total}")


# --- loading ---------------------------------------------------------------------------------


class Loader:
    """Bulk rows into one database; secondary indexes of the big tables are rebuilt after."""

    BIG_TABLES = ("positions", "changes")

    def __init__(self, database: Database) -> None:
        self.database = database
        self.connection = database.connect()
        self._saved: list[tuple[str, str, str]] = []
        if database.is_postgres:
            self.connection.execute("SET synchronous_commit = off")
            self.connection.execute("SET maintenance_work_mem = '512MB'")
        else:
            for pragma in (
                "journal_mode = OFF",
                "synchronous = OFF",
                "cache_size = -1000000",
                "temp_store = MEMORY",
            ):
                self.connection.execute(f"PRAGMA {pragma}")

    def drop_indexes(self) -> None:
        cursor = self.connection.cursor()
        if self.database.is_postgres:
            tables = list(self.BIG_TABLES)
            cursor.execute(
                "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('p', 'u')",
                (tables,),
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
                (tables,),
            )
            names = {c[0] for c in constraints}
            indexes = [row for row in cursor.fetchall() if row[0] not in names]
            for name, table, definition in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                self._saved.append(
                    (
                        "constraint",
                        name,
                        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}',
                    )
                )
            for name, _table, definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
                self._saved.append(("index", name, definition))
        else:
            # Primary keys and unique constraints are part of SQLite's tables: rows go in in key
            # order instead. Plain indexes are dropped and built again.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({','.join('?' * len(self.BIG_TABLES))})",
                self.BIG_TABLES,
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
                self._saved.append(("index", name, definition))
        self.connection.commit()

    def rebuild_indexes(self) -> None:
        cursor = self.connection.cursor()
        for _kind, _name, statement in self._saved:
            cursor.execute(statement)
        self._saved.clear()
        self.connection.commit()

    def rows(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> int:
        count = 0
        if self.database.is_postgres:
            cursor = self.connection.cursor()
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:

            def counted() -> Iterator[tuple[Any, ...]]:
                nonlocal count
                for row in rows:
                    count += 1
                    yield row

            marks = ", ".join("?" * len(columns))
            self.connection.execute("BEGIN")
            self.connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", counted()
            )
        self.connection.commit()
        return count

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        self.connection.execute(self.database.sql(sql), params)
        self.connection.commit()

    def finish(self) -> None:
        if self.database.is_postgres:
            self.connection.autocommit = True
            self.connection.execute("VACUUM ANALYZE")
        else:
            self.connection.execute("ANALYZE")
            self.connection.execute("PRAGMA journal_mode = WAL")
        self.connection.close()


def load_network(
    database: Database,
    shape: NetworkShape,
    *,
    progress: Callable[[str], None] = lambda _message: None,
) -> NetworkFacts:
    """Fill a freshly migrated ledger database with the network ``shape`` describes."""
    verify_payloads(shape)
    stock = Stock(shape)
    facts = NetworkFacts(shape=shape, store=store_code(0), skus=shape.skus)
    started = time.perf_counter()
    loader = Loader(database)
    loader.drop_indexes()
    locations = location_models(shape)
    codes = [model.code for model in locations]
    is_pg = database.is_postgres
    false: bool | int = False if is_pg else 0

    def step(name: str, work: Callable[[], int]) -> int:
        began = time.perf_counter()
        count = work()
        facts.timings[name] = round(time.perf_counter() - began, 2)
        progress(f"{name}: {count:,} rows in {facts.timings[name]:.1f} s")
        return count

    step(
        "locations",
        lambda: loader.rows(
            "locations",
            LOCATION_COLUMNS,
            (location_row(m, is_pg) for m in locations),
        ),
    )

    def items() -> Iterator[tuple[Any, ...]]:
        for i in range(shape.skus):
            f = item_fields(shape, i)
            yield (
                f["sku"],
                f["reference"],
                f["name"],
                f["size"],
                f["size_row"],
                f["size_column"],
                f["colour"],
                f["price_minor"],
                f["currency"],
                DB_TIME,
            )

    step("items", lambda: loader.rows("items", ITEM_COLUMNS, items()))
    step(
        "item_barcodes",
        lambda: loader.rows(
            "item_barcodes",
            ("gtin", "sku"),
            ((gtin_of(i), sku_code(shape, i)) for i in range(shape.skus)),
        ),
    )
    first_position_seq = shape.locations + shape.skus + 1

    def positions() -> Iterator[tuple[Any, ...]]:
        seq = first_position_seq - 1
        for i in range(shape.skus):
            sku = sku_code(shape, i)
            for loc in stock.locations_of(i):
                seq += 1
                yield (sku, codes[loc], stock.on_hand(i, loc), 0, 0, false, seq, DB_TIME)
            seq += 1  # the SKU's network row

    position_columns = (
        "sku",
        "location",
        "on_hand",
        "reserved",
        "safety_stock",
        "suspect",
        "seq",
        "updated_at",
    )
    facts.positions = step(
        "positions", lambda: loader.rows("positions", position_columns, positions())
    )

    def totals() -> Iterator[tuple[Any, ...]]:
        seq = first_position_seq - 1
        for i in range(shape.skus):
            total = 0
            for loc in stock.locations_of(i):
                seq += 1
                total += stock.on_hand(i, loc)
            seq += 1
            yield (sku_code(shape, i), total, 0, total, seq)

    step(
        "sku_totals",
        lambda: loader.rows(
            "sku_totals", ("sku", "on_hand", "reserved", "available", "seq"), totals()
        ),
    )
    store_index = 0

    def changes() -> Iterator[tuple[Any, ...]]:
        seq = 0
        for model in locations:
            seq += 1
            yield (seq, "location", model.code, "", location_payload(model))
        for i in range(shape.skus):
            seq += 1
            fields = item_fields(shape, i)
            yield (seq, "item", fields["sku"], "", item_payload(fields))
        for i in range(shape.skus):
            sku = sku_code(shape, i)
            total = 0
            for loc in stock.locations_of(i):
                seq += 1
                on_hand = stock.on_hand(i, loc)
                total += on_hand
                code = codes[loc]
                if loc == store_index:
                    facts.store_positions += 1
                yield (
                    seq,
                    "position",
                    f"{code}|{sku}",
                    code,
                    position_payload(sku, code, on_hand, seq),
                )
            seq += 1
            yield (seq, "network", sku, "", network_payload(sku, total))
        facts.head = seq

    facts.changes = step(
        "changes",
        lambda: loader.rows("changes", ("seq", "kind", "key", "scope", "payload"), changes()),
    )
    loader.execute("UPDATE feed_counter SET last_seq = ? WHERE id = 1", (facts.head,))
    began = time.perf_counter()
    loader.rebuild_indexes()
    facts.timings["indexes"] = round(time.perf_counter() - began, 2)
    progress(f"indexes rebuilt in {facts.timings['indexes']:.1f} s")
    began = time.perf_counter()
    loader.finish()
    facts.timings["analyze"] = round(time.perf_counter() - began, 2)
    facts.feed_rows = shape.locations + 2 * shape.skus + facts.store_positions
    facts.seconds = round(time.perf_counter() - started, 2)
    return facts


def check_network(database: Database, facts: NetworkFacts) -> list[str]:
    """Coherence of what was loaded: counts, totals against positions, the feed's head."""
    problems = []
    expected = {
        "positions": facts.positions,
        "items": facts.skus,
        "item_barcodes": facts.skus,
        "sku_totals": facts.skus,
        "locations": facts.shape.locations,
        "changes": facts.changes,
    }
    for table, count in expected.items():
        found = database.scalar(f"SELECT COUNT(*) FROM {table}")
        if found != count:
            problems.append(f"{table}: {found} rows, expected {count}")
    head = database.scalar("SELECT last_seq FROM feed_counter WHERE id = 1")
    top = database.scalar("SELECT MAX(seq) FROM changes")
    if not head == top == facts.head:
        problems.append(f"feed head {head}, max seq {top}, expected {facts.head}")
    sample = sku_code(facts.shape, facts.shape.skus // 2)
    summed = database.scalar("SELECT SUM(on_hand) FROM positions WHERE sku = ?", (sample,))
    total = database.scalar("SELECT on_hand FROM sku_totals WHERE sku = ?", (sample,))
    if summed != total:
        problems.append(f"{sample}: positions sum to {summed}, network total says {total}")
    rows = database.scalar(
        "SELECT COUNT(*) FROM changes WHERE scope = '' OR scope = ?", (facts.store,)
    )
    if rows != facts.feed_rows:
        problems.append(f"feed of {facts.store}: {rows} rows, expected {facts.feed_rows}")
    return problems

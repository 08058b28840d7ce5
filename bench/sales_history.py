"""Sales history for the reports measure, written into a network ``bench.datagen`` built.

What the ledger would hold after weeks of trading, in the tables the reports read:

- ``position_days``: the best-selling SKUs (the network's dense references, stocked at every
  location) move at every store a few days out of the last ``days``: 1 to 3 units sold a day, now
  and then a delivery. Rows close on the stock the position holds now, counted backwards, so a
  position sold out at the end shows as a stock-out. Slower SKUs did not move in the window,
  as most of a store's range does not in a month. Rows go in in primary-key order.
- ``orders``, ``order_lines``, ``jobs``, ``job_lines``: ``jobs_per_day`` web orders a store
  ships each day, one line each: most shipped within hours, a few short-picked (the line then
  unfulfillable), one in ten placed by another store for its customer, the latest still open.

Days are Paris days (every generated location is in Paris) ending yesterday, so the reports the
server computes from its own clock see the whole history.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.datagen import WAREHOUSE, Loader, Stock, location_code, sku_code
from bench.db import Database
from bench.plan import NetworkShape

PARIS = ZoneInfo("Europe/Paris")
_MIX = 0xFFFFFFFF


class HistoryLoader(Loader):
    BIG_TABLES = ("position_days", "orders", "order_lines", "jobs", "job_lines")


@dataclass
class HistoryFacts:
    today: date
    days: int
    day_rows: int = 0
    moved_positions: int = 0
    jobs: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


def _hash(*parts: int) -> int:
    value = 0x9E3779B1
    for part in parts:
        value = ((value ^ part) * 2654435761) & _MIX
        value ^= value >> 15
    return value


def _db_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _local(day: date, minutes: int) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=PARIS) + timedelta(minutes=minutes)


def position_rows(
    sku_index: int, loc: int, on_hand: int, today: date, days: int
) -> list[tuple[str, int, int, int]]:
    """(day, sold, received, closing) of one position's moving days, oldest first."""
    seed = _hash(sku_index, loc)
    wanted = 1 + seed % 5
    offsets = sorted({_hash(seed, n) % days for n in range(wanted)})
    moves = []
    for n, offset in enumerate(offsets):
        sold = 1 + _hash(seed, 100 + n) % 3
        received = 4 + _hash(seed, 200) % 6 if n == 0 and _hash(seed, 300) % 4 == 0 else 0
        moves.append((offset, sold, received))
    rows = []
    closing = on_hand
    for offset, sold, received in reversed(moves):
        before = closing + sold - received
        if before < 0:
            received += before
            before = 0
        day = today - timedelta(days=days - offset)
        rows.append((day.isoformat(), sold, received, closing))
        closing = before
    rows.reverse()
    return rows


def load_history(
    database: Database,
    shape: NetworkShape,
    *,
    days: int = 35,
    jobs_per_day: int = 6,
    today: date | None = None,
    progress: Callable[[str], None] = lambda _message: None,
) -> HistoryFacts:
    """Add the sales history to a network loaded by ``bench.datagen.load_network``."""
    stock = Stock(shape)
    today = today or datetime.now(UTC).astimezone(PARIS).date()
    facts = HistoryFacts(today=today, days=days)
    started = time.perf_counter()
    loader = HistoryLoader(database)
    loader.drop_indexes()
    stores = range(shape.locations - 1)
    codes = [location_code(shape, loc) for loc in range(shape.locations)]

    def step(name: str, work: Callable[[], int]) -> int:
        began = time.perf_counter()
        count = work()
        facts.timings[name] = round(time.perf_counter() - began, 2)
        progress(f"{name}: {count:,} rows in {facts.timings[name]:.1f} s")
        return count

    def day_rows() -> Iterator[tuple[Any, ...]]:
        for i in range(shape.dense_skus):
            sku = sku_code(shape, i)
            for loc in stores:
                rows = position_rows(i, loc, stock.on_hand(i, loc), today, days)
                facts.moved_positions += 1
                for day, sold, received, closing in rows:
                    moment = _db_time(_local(date.fromisoformat(day), 18 * 60))
                    yield (sku, codes[loc], day, sold, 0, received, closing, closing, moment)

    facts.day_rows = step(
        "position_days",
        lambda: loader.rows(
            "position_days",
            ("sku", "location", "day", "sold_units", "returned_units", "received_units",
             "closing_on_hand", "min_on_hand", "last_occurred_at"),
            day_rows(),
        ),
    )  # fmt: skip

    jobs: list[tuple[Any, ...]] = []
    job_lines: list[tuple[Any, ...]] = []
    orders: list[tuple[Any, ...]] = []
    order_lines: list[tuple[Any, ...]] = []
    number = 0
    for back in range(min(days, 30), 0, -1):
        day = today - timedelta(days=back)
        for loc in stores:
            for n in range(jobs_per_day):
                number += 1
                seed = _hash(loc, back, n)
                order_id = str(uuid.UUID(int=(1 << 120) | number))
                job_id = str(uuid.UUID(int=(2 << 120) | number))
                created = _local(day, 9 * 60 + (seed % 540))
                sku = sku_code(shape, seed % max(1, shape.dense_skus))
                fate = seed % 100
                if back == 1 and fate < 30:
                    job_state, line_state, order_state = "assigned", "open", "open"
                    order_line, updated = "routed", created
                elif fate < 5:
                    job_state, line_state, order_state = "rejected", "rejected", "follow_up"
                    order_line, updated = "unfulfillable", created + timedelta(minutes=40)
                else:
                    job_state, line_state, order_state = "shipped", "shipped", "closed"
                    order_line = "shipped"
                    updated = created + timedelta(minutes=90 + _hash(seed, 1) % 480)
                store_order = seed % 10 == 0 and shape.locations > 2
                placed_by = codes[(loc + 1) % (shape.locations - 1)] if store_order else WAREHOUSE
                orders.append(
                    (order_id, "store" if store_order else "web", placed_by,
                     '{"name":"Bench Customer"}',
                     '{"kind":"home","address":"1 rue du Banc","latitude":48.85,'
                     '"longitude":2.35,"collect_at":null}',
                     order_state, _db_time(created), _db_time(updated))
                )  # fmt: skip
                order_lines.append((order_id, 1, sku, 1, order_line))
                jobs.append(
                    (job_id, order_id, codes[loc], "ship", job_state, _db_time(created),
                     _db_time(created + timedelta(hours=2)), _db_time(updated), 0)
                )  # fmt: skip
                job_lines.append(
                    (job_id, 1, 1, sku, 1, str(uuid.UUID(int=(3 << 120) | number)), line_state,
                     "not_found" if line_state == "rejected" else None)
                )  # fmt: skip
    facts.jobs = step(
        "jobs",
        lambda: loader.rows(
            "jobs",
            ("id", "order_id", "location", "kind", "state", "created_at", "due_at",
             "updated_at", "updated_by"),
            iter(jobs),
        ),
    )  # fmt: skip
    step(
        "job_lines",
        lambda: loader.rows(
            "job_lines",
            ("job_id", "line_no", "order_line_no", "sku", "qty", "reservation_id", "state",
             "reject_reason"),
            iter(job_lines),
        ),
    )  # fmt: skip
    step(
        "orders",
        lambda: loader.rows(
            "orders",
            ("id", "channel", "placed_by", "customer", "delivery", "state", "created_at",
             "updated_at"),
            iter(orders),
        ),
    )  # fmt: skip
    step(
        "order_lines",
        lambda: loader.rows(
            "order_lines", ("order_id", "line_no", "sku", "qty", "state"), iter(order_lines)
        ),
    )
    began = time.perf_counter()
    loader.rebuild_indexes()
    facts.timings["indexes"] = round(time.perf_counter() - began, 2)
    began = time.perf_counter()
    loader.finish()
    facts.timings["analyze"] = round(time.perf_counter() - began, 2)
    facts.seconds = round(time.perf_counter() - started, 2)
    return facts

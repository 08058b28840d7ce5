"""Loading the demo network into a ledger, through the ordinary services: catalog upserts,
idempotent movement batches and the orders' own steps, so the demo data obeys every rule real
traffic does.

Loading again changes nothing: the first load stores its date as the anchor, later loads rebuild
the very same batches under the same operation ids, and the ledger replays each one (or, past its
idempotency retention, finds it among the movements and skips it). Each day is loaded in the
order it happened: the morning's deliveries, then the day's orders, each step at its own hour,
then the evening's sales. The stock in motion (``motion``) comes last, on the evening before
the anchor, with the counter's day at Paris Rivoli (``counter``: units set aside, returns).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import groupby

from sqlalchemy import Engine, select

from ordersync.clock import Clock
from ordersync.contract import MovementBatch
from ordersync.db.ledger_tx import MOVEMENTS, LedgerTx, table_of
from ordersync.db.tables import LedgerMeta, OrderRow
from ordersync.db.writer import Work, execute_batch, run_in_transaction
from ordersync.demo.counter import load_demo_counter, plan_demo_counter
from ordersync.demo.history import DemoBatch, build_demo_network
from ordersync.demo.motion import load_demo_motion, plan_demo_motion
from ordersync.demo.network import PARIS, WAREHOUSE, demo_principal
from ordersync.demo.orders import DemoOrder, load_orders
from ordersync.services.catalog import upsert_items, upsert_locations
from ordersync.services.idempotency import Outcome
from ordersync.services.operations import operation_work

ANCHOR_KEY = "demo_anchor"
DEMO_PRINCIPAL = demo_principal(WAREHOUSE)

ITEM_CHUNK = 2_000
BATCHES_PER_TRANSACTION = 20


@dataclass(frozen=True)
class DemoSummary:
    """What a load did; a second load of the same seed applies nothing and replays every batch."""

    anchor: date
    locations: int
    items: int
    references: int
    batches_applied: int
    batches_replayed: int
    batches_skipped: int
    """Already in the ledger, but loaded so long ago that the ledger forgot their outcome."""
    sale_lines: int
    receipt_lines: int
    transfer_lines: int
    orders_placed: int = 0
    motion_applied: int = 0
    """Operations of the stock in motion (deliveries announced, transfers requested and sent)."""
    motion_found: int = 0
    """Already in the ledger: left alone."""


_META = table_of(LedgerMeta)
_ORDERS = table_of(OrderRow)


def _anchor_work(tx: LedgerTx) -> date:
    """The stored anchor, or today's date in Paris stored as the anchor on a first load."""
    stored = tx.connection.execute(
        select(_META.c.value).where(_META.c.key == ANCHOR_KEY)
    ).scalar_one_or_none()
    if stored is not None:
        return date.fromisoformat(stored)
    today = tx.now.astimezone(PARIS).date()
    tx.connection.execute(_META.insert().values(key=ANCHOR_KEY, value=today.isoformat()))
    return today


def _batch_work(batch: MovementBatch) -> Work:
    submit = operation_work("movements", DEMO_PRINCIPAL, batch)
    op_id = str(batch.op_id)

    def work(tx: LedgerTx) -> Outcome | None:
        # Stored outcomes are dropped after the idempotency retention period; movements never
        # are. Without this check a load run after that period would post the whole history again.
        posted = tx.connection.execute(
            select(MOVEMENTS.c.op_id).where(MOVEMENTS.c.op_id == op_id).limit(1)
        ).first()
        if posted is not None and tx.stored_outcome(op_id) is None:
            return None
        return submit(tx)

    return work


def _chunks(seq: Sequence[DemoBatch], size: int) -> Iterator[Sequence[DemoBatch]]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


_OPENING_HOUR = 9


def _local_hour(demo_batch: DemoBatch) -> int:
    moment = demo_batch.batch.occurred_at
    assert moment is not None
    return moment.astimezone(PARIS).hour


def _load_batches(
    engine: Engine, clock: Clock, batches: Sequence[DemoBatch], counts: list[int]
) -> None:
    """Apply ``batches``; count them as [applied, replayed, skipped] into ``counts``."""
    for group in _chunks(batches, BATCHES_PER_TRANSACTION):
        works = [_batch_work(b.batch) for b in group]
        for demo_batch, (result, error) in zip(
            group, execute_batch(engine, clock, works), strict=True
        ):
            if error is not None:
                raise RuntimeError(
                    f"demo batch {demo_batch.location} {demo_batch.day} failed: {error!r}"
                ) from error
            outcome: Outcome | None = result
            if outcome is None:
                counts[2] += 1
            elif outcome.status >= 400:
                raise RuntimeError(
                    f"demo batch {demo_batch.location} {demo_batch.day} was refused: {outcome.body}"
                )
            elif outcome.replayed:
                counts[1] += 1
            else:
                counts[0] += 1


def _ended_orders(engine: Engine, orders: Sequence[DemoOrder]) -> set[str]:
    """Ids of the demo orders already loaded to their end (a load that stopped half way
    resumes the others, step by step)."""
    ids = [str(order.op_id) for order in orders]
    found: set[str] = set()
    with engine.connect() as connection:
        for start in range(0, len(ids), 500):
            found.update(
                connection.execute(
                    select(_ORDERS.c.id).where(
                        _ORDERS.c.id.in_(ids[start : start + 500]),
                        _ORDERS.c.state.in_(["closed", "follow_up"]),
                    )
                ).scalars()
            )
    return found


def load_demo_network(engine: Engine, clock: Clock, seed: int = 7) -> DemoSummary:
    """Write the demo network into the ledger behind ``engine``; safe to run again.

    The first load stores its date as the anchor; later loads reuse it, so they regenerate the
    very same batches under the same operation ids and the ledger replays each one (or, past its
    idempotency retention, the batch is found among the movements and skipped).
    """
    anchor = run_in_transaction(engine, clock, _anchor_work)
    network = build_demo_network(seed, anchor=anchor)
    run_in_transaction(
        engine, clock, lambda tx: upsert_locations(tx, DEMO_PRINCIPAL, network.locations)
    )
    for start in range(0, len(network.items), ITEM_CHUNK):
        chunk = network.items[start : start + ITEM_CHUNK]
        run_in_transaction(
            engine, clock, partial(upsert_items, principal=DEMO_PRINCIPAL, items=chunk)
        )

    counts = [0, 0, 0]
    ended = _ended_orders(engine, network.orders)
    by_day: dict[date, list[DemoOrder]] = {}
    for order in network.orders:
        by_day.setdefault(order.day, []).append(order)
    placed = 0
    for day, of_day in groupby(network.batches, key=lambda b: b.day):
        batches = list(of_day)
        # deliveries come before the shop opens, sales are posted at closing time
        morning = [b for b in batches if _local_hour(b) < _OPENING_HOUR]
        _load_batches(engine, clock, morning, counts)
        placed += load_orders(engine, by_day.get(day, []), ended)
        evening = [b for b in batches if _local_hour(b) >= _OPENING_HOUR]
        _load_batches(engine, clock, evening, counts)
    applied, replayed, skipped = counts
    motion = load_demo_motion(engine, plan_demo_motion(network))
    load_demo_counter(engine, plan_demo_counter(network))

    return DemoSummary(
        anchor=anchor,
        locations=len(network.locations),
        items=len(network.items),
        references=len(network.references),
        batches_applied=applied,
        batches_replayed=replayed,
        batches_skipped=skipped,
        sale_lines=network.lines_of("sale"),
        receipt_lines=network.lines_of("receipt"),
        transfer_lines=network.lines_of("transfer"),
        orders_placed=placed,
        motion_applied=motion.applied,
        motion_found=motion.found,
    )

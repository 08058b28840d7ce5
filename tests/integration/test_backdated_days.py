"""A position's day history stays exact when movements arrive out of time order: a sale sent late
by a store that was offline, a receipt dated the day before, a void dated when its sale happened.

Each test posts movements through the ledger's services over a real database on each backend,
one transaction per operation as the writer runs them, and reads ``position_days`` back. Store A
is in Paris (UTC+1 in early March); the ledger's clock stands at 2026-03-02 10:00 in Paris.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.contract import MovementBatch, MovementKind, SaleVoid, uuid7
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.writer import run_in_transaction
from ordersync.domain.position_days import day_effect
from ordersync.services.movements import Poster, apply_movements
from ordersync.services.stock_checks import KnownEntities
from ordersync.services.voids import void_sale
from tests.support.ledger_harness import SYSTEM, Network

PARIS = ZoneInfo("Europe/Paris")
Day = tuple[str, int, int, int, int, int, int]
"""A day row as the tests compare it: (day, sold, returned, received, sent, closing, lowest)."""


def at(moment: str) -> datetime:
    """A Paris wall-clock time, ``YYYY-MM-DD HH:MM``."""
    return datetime.fromisoformat(moment).replace(tzinfo=PARIS)


def run(network: Network, clock: ManualClock, work: Callable[[LedgerTx], Any]) -> Any:
    return run_in_transaction(network.engine, clock, work)


def post(
    network: Network,
    clock: ManualClock,
    kind: str,
    sku: str,
    qty: int,
    when: datetime,
    op_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """One movement line of ``kind`` at store A, dated ``when``; answers its operation id."""
    op = op_id or uuid7()
    batch = MovementBatch.model_validate(
        {
            "op_id": str(op),
            "occurred_at": when.isoformat(),
            "lines": [{"kind": kind, "sku": sku, "location": "A", "qty": qty}],
        }
    )
    run(network, clock, lambda tx: apply_movements(tx, SYSTEM, batch))
    return op


def day_of(day: str, figures: list[int]) -> Day:
    sold, returned, received, sent, closing, lowest = figures
    return (day, sold, returned, received, sent, closing, lowest)


def days(network: Network, sku: str) -> list[Day]:
    with network.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT day, sold_units, returned_units, received_units, sent_units, "
                "closing_on_hand, min_on_hand FROM position_days "
                "WHERE sku = :sku AND location = 'A' ORDER BY day"
            ),
            {"sku": sku},
        ).all()
    return [day_of(str(r[0]), [int(v) for v in r[1:]]) for r in rows]


def paris_day(stored: Any) -> str:
    """The Paris date of a time as the tables store it (UTC, text on SQLite)."""
    moment = stored if isinstance(stored, datetime) else datetime.fromisoformat(stored)
    return moment.replace(tzinfo=UTC).astimezone(PARIS).date().isoformat()


def days_from_movements(network: Network, sku: str) -> list[Day]:
    """The days the position's movements make when read in the order they happened, from
    nothing, leaving voided sales and their voids out: what ``position_days`` must hold."""
    with network.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT kind, qty, occurred_at, op_id FROM movements "
                "WHERE sku = :sku AND location = 'A' ORDER BY occurred_at, seq"
            ),
            {"sku": sku},
        ).all()
        voided = connection.execute(text("SELECT sale_op_id, void_op_id FROM sale_voids")).all()
    left_out = {str(op) for pair in voided for op in pair}
    found: dict[str, list[int]] = {}
    on_hand = 0
    for kind, qty, occurred_at, op_id in rows:
        if str(op_id) in left_out:
            continue
        day = paris_day(occurred_at)
        on_hand += int(qty)
        effect = day_effect(MovementKind(kind), int(qty))
        totals = found.setdefault(day, [0, 0, 0, 0, on_hand, on_hand])
        totals[0] += effect.sold
        totals[1] += effect.returned
        totals[2] += effect.received
        totals[3] += effect.sent
        totals[4] = on_hand
        totals[5] = min(totals[5], on_hand)
    return [day_of(day, totals) for day, totals in sorted(found.items())]


# --- late movements ----------------------------------------------------------------------------


def test_a_movement_dated_yesterday_corrects_yesterdays_and_todays_close(
    network: Network, clock: ManualClock
) -> None:
    post(network, clock, "receipt", "S1", 10, at("2026-03-01 11:00"))
    post(network, clock, "sale", "S1", 2, at("2026-03-02 09:00"))
    assert days(network, "S1") == [
        ("2026-03-01", 0, 0, 10, 0, 10, 10),
        ("2026-03-02", 2, 0, 0, 0, 8, 8),
    ]

    # Sold yesterday afternoon, sent this morning by a till that was offline.
    post(network, clock, "sale", "S1", 3, at("2026-03-01 16:00"))
    assert days(network, "S1") == [
        ("2026-03-01", 3, 0, 10, 0, 7, 7),
        ("2026-03-02", 2, 0, 0, 0, 5, 5),
    ]

    # A receipt of the day before: a new first day, and every later close moves up.
    post(network, clock, "receipt", "S1", 4, at("2026-02-28 18:00"))
    assert days(network, "S1") == [
        ("2026-02-28", 0, 0, 4, 0, 4, 4),
        ("2026-03-01", 3, 0, 10, 0, 11, 11),
        ("2026-03-02", 2, 0, 0, 0, 9, 9),
    ]
    assert days(network, "S1") == days_from_movements(network, "S1")


def test_a_late_sale_in_the_middle_of_a_day_corrects_its_lowest_stock_and_close(
    network: Network, clock: ManualClock
) -> None:
    post(network, clock, "receipt", "S1", 5, at("2026-03-02 08:00"))
    post(network, clock, "sale", "S1", 4, at("2026-03-02 08:30"))
    post(network, clock, "receipt", "S1", 10, at("2026-03-02 08:45"))
    assert days(network, "S1") == [("2026-03-02", 4, 0, 15, 0, 11, 1)]

    post(network, clock, "sale", "S1", 1, at("2026-03-02 08:15"))
    assert days(network, "S1") == [("2026-03-02", 5, 0, 15, 0, 10, 0)]

    # A return late by a few minutes only, on the same day: its units count from then on.
    post(network, clock, "return", "S1", 2, at("2026-03-02 08:40"))
    assert days(network, "S1") == [("2026-03-02", 5, 2, 15, 0, 12, 0)]
    assert days(network, "S1") == days_from_movements(network, "S1")


def test_movements_arriving_in_any_order_leave_the_days_they_would_in_time_order(
    network: Network, clock: ManualClock
) -> None:
    chooser = random.Random(20260302)
    start = at("2026-02-26 07:00")
    moves = [
        (
            chooser.choice(["receipt", "sale", "sale", "return"]),
            chooser.randint(1, 4),
            start + timedelta(minutes=chooser.randrange(0, 5 * 24 * 60)),
        )
        for _ in range(40)
    ]
    chooser.shuffle(moves)
    for number, (kind, qty, when) in enumerate(moves, start=1):
        post(network, clock, kind, "S1", qty, when)
        if number % 10 == 0:
            assert days(network, "S1") == days_from_movements(network, "S1")
    assert len(days(network, "S1")) >= 5


def test_a_position_on_time_is_not_rebuilt(network: Network, clock: ManualClock) -> None:
    """The common case keeps to one row: a rebuild would rewrite the earlier day too."""
    post(network, clock, "receipt", "S1", 10, at("2026-03-01 11:00"))
    with network.engine.begin() as connection:
        # Mark yesterday's row: a rebuild of it would put its true figure back.
        connection.execute(
            text("UPDATE position_days SET received_units = 99 WHERE day = '2026-03-01'")
        )
    post(network, clock, "sale", "S1", 1, at("2026-03-02 09:00"))
    assert days(network, "S1") == [
        ("2026-03-01", 0, 0, 99, 0, 10, 10),
        ("2026-03-02", 1, 0, 0, 0, 9, 9),
    ]


# --- voided sales ------------------------------------------------------------------------------


def void_directly(
    network: Network, clock: ManualClock, sale_op: uuid.UUID, sku: str, qty: int, sold_at: datetime
) -> Callable[[bool], None]:
    """Take back sale ``sale_op`` as a void does: a ``void`` movement dated when the sale
    happened, and its ``sale_voids`` row, written first or last."""

    def void(row_first: bool) -> None:
        void_op = str(uuid7())

        def work(tx: LedgerTx) -> None:
            def row() -> None:
                tx.sql.execute(
                    "INSERT INTO sale_voids (sale_op_id, void_op_id, location, sold_at, "
                    "voided_at, actor, device) VALUES (:sale, :void, 'A', :sold, :now, 0, 'tests')",
                    {
                        "sale": str(sale_op),
                        "void": void_op,
                        "sold": tx.sql.time(sold_at),
                        "now": tx.sql.time(tx.now),
                    },
                )

            if row_first:
                row()
            poster = Poster(tx, SYSTEM, void_op, sold_at, KnownEntities(tx))
            poster.post(MovementKind.VOID, sku, "A", qty)
            if not row_first:
                row()

        run(network, clock, work)

    return void


def twin_histories(
    network: Network, clock: ManualClock, voided_is_latest: bool
) -> tuple[uuid.UUID, datetime]:
    """The same movements on S1 and S2, and on S1 only a sale of 3 to void: the latest movement
    of the position, or one in the middle of a day. Answers the sale's id and time."""
    for sku in ("S1", "S2"):
        post(network, clock, "receipt", sku, 10, at("2026-03-01 11:00"))
        post(network, clock, "sale", sku, 2, at("2026-03-01 17:00"))
        post(network, clock, "sale", sku, 1, at("2026-03-02 08:30"))
    sold_at = at("2026-03-02 09:45") if voided_is_latest else at("2026-03-02 08:00")
    return post(network, clock, "sale", "S1", 3, sold_at), sold_at


@pytest.mark.parametrize("voided_is_latest", [True, False], ids=["latest-sale", "earlier-sale"])
@pytest.mark.parametrize("row_first", [True, False], ids=["row-first", "movement-first"])
def test_after_a_sale_and_its_void_the_days_equal_a_twin_that_never_had_the_sale(
    network: Network, clock: ManualClock, voided_is_latest: bool, row_first: bool
) -> None:
    sale_op, sold_at = twin_histories(network, clock, voided_is_latest)
    assert days(network, "S1") != days(network, "S2")
    void_directly(network, clock, sale_op, "S1", 3, sold_at)(row_first)
    assert days(network, "S1") == days(network, "S2")
    assert days(network, "S2") == [
        ("2026-03-01", 2, 0, 10, 0, 8, 8),
        ("2026-03-02", 1, 0, 0, 0, 7, 7),
    ]
    # A movement arriving late after the void keeps it out of the replay.
    for sku in ("S1", "S2"):
        post(network, clock, "sale", sku, 1, at("2026-03-01 12:00"))
    assert days(network, "S1") == days(network, "S2") == days_from_movements(network, "S2")


def test_a_voided_sale_alone_on_its_day_leaves_no_day_behind(
    network: Network, clock: ManualClock
) -> None:
    post(network, clock, "receipt", "S1", 10, at("2026-03-01 11:00"))
    sold_at = at("2026-03-02 08:00")
    sale_op = post(network, clock, "sale", "S1", 3, sold_at)
    void_directly(network, clock, sale_op, "S1", 3, sold_at)(False)
    assert days(network, "S1") == [("2026-03-01", 0, 0, 10, 0, 10, 10)]


def test_a_void_through_the_ledger_leaves_the_days_as_if_the_sale_never_happened(
    network: Network, clock: ManualClock
) -> None:
    sale_op, _ = twin_histories(network, clock, voided_is_latest=False)
    command = SaleVoid(op_id=uuid7(), sale_op_id=sale_op, reason="keyed twice")
    run(network, clock, lambda tx: void_sale(tx, SYSTEM, command))
    assert days(network, "S1") == days(network, "S2")

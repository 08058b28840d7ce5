"""Future stock on real processes, on both backends: a real ``ordersync serve``, the ERP
announcing a delivery to store A over HTTP, and the terminals of stores A and B driven through
their TUI.

S3 is on no shelf; a delivery of it is announced to A, arriving in two days. At B's counter an
associate orders S3 for a customer who collects it at A: the order is accepted, its line waits
for the delivery, promised by the end of the delivery's window, and the routing explanation
names the delivery. Then A receives the delivery on its Receive screen and syncs:

- received in full, the promise becomes the order's job at A, in A's jobs after the sync;
- one unit short while store C has S3 on its shelf, the line is routed again to C, and the
  explanation says the delivery came short;
- one unit short with S3 nowhere else, the line goes to follow-up, explained.

Every order line ends in a state, no unit is lost, and ``ordersync check`` finds the ledger
consistent.
"""

# ruff: noqa: RUF001
# (the terminal prints the multiplication sign on purpose)

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ordersync.contract import Role
from storeapp.context import StoreContext
from storeapp.i18n import Translator
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.jobs import JobsScreen
from storeapp.tui.screens.order import OrderScreen
from storeapp.tui.screens.receive import ReceiptScreen, ReceiveScreen
from storeapp.tui.widgets.order_outcome import OrderOutcomeView
from tests.support.e2e_terminals import (
    HeadOffice,
    add_store,
    ledger_day,
    parse_time,
    press,
    shown,
    synced,
    terminal,
)
from tests.support.ledger_harness import Network
from tests.support.ledger_server import LedgerServer, ServerFactory
from tests.support.store import gtin_of
from tests.support.tui import (
    SLOW,
    SteppingClock,
    deterministic_app,
    look_up,
    rows,
    scan,
    settle,
    text_of,
)

pytestmark = pytest.mark.e2e

DELIVERED = 2
"""Units of S3 the delivery to A announces."""


@pytest.fixture
def network(seeded_network: Network) -> Network:
    """The seeded network with a store C in Paris, and the tokens the scenes use, issued before
    the server starts: the ERP's, and C's till's."""
    add_store(seeded_network, "C", latitude=48.87, longitude=2.36)
    seeded_network.token("WH", Role.ERP)
    seeded_network.token("C", Role.ASSOCIATE)
    return seeded_network


@pytest.fixture
def server(network: Network, ledger_server_factory: ServerFactory) -> LedgerServer:
    return ledger_server_factory(network, workers=2)


@pytest.fixture
def office(server: LedgerServer) -> Iterator[HeadOffice]:
    ledger = HeadOffice(server)
    yield ledger
    ledger.close()


@dataclass
class Announced:
    id: str
    reference: str
    expected_until: datetime

    @property
    def day(self) -> str:
        """``9 Dec``: the day the ledger's explanations name."""
        return ledger_day(self.expected_until)

    @property
    def shown_day(self) -> str:
        """``9 Dec``: the day the terminal says the units are expected."""
        return shown(self.expected_until, "d MMM")

    @property
    def promised(self) -> str:
        """``Wednesday 9 December 2026``: the date the terminal promises."""
        return shown(self.expected_until, "EEEE d MMMM y")


@pytest.fixture
def delivery(office: HeadOffice) -> Announced:
    """The ERP's shipping notice of S3 to A, arriving within a 4 h window two days from now."""
    start = office.now() + timedelta(days=2)
    announced = office.announce(
        "ASN-S3", "A", [("S3", DELIVERED)], start, start + timedelta(hours=4), role=Role.ERP
    )
    assert announced["state"] == "expected"
    return Announced(str(announced["id"]), "ASN-S3", parse_time(announced["expected_until"]))


@pytest.fixture
def till_a(server: LedgerServer, delivery: Announced, tmp_path: Path) -> Iterator[StoreContext]:
    store = terminal(server, tmp_path / "store-a", "A")
    synced(store)
    yield store
    store.close()


@pytest.fixture
def till_b(server: LedgerServer, delivery: Announced, tmp_path: Path) -> Iterator[StoreContext]:
    store = terminal(server, tmp_path / "store-b", "B")
    synced(store)
    yield store
    store.close()


async def order_for_collection_at_a(store: StoreContext, qty: int) -> str:
    """At B's counter: S3 looked up, ordered for Inès Moreau to collect at A; the outcome the
    associate reads."""
    app = deterministic_app(store, Translator("en_GB"))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await look_up(pilot, "S3")
        assert isinstance(app.screen, ItemScreen)
        await press(pilot, "o")
        screen = app.screen
        assert isinstance(screen, OrderScreen)
        await press(pilot, "tab", "down", "enter")  # delivery: collect at another store
        for _unit in range(qty - 1):  # the form opens with one unit of S3; a scan adds one
            screen.scan("S3")
        assert [(line.item.sku, line.qty) for line in screen.lines] == [("S3", qty)]
        screen.field("collect_at").value = "A"
        screen.field("name").value = "Inès Moreau"
        screen.field("phone").value = "06 12 34 56 78"
        await press(pilot, "ctrl+s")
        return str(screen.query_one(OrderOutcomeView).render())


async def receive_at_a(store: StoreContext, delivery: Announced, counted: int) -> list[list[str]]:
    """At A, synced: the delivery received by scan on the Receive screen (``counted`` units),
    closed, synced; then A's jobs as its Jobs screen lists them."""
    clock = SteppingClock(SLOW)
    app = deterministic_app(store, Translator("en_GB"), monotonic=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "f9")
        assert isinstance(app.screen, ReceiveScreen)
        [row] = rows(app, "#receive-documents")
        assert row[1:4] == ["delivery", delivery.reference, "WH"]
        assert row[-2:] == [str(DELIVERED), "expected"]
        await press(pilot, "enter")
        assert isinstance(app.screen, ReceiptScreen)
        for _ in range(counted):
            await scan(pilot, clock, gtin_of(store, "S3"))
        await press(pilot, "c")
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "enter")
        assert isinstance(app.screen, ReceiveScreen)
        assert f"Receipt closed: {counted} unit(s)" in text_of(app, "#receive-message")
        await press(pilot, "f5")  # the receipt goes up; what it caused comes down the feed
        await press(pilot, "f4")
        assert isinstance(app.screen, JobsScreen)
        return rows(app, "#jobs")


def won(order: dict[str, Any], decision: int = -1) -> list[dict[str, Any]]:
    explanation = order["routing"][decision]["explanation"]
    return [c for c in explanation["candidates"] if c["won"]]


def the_order(office: HeadOffice) -> dict[str, Any]:
    [order_id] = office.order_ids()
    return office.order(order_id)


def assert_consistent(office: HeadOffice, tmp_path: Path) -> None:
    checked = office.check(tmp_path)
    assert checked.returncode == 0, checked.describe()
    assert "ledger is consistent" in checked.stdout


def assert_waits_for_the_delivery(
    office: HeadOffice, delivery: Announced, outcome: str, qty: int
) -> dict[str, Any]:
    """The order as placed: accepted, its line awaiting the delivery, promised by the end of
    the delivery's window (collected where the units arrive), explained."""
    assert f"Order placed: {qty} × S3 for Inès Moreau." in outcome
    expected = f"awaiting stock, expected {delivery.shown_day}"
    assert f"Waiting for incoming stock:\n  {qty} × S3: {expected}" in outcome
    chosen = f"from the delivery from WH, expected {delivery.shown_day}"
    assert f"✔ A — Store A: chosen (0 km); {chosen}" in outcome
    assert f"Promised by {delivery.promised}." in outcome
    order = the_order(office)
    assert order["state"] == "open"
    assert [line["state"] for line in order["lines"]] == ["awaiting_stock"]
    assert order["jobs"] == []
    assert parse_time(order["promised_by"]) == delivery.expected_until
    [hold] = order["holds"]
    assert (hold["state"], hold["location"], hold["qty"]) == ("open", "A", qty)
    assert (hold["document_kind"], hold["document_id"]) == ("delivery", delivery.id)
    [winner] = won(order)
    assert winner["location"] == "A"
    assert [r["code"] for r in winner["reasons"]] == ["future_stock"]
    assert winner["reasons"][0]["document_id"] == delivery.id
    assert order["routing"][0]["explanation"]["summary"] == (
        f"line 1 (S3) waits for incoming stock, from the delivery expected at A on {delivery.day}"
    )
    assert office.incoming("A", "S3") == (DELIVERED, 0, qty)
    return order


async def test_an_order_waits_for_the_delivery_and_becomes_a_job_at_a_when_it_is_received(
    office: HeadOffice,
    delivery: Announced,
    till_a: StoreContext,
    till_b: StoreContext,
    tmp_path: Path,
) -> None:
    outcome = await order_for_collection_at_a(till_b, 1)
    order = assert_waits_for_the_delivery(office, delivery, outcome, 1)

    jobs = await receive_at_a(till_a, delivery, DELIVERED)
    after = office.order(order["id"])
    assert [line["state"] for line in after["lines"]] == ["routed"]
    [job] = after["jobs"]
    assert (job["location"], job["kind"], job["state"]) == ("A", "collect", "assigned")
    assert [(line["sku"], line["qty"]) for line in job["lines"]] == [("S3", 1)]
    assert [hold["state"] for hold in after["holds"]] == ["converted"]
    assert after["routing"][-1]["explanation"]["summary"] == (
        f"the delivery expected at A on {delivery.day} arrived: A serves S3 from the units received"
    )
    due_at = parse_time(job["due_at"])
    # the jobs list shows the time alone for a job due today, else the day too (near midnight)
    same_day = shown(due_at, "yyyy-MM-dd") == shown(till_a.now(), "yyyy-MM-dd")
    due = shown(due_at, "HH:mm" if same_day else "d MMM HH:mm")
    assert jobs == [[job["id"][:8], due, "assigned", "collect", "Inès Moreau", "0/1"]]
    assert office.delivery(delivery.id)["state"] == "received"
    assert office.on_hand("A", "S3") == DELIVERED
    assert office.reserved("A", "S3") == 1
    assert office.incoming("A", "S3") == (0, 0, 0)
    assert_consistent(office, tmp_path)


async def test_a_delivery_one_short_sends_the_line_to_the_store_that_holds_the_sku(
    office: HeadOffice,
    delivery: Announced,
    till_a: StoreContext,
    till_b: StoreContext,
    tmp_path: Path,
) -> None:
    outcome = await order_for_collection_at_a(till_b, DELIVERED)
    order = assert_waits_for_the_delivery(office, delivery, outcome, DELIVERED)
    # meanwhile C receives S3 on its shelf
    office.movements("C", [("receipt", "S3", 3)], office.now())

    jobs = await receive_at_a(till_a, delivery, DELIVERED - 1)
    assert jobs == []  # the job is C's: it ships the units to A, where they are collected
    after = office.order(order["id"])
    assert after["state"] == "open"
    assert [line["state"] for line in after["lines"]] == ["routed"]
    [job] = after["jobs"]
    assert (job["location"], job["kind"], job["destination"]) == ("C", "ship", "A")
    assert [(line["sku"], line["qty"]) for line in job["lines"]] == [("S3", DELIVERED)]
    [hold] = after["holds"]
    short = f"the delivery expected at A on {delivery.day} came 1 short"
    assert (hold["state"], hold["outcome"]) == ("rerouted", short)
    last = after["routing"][-1]
    assert last["trigger"] == "arrival_short"
    assert last["explanation"]["summary"] == f"{short}: C ships the whole order (2.3 km)"
    assert [c["location"] for c in won(after)] == ["C"]
    delivered = office.delivery(delivery.id)
    assert [
        (d["sku"], d["kind"], d["expected"], d["actual"], d["reason"])
        for d in delivered["discrepancies"]
    ] == [("S3", "under_received", DELIVERED, DELIVERED - 1, "missing")]
    # nothing lost: the unit that came stays on A's shelf, free; C's are held for the order
    assert (office.on_hand("A", "S3"), office.reserved("A", "S3")) == (DELIVERED - 1, 0)
    assert (office.on_hand("C", "S3"), office.reserved("C", "S3")) == (3, DELIVERED)
    assert office.incoming("A", "S3") == (0, 0, 0)
    assert_consistent(office, tmp_path)


async def test_a_delivery_one_short_with_the_sku_nowhere_else_goes_to_follow_up(
    office: HeadOffice,
    delivery: Announced,
    till_a: StoreContext,
    till_b: StoreContext,
    tmp_path: Path,
) -> None:
    outcome = await order_for_collection_at_a(till_b, DELIVERED)
    order = assert_waits_for_the_delivery(office, delivery, outcome, DELIVERED)

    jobs = await receive_at_a(till_a, delivery, DELIVERED - 1)
    after = office.order(order["id"])
    # every line reached an end, one unserved: someone must tell the customer
    assert after["state"] == "follow_up"
    assert [line["state"] for line in after["lines"]] == ["unfulfillable"]
    assert after["jobs"] == []
    assert jobs == []
    [hold] = after["holds"]
    short = f"the delivery expected at A on {delivery.day} came 1 short"
    assert (hold["state"], hold["outcome"]) == ("rerouted", short)
    last = after["routing"][-1]
    assert last["trigger"] == "arrival_short"
    assert last["explanation"]["summary"] == f"{short}: nobody can serve line 1 (S3)"
    assert (office.on_hand("A", "S3"), office.reserved("A", "S3")) == (DELIVERED - 1, 0)
    assert office.incoming("A", "S3") == (0, 0, 0)
    assert_consistent(office, tmp_path)

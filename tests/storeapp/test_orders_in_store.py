"""Order in store against the real ledger in process: placed live with where it comes from, why
and the promised date; kept offline and placed exactly once later; refused with alternatives,
at once or after reconnecting. Also the ``storeapp`` commands for orders and jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.contract import Role
from storeapp import cli
from storeapp.cache import outbox
from storeapp.cache.engine import open_cache_engine
from storeapp.config import StoreSettings
from storeapp.context import StoreContext, open_store, remember_location
from storeapp.services.orders import (
    OrderInputError,
    OrderRefusal,
    OrderStatus,
    collect_at,
    customer,
    home_delivery,
)
from tests.support.cli import Shell, line_with, set_up
from tests.support.ledger_harness import START, Network
from tests.support.store import (
    gtin_of,
    ledger_job,
    ledger_position,
    receive,
    sync_terminal,
    web_order,
)

PARIS = ("75001", "Paris")
"""A home address's postal code and town: the terminal asks for no coordinates."""


class Switch(httpx.BaseTransport):
    """The ledger's in-process transport, with the network cable in the test's hand."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner
        self.online = True
        self.lose_replies = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.online:
            raise httpx.ConnectError("the ledger is down", request=request)
        response = self._inner.handle_request(request)
        if self.lose_replies:
            # The ledger did the work; its reply never comes back.
            response.read()
            raise httpx.ReadTimeout("the reply was lost", request=request)
        return response


@pytest.fixture
def switch(ledger: TestClient) -> Switch:
    return Switch(ledger._transport)


@pytest.fixture
def counter(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, switch: Switch
) -> Iterator[StoreContext]:
    """Store A's terminal, reaching the ledger through ``switch``."""
    settings = StoreSettings(
        ledger_url="http://testserver",
        token=network.token("A", Role.ASSOCIATE),
        data_dir=tmp_path / "store-a",
    )
    engine = open_cache_engine(settings.cache_path)
    remember_location(engine, "A")
    engine.dispose()
    context = open_store(settings, now=clock.now, transport=switch)
    sync_terminal(context)
    yield context
    context.close()


def orders_on_ledger(network: Network) -> list[tuple[str, str, str]]:
    with network.engine.connect() as connection:
        return [
            (str(row[0]), str(row[1]), str(row[2]))
            for row in connection.execute(
                text("SELECT id, channel, placed_by FROM orders ORDER BY created_at")
            )
        ]


def outbox_counts(store: StoreContext) -> tuple[int, int]:
    with store.engine.connect() as connection:
        return outbox.counts(connection)


CAMILLE = customer("Camille Martin", email="camille@example.org")


# --- placed live ------------------------------------------------------------------------------


def test_an_order_in_store_online_says_where_it_comes_from_why_and_when(
    ledger: TestClient, network: Network, counter: StoreContext
) -> None:
    receive(ledger, network, "S1", "B", 3)
    sync_terminal(counter)
    outcome = counter.orders.place(
        "S1", 1, home_delivery("1 rue de Rivoli, Paris", *PARIS), CAMILLE
    )

    assert outcome.status is OrderStatus.PLACED
    [source] = outcome.sources
    assert (source.location, source.name, source.job_kind, source.lines) == (
        "B",
        "Store B",
        "ship",
        [("S1", 1)],
    )
    assert source.distance_km is not None
    assert source.distance_km > 300
    explanation = outcome.explanation
    assert explanation is not None
    assert [w.location for w in explanation.winners] == ["B"]
    lost = {v.location: v.reasons[0]["code"] for v in explanation.losers}
    assert lost == {"A": "no_stock", "WH": "no_stock"}
    assert outcome.promised_by == START + timedelta(days=2)  # from Lyon: beyond near_km
    assert outbox_counts(counter) == (0, 0)
    assert orders_on_ledger(network) == [(str(outcome.op_id), "store", "A")]
    assert ledger_position(ledger, network, "B", "S1")["reserved"] == 1

    [decision] = counter.orders.routing(outcome.op_id)
    assert decision.trigger == "order"
    assert decision.winners[0].location == "B"
    again = counter.orders.order(outcome.op_id)
    assert again.status is OrderStatus.PLACED
    assert [s.location for s in again.sources] == ["B"]


def test_collect_here_from_the_own_shelf_is_picked_made_ready_and_handed_over(
    ledger: TestClient, network: Network, counter: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 2)
    receive(ledger, network, "S1", "B", 5)
    sync_terminal(counter)
    outcome = counter.orders.place("S1", 1, counter.orders.collect_here(), CAMILLE)
    assert outcome.status is OrderStatus.PLACED
    assert [(s.location, s.job_kind) for s in outcome.sources] == [("A", "collect")]
    assert outcome.promised_by == START  # on the shelf here: today

    sync_terminal(counter)
    [job] = counter.picking.queue().jobs
    assert (job.kind, job.order_id) == ("collect", str(outcome.op_id))
    picking = counter.picking
    picking.start(job.id)
    picking.scan(job.id, gtin_of(counter, "S1"))
    picking.mark_picked(job.id)
    with pytest.raises(Exception, match="cannot become packed"):
        picking.pack(job.id, 1, 100)
    picking.mark_ready(job.id)
    sync_terminal(counter)
    assert ledger_job(ledger, network, job.id)["state"] == "ready"
    picking.hand_over(job.id)
    sync_terminal(counter)
    assert ledger_job(ledger, network, job.id)["state"] == "collected"
    position = ledger_position(ledger, network, "A", "S1")
    assert (position["on_hand"], position["reserved"]) == (1, 0)
    order = counter.orders.order(outcome.op_id).order
    assert order is not None
    assert order.state == "closed"


def test_collect_at_another_store_is_served_from_its_shelf(
    ledger: TestClient, network: Network, counter: StoreContext
) -> None:
    receive(ledger, network, "S1", "B", 2)
    sync_terminal(counter)
    outcome = counter.orders.place("S1", 2, collect_at("b"), CAMILLE)
    assert outcome.status is OrderStatus.PLACED
    assert [(s.location, s.job_kind, s.lines) for s in outcome.sources] == [
        ("B", "collect", [("S1", 2)])
    ]
    sync_terminal(counter)
    assert counter.picking.queue().jobs == []


# --- kept offline -----------------------------------------------------------------------------


def test_an_order_kept_offline_is_placed_once_when_the_ledger_is_back(
    ledger: TestClient, network: Network, counter: StoreContext, switch: Switch
) -> None:
    receive(ledger, network, "S1", "B", 3)
    sync_terminal(counter)
    switch.online = False
    outcome = counter.orders.place("S1", 1, home_delivery("Paris", *PARIS), CAMILLE)
    assert outcome.status is OrderStatus.PENDING
    assert outcome.reason is not None
    [kept] = counter.orders.pending()
    assert (kept.op_id, kept.lines, kept.customer_name) == (
        str(outcome.op_id),
        [("S1", 1)],
        "Camille Martin",
    )
    assert not counter.sync.sync_once().online
    assert orders_on_ledger(network) == []

    switch.online = True
    report = counter.sync.sync_once()
    assert report.accepted == 1
    sync_terminal(counter)
    assert orders_on_ledger(network) == [(str(outcome.op_id), "store", "A")]
    assert counter.orders.pending() == []
    placed = counter.orders.order(outcome.op_id)
    assert [s.location for s in placed.sources] == ["B"]
    assert placed.promised_by == START + timedelta(days=2)


def test_an_order_whose_reply_was_lost_is_not_placed_twice(
    ledger: TestClient, network: Network, counter: StoreContext, switch: Switch
) -> None:
    receive(ledger, network, "S1", "B", 3)
    sync_terminal(counter)
    switch.lose_replies = True
    outcome = counter.orders.place("S1", 1, home_delivery("Paris", *PARIS), CAMILLE)
    assert outcome.status is OrderStatus.PENDING
    assert len(orders_on_ledger(network)) == 1  # the ledger did place it

    switch.lose_replies = False
    assert counter.sync.sync_once().accepted == 1
    sync_terminal(counter)
    assert orders_on_ledger(network) == [(str(outcome.op_id), "store", "A")]
    assert ledger_position(ledger, network, "B", "S1")["reserved"] == 1


def test_an_order_refused_after_reconnecting_needs_attention_with_alternatives(
    ledger: TestClient, network: Network, counter: StoreContext, switch: Switch
) -> None:
    receive(ledger, network, "S1", "B", 1)
    receive(ledger, network, "S2", "B", 2)
    sync_terminal(counter)
    switch.online = False
    outcome = counter.orders.place("S1", 1, home_delivery("Paris", *PARIS), CAMILLE)
    assert outcome.status is OrderStatus.PENDING
    # Meanwhile the web takes the last unit.
    web_order(ledger, network, [("S1", 1)])

    switch.online = True
    report = counter.sync.sync_once()
    assert report.refused == 1
    [refused] = counter.orders.attention()
    assert refused.op_id == str(outcome.op_id)
    assert refused.problem_type.endswith("order-unfulfillable")
    assert refused.unserved == [{"line_no": 1, "sku": "S1", "qty": 1}]
    assert refused.alternatives is not None
    assert [(s.sku, s.available) for s in refused.alternatives.other_sizes] == [("S2", 2)]
    assert refused.customer["name"] == "Camille Martin"
    assert counter.status.status().attention == 1
    assert len(orders_on_ledger(network)) == 1  # only the web order
    assert counter.picking.attention() == []

    assert outbox.dismiss(counter.engine, refused.entry_id, START)
    assert counter.orders.attention() == []


def test_a_live_refusal_shows_the_alternatives_at_once_and_leaves_nothing_to_attend(
    ledger: TestClient, network: Network, counter: StoreContext
) -> None:
    receive(ledger, network, "S2", "B", 2)
    sync_terminal(counter)
    outcome = counter.orders.place("S1", 1, home_delivery("Paris", *PARIS), CAMILLE)
    assert outcome.status is OrderStatus.REFUSED
    assert outcome.alternatives is not None
    assert [s.sku for s in outcome.alternatives.other_sizes] == ["S2"]
    assert outcome.unserved == [{"line_no": 1, "sku": "S1", "qty": 1}]
    assert outbox_counts(counter) == (0, 0)
    assert counter.sync.sync_once().accepted == 0
    assert orders_on_ledger(network) == []


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda s: s.orders.place("NOPE", 1, s.orders.collect_here(), CAMILLE), "unknown_sku"),
        (lambda s: s.orders.place("S1", 0, s.orders.collect_here(), CAMILLE), "bad_quantity"),
        (lambda s: s.orders.place("S1", 1, collect_at("ZZ"), CAMILLE), "unknown_store"),
        (lambda s: s.orders.place("S1", 1, collect_at("WH"), CAMILLE), "unknown_store"),
        (lambda s: customer("Camille"), "no_contact"),
        (lambda s: customer("Camille", email="not an address"), "bad_customer"),
        (lambda s: customer("", phone="0612345678"), "bad_customer"),
        (lambda s: home_delivery("1 rue X", "99999", "Paris"), "unknown_postal_code"),
        (lambda s: home_delivery("1 rue X", "7500", "Paris"), "bad_delivery"),
        (lambda s: home_delivery("", *PARIS), "bad_delivery"),
        (lambda s: home_delivery("1 rue X", "75001", " "), "bad_delivery"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(
    counter: StoreContext, build: Callable[[StoreContext], Any], code: str
) -> None:
    with pytest.raises(OrderInputError) as caught:
        build(counter)
    assert caught.value.code is OrderRefusal(code)
    assert outbox_counts(counter) == (0, 0)


# --- the storeapp command ---------------------------------------------------------------------


@pytest.fixture
def sh(sh: Shell, network: Network) -> Shell:
    """``storeapp ARGS`` in process, set up for store A."""
    set_up(sh, network)
    return sh


def test_cli_order_prints_source_reasons_and_promise_then_routing_explains_it(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    receive(ledger, network, "S1", "B", 3)
    result = sh(
        "order", "S1", "--home", "1 rue de Rivoli", "--postal-code", "75001", "--city", "Paris",
        "--name", "Camille Martin", "--email", "camille@example.org",
    )  # fmt: skip
    assert result.code == cli.EXIT_OK, result
    assert "placed: 1 x S1 for Camille Martin" in result.out
    assert "Comes from B — Store B: 1 x S1, shipped from" in result.out
    assert "✔ B — Store B: chosen" in line_with(result.out, "✔")
    assert "no stock of S1 (0 of 1)" in line_with(result.out, "✘ A")
    assert "Promised by Wednesday 4 March 2026" in result.out
    [(order_id, _, _)] = orders_on_ledger(network)

    routing = sh("routing", order_id)
    assert routing.code == cli.EXIT_OK, routing
    assert "Decision 1, when the order was placed" in routing.out
    assert "✔ B — Store B" in routing.out
    assert "✘ WH — Store WH: no stock of S1" in routing.out

    assert sh("routing", "not-a-uuid").code == cli.EXIT_USAGE
    unknown = sh("routing", "0190a0a0-0000-7000-8000-000000000000")
    assert unknown.code == cli.EXIT_FAILED
    assert "knows no order" in unknown.err


def test_cli_order_offline_is_kept_and_refusals_list_alternatives(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    receive(ledger, network, "S2", "B", 2)
    down = Switch(ledger._transport)
    down.online = False
    kept = sh("order", "S1", "--collect-here", "--name", "Camille", "--phone", "0612345678",
              transport=down)  # fmt: skip
    assert kept.code == cli.EXIT_OFFLINE, kept
    assert "is kept on this terminal and will be sent" in kept.out

    refused = sh("order", "S1", "--collect-here", "--name", "Camille", "--phone", "0612345678")
    assert refused.code == cli.EXIT_REFUSED, refused
    assert "cannot serve 1 x S1 now" in refused.err
    assert "S2 — nearby size 90C, noir: 2 available (instead of S1)" in refused.out

    usage = sh("order", "S1", "--home", "Paris", "--name", "Camille", "--phone", "0612345678")
    assert usage.code == cli.EXIT_USAGE
    assert "--postal-code and --city" in usage.err
    no_contact = sh("order", "S1", "--collect-here", "--name", "Camille")
    assert no_contact.code == cli.EXIT_USAGE
    assert sh("order", "S1", "--name", "Camille").code == cli.EXIT_USAGE
    assert sh("order", "S1", "--collect-at", "ZZ", "--name", "C", "--phone", "0612345678").code == (
        cli.EXIT_FAILED
    )


def test_cli_jobs_and_job_show_the_queue_and_a_pick_list(
    sh: Shell, ledger: TestClient, network: Network, clock: ManualClock
) -> None:
    receive(ledger, network, "S1", "A", 3)
    empty = sh("jobs")
    assert empty.code == cli.EXIT_OK
    assert "No job waiting at A." in empty.out
    [job] = web_order(ledger, network, [("S1", 2)])["jobs"]
    assert sh("sync", "--once").code == cli.EXIT_OK
    clock.advance(timedelta(hours=3))

    queue = sh("jobs")
    assert queue.code == cli.EXIT_OK, queue
    row = line_with(queue.out, job["id"][:8])
    for shown_in_row in ("assigned", "LATE", "2 x S1", "0/2"):
        assert shown_in_row in row
    assert "late: 1" in queue.out

    shown = sh("job", job["id"][:8])
    assert shown.code == cli.EXIT_OK, shown
    assert f"Job {job['id']} (ship) for Camille Martin" in shown.out
    assert "Shipped to the customer's home." in shown.out
    assert "Item S1" in line_with(shown.out, "S1")
    assert "Next: picking" in shown.out

    missing = sh("job", "ffffffff")
    assert missing.code == cli.EXIT_FAILED
    assert "no job ffffffff at this store" in missing.err

"""Orders in store with several lines and home delivery by postal code, against the real ledger
in process: the service (one line per SKU, quantities added up, checked before anything is
written; kept offline and placed once later) and the ``storeapp order SKU[:QTY]...`` command."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from storeapp import cli
from storeapp.cache import outbox
from storeapp.context import StoreContext, open_store
from storeapp.services.orders import (
    OrderInputError,
    OrderRefusal,
    OrderStatus,
    customer,
    home_delivery,
    split_line,
)
from tests.support.cli import Shell, set_up
from tests.support.ledger_harness import Network, item
from tests.support.store import receive, sync_terminal

CAMILLE = customer("Camille Martin", phone="06 12 34 56 78")
LYON = (["12 rue de la République", "Bâtiment B"], "69002", "Lyon")


@pytest.fixture
def unreachable(store: StoreContext, clock: ManualClock) -> Iterator[StoreContext]:
    """Store A's terminal with its network cable out (the same cache)."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    context = open_store(store.settings, now=clock.now, transport=httpx.MockTransport(refuse))
    yield context
    context.close()


def ledger_order(ledger: TestClient, network: Network, order_id: object) -> Any:
    reply = ledger.get(f"/v1/orders/{order_id}", headers=network.headers("A"))
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_several_lines_are_one_order_and_a_sku_named_twice_is_one_line(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "B", 3)
    receive(ledger, network, "S3", "B", 2)
    sync_terminal(store)
    outcome = store.orders.place_lines(
        [("S1", 1), ("S3", 2), ("S1", 1)], home_delivery(*LYON), CAMILLE
    )
    assert outcome.status is OrderStatus.PLACED, outcome.reason
    assert outcome.lines == [("S1", 2), ("S3", 2)]
    [source] = outcome.sources
    assert (source.location, source.lines) == ("B", [("S1", 2), ("S3", 2)])
    assert source.distance_km is not None
    assert source.distance_km < 1  # B stands by the Rhône's prefecture: 69002 placed it
    order = ledger_order(ledger, network, outcome.op_id)
    assert [(line["sku"], line["qty"]) for line in order["lines"]] == [("S1", 2), ("S3", 2)]
    delivery = order["delivery"]
    assert delivery["address"] == "12 rue de la République\nBâtiment B"
    assert (delivery["postal_code"], delivery["city"]) == ("69002", "Lyon")
    assert outbox.pending(store.engine, 10) == []


def test_an_order_kept_offline_carries_the_postal_code_not_coordinates_and_is_placed_once(
    ledger: TestClient, network: Network, store: StoreContext, unreachable: StoreContext
) -> None:
    receive(ledger, network, "S1", "B", 3)
    receive(ledger, network, "S2", "B", 3)
    sync_terminal(store)
    kept = unreachable.orders.place_lines([("S1", 1), ("S2", 3)], home_delivery(*LYON), CAMILLE)
    assert kept.status is OrderStatus.PENDING
    assert kept.lines == [("S1", 1), ("S2", 3)]
    [entry] = outbox.pending(store.engine, 10)
    sent = entry.payload["delivery"]
    assert (sent["postal_code"], sent["city"], sent["country"]) == ("69002", "Lyon", "FR")
    assert sent["latitude"] is None  # the ledger places the address, the terminal does not
    [pending] = store.orders.pending()
    assert pending.lines == [("S1", 1), ("S2", 3)]

    assert store.sync.sync_once().accepted == 1
    assert store.sync.sync_once().accepted == 0
    order = ledger_order(ledger, network, kept.op_id)
    assert [(line["sku"], line["qty"]) for line in order["lines"]] == [("S1", 1), ("S2", 3)]
    assert [job["location"] for job in order["jobs"]] == ["B"]


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([], OrderRefusal.NO_LINES),
        ([("NOPE", 1)], OrderRefusal.UNKNOWN_SKU),
        ([("S1", 1), ("S1", 0)], OrderRefusal.BAD_QUANTITY),
        ([("S1", 60), ("S1", 41)], OrderRefusal.BAD_QUANTITY),  # 101 units of one line
    ],
)
def test_lines_are_checked_before_anything_is_written(
    store: StoreContext, lines: list[tuple[str, int]], code: OrderRefusal
) -> None:
    sync_terminal(store)
    with pytest.raises(OrderInputError) as caught:
        store.orders.place_lines(lines, store.orders.collect_here(), CAMILLE)
    assert caught.value.code is code
    assert outbox.pending(store.engine, 10) == []


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("S1", ("S1", None)),
        (" BRA-ELO-NOIR-85B:3 ", ("BRA-ELO-NOIR-85B", 3)),
        ("3760000000208:2", ("3760000000208", 2)),
    ],
)
def test_a_typed_line_is_an_item_and_its_units(typed: str, parsed: tuple[str, int]) -> None:
    assert split_line(typed) == parsed


@pytest.mark.parametrize("typed", ["S1:0", "S1:", "S1:two", ":2", "S1:-1"])
def test_units_that_are_not_a_whole_number_of_at_least_one_are_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        split_line(typed)


# --- the storeapp command ---------------------------------------------------------------------


@pytest.fixture
def sh(sh: Shell, network: Network) -> Shell:
    """``storeapp ARGS`` in process, set up for store A."""
    set_up(sh, network)
    return sh


CONTACT = ("--name", "Camille Martin", "--phone", "0612345678")
HOME = ("--home", "12 rue de la République", "--address-line", "Bâtiment B",
        "--postal-code", "69002", "--city", "Lyon")  # fmt: skip


def test_cli_orders_several_items_by_sku_or_barcode_for_home_delivery(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    receive(ledger, network, "S1", "B", 6)
    receive(ledger, network, "S3", "B", 3)
    barcode = item("S3").gtins[0]
    result = sh("order", "S1:2", barcode, *HOME, *CONTACT)
    assert result.code == cli.EXIT_OK, result
    assert "placed: 2 x S1, 1 x S3 for Camille Martin" in result.out
    assert "Comes from B — Store B: 2 x S1, 1 x S3, shipped from" in result.out

    twice = sh("order", "S1", "S1", "--qty", "2", "--collect-at", "B", *CONTACT)
    assert twice.code == cli.EXIT_OK, twice
    assert "placed: 4 x S1 for Camille Martin" in twice.out


def test_cli_order_refusals_name_the_option_to_fix(sh: Shell) -> None:
    unknown = sh("order", "S1", "--home", "1 rue X", "--postal-code", "99999", "--city", "X",
                 *CONTACT)  # fmt: skip
    assert unknown.code == cli.EXIT_FAILED, unknown
    assert "--postal-code: No French department has this postal code." in unknown.err
    malformed = sh("order", "S1", "--home", "1 rue X", "--postal-code", "690", "--city", "X",
                   *CONTACT)  # fmt: skip
    assert malformed.code == cli.EXIT_USAGE, malformed
    assert "--postal-code: A French postal code has 5 digits" in malformed.err
    stray = sh("order", "S1", "--collect-here", "--postal-code", "69002", *CONTACT)
    assert stray.code == cli.EXIT_USAGE, stray
    assert "--postal-code: only with --home" in stray.err
    no_town = sh("order", "S1", "--home", "1 rue X", "--postal-code", "69002", *CONTACT)
    assert no_town.code == cli.EXIT_USAGE
    assert "--postal-code and --city" in no_town.err
    for typed in ("S1:0", "S1:two"):
        bad = sh("order", typed, "--collect-here", *CONTACT)
        assert bad.code == cli.EXIT_USAGE, bad
        assert "the units after the colon" in bad.err
    assert sh("order", "S1:60", "S1:41", "--collect-here", *CONTACT).code == cli.EXIT_USAGE

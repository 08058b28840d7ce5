"""The other sizes a refused order offers, on both backends: best fit first (the same size in
another colour, sister sizes, neighbours), each with its kind, never by how many units the
network holds; only sizes with the line's quantity available; at most ``limit`` per line."""

from __future__ import annotations

import itertools
from typing import Any

from ordersync.contract import SizeFit, uuid7, with_check_digit
from tests.support.ledger_api import Ledger

PARIS = {"kind": "home", "address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}
CUSTOMER = {"name": "Camille Martin", "email": "camille@example.org"}

_references = itertools.count(1)
_gtins = itertools.count(1)


def bra_reference(ledger: Ledger, bands: str, cups: str, colours: str) -> str:
    """A lingerie reference of its own (every band x cup in every colour); SKUs ``<ref>-<colour>-
    <size>``, e.g. ``FIT1-NOIR-75A``."""
    reference = f"FIT{next(_references)}"
    items = [
        {
            "sku": f"{reference}-{colour.upper()}-{band}{cup}",
            "reference": reference,
            "name": "Soutien-gorge",
            "size": f"{band}{cup}",
            "size_row": band,
            "size_column": cup,
            "colour": colour,
            "gtins": [with_check_digit(f"201{next(_gtins):09d}")],
            "price_minor": 4990,
        }
        for colour in colours.split()
        for band in bands.split()
        for cup in cups.split()
    ]
    reply = ledger.send("PUT", "/v1/items", {"items": items})
    assert reply.status_code == 200, reply.text
    return reference


def refused(ledger: Ledger, sku: str, qty: int = 1) -> dict[str, Any]:
    body = {
        "op_id": str(uuid7()),
        "channel": "web",
        "external_ref": "WEB-FIT",
        "lines": [{"sku": sku, "qty": qty}],
        "customer": CUSTOMER,
        "delivery": PARIS,
    }
    reply = ledger.send("POST", "/v1/orders", body)
    assert reply.status_code == 409, reply.text
    problem: dict[str, Any] = reply.json()
    assert problem["type"].endswith("order-unfulfillable")
    return problem


def offered(problem: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(s["colour"], s["size"], s["kind"]) for s in problem["alternatives"]["other_sizes"]]


def test_a_75a_customer_is_offered_the_same_size_and_the_next_cup_before_deep_stock(
    shared: Ledger,
) -> None:
    reference = bra_reference(shared, "70 75 80 85", "A B C D", "Noir Ivoire")
    shared.receive(f"{reference}-NOIR-85C", "WH", 40)  # the deepest stock is the worst fit
    shared.receive(f"{reference}-NOIR-80B", "WH", 30)
    shared.receive(f"{reference}-IVOIRE-75A", "B", 1)
    shared.receive(f"{reference}-NOIR-75B", "B", 1)
    problem = refused(shared, f"{reference}-NOIR-75A")
    assert offered(problem) == [
        ("Ivoire", "75A", SizeFit.SAME_SIZE_OTHER_COLOUR),
        ("Noir", "75B", SizeFit.NEIGHBOUR_SIZE),
        ("Noir", "80B", SizeFit.NEIGHBOUR_SIZE),
        ("Noir", "85C", SizeFit.NEIGHBOUR_SIZE),
    ]
    sizes = problem["alternatives"]["other_sizes"]
    assert {s["instead_of"] for s in sizes} == {f"{reference}-NOIR-75A"}
    assert [s["available"] for s in sizes] == [1, 1, 30, 40]


def test_sister_sizes_come_before_neighbours_and_only_sizes_with_enough_units(
    shared: Ledger,
) -> None:
    reference = bra_reference(shared, "70 75 80", "B C D", "Noir")
    for size, units in (("75B", 9), ("80B", 2), ("70D", 2), ("80C", 1)):
        shared.receive(f"{reference}-NOIR-{size}", "WH", units)
    problem = refused(shared, f"{reference}-NOIR-75C", qty=2)
    assert offered(problem) == [
        ("Noir", "70D", SizeFit.SISTER_SIZE),
        ("Noir", "80B", SizeFit.SISTER_SIZE),
        ("Noir", "75B", SizeFit.NEIGHBOUR_SIZE),
    ]  # 80C holds one unit: not enough for two


def test_at_most_five_other_sizes_per_line_the_best_fits(shared: Ledger) -> None:
    reference = bra_reference(shared, "70 75 80 85", "A B C D", "Noir")
    for band in ("70", "75", "80", "85"):
        for cup in ("A", "B", "C", "D"):
            if (band, cup) != ("75", "C"):
                shared.receive(f"{reference}-NOIR-{band}{cup}", "WH", 3)
    problem = refused(shared, f"{reference}-NOIR-75C")
    assert [size for _, size, _ in offered(problem)] == ["70D", "80B", "75B", "75D", "70C"]

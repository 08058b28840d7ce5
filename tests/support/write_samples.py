"""Valid requests to the routes that change the ledger, and the setup each one needs.

Each builder returns the ``Sample`` an admin of store A would send to its route on a shared
ledger: it stocks what the request takes and, for routes acting on one thing (a reservation, a
job, a token), makes a new target for each case through ``fresh_path``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from ordersync.contract import (
    MAX_QUANTITY,
    CountIn,
    CountSchedule,
    CustomerReturn,
    DeliveryReceipt,
    DeviceHeartbeat,
    DispositionMove,
    InboundDeliveryCancel,
    InboundDeliveryCreate,
    ItemsUpsert,
    JobTransition,
    LineRejection,
    LocationsUpsert,
    MovementBatch,
    OfferClaim,
    OperationsPush,
    OrderCreate,
    ReplenishmentTransfer,
    ReservationCommit,
    ReservationCreate,
    ReservationRelease,
    SafetyStockSet,
    SaleVoid,
    SupplierIn,
    SupplierStock,
    TokenCreate,
    TransferArrival,
    TransferCancel,
    TransferRequest,
    TransferShipment,
    WriteOff,
)
from tests.support.api_routes import Sample
from tests.support.ledger_api import OFFERED_REFERENCE, Ledger, new_op_id


def stocked(ledger: Ledger) -> None:
    """Plenty of S1 and S2 at A, with a record routing trusts, whatever earlier tests on the
    shared ledger did (a short pick leaves the position suspect until it is counted)."""
    for sku in ("S1", "S2"):
        found = ledger.position("A", sku)
        if found is None or found["available"] < 100_000:
            ledger.receive(sku, "A", 1_000_000)
        found = ledger.position("A", sku)
        if found is not None and found["suspect"]:
            on_sale = min(found["on_hand"] - found["unavailable"], MAX_QUANTITY)
            count = {
                "op_id": new_op_id(),
                "sku": sku,
                "location": "A",
                "counted": on_sale,
                "as_of_seq": ledger.head(),
            }
            reply = ledger.send("POST", "/v1/counts", count)
            assert reply.status_code == 201, reply.text


def movements(ledger: Ledger) -> Sample:
    return Sample(
        body={
            "op_id": new_op_id(),
            "occurred_at": "2026-03-02T08:30:00+01:00",
            "lines": [
                {"kind": "receipt", "sku": "S1", "location": "A", "qty": 5},
                {"kind": "sale", "sku": "S1", "location": "A", "qty": 1},
                {"kind": "return", "sku": "S1", "location": "A", "qty": 1},
                {"kind": "adjustment", "sku": "S2", "location": "A", "delta": 2, "reason": "found"},
                {
                    "kind": "transfer",
                    "sku": "S1",
                    "from_location": "A",
                    "to_location": "B",
                    "qty": 1,
                },
            ],
        },
        model=MovementBatch,
    )


def _reserve_body() -> dict[str, Any]:
    return {
        "op_id": new_op_id(),
        "lines": [{"sku": "S1", "location": "A", "qty": 1}],
        "ttl_seconds": 600,
        "order_ref": "WEB-1",
    }


def reservations(ledger: Ledger) -> Sample:
    stocked(ledger)
    return Sample(body=_reserve_body(), model=ReservationCreate)


def _new_reservation(ledger: Ledger) -> Callable[[], dict[str, str]]:
    def make() -> dict[str, str]:
        return {"reservation_id": ledger.reserve("S1", "A", 1)}

    return make


def commit(ledger: Ledger) -> Sample:
    stocked(ledger)
    make = _new_reservation(ledger)
    return Sample(
        path_params=make(),
        body={
            "op_id": new_op_id(),
            "lines": [{"sku": "S1", "location": "A", "qty": 1}],
            "movement": "sale",
        },
        model=ReservationCommit,
        fresh_path=make,
    )


def release(ledger: Ledger) -> Sample:
    stocked(ledger)
    make = _new_reservation(ledger)
    return Sample(
        path_params=make(), body={"op_id": new_op_id()}, model=ReservationRelease, fresh_path=make
    )


def counts(ledger: Ledger) -> Sample:
    stocked(ledger)
    return Sample(
        body={
            "op_id": new_op_id(),
            "sku": "S1",
            "location": "A",
            "counted": 7,
            "as_of_seq": ledger.head(),
        },
        model=CountIn,
    )


def safety_stock(ledger: Ledger) -> Sample:
    return Sample(
        path_params={"location": "A", "sku": "S1"},
        body={"op_id": new_op_id(), "safety_stock": 2},
        model=SafetyStockSet,
    )


def ops(ledger: Ledger) -> Sample:
    stocked(ledger)
    held, released = new_op_id(), new_op_id()
    return Sample(
        body={
            "ops": [
                {
                    "op": "movements",
                    "op_id": new_op_id(),
                    "occurred_at": "2026-03-02T10:15:00Z",
                    "lines": [
                        {"kind": "receipt", "sku": "S1", "location": "A", "qty": 3},
                        {
                            "kind": "adjustment",
                            "sku": "S2",
                            "location": "A",
                            "delta": -1,
                            "reason": "damaged",
                        },
                    ],
                },
                {
                    "op": "reserve",
                    "op_id": held,
                    "lines": [{"sku": "S1", "location": "A", "qty": 1}],
                    "ttl_seconds": 60,
                    "order_ref": "WEB-2",
                },
                {
                    "op": "commit",
                    "op_id": new_op_id(),
                    "reservation_id": held,
                    "lines": [{"sku": "S1", "location": "A", "qty": 1}],
                    "movement": "shipment",
                },
                {
                    "op": "reserve",
                    "op_id": released,
                    "lines": [{"sku": "S2", "location": "A", "qty": 1}],
                },
                {"op": "release", "op_id": new_op_id(), "reservation_id": released},
                {
                    "op": "count",
                    "op_id": new_op_id(),
                    "sku": "S2",
                    "location": "A",
                    "counted": 4,
                    "as_of_seq": ledger.head(),
                },
            ]
        },
        model=OperationsPush,
    )


def items(ledger: Ledger) -> Sample:
    return Sample(
        body={
            "items": [
                {
                    "sku": "S9",
                    "reference": "REF-9",
                    "name": "Balconnet",
                    "size": "85B",
                    "size_row": "85",
                    "size_column": "B",
                    "colour": "noir",
                    "gtins": ["4006381333931"],
                    "price_minor": 4990,
                    "currency": "EUR",
                }
            ]
        },
        model=ItemsUpsert,
    )


def locations(ledger: Ledger) -> Sample:
    return Sample(
        body={
            "locations": [
                {
                    "code": "C",
                    "kind": "store",
                    "name": "Store C",
                    "timezone": "Europe/Paris",
                    "latitude": 43.3,
                    "longitude": 5.37,
                    "fulfils_web_orders": True,
                    "daily_job_capacity": 10,
                    "default_safety_stock": 1,
                }
            ]
        },
        model=LocationsUpsert,
    )


def tokens(ledger: Ledger) -> Sample:
    return Sample(
        body={"location": "B", "role": "associate", "device": "till-2"}, model=TokenCreate
    )


def token_delete(ledger: Ledger) -> Sample:
    def make() -> dict[str, str]:
        reply = ledger.send("POST", "/v1/tokens", {"location": "B", "role": "associate"})
        assert reply.status_code == 201, reply.text
        return {"token_id": str(reply.json()["token_id"])}

    return Sample(path_params=make(), fresh_path=make)


def _order_body() -> dict[str, Any]:
    return {
        "op_id": new_op_id(),
        "channel": "web",
        "external_ref": "WEB-7",
        "lines": [{"sku": "S1", "qty": 1}],
        "customer": {"name": "Camille Martin", "email": "camille@example.org", "phone": "0601"},
        "delivery": {
            "kind": "home",
            "address": "1 rue de Rivoli, Paris",
            "latitude": 48.85,
            "longitude": 2.35,
        },
    }


def new_job(ledger: Ledger) -> Callable[[], dict[str, str]]:
    """A maker of web orders with one job at A; each call places one and returns its ids."""

    def make() -> dict[str, str]:
        stocked(ledger)
        _unlimited_capacity(ledger)
        reply = ledger.send("POST", "/v1/orders", _order_body())
        assert reply.status_code == 201, reply.text
        return {"job_id": reply.json()["jobs"][0]["id"], "order_id": reply.json()["id"]}

    return make


def _unlimited_capacity(ledger: Ledger) -> None:
    """Store A takes every job the shared ledger's tests route to it today."""
    reply = ledger.send(
        "PUT",
        "/v1/locations",
        {
            "locations": [
                {
                    "code": "A",
                    "kind": "store",
                    "name": "Store A",
                    "timezone": "Europe/Paris",
                    "latitude": 48.85,
                    "longitude": 2.35,
                    "daily_job_capacity": 100_000,
                }
            ]
        },
    )
    assert reply.status_code == 200, reply.text


def orders(ledger: Ledger) -> Sample:
    stocked(ledger)
    _unlimited_capacity(ledger)
    return Sample(body=_order_body(), model=OrderCreate)


def job_transition(ledger: Ledger) -> Sample:
    make = new_job(ledger)

    def fresh() -> dict[str, str]:
        return {"job_id": make()["job_id"]}

    return Sample(
        path_params=fresh(),
        body={"op_id": new_op_id(), "to": "picking"},
        model=JobTransition,
        fresh_path=fresh,
    )


def job_reject(ledger: Ledger) -> Sample:
    make = new_job(ledger)

    def fresh() -> dict[str, str]:
        return {"job_id": make()["job_id"], "line_no": "1"}

    return Sample(
        path_params=fresh(),
        body={"op_id": new_op_id(), "reason": "not_found", "note": "empty hook"},
        model=LineRejection,
        fresh_path=fresh,
    )


def new_offer(ledger: Ledger) -> Callable[[], dict[str, str]]:
    """A maker of web orders offered to stores A and B at once (the shared ledger's policy offers
    items of ``OFFERED_REFERENCE``); each call places one and returns its offer's id."""
    sku = ledger.new_sku(OFFERED_REFERENCE)
    for store in ("A", "B"):
        ledger.receive(sku, store, 1_000)

    def make() -> dict[str, str]:
        _unlimited_capacity(ledger)
        body = {**_order_body(), "lines": [{"sku": sku, "qty": 1}]}
        reply = ledger.send("POST", "/v1/orders", body)
        assert reply.status_code == 201, reply.text
        [record] = ledger.send("GET", f"/v1/orders/{reply.json()['id']}/routing").json()
        return {"offer_id": record["explanation"]["offers"][0]["offer_id"]}

    return make


def offer_claim(ledger: Ledger) -> Sample:
    make = new_offer(ledger)
    return Sample(
        path_params=make(),
        body={"op_id": new_op_id()},
        model=OfferClaim,
        fresh_path=make,
    )


def heartbeat(ledger: Ledger) -> Sample:
    return Sample(
        body={
            "pending_ops": 2,
            "needs_attention": 1,
            "oldest_pending_at": "2026-03-02T09:55:00+01:00",
            "app_version": "0.1.0",
        },
        model=DeviceHeartbeat,
    )


def replenishment_transfer(ledger: Ledger) -> Sample:
    """A SKU of its own selling at A (received three days ago, half sold yesterday), so A has a
    line to replenish: the valid sample requests it from WH."""
    sku = ledger.new_sku()
    now = ledger.clock.now()
    for when, kind, qty in (
        (now - timedelta(days=3), "receipt", 10),
        (now - timedelta(days=1), "sale", 5),
    ):
        line = {"kind": kind, "sku": sku, "location": "A", "qty": qty}
        body = {"op_id": new_op_id(), "occurred_at": when.isoformat(), "lines": [line]}
        reply = ledger.send("POST", "/v1/movements", body)
        assert reply.status_code == 201, reply.text
    return Sample(
        path_params={"code": "A"},
        body={"op_id": new_op_id(), "from_location": "WH", "skus": [sku]},
        model=ReplenishmentTransfer,
    )


def count_schedule(ledger: Ledger) -> Sample:
    stocked(ledger)
    return Sample(body={"location": "A", "limit": 5}, model=CountSchedule)


SAMPLE_SUPPLIER = "LISE-CHARMEL"


def supplier_put(ledger: Ledger) -> Sample:
    return Sample(
        path_params={"code": SAMPLE_SUPPLIER}, body={"name": "Lise Charmel"}, model=SupplierIn
    )


def supplier_stock(ledger: Ledger) -> Sample:
    """The drop-ship supplier of the sample's code (a location of kind ``supplier``, made here)
    stating it holds no S1: it changes no stock other tests of the shared ledger read."""
    supplier = {
        "code": SAMPLE_SUPPLIER,
        "kind": "supplier",
        "name": "Lise Charmel",
        "timezone": "Europe/Paris",
        "latitude": 48.85,
        "longitude": 2.35,
        "lead_time_days": 3,
    }
    reply = ledger.send("PUT", "/v1/locations", {"locations": [supplier]})
    assert reply.status_code == 200, reply.text
    return Sample(
        path_params={"code": SAMPLE_SUPPLIER},
        body={"op_id": new_op_id(), "lines": [{"sku": "S1", "on_hand": 0}]},
        model=SupplierStock,
    )


def _announcement() -> dict[str, Any]:
    op_id = new_op_id()
    return {
        "op_id": op_id,
        "reference": f"PO-{op_id[-12:]}",
        "kind": "purchase_order",
        "source_kind": "supplier",
        "source": SAMPLE_SUPPLIER,
        "destination": "A",
        "expected_from": "2026-03-05T08:00:00+01:00",
        "expected_until": "2026-03-05T12:00:00+01:00",
        "lines": [{"sku": "S1", "qty": 4}, {"sku": "S2", "qty": 2}],
    }


def new_delivery(ledger: Ledger) -> str:
    """An expected delivery to A, announced by the admin; returns its id."""
    reply = ledger.send("PUT", f"/v1/suppliers/{SAMPLE_SUPPLIER}", {"name": "Lise Charmel"})
    assert reply.status_code == 200, reply.text
    reply = ledger.send("POST", "/v1/deliveries", _announcement())
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


def delivery_announce(ledger: Ledger) -> Sample:
    new_delivery(ledger)
    return Sample(body=_announcement(), model=InboundDeliveryCreate)


def delivery_receipt(ledger: Ledger) -> Sample:
    """A delivery received blind at A: every case reaches the ledger's checks, none is a second
    receipt of the same delivery."""
    return Sample(
        body={
            "op_id": new_op_id(),
            "location": "A",
            "occurred_at": "2026-03-02T10:15:00+01:00",
            "source_kind": "supplier",
            "source": SAMPLE_SUPPLIER,
            "reference": "BL-2026-0042",
            "lines": [
                {"sku": "S1", "qty": 2},
                {"sku": "S2", "qty": 1, "reason": "damaged"},
            ],
        },
        model=DeliveryReceipt,
    )


def delivery_cancel(ledger: Ledger) -> Sample:
    def make() -> dict[str, str]:
        return {"delivery_id": new_delivery(ledger)}

    return Sample(
        path_params=make(),
        body={"op_id": new_op_id(), "reason": "supplier out of stock"},
        model=InboundDeliveryCancel,
        fresh_path=make,
    )


# --- transfers -------------------------------------------------------------------------------


def new_transfer(ledger: Ledger, *, sent: bool = False) -> Callable[[], dict[str, str]]:
    """A maker of transfers of one S1 from A to B, requested (or sent too); each call makes
    one and returns its id as a path parameter."""

    def make() -> dict[str, str]:
        stocked(ledger)
        transfer_id = new_op_id()
        body = {
            "op_id": transfer_id,
            "from_location": "A",
            "to_location": "B",
            "lines": [{"sku": "S1", "qty": 1}],
        }
        reply = ledger.send("POST", "/v1/transfers", body)
        assert reply.status_code == 201, reply.text
        if sent:
            shipment = {"op_id": new_op_id(), "lines": [{"sku": "S1", "qty": 1}]}
            reply = ledger.send("POST", f"/v1/transfers/{transfer_id}/send", shipment)
            assert reply.status_code == 200, reply.text
        return {"transfer_id": transfer_id}

    return make


def transfer_request(ledger: Ledger) -> Sample:
    return Sample(
        body={
            "op_id": new_op_id(),
            "from_location": "A",
            "to_location": "B",
            "lines": [{"sku": "S1", "qty": 2}, {"sku": "S2", "qty": 1}],
            "origin": "rebalancing",
            "note": "size run for the window",
        },
        model=TransferRequest,
    )


def transfer_send(ledger: Ledger) -> Sample:
    make = new_transfer(ledger)
    return Sample(
        path_params=make(),
        body={
            "op_id": new_op_id(),
            "lines": [{"sku": "S1", "qty": 1, "reason": "other"}],
            "occurred_at": "2026-03-02T10:15:00+01:00",
        },
        model=TransferShipment,
        fresh_path=make,
    )


def transfer_receive(ledger: Ledger) -> Sample:
    make = new_transfer(ledger, sent=True)
    return Sample(
        path_params=make(),
        body={
            "op_id": new_op_id(),
            "lines": [{"sku": "S1", "qty": 1, "reason": "damaged"}],
            "occurred_at": "2026-03-03T09:30:00+01:00",
        },
        model=TransferArrival,
        fresh_path=make,
    )


def transfer_cancel(ledger: Ledger) -> Sample:
    make = new_transfer(ledger)
    return Sample(
        path_params=make(),
        body={"op_id": new_op_id(), "reason": "found the units in the back room"},
        model=TransferCancel,
        fresh_path=make,
    )


# --- dispositions and write-offs -------------------------------------------------------------


def disposition_move(ledger: Ledger) -> Sample:
    stocked(ledger)
    return Sample(
        body={
            "op_id": new_op_id(),
            "location": "A",
            "lines": [
                {"sku": "S1", "qty": 2, "to_disposition": "damaged"},
                {"sku": "S1", "qty": 1, "from_disposition": "damaged", "to_disposition": "display"},
            ],
            "reason": "torn seam",
            "occurred_at": "2026-03-02T10:15:00+01:00",
        },
        model=DispositionMove,
    )


def write_off(ledger: Ledger) -> Sample:
    """Writes off one damaged S1 at A, set aside here first."""
    stocked(ledger)
    set_aside = {
        "op_id": new_op_id(),
        "location": "A",
        "lines": [{"sku": "S1", "qty": 1, "to_disposition": "damaged"}],
    }
    reply = ledger.send("POST", "/v1/dispositions", set_aside)
    assert reply.status_code == 201, reply.text
    return Sample(
        body={
            "op_id": new_op_id(),
            "location": "A",
            "lines": [{"sku": "S1", "qty": 1, "disposition": "damaged"}],
            "reason": "beyond repair",
            "occurred_at": "2026-03-02T10:15:00+01:00",
        },
        model=WriteOff,
    )


# --- customer returns and voided sales -------------------------------------------------------


def new_return(ledger: Ledger) -> str:
    """A return of one S1 at A, without a receipt; returns its id."""
    return_id = new_op_id()
    line = {"sku": "S1", "qty": 1, "reason": "changed_mind"}
    body = {"op_id": return_id, "location": "A", "lines": [line]}
    reply = ledger.send("POST", "/v1/returns", body)
    assert reply.status_code == 201, reply.text
    return return_id


def customer_return(ledger: Ledger) -> Sample:
    """A return at A of a web order's line (one S1, back on sale) and of an S2 it never had
    (set aside as damaged): every case reaches the matching and the checks."""
    order_id = new_job(ledger)()["order_id"]
    return Sample(
        body={
            "op_id": new_op_id(),
            "location": "A",
            "order_id": order_id,
            "occurred_at": "2026-03-02T10:15:00+01:00",
            "lines": [
                {"sku": "S1", "qty": 1, "reason": "wrong_size", "order_line_no": 1},
                {"sku": "S2", "qty": 1, "reason": "faulty", "disposition": "damaged"},
            ],
        },
        model=CustomerReturn,
    )


def sale_void(ledger: Ledger) -> Sample:
    """The void of a counter sale of one S1 at A, made by the same device: the first case
    voids it, and every later one finds it voided."""
    stocked(ledger)
    sale_op_id = new_op_id()
    line = {"kind": "sale", "sku": "S1", "location": "A", "qty": 1}
    reply = ledger.send("POST", "/v1/movements", {"op_id": sale_op_id, "lines": [line]})
    assert reply.status_code == 201, reply.text
    return Sample(
        body={"op_id": new_op_id(), "sale_op_id": sale_op_id, "reason": "rang up twice"},
        model=SaleVoid,
    )

"""Carrier labels against the real ledger in process: a shipped web order gets one label per
parcel, a 4x6 in PDF whose Code 128 bars decode back to the tracking number and whose text names
sender, recipient, order, job, parcel n of N, weight and carrier; the same job gives the same
bytes; ZPL for thermal printers; refused with a reason when the job cannot have a label; and the
``storeapp pack``, ``ship`` and ``label`` commands."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from reportlab.graphics.barcode.code128 import _patterns

from ordersync.clock import ManualClock
from ordersync.contract import Role, ShipTo, uuid7
from storeapp.config import StoreSettings
from storeapp.context import StoreContext, open_store
from storeapp.services.labels.pdf import BAR_HEIGHT, PAGE
from storeapp.services.labels.printing import CarrierLabels, LabelRefusal, LabelRefused
from storeapp.services.labels.template import Shipment, Store, label_of
from storeapp.services.labels.zpl import escape, render_zpl
from storeapp.wording.labels import label_words
from tests.support.cli import Shell, set_up
from tests.support.ledger_harness import Network
from tests.support.store import gtin_of, job_here, receive, web_order

TRACKING = "6A12345678901"
HOME = {
    "kind": "home",
    "address": "12 rue de la Paix\nBâtiment B",
    "latitude": 48.87,
    "longitude": 2.33,
    "postal_code": "75002",
    "city": "Paris",
}


# --- reading a label back ---------------------------------------------------------------------


def page_text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def bars(pdf: bytes) -> list[tuple[float, float]]:
    """The barcode's bars, left to right, as (x, width) in the barcode's own coordinates: the
    rectangles of the page as tall as the bars (nothing else on a label is)."""
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents()
    assert content is not None
    stream = content.get_data().decode("latin-1")
    number = r"(-?[\d.]+)"
    found = [
        (float(x), float(w))
        for x, _y, w, h in re.findall(rf"{number} {number} {number} {number} re", stream)
        if abs(float(h) - BAR_HEIGHT) < 1e-6
    ]
    return sorted(found)


def decode_code128(found: list[tuple[float, float]]) -> str:
    """Read Code 128 back from bar positions: widths in modules, six elements a symbol, each
    symbol's value from the standard pattern table, the check symbol verified; code sets B and
    C (what a tracking number uses)."""
    module = min(width for _, width in found)
    elements: list[int] = []
    for index, (x, width) in enumerate(found):
        if index:
            previous_x, previous_width = found[index - 1]
            elements.append(round((x - previous_x - previous_width) / module))
        elements.append(round(width / module))
    letters = "ABCD"
    by_pattern = {pattern: value for value, pattern in _patterns.items() if isinstance(value, int)}
    assert _patterns[106] == "".join(
        (letters[w - 1] if i % 2 == 0 else letters[w - 1].lower())
        for i, w in enumerate(elements[-7:])
    )  # the stop symbol: six elements and a last bar
    symbols = []
    for start in range(0, len(elements) - 7, 6):
        widths = elements[start : start + 6]
        pattern = "".join(
            (letters[w - 1] if i % 2 == 0 else letters[w - 1].lower()) for i, w in enumerate(widths)
        )
        symbols.append(by_pattern[pattern])
    start_code, *data, check = symbols
    assert start_code in (103, 104, 105)
    assert (start_code + sum(i * v for i, v in enumerate(data, 1))) % 103 == check
    text, code_set = "", {104: "B", 105: "C"}.get(start_code, "A")
    for value in data:
        if value == 99:
            code_set = "C"
        elif value == 100:
            code_set = "B"
        elif code_set == "C":
            text += f"{value:02d}"
        else:
            text += chr(value + 32)
    return text


# --- a shipped job on a real terminal ---------------------------------------------------------


def shipped_job(
    ledger: TestClient,
    network: Network,
    store: StoreContext,
    *,
    parcels: int = 1,
    delivery: dict[str, Any] | None = None,
) -> str:
    receive(ledger, network, "S1", "A", 3)
    reply = ledger.post(
        "/v1/orders",
        json={
            "op_id": str(uuid7()),
            "channel": "web",
            "lines": [{"sku": "S1", "qty": 1}],
            "customer": {"name": "Camille Martin"},
            "delivery": delivery or HOME,
        },
        headers=network.headers("WH", Role.ADMIN),
    )
    assert reply.status_code == 201, reply.text
    job_id = job_here(reply.json())
    assert store.sync.sync_once().online
    picking = store.picking
    picking.start(job_id)
    picking.scan(job_id, gtin_of(store, "S1"))
    picking.mark_picked(job_id)
    picking.pack(job_id, parcels, 1280)
    picking.ship(job_id, TRACKING)
    return job_id


def test_a_shipped_job_gets_a_4x6_label_whose_barcode_reads_the_tracking_number(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    job_id = shipped_job(ledger, network, store)
    written = store.labels.write(job_id, label_words())
    [path] = written.paths
    assert path == store.settings.labels_path / f"{job_id}-parcel-1-of-1.pdf"
    pdf = path.read_bytes()
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == PAGE == (288.0, 432.0)
    assert decode_code128(bars(pdf)) == TRACKING
    text = page_text(pdf)
    for expected in (
        "Store A",  # the sender: the store's name, and its code for want of an address
        "Camille Martin",
        "12 rue de la Paix",
        "Bâtiment B",
        "75002 Paris",
        job_id,
        "Parcel 1 of 1",
        "Weight 1,280 g",
        TRACKING,
    ):
        assert expected in text, (expected, text)
    order_id = next(j for j in [store.picking.job(job_id)] if j is not None).order_id
    assert order_id in text


def test_the_same_job_gives_the_same_bytes_and_a_label_per_parcel(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    job_id = shipped_job(ledger, network, store, parcels=2)
    first = store.labels.write(job_id, label_words())
    assert [p.name for p in first.paths] == [
        f"{job_id}-parcel-1-of-2.pdf",
        f"{job_id}-parcel-2-of-2.pdf",
    ]
    before = [p.read_bytes() for p in first.paths]
    again = store.labels.write(job_id, label_words())  # a reprint
    assert [p.read_bytes() for p in again.paths] == before
    assert before[0] != before[1]
    assert "Parcel 2 of 2" in page_text(before[1])
    assert "Weight 1,280 g (all 2 parcels)" in page_text(before[1])
    assert decode_code128(bars(before[1])) == TRACKING
    assert not list(store.settings.labels_path.glob(".*.tmp"))


def test_labels_as_zpl_for_a_thermal_printer(
    ledger: TestClient, network: Network, store: StoreContext, tmp_path: Path
) -> None:
    job_id = shipped_job(ledger, network, store)
    labels = CarrierLabels(
        store.engine, "A", tmp_path / "zpl", file_format="zpl", carrier="Colissimo"
    )
    [path] = labels.write(job_id, label_words()).paths
    assert path.name == f"{job_id}-parcel-1-of-1.zpl"
    zpl = path.read_text(encoding="utf-8")
    assert zpl.startswith("^XA\n^CI28\n^PW812\n^LL1218")
    assert zpl.rstrip().endswith("^XZ")
    assert re.search(rf"\^BCN,200,Y,N,N,A\^FH\^FD{TRACKING}\^FS", zpl)
    assert "^FDColissimo^FS" in zpl
    assert "^FD75002 Paris^FS" in zpl


def test_zpl_text_cannot_end_a_field_or_start_a_command() -> None:
    assert escape("A^FS~JR_1") == "A_5EFS_7EJR_5F1"
    shipment = Shipment(
        job_id="J",
        order_id="O",
        customer_name="x",
        ship_to=ShipTo(name="Ann ^XZ", address="1 ~ rue", postal_code="75001", city="Paris"),
        destination=None,
        parcels=1,
        weight_grams=None,
        tracking="AB^C",
    )
    label = label_of(shipment, Store("A", "Store A"), 1, "", label_words())
    zpl = render_zpl(label).decode()
    assert zpl.count("^XZ") == 1
    assert "^FDAnn _5EXZ^FS" in zpl
    assert "^FDAB_5EC^FS" in zpl


def test_a_parcel_to_a_collection_store_is_addressed_to_that_store() -> None:
    shipment = Shipment(
        job_id="J",
        order_id="O",
        customer_name="Camille Martin",
        ship_to=None,
        destination=Store("B", "Store B"),
        parcels=1,
        weight_grams=500,
        tracking="X1",
    )
    label = label_of(shipment, Store("A", "Store A"), 1, "Colissimo", label_words())
    assert label.recipient == ("Camille Martin", "To collect at Store B (B)")
    assert label.sender == ("Store A", "A")
    assert label.carrier == "Colissimo"


def test_no_label_before_the_tracking_number_or_for_an_unknown_job(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 3)
    job_id = job_here(web_order(ledger, network, [("S1", 1)]))
    assert store.sync.sync_once().online
    with pytest.raises(LabelRefused) as refused:
        store.labels.write(job_id, label_words())
    assert refused.value.code is LabelRefusal.NOT_SHIPPED
    assert refused.value.facts["state"] == "assigned"
    with pytest.raises(LabelRefused) as unknown:
        store.labels.write(str(uuid7()), label_words())
    assert unknown.value.code is LabelRefusal.UNKNOWN_JOB
    assert not store.settings.labels_path.exists()


def test_a_job_the_feed_gave_no_address_is_refused_with_that_reason(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    job_id = shipped_job(ledger, network, store)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM job_ship_to")  # as from an older ledger
    with pytest.raises(LabelRefused) as refused:
        store.labels.write(job_id, label_words())
    assert refused.value.code is LabelRefusal.NO_ADDRESS


# --- the commands -----------------------------------------------------------------------------


def test_pack_ship_and_label_from_the_command_line(
    sh: Shell, ledger: TestClient, network: Network, home: Path, clock: ManualClock
) -> None:
    assert set_up(sh, network).code == 0
    receive(ledger, network, "S1", "A", 3)
    reply = ledger.post(
        "/v1/orders",
        json={
            "op_id": str(uuid7()),
            "channel": "web",
            "lines": [{"sku": "S1", "qty": 1}],
            "customer": {"name": "Camille Martin"},
            "delivery": HOME,
        },
        headers=network.headers("WH", Role.ADMIN),
    )
    job_id = job_here(reply.json())
    assert sh("sync", "--once").code == 0
    early = sh("label", job_id[:8])
    assert early.code == 1
    assert "A label needs the tracking number: ship the job first (it is assigned)." in early.err

    with_store = open_store(StoreSettings(), now=clock.now, transport=ledger._transport)
    try:
        with_store.picking.start(job_id)
        with_store.picking.scan(job_id, gtin_of(with_store, "S1"))
        with_store.picking.mark_picked(job_id)
    finally:
        with_store.close()

    packed = sh("pack", job_id[:8], "--parcels", "2", "--weight", "900")
    assert packed.code == 0, packed
    assert "Recorded: packed." in packed.out
    shipped = sh("ship", job_id[:8], TRACKING)
    assert shipped.code == 0, shipped
    assert "Recorded: shipped." in shipped.out
    paths = [line for line in shipped.out.splitlines() if line.endswith(".pdf")]
    assert [Path(p).name for p in paths] == [
        f"{job_id}-parcel-1-of-2.pdf",
        f"{job_id}-parcel-2-of-2.pdf",
    ]
    assert all(Path(p).is_file() for p in paths)
    assert "Labels to print, one per parcel (2):" in shipped.out

    reprint = sh("label", job_id[:8])
    assert reprint.code == 0
    assert [line for line in reprint.out.splitlines() if line.endswith(".pdf")] == paths
    assert sh("sync", "--once").code == 0
    state = ledger.get(f"/v1/jobs/{job_id}", headers=network.headers("A")).json()
    assert (state["state"], state["tracking"], state["parcels"]) == ("shipped", TRACKING, 2)

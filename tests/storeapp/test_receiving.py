"""Receiving at the store against the real ledger in process: what the store expects comes
through the feed; a receipt is scanned into a draft kept in the cache, and closing it is one
outbox entry (with the person) and its local effect; offline it waits, and once synced the
ledger holds the units and the discrepancies the store gave. A document received twice is
refused here, and by the ledger when two terminals did it."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.contract import DiscrepancyReason
from storeapp import cli
from storeapp.cache import outbox
from storeapp.cache.engine import open_cache_engine
from storeapp.context import StoreContext
from storeapp.services.motion_sheets import Mark, MotionRefusal, MotionRefused
from tests.support.cli import Shell, set_up
from tests.support.ledger_harness import Network
from tests.support.staff import ANNE, give_staff
from tests.support.store import Cable, gtin_of, on_hand, open_terminal, receive, sync_terminal
from tests.support.store_motion import announce, ledger_delivery, receiving_desk

UNKNOWN_GTIN = "4006381333931"
"""A valid GTIN-13 no item of the test catalog carries."""


@pytest.fixture
def cable(ledger: TestClient) -> Cable:
    return Cable(ledger._transport)


@pytest.fixture
def till(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, cable: Cable
) -> Iterator[StoreContext]:
    """Store A with 2 of S1 on its shelf; the warehouse announced DN-1 (4 x S1, 3 x S2, in two
    days) and DN-2 (1 x S3, tomorrow)."""
    receive(ledger, network, "S1", "A", 2)
    announce(ledger, network, "DN-1", [("S1", 4), ("S2", 3)], number=1, in_hours=48)
    announce(ledger, network, "DN-2", [("S3", 1)], number=2, in_hours=24)
    context = open_terminal(ledger, network, tmp_path / "till", clock, cable=cable)
    sync_terminal(context)
    yield context
    context.close()


def shown_on_hand(store: StoreContext, sku: str) -> int:
    view = store.lookup.item_view(sku, live=False)
    assert view is not None
    return view.own.on_hand


def refused(action: object) -> MotionRefused:
    assert callable(action)
    with pytest.raises(MotionRefused) as caught:
        action()
    return caught.value


def test_the_store_lists_what_it_expects_soonest_first(till: StoreContext) -> None:
    expected = receiving_desk(till).expected()
    assert [(d.kind, d.reference, d.state) for d in expected] == [
        ("delivery", "DN-2", "expected"),
        ("delivery", "DN-1", "expected"),
    ]
    first = expected[1]
    assert [(line.sku, line.expected) for line in first.lines] == [("S1", 4), ("S2", 3)]
    assert first.expected_from is not None
    assert first.expected_until is not None
    assert first.expected_until - first.expected_from == timedelta(hours=4)


def test_scans_over_under_and_unexpected_are_marked_and_closing_writes_one_outbox_entry(
    till: StoreContext,
) -> None:
    desk = receiving_desk(till, person=lambda: "ANNE")
    sheet = desk.open("DN-1")
    for _ in range(5):
        desk.scan(sheet.draft_id, gtin_of(till, "S1"))
    desk.set_quantity(sheet.draft_id, "S2", 1)
    _, line = desk.scan(sheet.draft_id, "S3")
    assert (line.expected, line.counted, line.mark) == (None, 1, Mark.UNEXPECTED)
    sheet = desk.set_reason(sheet.draft_id, "S2", DiscrepancyReason.DAMAGED)
    assert [(x.sku, x.expected, x.counted, x.mark) for x in sheet.lines] == [
        ("S1", 4, 5, Mark.OVER),
        ("S2", 3, 1, Mark.UNDER),
        ("S3", None, 1, Mark.UNEXPECTED),
    ]

    closed = desk.close(sheet.draft_id)

    assert (closed.units, len(closed.discrepancies)) == (7, 3)
    [entry] = outbox.pending(till.engine, limit=10)
    assert entry.kind == "receive_delivery"
    payload = entry.payload
    assert payload["person"] == "ANNE"
    assert closed.document is not None
    assert payload["delivery_id"] == closed.document.id
    assert payload["location"] == "A"
    assert payload["lines"] == [
        {"sku": "S1", "qty": 5, "reason": "extra"},
        {"sku": "S2", "qty": 1, "reason": "damaged"},
        {"sku": "S3", "qty": 1, "reason": "wrong_item"},
    ]
    assert shown_on_hand(till, "S1") == 2 + 5
    assert shown_on_hand(till, "S3") == 1
    assert [d.reference for d in desk.expected()] == ["DN-2"]
    assert desk.open_drafts() == []


def test_an_unknown_or_invalid_barcode_records_nothing(till: StoreContext) -> None:
    desk = receiving_desk(till)
    sheet = desk.open("DN-2")
    unknown = refused(lambda: desk.scan(sheet.draft_id, UNKNOWN_GTIN))
    assert unknown.code is MotionRefusal.UNKNOWN_BARCODE
    invalid = refused(lambda: desk.scan(sheet.draft_id, "4006381333932"))
    assert invalid.code is MotionRefusal.INVALID_BARCODE
    assert desk.sheet(sheet.draft_id).counted == 0


def test_a_document_received_here_is_refused_a_second_time(till: StoreContext) -> None:
    desk = receiving_desk(till)
    desk.receive_now("DN-2", [("S3", 1)])
    again = refused(lambda: desk.open("DN-2"))
    assert again.code is MotionRefusal.ALREADY_RECEIVED
    assert again.facts["unconfirmed"] is True
    assert len(outbox.pending(till.engine, limit=10)) == 1


def test_a_document_is_found_by_reference_or_the_start_of_its_id(till: StoreContext) -> None:
    desk = receiving_desk(till)
    dn1 = desk.find("dn-1")
    assert desk.find(dn1.id).reference == "DN-1"
    assert desk.find(dn1.id[-8:].upper()).reference == "DN-1"
    assert refused(lambda: desk.find("01900000")).code is MotionRefusal.AMBIGUOUS
    assert refused(lambda: desk.find("nope")).code is MotionRefusal.NO_DOCUMENT


def test_the_draft_survives_a_restart_between_scan_and_close(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, till: StoreContext
) -> None:
    desk = receiving_desk(till)
    sheet = desk.open("DN-1")
    desk.scan(sheet.draft_id, "S1")
    desk.scan(sheet.draft_id, "S1")
    till.close()  # the terminal stops before the receipt is closed

    again = open_terminal(ledger, network, tmp_path / "till", clock)
    try:
        reopened = receiving_desk(again).open("DN-1")
        assert reopened.draft_id == sheet.draft_id
        assert reopened.line("S1") is not None
        assert [(x.sku, x.counted) for x in reopened.lines] == [("S1", 2), ("S2", 0)]
        assert outbox.pending(again.engine, limit=10) == []
    finally:
        again.close()


def test_an_offline_receipt_reaches_the_ledger_once_with_its_discrepancies(
    ledger: TestClient, network: Network, till: StoreContext, cable: Cable, clock: ManualClock
) -> None:
    cable.online = False
    desk = receiving_desk(till)
    closed = desk.receive_now(
        "DN-1", [("S1", 4), ("S2", 2), ("S3", 1)], {"S2": DiscrepancyReason.DAMAGED}
    )
    assert not till.sync.sync_once().online
    assert shown_on_hand(till, "S1") == 6

    cable.online = True
    clock.advance(timedelta(minutes=5))
    report = till.sync.sync_once()
    assert (report.accepted, report.refused) == (1, 0)
    assert closed.document is not None
    assert on_hand(ledger, network, "S1") == 6
    assert on_hand(ledger, network, "S2") == 2
    assert on_hand(ledger, network, "S3") == 1
    delivery = ledger_delivery(ledger, network, closed.document.id)
    assert delivery["state"] == "received"
    assert sorted(
        (d["sku"], d["kind"], d["expected"], d["actual"], d["reason"])
        for d in delivery["discrepancies"]
    ) == [
        ("S2", "under_received", 3, 2, "damaged"),
        ("S3", "unexpected", 0, 1, "wrong_item"),
    ]
    # The feed brought the delivery back received: nothing of this terminal's is laid over it.
    [cached] = [d for d in desk.documents() if d.reference == "DN-1"]
    assert (cached.state, cached.ledger_state, cached.unconfirmed) == ("received", "received", 0)
    assert shown_on_hand(till, "S1") == 6


def test_a_delivery_received_from_two_terminals_lands_in_needs_attention_on_the_second(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, till: StoreContext
) -> None:
    other = open_terminal(ledger, network, tmp_path / "back-office", clock)
    try:
        sync_terminal(other)
        receiving_desk(till).receive_now("DN-2", [("S3", 1)])
        receiving_desk(other, prefix=9).receive_now("DN-2", [("S3", 1)])
        sync_terminal(till)
        report = other.sync.sync_once()
        assert (report.accepted, report.refused) == (0, 1)
        [attention] = outbox.needing_attention(other.engine)
        assert attention.kind == "receive_delivery"
        assert attention.problem is not None
        assert attention.problem["status"] == 409
        assert on_hand(ledger, network, "S3") == 1
        assert shown_on_hand(other, "S3") == 1  # the refused effect is taken back
    finally:
        other.close()


def test_a_blind_receipt_is_recorded_as_unannounced_with_its_source_and_reference(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    desk = receiving_desk(till)
    assert refused(lambda: desk.open_blind("", None)).code is MotionRefusal.NO_SOURCE
    assert refused(lambda: desk.open_blind("acme corp", None)).code is MotionRefusal.BAD_SOURCE
    bad = refused(lambda: desk.open_blind("acme", "BL 7"))
    assert bad.code is MotionRefusal.BAD_REFERENCE
    assert desk.open_drafts() == []
    sheet = desk.open_blind("acme", "BL-7")
    assert refused(lambda: desk.close(sheet.draft_id)).code is MotionRefusal.NOTHING_SCANNED
    desk.scan(sheet.draft_id, gtin_of(till, "S2"), units=3)
    closed = desk.close(sheet.draft_id)
    assert closed.document is None

    [entry] = outbox.pending(till.engine, limit=10)
    payload = entry.payload
    assert "delivery_id" not in payload or payload["delivery_id"] is None
    assert (payload["source_kind"], payload["source"], payload["reference"]) == (
        "supplier",
        "ACME",
        "BL-7",
    )
    assert payload["lines"] == [{"sku": "S2", "qty": 3, "reason": None}]
    sync_terminal(till)
    assert on_hand(ledger, network, "S2") == 3
    with till.engine.connect() as connection:
        kinds = connection.execute(
            text("SELECT kind, reference, state FROM deliveries WHERE source = 'ACME'")
        ).all()
    assert [tuple(row) for row in kinds] == [("unannounced", "BL-7", "received")]


def test_the_outbox_body_is_the_contract_operation(till: StoreContext) -> None:
    receiving_desk(till).receive_now("DN-2", [("S3", 0)])
    [entry] = outbox.pending(till.engine, limit=10)
    with till.engine.connect() as connection:
        stored = connection.execute(text("SELECT payload FROM outbox")).scalar_one()
    assert json.loads(stored)["op"] == "receive_delivery"
    assert entry.payload["lines"] == [{"sku": "S3", "qty": 0, "reason": "missing"}]
    assert entry.summary.startswith("delivery receipt DN-2")


def test_a_receipt_the_ledger_refused_leaves_the_document_to_receive_again(
    till: StoreContext,
) -> None:
    desk = receiving_desk(till)
    desk.receive_now("DN-2", [("S3", 1)])
    assert refused(lambda: desk.open("DN-2")).code is MotionRefusal.ALREADY_RECEIVED
    entry = outbox.pending(till.engine, limit=10)[0]
    outbox.refuse(till.engine, entry.id, {"status": 403, "title": "forbidden"}, till.now())
    assert [d.reference for d in desk.expected()] == ["DN-2", "DN-1"]
    assert shown_on_hand(till, "S3") == 0


# --- the command line ------------------------------------------------------------------------


def _cli_outbox(home: Path) -> list[dict[str, object]]:
    with sqlite3.connect(home / "store" / "cache.db") as connection:
        rows = connection.execute("SELECT payload FROM outbox ORDER BY id").fetchall()
    return [json.loads(payload) for (payload,) in rows]


@pytest.fixture
def shell(sh: Shell, home: Path, ledger: TestClient, network: Network, clock: ManualClock) -> Shell:
    """A terminal of A set up under ``home`` that expects DN-1 and DN-2; Anne works there."""
    announce(ledger, network, "DN-1", [("S1", 4), ("S2", 3)], number=1, in_hours=48)
    announce(ledger, network, "DN-2", [("S3", 1)], number=2, in_hours=24)
    set_up(sh, network)
    engine = open_cache_engine(home / "store" / "cache.db")
    give_staff(engine, clock.now(), ANNE)
    engine.dispose()
    return sh


def test_receive_list_and_show_need_nobody_signed_in(shell: Shell) -> None:
    listed = shell("receive", "list")
    assert listed.code == cli.EXIT_OK, listed
    assert listed.out.index("DN-2") < listed.out.index("DN-1")
    assert "Expected here (2)" in listed.out
    shown = shell("receive", "show", "dn-1")
    assert shown.code == cli.EXIT_OK, shown
    assert "delivery DN-1" in shown.out
    assert "01900000-d000-7000-8000-000000000001" in shown.out
    missing = shell("receive", "show", "DN-9")
    assert missing.code == cli.EXIT_FAILED
    assert "No delivery or transfer DN-9 here" in missing.err


def test_receive_a_document_by_reference_with_lines_reasons_and_the_person(
    shell: Shell, home: Path, monkeypatch: pytest.MonkeyPatch, ledger: TestClient, network: Network
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(ANNE.pin + "\n"))
    gtin = _gtin(home, "S1")
    result = shell(
        "receive", "DN-1", "--line", f"{gtin}=4", "--line", "S2=1",
        "--reason", "S2=damaged", "--as", "anne", "--pin-stdin",
    )  # fmt: skip
    assert result.code == cli.EXIT_OK, result
    assert "Receipt closed: 5 unit(s), 1 difference(s)." in result.out
    assert "S2: expected 3, counted 1: short (damaged)" in result.out
    [payload] = _cli_outbox(home)
    assert payload["op"] == "receive_delivery"
    assert payload["person"] == "anne"
    assert payload["lines"] == [
        {"sku": "S1", "qty": 4, "reason": None},
        {"sku": "S2", "qty": 1, "reason": "damaged"},
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO(ANNE.pin + "\n"))
    again = shell("receive", "DN-1", "--line", "S1=4", "--as", "anne", "--pin-stdin")
    assert again.code == cli.EXIT_FAILED
    assert "already received on this terminal" in again.err


def test_receive_blind_and_the_usage_errors(shell: Shell, home: Path) -> None:
    blind = shell("receive", "--blind", "--source", "acme", "--reference", "BL-7", "--line", "S3=2")
    assert blind.code == cli.EXIT_USAGE  # Anne must say who she is
    assert "--as CODE" in blind.err
    usage = [
        (("receive",), "say what to receive"),
        (("receive", "DN-1"), "--line SKU=QTY"),
        (("receive", "DN-1", "--line", "S1"), "S1 is not SKU=QTY"),
        (("receive", "DN-1", "--line", "S1=1", "--reason", "S1=lost"), "S1=lost is not SKU=REASON"),
        (("receive", "--blind", "--line", "S1=1"), "needs --source"),
    ]
    for argv, message in usage:
        result = shell(*argv)
        assert result.code == cli.EXIT_USAGE, result
        assert message in result.err
    assert _cli_outbox(home) == []


def test_receive_blind_records_the_source_and_reference(
    shell: Shell, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(ANNE.pin + "\n"))
    blind = shell(
        "receive", "--blind", "--source", "acme", "--reference", "BL-7", "--line", "S3=2",
        "--as", "anne", "--pin-stdin",
    )  # fmt: skip
    assert blind.code == cli.EXIT_OK, blind
    [payload] = _cli_outbox(home)
    assert (payload["source"], payload["reference"], payload["delivery_id"]) == (
        "ACME",
        "BL-7",
        None,
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(ANNE.pin + "\n"))
    unknown = shell("receive", "DN-2", "--line", "4006381333931=1", "--as", "anne", "--pin-stdin")
    assert unknown.code == cli.EXIT_FAILED
    assert "No item carries barcode 4006381333931" in unknown.err
    assert "Nothing was recorded." in unknown.err
    assert len(_cli_outbox(home)) == 1


def _gtin(home: Path, sku: str) -> str:
    with sqlite3.connect(home / "store" / "cache.db") as connection:
        return str(
            connection.execute("SELECT gtin FROM barcodes WHERE sku = ?", (sku,)).fetchone()[0]
        )

"""Delivery imports on both backends: a good file puts units on order at each destination, a bad
line leaves its whole delivery out (wherever its rows are in the file), a bad file is refused
whole, the same file or the same delivery is never announced twice, and an interrupted import
finishes on the next run. Every test ends with the ledger's own check, incoming units included."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ordersync.contract import ChangePage, Role, SupplierIn
from ordersync.db.writer import run_in_transaction
from ordersync.imports import ImportKind, ImportRefused, ImportSummary, import_file
from ordersync.imports import deliveries as deliveries_module
from ordersync.services.suppliers import put_supplier
from ordersync.services.tokens import CLI_ACTOR
from tests.support.imports import assert_consistent, feed_head, query, write_csv
from tests.support.ledger_harness import Network

HEADER = (
    "reference",
    "kind",
    "source_kind",
    "source",
    "destination",
    "expected_from",
    "expected_until",
    "sku",
    "gtin",
    "qty",
)
SUPPLIER = "LISE-CHARMEL"
DAY = ("2026-03-05", "2026-03-06")
HOURS = ("2026-03-05T08:00:00+01:00", "2026-03-05T12:00:00+01:00")


def row(
    reference: str,
    sku: str,
    qty: object,
    *,
    gtin: str = "",
    destination: str = "A",
    source: str = SUPPLIER,
    source_kind: str = "supplier",
    kind: str = "purchase_order",
    window: tuple[str, str] = DAY,
) -> tuple[object, ...]:
    return (reference, kind, source_kind, source, destination, *window, sku, gtin, qty)


def deliveries_file(
    path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER
) -> Path:
    return write_csv(path, header, rows)


@pytest.fixture
def ledger(network: Network) -> Network:
    run_in_transaction(
        network.engine,
        network.clock,
        lambda tx: put_supplier(tx, CLI_ACTOR, SUPPLIER, SupplierIn(name="Lise Charmel")),
    )
    return network


def run(network: Network, path: Path) -> ImportSummary:
    return import_file(network.engine, ImportKind.DELIVERIES, path, clock=network.clock)


def gtin_of(network: Network, sku: str) -> str:
    ((gtin,),) = query(network.engine, "SELECT gtin FROM item_barcodes WHERE sku = :sku", sku=sku)
    return str(gtin)


def announced(network: Network) -> dict[tuple[str, str], dict[str, Any]]:
    """Each delivery by (source, reference): its destination, window, state and lines."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for source, reference, destination, start, end, state, run_id, sku, qty in query(
        network.engine,
        "SELECT d.source, d.reference, d.destination, d.expected_from, d.expected_until, "
        "d.state, d.import_run, l.sku, l.expected_qty FROM deliveries d "
        "JOIN delivery_lines l ON l.delivery_id = d.id ORDER BY l.line_no",
    ):
        delivery = found.setdefault(
            (source, reference),
            {
                "destination": destination,
                "window": (_utc(start), _utc(end)),
                "state": state,
                "import_run": run_id,
                "lines": {},
            },
        )
        delivery["lines"][sku] = int(qty)
    return found


def _utc(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def on_order(network: Network) -> dict[tuple[str, str], int]:
    rows = query(network.engine, "SELECT location, sku, on_order FROM incoming WHERE on_order <> 0")
    return {(location, sku): int(units) for location, sku, units in rows}


def test_a_good_file_puts_each_delivery_on_order_at_its_destination(
    ledger: Network, tmp_path: Path
) -> None:
    path = deliveries_file(
        tmp_path / "deliveries.csv",
        [
            row("PO-1", "S1", 12),
            row("PO-1", "", 8, gtin=gtin_of(ledger, "S2")),
            row("ASN-7", "S3", 4, source_kind="location", source="WH", destination="B",
                kind="shipping_notice", window=HOURS),
            row("PO-1", "S3", 5, gtin=gtin_of(ledger, "S3")),
        ],
    )  # fmt: skip
    summary = run(ledger, path)
    assert (summary.lines_read, summary.applied, summary.unchanged, summary.bad) == (4, 4, 0, 0)
    found = announced(ledger)
    assert set(found) == {(SUPPLIER, "PO-1"), ("WH", "ASN-7")}
    po = found[(SUPPLIER, "PO-1")]
    assert po["lines"] == {"S1": 12, "S2": 8, "S3": 5}
    assert po["state"] == "expected"
    assert po["import_run"] is not None
    # a date is that whole day at the destination (Paris, UTC+1 in March)
    assert po["window"] == (
        datetime(2026, 3, 4, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 6, 22, 59, 59, tzinfo=UTC),
    )
    asn = found[("WH", "ASN-7")]
    assert asn["window"] == (
        datetime(2026, 3, 5, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 5, 11, 0, tzinfo=UTC),
    )
    assert on_order(ledger) == {("A", "S1"): 12, ("A", "S2"): 8, ("A", "S3"): 5, ("B", "S3"): 4}
    assert_consistent(ledger.engine)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (row("PO-9", "", 1, gtin="3760000000001"), "check digit"),
        (row("PO-9", "NO-SUCH", 1), "unknown SKU 'NO-SUCH'"),
        (row("PO-9", "", 1, gtin="4006381333931"), "no item carries GTIN 4006381333931"),
        (row("PO-9", "S3", 0), "qty is '0'"),
        (row("PO-9", "S3", -2), "qty is '-2'"),
        (row("PO-9", "S3", "1.5"), "qty is '1.5'"),
        (row("PO-9", "S3", "deux"), "qty is 'deux'"),
        (row("PO-9", "", 1), "sku and gtin are both empty"),
        (row("PO-9", "S3", 1, destination="NOWHERE"), "unknown destination 'NOWHERE'"),
        (row("PO-9", "S3", 1, kind="invoice"), "kind is 'invoice'"),
        (row("PO-9", "S3", 1, source_kind="factory"), "source_kind is 'factory'"),
        (row("PO-9", "S3", 1, window=("2026-03-05", "5 mars")), "expected_until is '5 mars'"),
        (row("PO-9", "S3", 1, window=("2026-03-05T08:00:00", "2026-03-06")), "has no zone"),
        (row("PO-9", "S3", 1, window=("2026-03-06", "2026-03-05")), "before expected_from"),
        (row("PO-9", "S3", 1, destination="B"), "destination is 'B' where line 2"),
        (row("PO-9", "S1", 1), "SKU S1 is already on line 2"),
    ],
)
def test_a_bad_line_leaves_its_whole_delivery_out_and_the_others_in(
    ledger: Network, tmp_path: Path, bad: tuple[object, ...], reason: str
) -> None:
    path = deliveries_file(
        tmp_path / "deliveries.csv",
        [row("PO-9", "S1", 3), row("PO-8", "S2", 2), bad, row("PO-8", "S3", 1)],
    )
    summary = run(ledger, path)
    assert set(announced(ledger)) == {(SUPPLIER, "PO-8")}
    assert on_order(ledger) == {("A", "S2"): 2, ("A", "S3"): 1}
    assert (summary.applied, summary.bad) == (2, 2)
    lines = {bad_line.line: bad_line.reason for bad_line in summary.bad_lines}
    assert set(lines) == {2, 4}
    assert reason in lines[4] or reason in lines[2], lines
    if reason not in lines[2]:
        assert lines[2] == f"left out with delivery PO-9 from {SUPPLIER}: line 4 is bad"
    assert_consistent(ledger.engine)


def test_an_unknown_supplier_or_source_location_leaves_its_delivery_out(
    ledger: Network, tmp_path: Path
) -> None:
    path = deliveries_file(
        tmp_path / "deliveries.csv",
        [
            row("PO-1", "S1", 1, source="NOBODY"),
            row("ASN-1", "S1", 1, source_kind="location", source="ZZ"),
            row("ASN-2", "S1", 1, source_kind="location", source="A"),
            row("ASN-3", "S1", 1, source_kind="location", source="WH"),
        ],
    )
    summary = run(ledger, path)
    reasons = [bad.reason for bad in summary.bad_lines]
    assert reasons[0].startswith("unknown supplier 'NOBODY'")
    assert reasons[1] == "unknown source location 'ZZ'"
    assert "another location than its destination" in reasons[2]
    assert set(announced(ledger)) == {("WH", "ASN-3")}


def test_rows_far_apart_form_one_delivery_across_chunks(
    ledger: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deliveries_module.DeliveriesKind, "chunk_lines", 2)
    path = deliveries_file(
        tmp_path / "deliveries.csv",
        [
            row("PO-1", "S1", 1),
            row("PO-2", "S1", 2),
            row("PO-3", "S1", 3),
            row("PO-2", "S2", 2),
            row("PO-1", "S2", 1),
            row("PO-3", "S2", 0),
        ],
    )
    summary = run(ledger, path)
    found = announced(ledger)
    assert set(found) == {(SUPPLIER, "PO-1"), (SUPPLIER, "PO-2")}
    assert found[(SUPPLIER, "PO-1")]["lines"] == {"S1": 1, "S2": 1}
    assert [bad.line for bad in summary.bad_lines] == [4, 7]
    assert (
        summary.bad_lines[0].reason == f"left out with delivery PO-3 from {SUPPLIER}: line 7 is bad"
    )
    assert on_order(ledger) == {("A", "S1"): 3, ("A", "S2"): 3}
    assert_consistent(ledger.engine)


def test_the_same_file_twice_announces_nothing_the_second_time(
    ledger: Network, tmp_path: Path
) -> None:
    path = deliveries_file(tmp_path / "deliveries.csv", [row("PO-1", "S1", 4)])
    run(ledger, path)
    head = feed_head(ledger.engine)
    second = run(ledger, path)
    assert second.already_imported_at == ledger.clock.now()
    assert feed_head(ledger.engine) == head
    assert on_order(ledger) == {("A", "S1"): 4}


def test_a_delivery_already_announced_is_counted_unchanged(ledger: Network, tmp_path: Path) -> None:
    run(ledger, deliveries_file(tmp_path / "monday.csv", [row("PO-1", "S1", 4)]))
    again = run(
        ledger,
        deliveries_file(tmp_path / "tuesday.csv", [row("PO-1", "S1", 4), row("PO-2", "S2", 1)]),
    )
    assert (again.applied, again.unchanged, again.bad) == (1, 1, 0)
    assert on_order(ledger) == {("A", "S1"): 4, ("A", "S2"): 1}
    assert len(announced(ledger)) == 2


@pytest.mark.parametrize(
    ("header", "content", "says"),
    [
        (HEADER[:-1], None, "lacks the required column(s) qty"),
        ((*HEADER, "price"), None, "unknown column(s) price"),
        (tuple(name for name in HEADER if name not in ("sku", "gtin")), None, "neither a sku nor"),
        (HEADER, "latin-1", "not UTF-8"),
    ],
)
def test_a_bad_file_is_refused_whole(
    ledger: Network, tmp_path: Path, header: tuple[str, ...], content: str | None, says: str
) -> None:
    path = tmp_path / "deliveries.csv"
    if content is None:
        cells = dict(zip(HEADER, row("PO-1", "S1", 1), strict=True))
        deliveries_file(path, [[cells.get(name, "x") for name in header]], header)
    else:
        path.write_bytes(",".join(HEADER).encode() + b"\nPO-\xe9,purchase_order\n")
    head = feed_head(ledger.engine)
    with pytest.raises(ImportRefused) as refused:
        run(ledger, path)
    assert says in refused.value.detail
    assert announced(ledger) == {}
    assert feed_head(ledger.engine) == head


def test_an_interrupted_import_finishes_on_the_next_run(
    ledger: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deliveries_module.DeliveriesKind, "chunk_lines", 2)
    path = deliveries_file(
        tmp_path / "deliveries.csv",
        [row("PO-1", "S1", 1), row("PO-2", "S1", 2), row("PO-3", "S1", 3), row("PO-4", "S1", 4)],
    )
    real_insert = deliveries_module.insert_delivery
    calls: list[int] = []

    def crash_on_third(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("power cut")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(deliveries_module, "insert_delivery", crash_on_third)
    with pytest.raises(RuntimeError, match="power cut"):
        run(ledger, path)
    assert set(announced(ledger)) == {(SUPPLIER, "PO-1"), (SUPPLIER, "PO-2")}
    monkeypatch.setattr(deliveries_module, "insert_delivery", real_insert)
    summary = run(ledger, path)
    assert summary.resumed_after == 2
    assert (summary.applied, summary.bad) == (4, 0)
    assert on_order(ledger) == {("A", "S1"): 10}
    assert len(announced(ledger)) == 4
    assert_consistent(ledger.engine)


def test_the_import_is_audited_once_with_its_counts(ledger: Network, tmp_path: Path) -> None:
    path = deliveries_file(tmp_path / "deliveries.csv", [row("PO-1", "S1", 1), row("PO-2", "", 1)])
    run(ledger, path)
    rows = query(
        ledger.engine, "SELECT operation, detail FROM audit_log WHERE operation LIKE 'import.%'"
    )
    assert len(rows) == 1
    assert rows[0][0] == "import.deliveries"
    assert '"applied":1' in rows[0][1]
    assert '"bad":1' in rows[0][1]


def test_a_store_sees_its_imported_deliveries_and_units_on_order_on_its_feed(
    ledger: Network, api: TestClient, tmp_path: Path
) -> None:
    since = feed_head(ledger.engine)
    run(
        ledger,
        deliveries_file(
            tmp_path / "deliveries.csv",
            [row("PO-1", "S1", 3), row("PO-2", "S2", 1, destination="B")],
        ),
    )
    reply = api.get(
        "/v1/changes", params={"since": since}, headers=ledger.headers("A", Role.ASSOCIATE)
    )
    assert reply.status_code == 200, reply.text
    page = ChangePage.model_validate(reply.json())
    deliveries = [change.delivery for change in page.changes if change.kind == "delivery"]
    assert [(d.reference, d.destination, d.state.value) for d in deliveries] == [
        ("PO-1", "A", "expected")
    ]
    incoming = [change.incoming for change in page.changes if change.kind == "incoming"]
    assert [(i.sku, i.on_order) for i in incoming] == [("S1", 3)]

"""Units on their way to the store, from the ledger's documents to what staff read, on both
backends: the feed's ``incoming`` rows in the cache (the newest report wins, another location's
is ignored, a reset forgets them), the item view built from them offline, and ``storeapp
lookup`` printing them (this store's from the cache, the others' from the live answer).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.contract import Role, uuid7
from storeapp.cache.engine import open_cache_engine
from storeapp.cache.feed_apply import FEED_PAGE, apply_page, reset_view
from storeapp.cache.incoming import Coming, coming_here
from storeapp.context import StoreContext
from storeapp.i18n import Translator, active, use
from storeapp.wording.incoming import coming_here_text, coming_text, shelf_and_coming
from tests.support.cli import Shell, line_with, set_up
from tests.support.ledger_harness import Network
from tests.support.store import receive
from tests.support.store_motion import announce

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def incoming_rows(store: StoreContext) -> list[tuple[Any, ...]]:
    with store.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT sku, on_order, in_transit, promised, next_expected_from, "
                    "next_expected_until FROM incoming ORDER BY sku"
                )
            )
        ]


def sync(store: StoreContext) -> None:
    report = store.sync.sync_once()
    assert report.online, report


def test_the_feed_brings_incoming_units_and_takes_them_back_when_the_delivery_is_cancelled(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 3)
    delivery = announce(ledger, network, "PO-77", [("S2", 6), ("S1", 2)], number=77)
    sync(store)
    window = ("2026-03-03T09:00:00+00:00", "2026-03-03T13:00:00+00:00")
    assert incoming_rows(store) == [("S1", 2, 0, 0, *window), ("S2", 6, 0, 0, *window)]
    view = store.lookup.item_view("S2", live=False)
    assert view is not None
    assert (view.own.available, view.own.coming.units) == (0, 6)

    reply = ledger.post(
        f"/v1/deliveries/{delivery['id']}/cancel",
        json={"op_id": str(uuid7()), "reason": "supplier out of stock"},
        headers=network.headers("WH", Role.ADMIN),
    )
    assert reply.status_code == 200, reply.text
    sync(store)
    assert incoming_rows(store) == [("S1", 0, 0, 0, None, None), ("S2", 0, 0, 0, None, None)]
    view = store.lookup.item_view("S2", live=False)
    assert view is not None
    assert view.own.coming.units == 0
    assert all(cell.store_incoming == 0 for cell in view.grid.cells.values())


def _page(*changes: dict[str, Any], location: str = "A", next_since: int = 10) -> Any:
    return FEED_PAGE.validate_python(
        {
            "ledger_id": "ledger-1",
            "location": location,
            "changes": list(changes),
            "next_since": next_since,
            "has_more": False,
            "head": next_since,
        }
    )


def _incoming(seq: int, sku: str, on_order: int, location: str = "A") -> dict[str, Any]:
    return {
        "seq": seq,
        "kind": "incoming",
        "incoming": {
            "sku": sku,
            "location": location,
            "on_order": on_order,
            "in_transit": 1,
            "promised": 0,
            "next_expected_from": "2026-03-04T08:00:00Z",
            "next_expected_until": "2026-03-05T08:00:00Z",
            "seq": seq,
        },
    }


def test_an_older_report_never_overwrites_a_newer_one_and_other_locations_are_ignored(
    tmp_path: Path,
) -> None:
    engine = open_cache_engine(tmp_path / "cache.db")
    try:
        apply_page(engine, _page(_incoming(5, "S1", 4)), NOW)
        apply_page(engine, _page(_incoming(3, "S1", 9), _incoming(4, "S2", 2, "B")), NOW)
        with engine.connect() as connection:
            coming = coming_here(connection, ["S1", "S2"])
        assert coming == {
            "S1": Coming(
                on_order=4,
                in_transit=1,
                promised=0,
                next_from=datetime(2026, 3, 4, 8, tzinfo=UTC),
                next_until=datetime(2026, 3, 5, 8, tzinfo=UTC),
                next_in_transit=False,
            )
        }
        apply_page(engine, _page(_incoming(6, "S1", 0)), NOW)
        with engine.connect() as connection:
            assert coming_here(connection, ["S1"])["S1"].units == 1
        reset_view(engine)
        with engine.connect() as connection:
            assert coming_here(connection, ["S1"]) == {}
    finally:
        engine.dispose()


def test_what_is_coming_reads_as_staff_say_it() -> None:
    before = active()
    use(Translator("en_GB", "Europe/Paris"))
    try:
        start = datetime(2026, 12, 12, 8, tzinfo=UTC)
        later = datetime(2026, 12, 14, 8, tzinfo=UTC)
        assert coming_text(Coming(on_order=6, next_from=start, next_until=start)) == "+6 on 12 Dec"
        sent = Coming(in_transit=2, next_from=start, next_until=start, next_in_transit=True)
        assert coming_text(sent) == "+2 in transit, due 12 Dec"
        assert (
            coming_text(Coming(on_order=6, in_transit=2, next_from=start, next_until=later))
            == "+8 (2 in transit), next 12\u2009\u2013\u200914 Dec"  # Babel's interval
        )
        assert coming_text(Coming(on_order=3)) == "+3 on order"
        assert coming_text(Coming()) == ""
        assert (
            coming_here_text(Coming(on_order=6, promised=2, next_from=start, next_until=start))
            == "Coming: +6 on 12 Dec · 2 already promised to orders"
        )
        assert (shelf_and_coming(0, 6), shelf_and_coming(-1, 0), shelf_and_coming(3, 2)) == (
            "0 +6",
            "0",
            "3 +2",
        )
    finally:
        use(before)


def test_lookup_prints_what_is_coming_here_and_elsewhere(
    sh: Shell, ledger: TestClient, network: Network, clock: ManualClock
) -> None:
    receive(ledger, network, "S1", "B", 4)
    announce(ledger, network, "ASN-9", [("S2", 6)], number=9)
    announce(ledger, network, "ASN-10", [("S1", 5)], number=10, destination="B")
    set_up(sh, network)
    result = sh("lookup", "S2")
    assert result.code == 0, result
    assert "Coming: +6 on 3 Mar" in result.out
    assert re.search(r"│ 90 .*0 \+6 · 0", line_with(result.out, "│ 90 ")), result.out
    assert "none here now, 6 on their way here" in result.out
    here = line_with(result.out, "(here)")
    assert "+6 on 3 Mar" in here

    result = sh("lookup", "S1")
    assert result.code == 0, result
    assert "+5 on 3 Mar" in line_with(result.out, "Store B")  # from the live answer

    offline = sh("lookup", "S1", "--offline")
    assert offline.code == 0, offline
    assert "+5" not in line_with(offline.out, "Store B")  # only a live answer says it

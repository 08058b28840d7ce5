"""Reading change-feed pages without the contract's models, and asking for the next page while
the store writes the one it has: what reaches the cache is what the ledger sent."""

from __future__ import annotations

import json
import threading
import unicodedata
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from ordersync.contract import Job, JobLine, JobStateName
from storeapp.cache.engine import open_cache_engine
from storeapp.cache.feed_apply import FEED_PAGE, apply_page, fold
from storeapp.cache.state import CURSOR, LEDGER_ID, read_all_state
from storeapp.sync.client import LedgerClient, LedgerUnavailable

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def item_change(seq: int, sku: str, **item: Any) -> dict[str, Any]:
    body = {
        "sku": sku,
        "reference": "BRA",
        "name": "Soutien-gorge Éléa",
        "size": "85B",
        "size_row": "85",
        "size_column": "B",
        "colour": "Noir",
        "gtins": [f"376000000{seq:04d}"],
        "price_minor": 4990,
        "currency": "EUR",
        **item,
    }
    return {"seq": seq, "kind": "item", "item": body, "barcodes_removed": []}


def job() -> Job:
    return Job(
        id=uuid.UUID(int=7),
        order_id=uuid.UUID(int=8),
        location="A",
        kind="ship",
        state=JobStateName.ASSIGNED,
        destination=None,
        lines=[
            JobLine(line_no=1, order_line_no=1, sku="S1", qty=1, state="open", reject_reason=None)
        ],
        created_at=NOW,
        due_at=NOW,
        late=False,
        parcels=None,
        weight_grams=None,
        tracking=None,
        customer_name="Ada",
    )


def page(changes: list[dict[str, Any]], **fields: Any) -> bytes:
    body = {
        "ledger_id": "ledger-1",
        "location": "A",
        "changes": changes,
        "next_since": changes[-1]["seq"] if changes else 0,
        "has_more": False,
        "head": 99,
        **fields,
    }
    return json.dumps(body).encode()


EVERY_KIND = [
    item_change(1, "S1"),
    # An item as an older ledger may send it: no grid, no currency, no removed barcodes.
    {
        "seq": 2,
        "kind": "item",
        "item": {
            "sku": "S2",
            "reference": "ROBE",
            "name": "Robe",
            "size": "M",
            "colour": "bleu",
            "gtins": ["3760000000022", "3760000000039"],
            "price_minor": 100,
            "a_field_of_tomorrow": 1,
        },
    },
    {
        "seq": 3,
        "kind": "location",
        "location": {
            "code": "A",
            "kind": "store",
            "name": "Store A",
            "timezone": "Europe/Paris",
            "latitude": 48.85,
            "longitude": 2.35,
            "fulfils_web_orders": False,
            "daily_job_capacity": 20,
            "default_safety_stock": 0,
        },
    },
    {
        "seq": 4,
        "kind": "position",
        "position": {
            "sku": "S1",
            "location": "A",
            "on_hand": 5,
            "reserved": 1,
            "safety_stock": 0,
            "available": 4,
            "suspect": True,
            "seq": 4,
            "updated_at": "2026-03-02T09:00:00.250000Z",
        },
    },
    {
        "seq": 5,
        "kind": "network",
        "total": {"sku": "S1", "on_hand": 12, "reserved": 1, "available": 11},
    },
    {"seq": 6, "kind": "job", "job": job().model_dump(mode="json")},
]


@pytest.fixture
def cache(tmp_path: Path) -> Engine:
    return open_cache_engine(tmp_path / "cache.db")


def rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_every_kind_of_change_lands_in_the_cache_as_sent(cache: Engine) -> None:
    read = FEED_PAGE.validate_json(page(EVERY_KIND, next_since=9))
    assert apply_page(cache, read, NOW) == len(EVERY_KIND)

    assert rows(cache, "SELECT * FROM items ORDER BY sku") == [
        ("S1", "BRA", "Soutien-gorge Éléa", "85B", "85", "B", "Noir", 4990, "EUR",
         "soutien-gorge elea bra s1 noir"),
        ("S2", "ROBE", "Robe", "M", None, None, "bleu", 100, "EUR", "robe robe s2 bleu"),
    ]  # fmt: skip
    assert rows(cache, "SELECT gtin, sku FROM barcodes ORDER BY gtin") == [
        ("3760000000001", "S1"),
        ("3760000000022", "S2"),
        ("3760000000039", "S2"),
    ]
    assert rows(cache, "SELECT * FROM locations") == [
        ("A", "store", "Store A", "Europe/Paris", 48.85, 2.35, 0)
    ]
    assert rows(cache, "SELECT * FROM positions") == [
        ("S1", "A", 5, 1, 0, 1, 4, "2026-03-02T09:00:00.250000+00:00", 0, "{}")
    ]  # a ledger older than dispositions sends none: nothing set aside
    assert rows(cache, "SELECT * FROM network_totals") == [("S1", 12, 1, 11)]
    assert rows(cache, "SELECT id, state, seq FROM jobs") == [
        (str(uuid.UUID(int=7)), "assigned", 6)
    ]
    state = read_all_state(cache)
    assert (state[CURSOR], state[LEDGER_ID]) == ("9", "ledger-1")


def test_a_barcode_taken_off_an_item_leaves_the_cache(cache: Engine) -> None:
    apply_page(cache, FEED_PAGE.validate_json(page([item_change(1, "S1")])), NOW)
    relabelled = {
        **item_change(2, "S1", gtins=["3760000000076"]),
        "barcodes_removed": ["3760000000001"],
    }
    apply_page(cache, FEED_PAGE.validate_json(page([relabelled])), NOW)
    assert rows(cache, "SELECT gtin, sku FROM barcodes") == [("3760000000076", "S1")]


def test_an_older_position_report_never_overwrites_a_newer_one(cache: Engine) -> None:
    def position(seq: int, on_hand: int) -> dict[str, Any]:
        report = {
            "sku": "S1",
            "location": "A",
            "on_hand": on_hand,
            "reserved": 0,
            "safety_stock": 0,
            "available": on_hand,
            "suspect": False,
            "seq": seq,
            "updated_at": "2026-03-02T09:00:00Z",
        }
        return {"seq": seq, "kind": "position", "position": report}

    apply_page(cache, FEED_PAGE.validate_json(page([position(8, 3)])), NOW)
    apply_page(cache, FEED_PAGE.validate_json(page([position(5, 9)])), NOW)
    assert rows(cache, "SELECT on_hand, seq FROM positions") == [(3, 8)]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param([{"seq": 1, "kind": "mystery"}], id="unknown-kind"),
        pytest.param([{**item_change(1, "S1"), "item": {"sku": "S1"}}], id="item-without-fields"),
        pytest.param(
            [{"seq": 1, "kind": "network", "total": {"sku": "S1", "on_hand": "many"}}],
            id="not-a-number",
        ),
    ],
)
def test_a_page_that_is_not_the_contract_is_refused(changes: list[dict[str, Any]]) -> None:
    client = LedgerClient(
        "http://ledger", "token", transport=httpx.MockTransport(lambda _: reply(page(changes)))
    )
    with client, pytest.raises(LedgerUnavailable, match="not understood"):
        client.changes(0, 10)


@pytest.mark.parametrize(
    "value",
    ["Soutien-gorge Éléa BRA-85B Noir", "ROBE bleu", "Straße Œuvre", "\ufb01ne \uff26ull", ""],
)
def test_fold_is_lower_case_without_accents(value: str) -> None:
    decomposed = unicodedata.normalize("NFKD", value)
    expected = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    assert fold(value) == expected


# --- reading ahead ---------------------------------------------------------------------------


def reply(content: bytes) -> httpx.Response:
    return httpx.Response(200, content=content, headers={"Content-Type": "application/json"})


class Feed:
    """A ledger serving pages of one change each up to ``last``, noting what it was asked."""

    def __init__(self, last: int, failing: set[int] | None = None) -> None:
        self.last = last
        self.failing = failing or set()
        self.asked: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        since = int(request.url.params["since"])
        with self.lock:
            self.asked.append(since)
        if since in self.failing:
            return httpx.Response(503)
        seq = since + 1
        return reply(page([item_change(seq, f"S{seq}")], has_more=seq < self.last))


def test_the_next_page_is_asked_for_while_this_one_is_written() -> None:
    feed = Feed(last=3)
    with LedgerClient("http://ledger", "token", transport=httpx.MockTransport(feed)) as client:
        first = client.changes(0, 1)
        assert [c["seq"] for c in first.changes] == [1]
        second = client.changes(1, 1)  # the answer already on its way
        third = client.changes(2, 1)
        assert [c["seq"] for c in second.changes + third.changes] == [2, 3]
        assert not third.has_more
    assert feed.asked == [0, 1, 2]  # each page once, and nothing after the last


def test_asking_for_another_page_drops_the_one_read_ahead() -> None:
    feed = Feed(last=5)
    with LedgerClient("http://ledger", "token", transport=httpx.MockTransport(feed)) as client:
        client.changes(0, 1)
        again = client.changes(0, 1)  # e.g. the cache was reset: start again
        assert [c["seq"] for c in again.changes] == [1]
    assert feed.asked.count(0) == 2


def test_a_page_read_ahead_that_failed_fails_when_it_is_asked_for() -> None:
    feed = Feed(last=5, failing={1})
    with LedgerClient("http://ledger", "token", transport=httpx.MockTransport(feed)) as client:
        client.changes(0, 1)
        with pytest.raises(LedgerUnavailable, match="503"):
            client.changes(1, 1)
        feed.failing.clear()
        assert [c["seq"] for c in client.changes(1, 1).changes] == [2]  # asked again

"""Every fault at the client boundary, with respx between the store and the real ledger app.

The store's ``LedgerClient`` speaks plain httpx to ``http://ledger.test``; respx intercepts each
request. By default a route forwards it to the real ordersync app in process (a fresh ledger
database per test) and hands back its real reply; a test swaps in a fault: a request that never
arrives, a reply lost after the ledger committed, a 5xx, a refusal, a garbled or slow reply, a
revoked token. Each time the test checks the outbox, the ledger (through its API and its
movements table) and the ``SyncReport``.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from ordersync.clock import ManualClock
from ordersync.contract import (
    MovementsOp,
    OperationsResult,
    ReservationLineIn,
    ReserveOp,
    Role,
    SaleLine,
    uuid7,
)
from storeapp.cache import outbox
from storeapp.cache.engine import open_cache_engine
from storeapp.cache.state import CURSOR, LAST_ERROR, read_all_state
from storeapp.context import remember_location
from storeapp.services.lookup import LookupService
from storeapp.services.sales import CounterSales, RecordedSale
from storeapp.services.status import StatusService
from storeapp.sync.client import LedgerClient
from storeapp.sync.engine import SyncEngine, SyncReport
from tests.support.ledger_harness import Network
from tests.support.store import receive

BASE_URL = "http://ledger.test"
TOKEN_REFUSED = "the ledger refused this device's token"

Handler = Callable[[httpx.Request], httpx.Response]


def forward(ledger: TestClient, request: httpx.Request) -> httpx.Response:
    """Send ``request`` to the real ledger app and return its real reply."""
    headers = {"Authorization": request.headers.get("Authorization", "")}
    if "content-type" in request.headers:
        headers["Content-Type"] = request.headers["content-type"]
    reply = ledger.request(
        request.method,
        request.url.path,
        params=request.url.params,
        content=request.content,
        headers=headers,
    )
    return httpx.Response(
        reply.status_code,
        headers={"Content-Type": reply.headers.get("content-type", "application/json")},
        content=reply.content,
    )


@dataclass
class Rig:
    """A store cache on a real file, its sync engine, and the respx routes to the ledger."""

    ledger: TestClient
    network: Network
    clock: ManualClock
    engine: Engine
    client: LedgerClient
    sync: SyncEngine
    sales: CounterSales
    status: StatusService
    lookup: LookupService
    ops: respx.Route
    changes: respx.Route
    replies: list[OperationsResult] = field(default_factory=list)
    """Every /ops reply the real ledger gave through ``forward_ops`` (even when then lost)."""

    # --- fault building blocks ---

    def forward(self, request: httpx.Request) -> httpx.Response:
        return forward(self.ledger, request)

    def forward_ops(self, request: httpx.Request) -> httpx.Response:
        response = forward(self.ledger, request)
        if response.status_code == 200:
            self.replies.append(OperationsResult.model_validate_json(response.content))
        return response

    def commit_then(self, fault: Exception) -> Handler:
        """The ledger applies the request, then the reply never reaches the store."""

        def handler(request: httpx.Request) -> httpx.Response:
            self.forward_ops(request)
            raise fault

        return handler

    def commit_then_reply(self, status: int, content: bytes, content_type: str) -> Handler:
        """The ledger applies the request; the store receives something else."""

        def handler(request: httpx.Request) -> httpx.Response:
            self.forward_ops(request)
            return httpx.Response(status, headers={"Content-Type": content_type}, content=content)

        return handler

    def sync_with_token(self, token: str) -> SyncEngine:
        client = LedgerClient(BASE_URL, token, timeout=2.0)
        return SyncEngine(self.engine, client, self.clock.now, push_batch_size=200)

    # --- reading the state ---

    def pending(self) -> list[outbox.Entry]:
        return outbox.pending(self.engine, 10_000)

    def attention(self) -> list[outbox.Entry]:
        return outbox.needing_attention(self.engine)

    def pushed_ops(self) -> list[list[str]]:
        """op ids of every POST /ops the store made, in order."""
        return [
            [op["op_id"] for op in json.loads(call.request.content)["ops"]]
            for call in self.ops.calls
        ]

    def on_hand(self, sku: str, location: str = "A") -> int:
        reply = self.ledger.get(
            f"/v1/positions/{location}/{sku}", headers=self.network.headers("WH", Role.ADMIN)
        )
        assert reply.status_code == 200, reply.text
        return int(reply.json()["on_hand"])

    def ledger_sales(self) -> list[str]:
        """op ids of the sale movements the ledger holds, in ledger order (one per line)."""
        with self.network.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT op_id FROM movements WHERE kind = 'sale' ORDER BY seq")
            ).scalars()
            return [str(op_id) for op_id in rows]

    def shown_on_hand(self, sku: str) -> int:
        view = self.lookup.item_view(sku, live=False)
        assert view is not None
        return view.own.on_hand

    def cursor(self) -> int:
        return int(read_all_state(self.engine)[CURSOR])

    def enqueue(self, operation: Any, summary: str, effects: list[outbox.Effect]) -> str:
        with self.engine.begin() as connection:
            outbox.enqueue(connection, operation, summary, effects, self.clock.now(), person=None)
        return str(operation.op_id)


@pytest.fixture
def rig(ledger: TestClient, network: Network, clock: ManualClock, tmp_path: Path) -> Iterator[Rig]:
    """Store A, bootstrapped through respx from the real ledger (5 of S1 and S2 at A)."""
    receive(ledger, network, "S1", "A", 5)
    receive(ledger, network, "S2", "A", 5)
    engine = open_cache_engine(tmp_path / "store-a" / "cache.db")
    remember_location(engine, "A")
    client = LedgerClient(BASE_URL, network.token("A", Role.ASSOCIATE), timeout=2.0)
    with respx.mock(base_url=f"{BASE_URL}/v1", assert_all_called=False) as router:
        ops = router.post("/ops", name="ops")
        changes = router.get("/changes", name="changes")
        availability = router.get(path__regex=r"^/v1/availability/", name="availability")
        built = Rig(
            ledger=ledger,
            network=network,
            clock=clock,
            engine=engine,
            client=client,
            sync=SyncEngine(engine, client, clock.now, push_batch_size=200),
            sales=CounterSales(engine, "A", clock.now),
            status=StatusService(engine, "A", clock.now),
            lookup=LookupService(engine, "A", clock.now, client),
            ops=ops,
            changes=changes,
        )
        ops.side_effect = built.forward_ops
        changes.side_effect = built.forward
        availability.side_effect = built.forward
        bootstrap = built.sync.sync_once()
        assert bootstrap.online, bootstrap
        assert bootstrap.bootstrapped
        router.reset()
        yield built
    client.close()
    engine.dispose()


def assert_drains(rig: Rig, accepted: int) -> SyncReport:
    """Every fault removed: one clean round sends what waits and pulls the feed."""
    rig.ops.side_effect = rig.forward_ops
    rig.changes.side_effect = rig.forward
    report = rig.sync.sync_once()
    assert report.online, report
    assert report.error is None
    assert report.accepted == accepted
    assert rig.pending() == []
    status = rig.status.status()
    assert status.online
    assert status.waiting == 0
    return report


def assert_offline_and_waiting(
    rig: Rig, report: SyncReport, waiting: list[str], attempts: int = 1
) -> None:
    assert not report.online
    assert report.error
    assert report.accepted == 0
    assert report.refused == 0
    assert [entry.op_id for entry in rig.pending()] == waiting
    for entry in rig.pending():
        assert entry.attempts == attempts, entry
        assert entry.last_error, entry
    assert rig.attention() == []
    status = rig.status.status()
    assert not status.online
    assert status.last_error == report.error
    assert status.waiting == len(waiting)


def sale_at(location: str, sku: str, qty: int, clock: ManualClock) -> MovementsOp:
    return MovementsOp(
        op="movements",
        op_id=uuid7(),
        lines=[SaleLine(kind="sale", sku=sku, location=location, qty=qty)],
        occurred_at=clock.now(),
    )


def ids(*sales: RecordedSale) -> list[str]:
    return [str(sale.op_id) for sale in sales]


# --- the request never reached the ledger ----------------------------------------------------


@pytest.mark.parametrize("fault", [httpx.ConnectTimeout, httpx.ConnectError, httpx.PoolTimeout])
def test_a_request_that_never_reached_the_ledger_leaves_the_entry_pending(
    rig: Rig, fault: type[httpx.TransportError]
) -> None:
    sale = rig.sales.record("S1", 1)
    rig.ops.side_effect = fault("simulated")

    report = rig.sync.sync_once()

    assert_offline_and_waiting(rig, report, ids(sale))
    if fault is httpx.ConnectError:
        assert "cannot reach the ledger" in (report.error or "")
    else:
        assert f"did not answer in time ({fault.__name__})" in (report.error or "")
    assert not rig.changes.called  # no feed pulled while an entry waits for an answer
    assert rig.on_hand("S1") == 5
    assert rig.ledger_sales() == []
    assert rig.shown_on_hand("S1") == 4

    # Still down: the attempt is counted again, and nothing else moves.
    again = rig.sync.sync_once()
    assert_offline_and_waiting(rig, again, ids(sale), attempts=2)

    assert_drains(rig, accepted=1)
    assert rig.ledger_sales() == ids(sale)
    assert rig.on_hand("S1") == 4
    assert rig.shown_on_hand("S1") == 4


# --- the ledger committed, the reply was lost ------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        httpx.ReadTimeout("simulated: no reply in time"),
        httpx.RemoteProtocolError("simulated: connection closed before the reply"),
        httpx.ReadError("simulated: connection reset"),
    ],
    ids=["read-timeout", "connection-closed", "connection-reset"],
)
def test_a_reply_lost_after_the_ledger_committed_is_applied_exactly_once(
    rig: Rig, fault: httpx.TransportError
) -> None:
    first = rig.sales.record("S1", 1)
    second = rig.sales.record("S2", 2)
    rig.ops.side_effect = [rig.commit_then(fault), rig.forward_ops]

    lost = rig.sync.sync_once()

    assert_offline_and_waiting(rig, lost, ids(first, second))
    # The ledger did apply both ...
    assert rig.ledger_sales() == ids(first, second)
    assert rig.on_hand("S1") == 4
    assert rig.on_hand("S2") == 3
    # ... but the feed is not pulled, so the screen does not count the sales twice.
    assert not rig.changes.called
    assert rig.shown_on_hand("S1") == 4
    assert rig.shown_on_hand("S2") == 3

    assert_drains(rig, accepted=2)
    retry = rig.replies[-1]
    assert [str(r.op_id) for r in retry.results] == ids(first, second)
    assert all(r.replayed for r in retry.results)
    assert all(r.status == 201 for r in retry.results)
    assert rig.pushed_ops() == [ids(first, second), ids(first, second)]
    assert rig.ledger_sales() == ids(first, second)
    assert rig.on_hand("S1") == 4
    assert rig.on_hand("S2") == 3
    assert rig.shown_on_hand("S1") == 4
    assert rig.shown_on_hand("S2") == 3


# --- 5xx and busy replies --------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 408])
def test_a_server_error_or_busy_reply_is_retried_later(rig: Rig, status: int) -> None:
    sale = rig.sales.record("S1", 2)
    problem = {"type": "about:blank", "title": "Unavailable", "status": status}
    rig.ops.side_effect = [
        httpx.Response(status, json=problem, headers={"Retry-After": "1"}),
        rig.forward_ops,
    ]

    report = rig.sync.sync_once()

    assert_offline_and_waiting(rig, report, ids(sale))
    assert f"HTTP {status}" in (report.error or "")
    assert not rig.changes.called
    assert rig.ledger_sales() == []
    assert rig.on_hand("S1") == 5

    assert_drains(rig, accepted=1)
    assert rig.ledger_sales() == ids(sale)
    assert rig.on_hand("S1") == 3
    assert rig.replies[-1].results[0].replayed is False


@pytest.mark.parametrize("status", [500, 503, 401, 429])
def test_a_per_operation_answer_without_a_definite_outcome_is_sent_again(
    rig: Rig, status: int
) -> None:
    """The ledger applied all three, but the middle one's answer says "try again"."""
    sales = [rig.sales.record("S1", 1), rig.sales.record("S2", 1), rig.sales.record("S1", 1)]

    def middle_undecided(request: httpx.Request) -> httpx.Response:
        reply = rig.forward_ops(request)
        body = json.loads(reply.content)
        body["results"][1]["status"] = status
        body["results"][1]["body"] = {"type": "about:blank", "title": "Busy", "status": status}
        return httpx.Response(200, json=body)

    rig.ops.side_effect = [middle_undecided, rig.forward_ops]

    report = rig.sync.sync_once()

    assert not report.online
    assert report.accepted == 2
    assert report.refused == 0
    assert [entry.op_id for entry in rig.pending()] == ids(sales[1])
    assert rig.pending()[0].attempts == 1
    assert rig.attention() == []
    assert not rig.changes.called

    assert_drains(rig, accepted=1)
    assert rig.replies[-1].results[0].replayed is True
    assert rig.ledger_sales() == ids(*sales)
    assert rig.on_hand("S1") == 3
    assert rig.on_hand("S2") == 4


# --- definite refusals -----------------------------------------------------------------------


def test_refusals_409_and_422_go_to_attention_and_the_queue_continues(rig: Rig) -> None:
    earlier = rig.sales.record("S1", 1)
    assert rig.sync.sync_once().accepted == 1
    rig.ops.reset()

    first = rig.sales.record("S1", 1)
    too_many = rig.enqueue(
        ReserveOp(
            op="reserve",
            op_id=uuid7(),
            lines=[ReservationLineIn(sku="S1", location="A", qty=99)],
        ),
        "reserve 99 x S1",
        [],
    )
    unknown = rig.enqueue(
        sale_at("A", "NOPE", 1, rig.clock), "sale 1 x NOPE", [outbox.Effect("NOPE", "A", -1)]
    )
    reused = MovementsOp(
        op="movements",
        op_id=earlier.op_id,  # the id of an operation already applied, for another request
        lines=[SaleLine(kind="sale", sku="S1", location="A", qty=3)],
        occurred_at=rig.clock.now(),
    )
    rig.enqueue(reused, "sale 3 x S1", [outbox.Effect("S1", "A", -3)])
    last = rig.sales.record("S2", 2)

    report = rig.sync.sync_once()

    assert report.online
    assert report.error is None
    assert report.accepted == 2
    assert report.refused == 3
    assert report.refusals == ["reserve 99 x S1", "sale 1 x NOPE", "sale 3 x S1"]
    assert rig.pushed_ops() == [
        [str(first.op_id), too_many, unknown, str(earlier.op_id), str(last.op_id)]
    ]
    problems = [
        (e.op_id, e.problem["status"], e.problem["type"]) for e in rig.attention() if e.problem
    ]
    assert problems == [
        (too_many, 409, "urn:ordersync:problem:insufficient-stock"),
        (unknown, 422, "urn:ordersync:problem:unknown-sku"),
        (str(earlier.op_id), 422, "urn:ordersync:problem:idempotency-key-reused"),
    ]
    assert rig.pending() == []
    assert rig.ledger_sales() == ids(earlier, first, last)
    assert rig.on_hand("S1") == 3
    assert rig.on_hand("S2") == 3
    # The refused sales' local effects are taken back: the screen shows the ledger's numbers.
    assert rig.shown_on_hand("S1") == 3
    assert rig.shown_on_hand("S2") == 3
    status = rig.status.status()
    assert (status.waiting, status.attention, status.online) == (0, 3, True)


def test_a_whole_request_422_is_sent_one_by_one_and_only_the_bad_entry_is_set_aside(
    rig: Rig,
) -> None:
    sales = [rig.sales.record("S1", 1), rig.sales.record("S1", 1)]
    more = [rig.sales.record("S2", 1), rig.sales.record("S2", 1)]
    bad = sales[1]
    # The ledger cannot even parse this entry (as from a store on a newer contract): qty 0.
    with rig.engine.begin() as connection:
        payload = connection.execute(
            text("SELECT payload FROM outbox WHERE op_id = :id"), {"id": str(bad.op_id)}
        ).scalar_one()
        broken = json.loads(payload)
        broken["lines"][0]["qty"] = 0
        connection.execute(
            text("UPDATE outbox SET payload = :p WHERE op_id = :id"),
            {"p": json.dumps(broken), "id": str(bad.op_id)},
        )

    report = rig.sync.sync_once()

    assert report.online
    assert report.accepted == 3
    assert report.refused == 1
    everything = ids(sales[0], bad, *more)
    assert rig.pushed_ops() == [everything, *([op] for op in everything)]
    assert rig.ops.calls[0].response.status_code == 422
    [set_aside] = rig.attention()
    assert set_aside.op_id == str(bad.op_id)
    assert set_aside.problem is not None
    assert set_aside.problem["status"] == 422
    assert set_aside.problem["type"] == "urn:ordersync:problem:validation"
    assert rig.pending() == []
    assert rig.ledger_sales() == ids(sales[0], *more)
    assert rig.on_hand("S1") == 4
    assert rig.on_hand("S2") == 3
    assert rig.shown_on_hand("S1") == 4


def test_an_entry_left_unanswered_after_a_split_stays_pending_with_its_attempt_counted(
    rig: Rig,
) -> None:
    good = rig.sales.record("S1", 1)
    bad = rig.sales.record("S1", 1)
    late = rig.sales.record("S2", 1)
    with rig.engine.begin() as connection:
        connection.execute(
            text('UPDATE outbox SET payload = \'{"op": "movements"}\' WHERE op_id = :id'),
            {"id": str(bad.op_id)},
        )
    rig.ops.side_effect = [
        rig.forward_ops,  # the whole batch: 422
        rig.forward_ops,  # good, alone: 201
        rig.forward_ops,  # bad, alone: 422
        httpx.ConnectTimeout("simulated"),  # late, alone: no answer
    ]

    report = rig.sync.sync_once()

    assert not report.online
    assert report.accepted == 1
    assert report.refused == 1
    assert [e.op_id for e in rig.attention()] == ids(bad)
    [waiting] = rig.pending()
    assert waiting.op_id == str(late.op_id)
    assert waiting.attempts == 1
    assert waiting.last_error
    assert rig.ledger_sales() == ids(good)

    assert_drains(rig, accepted=1)
    assert rig.ledger_sales() == ids(good, late)


# --- replies that do not match the contract --------------------------------------------------

GARBLED_OPS_REPLIES = [
    pytest.param(200, b"<html><body>Gateway</body></html>", "text/html", id="html-page"),
    pytest.param(200, b'{"results": [{"op_id": ', "application/json", id="truncated-json"),
    pytest.param(200, b'{"results": "all good"}', "application/json", id="wrong-shape"),
    pytest.param(200, b'{"results": []}', "application/json", id="too-few-results"),
    pytest.param(200, b"{}", "application/json", id="empty-object"),
    pytest.param(200, b"\xff\xfe\x00garbage", "application/octet-stream", id="binary"),
]


@pytest.mark.parametrize(("status", "content", "content_type"), GARBLED_OPS_REPLIES)
def test_a_garbled_push_reply_is_treated_as_unavailable_and_nothing_is_lost(
    rig: Rig, status: int, content: bytes, content_type: str
) -> None:
    first = rig.sales.record("S1", 1)
    second = rig.sales.record("S2", 1)
    rig.ops.side_effect = [rig.commit_then_reply(status, content, content_type), rig.forward_ops]

    report = rig.sync.sync_once()

    assert_offline_and_waiting(rig, report, ids(first, second))
    assert not rig.changes.called
    assert rig.ledger_sales() == ids(first, second)  # the ledger did apply them

    assert_drains(rig, accepted=2)
    assert all(r.replayed for r in rig.replies[-1].results)
    assert rig.ledger_sales() == ids(first, second)
    assert rig.on_hand("S1") == 4
    assert rig.on_hand("S2") == 4
    assert rig.shown_on_hand("S1") == 4


def test_a_push_reply_answering_other_operations_is_not_trusted(rig: Rig) -> None:
    """Results in another order than the operations sent do not match the contract: trusting
    them by position would accept a refused reservation and set aside an applied sale."""
    sale = rig.sales.record("S1", 1)
    reservation = rig.enqueue(
        ReserveOp(
            op="reserve", op_id=uuid7(), lines=[ReservationLineIn(sku="S2", location="A", qty=99)]
        ),
        "reserve 99 x S2",
        [],
    )

    def reordered(request: httpx.Request) -> httpx.Response:
        body = json.loads(rig.forward_ops(request).content)
        body["results"].reverse()
        return httpx.Response(200, json=body)

    rig.ops.side_effect = [reordered, rig.forward_ops]

    report = rig.sync.sync_once()

    assert not report.online
    assert report.accepted == 0
    assert report.refused == 0
    assert [entry.op_id for entry in rig.pending()] == [str(sale.op_id), reservation]
    assert rig.attention() == []

    assert_drains(rig, accepted=1)
    assert [entry.op_id for entry in rig.attention()] == [reservation]
    assert rig.ledger_sales() == ids(sale)


GARBLED_FEED_REPLIES = [
    pytest.param(b'{"ledger_id": "x", "changes": [', id="truncated-json"),
    pytest.param(b'{"changes": [], "next_since": 3, "has_more": false}', id="missing-fields"),
    pytest.param(
        b'{"ledger_id": "x", "location": "A", "changes": [{"seq": 1, "kind": "mystery"}], '
        b'"next_since": 99, "has_more": false, "head": 99}',
        id="unknown-change-kind",
    ),
    pytest.param(b"[]", id="a-list"),
]


@pytest.mark.parametrize("content", GARBLED_FEED_REPLIES)
def test_a_garbled_feed_page_is_treated_as_unavailable_and_the_view_is_kept(
    rig: Rig, content: bytes
) -> None:
    receive(rig.ledger, rig.network, "S1", "A", 2)
    cursor = rig.cursor()
    rig.changes.side_effect = [
        httpx.Response(200, content=content, headers={"Content-Type": "application/json"}),
        rig.forward,
    ]

    report = rig.sync.sync_once()

    assert not report.online
    assert "not understood" in (report.error or "")
    assert rig.cursor() == cursor
    assert rig.shown_on_hand("S1") == 5  # the old view, whole
    assert rig.lookup.find("S2").item is not None

    assert_drains(rig, accepted=0)
    assert rig.shown_on_hand("S1") == 7
    assert rig.cursor() > cursor


# --- slow replies ----------------------------------------------------------------------------


def test_a_feed_reply_slower_than_the_timeout_keeps_what_was_pushed(rig: Rig) -> None:
    sale = rig.sales.record("S1", 1)
    receive(rig.ledger, rig.network, "S2", "A", 1)
    cursor = rig.cursor()
    rig.changes.side_effect = httpx.ReadTimeout("simulated: the feed page came too late")

    report = rig.sync.sync_once()

    assert not report.online
    assert report.accepted == 1
    assert "did not answer in time (ReadTimeout)" in (report.error or "")
    assert rig.pending() == []  # what the ledger acknowledged stays acknowledged
    assert rig.ledger_sales() == ids(sale)
    assert rig.cursor() == cursor
    assert rig.shown_on_hand("S1") == 4  # from the push reply's position
    assert rig.shown_on_hand("S2") == 5  # the delivery is not seen yet

    assert_drains(rig, accepted=0)
    assert rig.shown_on_hand("S2") == 6
    assert rig.ledger_sales() == ids(sale)


class SilentServer:
    """Accepts connections on 127.0.0.1 and answers none while the test runs.

    A connection gets its answer only when the test is over, or after ``SILENCE_SECONDS`` for a
    client that ignores its own timeout: ``answered`` then tells that it waited for the server.
    """

    SILENCE_SECONDS = 30.0

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(8)
        self._socket.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.connections = 0
        self.answered = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with connection:
                if not self._stop.wait(self.SILENCE_SECONDS):
                    self.answered += 1
                body = b'{"results": []}'
                with_headers = (
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                )
                with contextlib.suppress(OSError):  # the client hung up first
                    connection.sendall(with_headers)


class TimeoutsSeen(httpx.HTTPTransport):
    """The real transport, noting the read timeout each request was sent with."""

    def __init__(self) -> None:
        super().__init__()
        self.read_timeouts: list[float | None] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.read_timeouts.append(request.extensions["timeout"]["read"])
        return super().handle_request(request)


def test_a_reply_slower_than_the_timeout_over_a_real_socket_is_unavailable(
    tmp_path: Path, clock: ManualClock
) -> None:
    engine = open_cache_engine(tmp_path / "cache.db")
    remember_location(engine, "A")
    sale = CounterSales(engine, "A", clock.now).record("S1", 1)
    transport = TimeoutsSeen()
    with SilentServer() as server:
        client = LedgerClient(server.url, "any-token", timeout=0.3, transport=transport)
        sync = SyncEngine(engine, client, clock.now)
        report = sync.sync_once()
        answered = server.answered
        client.close()
    try:
        assert answered == 0, "the sync waited for the server instead of its 0.3 s timeout"
        assert transport.read_timeouts == [0.3]  # one attempt, given up at the client's timeout
        assert server.connections == 1
        assert not report.online
        assert "did not answer in time (ReadTimeout)" in (report.error or "")
        [entry] = outbox.pending(engine, 10)
        assert entry.op_id == str(sale.op_id)
        assert entry.attempts == 1
        assert outbox.needing_attention(engine) == []
        with engine.connect() as connection:
            assert (
                connection.execute(
                    text("SELECT value FROM sync_state WHERE key = :k"), {"k": LAST_ERROR}
                ).scalar_one()
                == report.error
            )
    finally:
        engine.dispose()


def test_a_live_lookup_slower_than_its_timeout_answers_from_the_cache(
    tmp_path: Path, clock: ManualClock
) -> None:
    engine = open_cache_engine(tmp_path / "cache.db")
    remember_location(engine, "A")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO items (sku, reference, name, size, colour, price_minor, currency, "
                "search_text) VALUES ('S1', 'REF-1', 'Item S1', 'M', 'noir', 4990, 'EUR', 's1')"
            )
        )
    transport = TimeoutsSeen()
    with SilentServer() as server:
        client = LedgerClient(server.url, "any-token", timeout=5.0, transport=transport)
        lookup = LookupService(engine, "A", clock.now, client, live_timeout=0.3)
        view = lookup.item_view("S1")
        answered = server.answered
        client.close()
    engine.dispose()
    assert answered == 0, "the lookup waited for the server instead of its 0.3 s live timeout"
    assert transport.read_timeouts == [0.3]  # the live timeout, not the client's 5 s
    assert view is not None
    assert not view.availability.live
    assert view.availability.fetched_at is None


# --- the device's token ----------------------------------------------------------------------


def revoke_own_token(rig: Rig) -> None:
    me = rig.ledger.get("/v1/me", headers=rig.network.headers("A", Role.ASSOCIATE)).json()
    revoked = rig.ledger.delete(
        f"/v1/tokens/{me['token_id']}", headers=rig.network.headers("WH", Role.ADMIN)
    )
    assert revoked.status_code == 204, revoked.text


def test_a_revoked_token_is_a_device_error_and_nothing_moves_to_attention(rig: Rig) -> None:
    sale = rig.sales.record("S1", 1)
    revoke_own_token(rig)

    report = rig.sync.sync_once()

    assert_offline_and_waiting(rig, report, ids(sale))
    assert (report.error or "").startswith(TOKEN_REFUSED)
    assert rig.ops.calls.last.response.status_code == 401
    assert not rig.changes.called
    assert rig.ledger_sales() == []
    again = rig.sync.sync_once()
    assert_offline_and_waiting(rig, again, ids(sale), attempts=2)

    # Re-enrolled with a new token, the device sends what waited, once.
    created = rig.ledger.post(
        "/v1/tokens",
        json={"location": "A", "role": "associate", "device": "re-enrolled"},
        headers=rig.network.headers("WH", Role.ADMIN),
    )
    assert created.status_code == 201, created.text
    report = rig.sync_with_token(created.json()["token"]).sync_once()
    assert report.online
    assert report.accepted == 1
    assert rig.pending() == []
    assert rig.ledger_sales() == ids(sale)
    assert rig.on_hand("S1") == 4


def test_a_401_on_the_feed_is_the_same_device_error(rig: Rig) -> None:
    revoke_own_token(rig)
    cursor = rig.cursor()

    report = rig.sync.sync_once()

    assert not report.online
    assert (report.error or "").startswith(TOKEN_REFUSED)
    assert not rig.ops.called  # nothing waited
    assert rig.changes.calls.last.response.status_code == 401
    assert rig.cursor() == cursor
    assert rig.attention() == []
    assert not rig.status.status().online


# --- a refusal that is not the ledger's ------------------------------------------------------


def test_a_whole_request_404_from_something_else_than_the_ledger_sets_nothing_aside(
    rig: Rig,
) -> None:
    """A proxy's HTML 404 (a wrong ledger URL) says nothing about the operations themselves:
    they must keep waiting for the ledger, not be set aside one by one for staff."""
    sales = [rig.sales.record("S1", 1), rig.sales.record("S2", 1)]
    not_found = httpx.Response(
        404, content=b"<html><h1>404 Not Found</h1></html>", headers={"Content-Type": "text/html"}
    )
    rig.ops.side_effect = [not_found, not_found, not_found, rig.forward_ops]

    report = rig.sync.sync_once()

    assert report.refused == 0
    assert rig.attention() == []
    assert [entry.op_id for entry in rig.pending()] == ids(*sales)
    assert not report.online

    rig.ops.side_effect = rig.forward_ops
    assert_drains(rig, accepted=2)
    assert rig.ledger_sales() == ids(*sales)


@pytest.mark.parametrize(
    ("status", "content", "content_type"),
    [
        pytest.param(
            404,
            b'{"type": "urn:ordersync:problem:not-found", "title": "Not found", "status": 404}',
            "application/problem+json",
            id="404-problem",
        ),
        pytest.param(404, b"<html>Not Found</html>", "text/html", id="404-html"),
        pytest.param(
            403,
            b'{"type": "urn:ordersync:problem:forbidden", "title": "Forbidden", "status": 403}',
            "application/problem+json",
            id="403-problem",
        ),
        pytest.param(400, b"Bad Request", "text/plain", id="400-text"),
    ],
)
def test_a_refused_feed_request_is_reported_not_raised(
    rig: Rig, status: int, content: bytes, content_type: str
) -> None:
    """``sync_once`` is what the worker thread calls in a loop: a refusal of the feed request
    must come back in the report (and the next round try again), not escape as an exception."""
    sale = rig.sales.record("S1", 1)
    cursor = rig.cursor()
    rig.changes.side_effect = [
        httpx.Response(status, content=content, headers={"Content-Type": content_type}),
        rig.forward,
    ]

    report = rig.sync.sync_once()

    assert not report.online
    assert report.error
    assert report.accepted == 1
    assert rig.ledger_sales() == ids(sale)
    assert rig.cursor() == cursor
    assert rig.attention() == []
    assert not rig.status.status().online

    assert_drains(rig, accepted=0)
    assert rig.cursor() > cursor


def test_a_feed_that_never_moves_forward_is_not_followed_for_ever(rig: Rig) -> None:
    """``has_more`` with a cursor that does not advance does not match the contract: the store
    must stop asking (and say so) rather than loop on the same page."""
    cursor = rig.cursor()
    ledger_id = read_all_state(rig.engine)["ledger_id"]
    stuck = {
        "ledger_id": ledger_id,
        "location": "A",
        "changes": [],
        "next_since": cursor,
        "has_more": True,
        "head": cursor + 10,
    }
    answered = 0

    def same_page_again(_request: httpx.Request) -> httpx.Response:
        nonlocal answered
        answered += 1
        if answered > 50:  # keeps this test bounded when the store does loop
            raise httpx.ConnectError("the test stopped answering after 50 identical pages")
        return httpx.Response(200, json=stuck)

    rig.changes.side_effect = same_page_again

    report = rig.sync.sync_once()

    assert rig.changes.call_count <= 2, f"asked {rig.changes.call_count} times for the same page"
    assert not report.online
    assert rig.cursor() == cursor

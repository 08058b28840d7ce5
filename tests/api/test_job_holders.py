"""One picker per job, through the API on both backends: the device (and person) that starts
picking holds the job; another device's steps are refused ``job-held`` until it is picked; a
manager takes it over, audited; a step queued by the former holder is refused after that; two
devices starting the same job at once: exactly one holds it."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx

from ordersync.api.app import create_app
from ordersync.contract import PROBLEM_TYPE_PREFIX, Role
from tests.support.ledger_api import Ledger, ledger_settings, new_op_id
from tests.support.ledger_harness import START
from tests.support.staff_ledger import new_code, put_person
from tests.support.tills import device_headers

JOB_HELD = PROBLEM_TYPE_PREFIX + "job-held"
INVALID_STATE = PROBLEM_TYPE_PREFIX + "invalid-state"
SINCE = START.isoformat().replace("+00:00", "Z")
PARIS = {"address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}


def _job_at_a(ledger: Ledger, qty: int = 2) -> tuple[str, str]:
    """A web order of a SKU only store A holds: answers (job id, sku)."""
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    reply = ledger.send(
        "POST",
        "/v1/orders",
        {
            "op_id": new_op_id(),
            "channel": "web",
            "lines": [{"sku": sku, "qty": qty}],
            "customer": {"name": "Camille Martin"},
            "delivery": {"kind": "home", **PARIS},
        },
    )
    assert reply.status_code == 201, reply.text
    [job] = reply.json()["jobs"]
    assert job["location"] == "A"
    return str(job["id"]), sku


def _till(ledger: Ledger, device: str, role: Role = Role.ASSOCIATE) -> dict[str, str]:
    return device_headers(ledger.network, device, role)


def _step(ledger: Ledger, job_id: str, to: str, headers: dict[str, str], **extra: Any) -> Any:
    return ledger.send(
        "POST", f"/v1/jobs/{job_id}/transitions", {"op_id": new_op_id(), "to": to, **extra}, headers
    )


def _push(ledger: Ledger, headers: dict[str, str], *ops: dict[str, Any]) -> list[dict[str, Any]]:
    reply = ledger.send("POST", "/v1/ops", {"ops": list(ops)}, headers)
    assert reply.status_code == 200, reply.text
    results: list[dict[str, Any]] = reply.json()["results"]
    return results


def _take_over(job_id: str, op_id: str | None = None, person: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"op": "take_over_job", "op_id": op_id or new_op_id(), "job_id": job_id}
    if person is not None:
        op["person"] = person
    return op


def _job(ledger: Ledger, job_id: str) -> Any:
    reply = ledger.send("GET", f"/v1/jobs/{job_id}")
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_starting_to_pick_makes_the_device_and_person_the_holder(shared: Ledger) -> None:
    ledger = shared
    job_id, _ = _job_at_a(ledger)
    lea = new_code("lea")
    assert put_person(ledger, lea).status_code in (200, 201)
    till = _till(ledger, "TILL-1")
    [started] = _push(
        ledger,
        till,
        {"op": "job_transition", "op_id": new_op_id(), "job_id": job_id, "to": "picking"}
        | {"person": lea},
    )
    assert started["status"] == 200, started
    holder = {"device": "TILL-1", "person": lea, "since": SINCE}
    assert started["body"]["held_by"] == holder
    assert _job(ledger, job_id)["held_by"] == holder

    # Every terminal of the store sees it in the feed, and the feed names who asked.
    page = ledger.send("GET", "/v1/changes", params={"since": 0, "limit": 100_000}, headers=till)
    assert page.status_code == 200, page.text
    assert page.json()["device"] == "TILL-1"
    [change] = [
        c for c in page.json()["changes"] if c["kind"] == "job" and c["job"]["id"] == job_id
    ]
    assert change["job"]["held_by"] == holder


def test_another_device_is_refused_until_the_job_is_picked(shared: Ledger) -> None:
    ledger = shared
    job_id, sku = _job_at_a(ledger)
    first, second = _till(ledger, "TILL-1"), _till(ledger, "TILL-2")
    assert _step(ledger, job_id, "picking", first).status_code == 200
    before = ledger.stock("A", sku)

    for refused in (
        _step(ledger, job_id, "picked", second),
        _step(ledger, job_id, "picking", second),
        ledger.send(
            "POST",
            f"/v1/jobs/{job_id}/lines/1/reject",
            {"op_id": new_op_id(), "reason": "not_found"},
            second,
        ),
    ):
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["type"] == JOB_HELD
        assert problem["held_by"] == {"device": "TILL-1", "person": None, "since": SINCE}
        assert problem["current_state"] == "picking"
        assert "TILL-1" in problem["detail"]
    assert ledger.stock("A", sku) == before  # the refused short pick flagged nothing

    picked = _step(ledger, job_id, "picked", first)
    assert picked.status_code == 200, picked.text
    assert picked.json()["held_by"] is None
    # Packing is counter work: any device of the store does it.
    packed = _step(ledger, job_id, "packed", second, parcels=1, weight_grams=500)
    assert packed.status_code == 200, packed.text


def test_a_manager_takes_a_job_over_and_the_former_holders_late_step_is_refused(
    shared: Ledger,
) -> None:
    ledger = shared
    job_id, _ = _job_at_a(ledger)
    first, desk = _till(ledger, "TILL-1"), _till(ledger, "DESK", Role.MANAGER)
    assert _step(ledger, job_id, "picking", first).status_code == 200
    # The holder marks it picked while offline: the step waits in its outbox.
    late = {"op": "job_transition", "op_id": new_op_id(), "job_id": job_id, "to": "picked"}
    late |= {"from_state": "picking"}
    after = ledger.last_audit_id()

    takeover = _take_over(job_id)
    [taken] = _push(ledger, desk, takeover)
    assert taken["status"] == 200, taken
    assert taken["body"]["job"]["held_by"]["device"] == "DESK"
    assert taken["body"]["taken_from"] == {"device": "TILL-1", "person": None, "since": SINCE}
    [audited] = [row for row in ledger.audit_api("A", after) if row["op_id"] == takeover["op_id"]]
    assert (audited["operation"], audited["device"]) == ("job.take_over", "DESK")
    assert audited["changes"] == [
        {
            "kind": "state",
            "entity": "job_holder",
            "id": job_id,
            "line_no": None,
            "from_state": "TILL-1",
            "to_state": "DESK",
        }
    ]

    # The same takeover sent again is answered as before, and changes nothing.
    [again] = _push(ledger, desk, takeover)
    assert (again["status"], again["replayed"], again["body"]) == (200, True, taken["body"])

    # Back online, the former holder's queued step is refused: it goes to "needs attention".
    [refused] = _push(ledger, first, late)
    assert refused["status"] == 409
    assert refused["body"]["type"] == JOB_HELD
    assert refused["body"]["held_by"]["device"] == "DESK"
    assert _job(ledger, job_id)["state"] == "picking"

    picked = _step(ledger, job_id, "picked", desk)
    assert picked.status_code == 200, picked.text


def test_only_managers_take_over_and_only_jobs_being_picked(shared: Ledger) -> None:
    ledger = shared
    job_id, _ = _job_at_a(ledger)
    first, second = _till(ledger, "TILL-1"), _till(ledger, "TILL-2")
    desk = _till(ledger, "DESK", Role.MANAGER)

    [too_soon] = _push(ledger, desk, _take_over(job_id))
    assert (too_soon["status"], too_soon["body"]["type"]) == (409, INVALID_STATE)

    assert _step(ledger, job_id, "picking", first).status_code == 200
    [associate] = _push(ledger, second, _take_over(job_id))
    assert associate["status"] == 403, associate
    assert associate["body"]["required_role"] == "manager"
    assert _job(ledger, job_id)["held_by"]["device"] == "TILL-1"

    # A manager signed in on an associate's till does not make it a manager's device.
    boss = new_code("boss")
    assert put_person(ledger, boss, Role.MANAGER).status_code in (200, 201)
    [approved] = _push(ledger, second, _take_over(job_id, person=boss))
    assert approved["status"] == 403, approved

    # Another store's manager cannot reach it.
    [elsewhere] = _push(
        ledger, device_headers(ledger.network, "B-DESK", Role.MANAGER, "B"), _take_over(job_id)
    )
    assert elsewhere["status"] == 403, elsewhere


async def _start_at_once(ledger: Ledger, job_id: str, tills: list[dict[str, str]]) -> list[Any]:
    """Each till starts the job at the same instant, through its own ledger process."""
    settings = ledger_settings(ledger.network.url)
    apps = [create_app(settings, clock=ledger.clock) for _ in tills]
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url="http://ledger")
                )
            )
        return list(
            await asyncio.gather(
                *(
                    client.post(
                        f"/v1/jobs/{job_id}/transitions",
                        json={"op_id": new_op_id(), "to": "picking", "from_state": "assigned"},
                        headers=headers,
                    )
                    for client, headers in zip(clients, tills, strict=True)
                )
            )
        )


def test_two_devices_starting_one_job_at_once_exactly_one_holds_it(shared: Ledger) -> None:
    ledger = shared
    tills = [_till(ledger, f"RACE-{n}") for n in range(1, 4)]
    for _ in range(3):
        job_id, _ = _job_at_a(ledger, qty=1)
        replies = asyncio.run(_start_at_once(ledger, job_id, tills))
        won = [n for n, reply in enumerate(replies) if reply.status_code == 200]
        assert len(won) == 1, [reply.text for reply in replies]
        holder = f"RACE-{won[0] + 1}"
        for reply in replies:
            if reply.status_code != 200:
                assert reply.status_code == 409, reply.text
                assert reply.json()["type"] == JOB_HELD
                assert reply.json()["held_by"]["device"] == holder
        assert _job(ledger, job_id)["held_by"]["device"] == holder

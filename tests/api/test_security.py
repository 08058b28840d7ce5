"""Security checks the authorization matrix does not make: other stores' jobs, every report, leaks.

``test_authorization.py`` tries each endpoint as each role at its own store and another; this
module adds what it leaves out:

- a store's devices (associate and manager) can neither read nor move another store's jobs and
  orders, through the single endpoints or a bulk push, and another store's reservations cannot be
  committed or released through a bulk push either; what was refused stays as it was;
- every manager endpoint (found in the OpenAPI document: ``/v1/reports/*``, ``/v1/audit``, the
  ``reports`` and manager tags) refuses an associate with a 403 problem, and another store's
  manager too, while the same request succeeds for the right caller;
- a token-shaped string sent where it does not belong is never echoed in a problem document, and
  the log filter of the server removes tokens from messages, arguments and tracebacks.

The end-to-end side (a real server's output, revocation with caching workers) is in
``tests/e2e/test_security.py``.
"""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from ordersync.api.redaction import RedactTokens
from ordersync.contract import API_PREFIX, Role
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.problems import assert_problem

REPORT_PREFIXES = (f"{API_PREFIX}/reports", f"{API_PREFIX}/audit")
REPORT_TAG_WORDS = ("report", "manager")
KNOWN_REPORTS = {f"{API_PREFIX}/reports/suspect-positions", f"{API_PREFIX}/audit"}
"""Reports that exist today: the enumeration must find at least these (it cannot pass empty)."""


# --- another store's jobs and orders ---------------------------------------------------------


def _job_at(ledger: Ledger, store: str) -> dict[str, Any]:
    """An order in store by ``store``'s associate, collected there: its job is at ``store``."""
    sku = ledger.new_sku()
    ledger.receive(sku, store, 5)
    body = {
        "op_id": new_op_id(),
        "channel": "store",
        "lines": [{"sku": sku, "qty": 1}],
        "customer": {"name": "Camille Martin", "phone": "06 12 34 56 78"},
        "delivery": {"kind": "collect", "collect_at": store},
    }
    reply = ledger.send("POST", "/v1/orders", body, ledger.headers(store, Role.ASSOCIATE))
    assert reply.status_code == 201, reply.text
    [job] = reply.json()["jobs"]
    assert job["location"] == store, job
    return {"order_id": reply.json()["id"], **job}


def _job_state(ledger: Ledger, job_id: str) -> tuple[str, list[str]]:
    reply = ledger.send("GET", f"/v1/jobs/{job_id}")
    assert reply.status_code == 200, reply.text
    return reply.json()["state"], [line["state"] for line in reply.json()["lines"]]


@pytest.mark.parametrize("role", [Role.ASSOCIATE, Role.MANAGER])
def test_a_store_cannot_read_or_move_another_stores_job(shared: Ledger, role: Role) -> None:
    ledger = shared
    job = _job_at(ledger, "B")
    before = _job_state(ledger, job["id"])
    headers = ledger.headers("A", role)
    attempts = {
        "read job": ledger.send("GET", f"/v1/jobs/{job['id']}", headers=headers),
        "list jobs": ledger.send("GET", "/v1/jobs", headers=headers, params={"location": "B"}),
        "read order": ledger.send("GET", f"/v1/orders/{job['order_id']}", headers=headers),
        "read routing": ledger.send(
            "GET", f"/v1/orders/{job['order_id']}/routing", headers=headers
        ),
        "transition": ledger.send(
            "POST",
            f"/v1/jobs/{job['id']}/transitions",
            {"op_id": new_op_id(), "to": "picking"},
            headers,
        ),
        "reject line": ledger.send(
            "POST",
            f"/v1/jobs/{job['id']}/lines/1/reject",
            {"op_id": new_op_id(), "reason": "damaged"},
            headers,
        ),
    }
    for name, reply in attempts.items():
        try:
            assert_problem(reply, 403, "forbidden")
        except AssertionError as error:
            pytest.fail(f"{role.value} of A, {name} of B's job: {error}")
    pushed = ledger.send(
        "POST",
        "/v1/ops",
        {
            "ops": [
                {
                    "op": "job_transition",
                    "op_id": new_op_id(),
                    "job_id": job["id"],
                    "to": "picking",
                },
                {
                    "op": "reject_line",
                    "op_id": new_op_id(),
                    "job_id": job["id"],
                    "line_no": 1,
                    "reason": "not_found",
                },
            ]
        },
        headers,
    )
    assert pushed.status_code == 200, pushed.text
    for result in pushed.json()["results"]:
        assert result["status"] == 403, result
        assert result["body"]["type"] == "urn:ordersync:problem:forbidden", result
    assert _job_state(ledger, job["id"]) == before
    # B's own associate can make the very same move: the refusals were about the caller
    own = ledger.send(
        "POST",
        f"/v1/jobs/{job['id']}/transitions",
        {"op_id": new_op_id(), "to": "picking"},
        ledger.headers("B", Role.ASSOCIATE),
    )
    assert own.status_code == 200, own.text


def test_another_stores_reservation_cannot_be_ended_through_a_bulk_push(shared: Ledger) -> None:
    ledger = shared
    sku = ledger.new_sku()
    ledger.receive(sku, "B", 5)
    held = ledger.reserve(sku, "B", 2, ledger.headers("B", Role.ASSOCIATE))
    for role in (Role.ASSOCIATE, Role.MANAGER):
        pushed = ledger.send(
            "POST",
            "/v1/ops",
            {
                "ops": [
                    {"op": "commit", "op_id": new_op_id(), "reservation_id": held},
                    {"op": "release", "op_id": new_op_id(), "reservation_id": held},
                    {
                        "op": "reserve",
                        "op_id": new_op_id(),
                        "lines": [{"sku": sku, "location": "B", "qty": 1}],
                    },
                ]
            },
            ledger.headers("A", role),
        )
        assert pushed.status_code == 200, pushed.text
        for result in pushed.json()["results"]:
            assert result["status"] == 403, (role.value, result)
    assert ledger.reservation_state(held) == "pending"
    assert ledger.stock("B", sku)[:2] == (5, 2)


# --- every manager endpoint, found in the OpenAPI document -------------------------------------


def _is_manager_endpoint(path: str, operation: dict[str, Any]) -> bool:
    tags = " ".join(operation.get("tags", [])).lower()
    return path.startswith(REPORT_PREFIXES) or any(word in tags for word in REPORT_TAG_WORDS)


def manager_reads(ledger: Ledger) -> list[tuple[str, dict[str, Any]]]:
    """Every GET of a report or manager view: (path template, operation)."""
    paths = ledger.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    return sorted(
        (path, item["get"])
        for path, item in paths.items()
        if "get" in item and _is_manager_endpoint(path, item["get"])
    )


SAMPLE_VALUES = {"sku": "S1", "reference": "REF-1"}


def _value(parameter: dict[str, Any], location: str) -> Any:
    """A valid value for a report's parameter: the store asked about, or what its schema says."""
    name = parameter["name"]
    if name in ("location", "code"):
        return location
    if name in SAMPLE_VALUES:
        return SAMPLE_VALUES[name]
    schema = parameter.get("schema", {})
    variants = [schema, *schema.get("anyOf", [])]
    for variant in variants:
        if "default" in variant and variant["default"] is not None:
            return variant["default"]
        if variant.get("enum"):
            return variant["enum"][0]
        if variant.get("format") == "date":
            return datetime.now(UTC).date().isoformat()
        if variant.get("type") == "integer":
            return max(int(variant.get("minimum", 1)), 1)
    return None


def _request(
    path: str, operation: dict[str, Any], location: str
) -> tuple[str, dict[str, Any], bool]:
    """(url, query, names a location) for asking ``operation`` about ``location``."""
    url, query, scoped = path, {}, False
    for parameter in operation.get("parameters", []):
        name = parameter["name"]
        scoped = scoped or name in ("location", "code")
        if not parameter.get("required") and name not in ("location", "code"):
            continue
        value = _value(parameter, location)
        assert value is not None, f"no sample value for {name!r} of {path}: add one"
        if parameter["in"] == "path":
            url = url.replace("{" + name + "}", str(value))
        else:
            query[name] = value
    return url, query, scoped


def test_every_manager_endpoint_is_found_in_the_document(shared: Ledger) -> None:
    found = {path for path, _ in manager_reads(shared)}
    assert found >= KNOWN_REPORTS, f"the enumeration misses {KNOWN_REPORTS - found}"


def test_associates_are_refused_every_report_and_managers_other_stores(shared: Ledger) -> None:
    ledger = shared
    failures = []
    for path, operation in manager_reads(ledger):
        url, query, scoped = _request(path, operation, "A")
        associate = ledger.send("GET", url, headers=ledger.headers("A"), params=query)
        try:
            assert_problem(associate, 403, "forbidden")
        except AssertionError as error:
            failures.append(f"associate of A on GET {path}: {error}")
        allowed = [
            ledger.send("GET", url, headers=ledger.headers("A", role), params=query)
            for role in (Role.MANAGER, Role.ADMIN)
        ]
        if not any(reply.status_code == 200 for reply in allowed):
            failures.append(
                f"GET {path} {query}: neither the manager nor the admin of A got a 200, so the "
                f"associate's 403 proves nothing: {[r.text[:200] for r in allowed]}"
            )
        if scoped:
            url, query, _ = _request(path, operation, "B")
            other = ledger.send("GET", url, headers=ledger.headers("A", Role.MANAGER), params=query)
            try:
                assert_problem(other, 403, "forbidden")
            except AssertionError as error:
                failures.append(f"manager of A on GET {path} about B: {error}")
    assert not failures, "\n".join(failures)


# --- tokens where they do not belong -----------------------------------------------------------


def test_a_token_sent_in_the_wrong_place_is_not_echoed_in_problems(shared: Ledger) -> None:
    ledger = shared
    token = ledger.headers("A")["Authorization"].removeprefix("Bearer ")
    headers = ledger.headers("A")
    replies = [
        ledger.send("GET", f"/v1/items/{token}", headers=headers),
        ledger.send("GET", f"/v1/items/{token}", headers={}),
        ledger.send("GET", f"/v1/positions/A/{token}", headers=headers),
        ledger.send("GET", f"/v1/availability/references/{token}", headers=headers),
        ledger.send("GET", f"/v1/no-such-route/{token}", headers=headers),
        ledger.send("GET", "/v1/changes", headers=headers, params={"location": token}),
        ledger.send("GET", "/v1/me", headers={}, params={"token": token}),
        ledger.send(
            "POST",
            "/v1/movements",
            {
                "op_id": new_op_id(),
                "lines": [{"kind": "receipt", "sku": token, "location": "A", "qty": 1}],
            },
            headers,
        ),
        ledger.send(
            "POST",
            "/v1/reservations",
            {"op_id": new_op_id(), "lines": [{"sku": "S1", "location": token, "qty": 1}]},
            headers,
        ),
        ledger.send("POST", "/v1/movements", {"op_id": token, "lines": []}, headers),
    ]
    for reply in replies:
        assert reply.status_code >= 400, reply.text
        assert token not in reply.text, f"{reply.request.url}: {reply.text}"
        assert token[4:] not in reply.text, f"{reply.request.url}: {reply.text}"
    pushed = ledger.send(
        "POST",
        "/v1/ops",
        {
            "ops": [
                {
                    "op": "movements",
                    "op_id": new_op_id(),
                    "lines": [{"kind": "sale", "sku": token, "location": "A", "qty": 1}],
                }
            ]
        },
        headers,
    )
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["results"][0]["status"] == 422, pushed.text
    assert token not in pushed.text, pushed.text
    with ledger.network.engine.connect() as connection:
        stored = [row[0] for row in connection.execute(text("SELECT response FROM idempotency"))]
    assert stored, "the refusals are kept for replay"
    assert not [response for response in stored if token[4:] in response]


def test_the_log_filter_takes_tokens_out_of_messages_arguments_and_tracebacks() -> None:
    token = "osk_" + "Abc-_9" * 7
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactTokens())
    logger = logging.getLogger("tests.security.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(f"in the message {token}")
        logger.warning("in an argument %s", f"/v1/items/{token}")
        logger.warning("in a structure %s", {"path": f"/v1/me?token={token}".encode()})
        try:
            raise KeyError(token)
        except KeyError:
            logger.exception("in a traceback")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert written.count("osk_[redacted]") >= 4, written
    assert token not in written
    assert token[4:] not in written

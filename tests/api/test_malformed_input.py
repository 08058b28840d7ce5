"""Malformed input on every route: always a 4xx problem+json document, never a 500 or a traceback.

The cases are generated, not listed: for each route the app serves, a valid sample request
(``ROUTE_SAMPLES`` in tests/support/route_samples.py) is broken one piece at a time: the raw
body, every field at any depth (wrong types, huge and negative numbers, long strings, empty
lists, unknown names...), every path and query parameter. A case is either *rejected* (it must
get a 4xx) or *tolerated* (what the contract accepts may succeed, but must never fail with a 5xx
or a body that is not a problem); the unbroken sample must succeed, so that the broken ones are
known to reach the ledger's checks.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from ordersync.api.app import create_app
from ordersync.config import LedgerSettings
from ordersync.contract import MAX_BATCH_LINES
from tests.support.api_routes import Sample, api_routes, dumps, fill, openapi_parameters, route_id
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.problems import assert_problem, problem_issues, reply_issues
from tests.support.route_samples import ROUTE_SAMPLES

ACCEPT = "accept"
REJECT = "reject"
TOLERATE = "tolerate"
MISSING = object()
"""Stands for "remove this member" among the mutations."""

LONG = "x" * 10_000
UNKNOWN_SKU = "NOPE-9"
UNKNOWN_LOCATION = "ZZ"
NON_EMPTY_LISTS = {"lines", "ops", "items", "locations", "gtins"}
ID_KEYS = {"op_id", "reservation_id"}

ROUTES = sorted(api_routes(create_app(LedgerSettings(database_url="sqlite:///unused.db"))))


@dataclass
class Case:
    label: str
    method: str
    path_params: dict[str, str] | None = None
    """None: the sample's parameters (or new ones per case, when the sample makes them)."""
    query: dict[str, Any] | None = None
    content: bytes | None = None
    content_type: str | None = "application/json"
    expect: str = REJECT
    status: int | None = None
    """An exact status, when one is the only right answer."""
    op_index: int | None = None
    """For a bulk push: the operation that carries the fault (its own result must refuse it)."""


# --- mutations of a JSON document ------------------------------------------------------------


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every member at any depth, containers included, with its path from the root."""
    yield path, value
    if isinstance(value, dict):
        for key, member in value.items():
            yield from leaves(member, (*path, key))
    elif isinstance(value, list):
        for index, member in enumerate(value):
            yield from leaves(member, (*path, index))


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    result = copy.deepcopy(document)
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    if value is MISSING:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return result


ZERO_QTY_OPS = {"commit", "receive_delivery", "send_transfer", "receive_transfer"}
"""Operations whose lines say what was counted or committed, where 0 is a real answer."""


def _in_commit(root: Any, path: tuple[Any, ...], route: tuple[str, str]) -> bool:
    if route[1].endswith(("/commit", "/deliveries/receipts", "/receive")):
        return True
    if len(path) >= 2 and path[0] == "ops":
        operation = root["ops"][path[1]]
        return isinstance(operation, dict) and operation.get("op") in ZERO_QTY_OPS
    return False


def member_mutations(
    root: Any, path: tuple[Any, ...], value: Any, route: tuple[str, str]
) -> Iterator[tuple[str, Any, str]]:
    """(what, new value, expectation) for one member; TOLERATE defers to the contract model."""
    key = next((step for step in reversed(path) if isinstance(step, str)), "")
    catalog = route[1] in ("/v1/items", "/v1/locations")
    if path:
        yield "removed", MISSING, TOLERATE
        yield "null", None, TOLERATE
    if isinstance(value, bool):
        yield "string for bool", "maybe", REJECT
        yield "2 for bool", 2, REJECT
        yield "object for bool", {}, REJECT
    elif isinstance(value, int):
        yield "string for int", "abc", REJECT
        yield "fraction for int", 1.5, REJECT
        yield "object for int", {"n": 1}, REJECT
        yield "list for int", [1], REJECT
        yield "10**30", 10**30, REJECT
        yield "-10**30", -(10**30), REJECT
        yield "2**63", 2**63, REJECT
        yield "-1", -1, TOLERATE if key == "delta" else REJECT
        zero_refused = key == "delta" or (key == "qty" and not _in_commit(root, path, route))
        yield "0", 0, REJECT if zero_refused else TOLERATE
        yield "2**31", 2**31, TOLERATE
        yield "2**62", 2**62, TOLERATE
    elif isinstance(value, float):
        yield "string for number", "abc", REJECT
        yield "10**30", 1e30, REJECT
        yield "NaN", float("nan"), REJECT
        yield "Infinity", float("inf"), REJECT
        yield "-1000.5", -1000.5, TOLERATE
    elif isinstance(value, str):
        yield "10,000 characters", LONG, REJECT
        yield "number for string", 12345, REJECT
        yield "bool for string", True, REJECT
        yield "object for string", {"s": "x"}, REJECT
        yield "list for string", ["x"], REJECT
        yield "empty string", "", TOLERATE
        yield "NUL character", "A\x00B", TOLERATE
        yield "unicode", "ünïcödé ✓", TOLERATE
        yield "other word", "bogus", TOLERATE
        yield from _named_mutations(key, path, catalog)
    elif isinstance(value, list):
        empty_refused = key in NON_EMPTY_LISTS and not _in_commit(root, path, route)
        yield "empty list", [], REJECT if empty_refused else TOLERATE
        yield "string for list", "x", REJECT
        yield "object for list", {"x": 1}, REJECT
        if value:
            yield "first element twice", [value[0], *value], TOLERATE
            yield "too many elements", [value[0]] * (MAX_BATCH_LINES + 1), REJECT
    elif isinstance(value, dict):
        yield "unknown member", {**value, "unexpected": 1}, REJECT
        yield "empty object", {}, REJECT
        yield "list for object", [value], REJECT
        yield "string for object", "x", REJECT


def _named_mutations(
    key: str, path: tuple[Any, ...], catalog: bool
) -> Iterator[tuple[str, Any, str]]:
    """Values wrong for what a member names, though well-typed."""
    if key == "sku" and not catalog:
        yield "unknown SKU", UNKNOWN_SKU, REJECT
    if key in ("location", "from_location", "to_location") and not catalog:
        yield "unknown location", UNKNOWN_LOCATION, REJECT
        yield "lower-case location", "a", REJECT
        for other in ("A", "B"):
            yield f"location {other}", other, TOLERATE
    if key in ID_KEYS:
        yield "not a UUID", "not-a-uuid", REJECT
        yield "UUID with junk", "0191e0c2-7c8a-7d3e-8f00-00000000000g", REJECT
    if key == "reservation_id":
        yield "unknown reservation", new_op_id(), REJECT
    if key == "gtins" or (path and path[-2:-1] == ("gtins",)):
        yield "GTIN with a wrong check digit", "4006381333932", REJECT
        yield "GTIN of 9 digits", "123456789", REJECT
        yield "GTIN with letters", "40063813339AB", REJECT
    if key == "timezone":
        yield "unknown time zone", "Mars/Olympus_Mons", REJECT
        yield "time zone path", "../../etc/passwd", REJECT
        yield "absolute time zone", "/etc/localtime", REJECT
        yield "time zone offset", "+25:00", REJECT
    if key == "occurred_at":
        yield "naive time", "2026-03-02T09:00:00", REJECT
        yield "not a time", "yesterday", REJECT
        yield "time at the end of the calendar", "9999-12-31T23:59:59-05:00", TOLERATE
        yield "time at the start of the calendar", "0001-01-01T00:00:00+05:00", TOLERATE
    if key == "currency":
        yield "lower-case currency", "eur", REJECT
    if key in ("kind", "op", "movement", "role"):
        yield "unknown choice", "teleport", REJECT


def _contract_accepts(model: type[BaseModel] | None, content: bytes) -> bool:
    if model is None:
        return False
    try:
        model.model_validate(json.loads(content))
    except Exception:
        return False
    return True


def body_cases(route: tuple[str, str], sample: Sample) -> Iterator[Case]:
    method = route[0]
    raw = [
        ("malformed JSON", b'{"op_id": '),
        ("unterminated object", b"{"),
        ("empty body", b""),
        ("JSON array", b"[]"),
        ("JSON string", b'"text"'),
        ("JSON number", b"42"),
        ("JSON null", b"null"),
        ("JSON true", b"true"),
        ("invalid UTF-8", b"\xff\xfe\xfd"),
        ("deeply nested", b"[" * 50_000),
        ("5,000-digit number", b'{"n": 1' + b"0" * 5_000 + b"}"),
        ("trailing garbage", dumps(sample.body) + b"}"),
    ]
    for label, content in raw:
        yield Case(f"body: {label}", method, content=content)
    valid = dumps(sample.body)
    yield Case(
        "body: text/plain", method, content=valid, content_type="text/plain", expect=TOLERATE
    )
    yield Case("body: no content-type", method, content=valid, content_type=None, expect=TOLERATE)
    for path, value in leaves(sample.body):
        where = ".".join(str(step) for step in path) or "(root)"
        for what, new_value, expect in member_mutations(sample.body, path, value, route):
            content = dumps(replaced(sample.body, path, new_value))
            if expect == TOLERATE and not _contract_accepts(sample.model, content):
                expect = REJECT
            op_index = path[1] if len(path) >= 2 and path[0] == "ops" else None
            yield Case(
                f"body {where}: {what}", method, content=content, expect=expect, op_index=op_index
            )


def _int_values(schema: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    low = schema.get("minimum", -(2**63))
    high = schema.get("maximum", 2**63)

    def judged(number: int) -> str:
        return TOLERATE if low <= number <= high else REJECT

    yield "-1", "-1", REJECT
    yield "0", "0", judged(0)
    yield "text", "abc", REJECT
    yield "fraction", "1.5", REJECT
    yield "10**30", str(10**30), REJECT
    yield "2**63", str(2**63), REJECT
    yield "2**31", str(2**31), judged(2**31)
    if "maximum" in schema:
        yield "maximum", str(high), TOLERATE
        yield "maximum + 1", str(high + 1), REJECT


def _string_values(schema: dict[str, Any], where: str) -> Iterator[tuple[str, str, str]]:
    yield "10,000 characters", LONG, REJECT
    yield "NUL character", "A\x00B", REJECT
    yield "unicode", "ünï✓", REJECT
    yield "dot segments", "../..", REJECT
    if schema.get("format") == "uuid":
        yield "not a UUID", "not-a-uuid", REJECT
        yield "short hex", "1234", REJECT
        yield "unknown UUID", new_op_id(), REJECT
        yield "nil UUID", "00000000-0000-0000-0000-000000000000", REJECT
    elif where == "query":
        yield "unknown location", UNKNOWN_LOCATION, REJECT
        yield "lower-case location", "a", REJECT
        yield "other location", "B", TOLERATE
    elif where == "created":
        yield "a new name", UNKNOWN_SKU, TOLERATE
    else:
        yield "unknown name", UNKNOWN_SKU, REJECT
        yield "GTIN with a wrong check digit", "4006381333932", REJECT
        yield "unknown GTIN", "96385074", REJECT


def _schema_of(parameter: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = parameter.get("schema", {})
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return {**schema, **option}
    return schema


def parameter_cases(
    app_parameters: list[dict[str, Any]], route: tuple[str, str], sample: Sample
) -> Iterator[Case]:
    method = route[0]
    content = dumps(sample.body) if sample.body is not None else None
    for parameter in app_parameters:
        name, where, schema = parameter["name"], parameter["in"], _schema_of(parameter)
        if schema.get("type") == "integer":
            values = list(_int_values(schema))
        elif method == "PUT" and route[1].endswith("{" + name + "}"):
            # PUT on the thing the parameter names creates it when it does not exist yet
            values = list(_string_values(schema, "created"))
        else:
            values = list(_string_values(schema, where))
        for what, value, expect in values:
            label = f"{where} {name}: {what}"
            if where == "path":
                params = {**sample.path_params, name: value}
                yield Case(label, method, path_params=params, content=content, expect=expect)
            else:
                query = {**sample.query, name: value}
                yield Case(label, method, query=query, content=content, expect=expect)


def route_cases(
    app_parameters: list[dict[str, Any]], route: tuple[str, str], sample: Sample
) -> list[Case]:
    content = dumps(sample.body) if sample.body is not None else None
    cases = [
        Case("the valid sample itself", route[0], content=content, expect=ACCEPT),
        Case("unsupported method", "PATCH", content=None, status=405),
    ]
    if sample.body is not None:
        cases.extend(body_cases(route, sample))
    cases.extend(parameter_cases(app_parameters, route, sample))
    return cases


# --- sending and judging ---------------------------------------------------------------------


def _fresh_ids(content: bytes, sample: Sample) -> bytes:
    """New operation ids for each case, so every case reaches the ledger's own checks."""
    originals = {
        value
        for path, value in leaves(sample.body)
        if path and path[-1] in ID_KEYS and isinstance(value, str)
    }
    text = content.decode("utf-8", errors="surrogateescape")
    for original in originals:
        text = text.replace(f'"{original}"', f'"{new_op_id()}"')
    return text.encode("utf-8", errors="surrogateescape")


def send(
    client: TestClient, ledger: Ledger, route: tuple[str, str], sample: Sample, case: Case
) -> Any:
    if case.path_params is not None:
        params = case.path_params
    elif sample.fresh_path is not None and case.method == route[0]:
        params = sample.fresh_path()
    else:
        params = sample.path_params
    content = case.content
    if content is not None and case.content_type is not None:
        content = _fresh_ids(content, sample)
    headers = dict(ledger.admin)
    if case.content_type is not None and content is not None:
        headers["content-type"] = case.content_type
    return client.request(
        case.method,
        fill(route[1], params),
        content=content,
        params=sample.query if case.query is None else case.query,
        headers=headers,
    )


def judge(route: tuple[str, str], case: Case, reply: Any) -> list[str]:
    issues = reply_issues(reply)
    status = reply.status_code
    if case.status is not None and status != case.status:
        issues.append(f"status {status}, expected {case.status}")
    bulk = route == ("POST", "/v1/ops") and status == 200
    results = reply.json()["results"] if bulk else []
    for index, result in enumerate(results):
        if result["status"] >= 500:
            issues.append(f"operation {index} got {result['status']}: {result['body']}")
        elif result["status"] >= 400:
            issues.extend(
                f"operation {index}: {p}" for p in problem_issues(result["body"], result["status"])
            )
    refused = not 200 <= status < 300 or any(r["status"] >= 300 for r in results)
    if case.expect == ACCEPT and refused:
        issues.append(f"the valid sample was refused: {status} {reply.text[:300]}")
    if case.expect == REJECT:
        if bulk and case.op_index is not None:
            own = results[case.op_index]["status"]
            if own < 400:
                issues.append(f"operation {case.op_index} accepted with {own}")
        elif status < 400:
            issues.append(f"accepted with {status}: {reply.text[:200]}")
    return issues


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_malformed_input_gets_a_problem_never_a_500(shared: Ledger, route: tuple[str, str]) -> None:
    builder = ROUTE_SAMPLES.get(route)
    assert builder is not None, (
        f"no sample for {route_id(route)}: add one to tests/support/route_samples.py"
    )
    sample = builder(shared)
    parameters = openapi_parameters(shared.client.app, *route)  # type: ignore[arg-type]
    cases = route_cases(parameters, route, sample)
    failures = []
    for case in cases:
        reply = send(shared.client, shared, route, sample, case)
        failures.extend(f"{case.label} -> {issue}" for issue in judge(route, case, reply))
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(
        failures[:60]
    )


def test_every_api_route_has_malformed_input_cases() -> None:
    """A new route without a sample (hence without malformed-input coverage) fails here."""
    assert ROUTES, "found no routes in the app"
    assert set(ROUTE_SAMPLES) == set(ROUTES), {
        "routes without a sample": sorted(set(ROUTES) - set(ROUTE_SAMPLES)),
        "samples of routes that do not exist": sorted(set(ROUTE_SAMPLES) - set(ROUTES)),
    }


# --- a few named cases with their exact problem type ------------------------------------------

RECEIPT = {"kind": "receipt", "sku": "S1", "location": "A", "qty": 1}
ITEM = {
    "sku": "S9",
    "reference": "REF-9",
    "name": "Balconnet",
    "size": "85B",
    "colour": "noir",
    "gtins": ["4006381333931"],
    "price_minor": 4990,
}
LOCATION = {
    "code": "C",
    "kind": "store",
    "name": "Store C",
    "timezone": "Europe/Paris",
    "latitude": 43.3,
    "longitude": 5.37,
}

NAMED = [
    ("since=-1", "GET", "/v1/changes?since=-1", None, 422, "validation"),
    ("since=10**30", "GET", f"/v1/changes?since={10**30}", None, 422, "validation"),
    ("limit=0", "GET", "/v1/changes?limit=0", None, 422, "validation"),
    ("audit limit=0", "GET", "/v1/audit?limit=0", None, 422, "validation"),
    ("feed of unknown location", "GET", "/v1/changes?location=ZZ", None, 422, "unknown-location"),
    (
        "report of unknown location",
        "GET",
        "/v1/reports/suspect-positions?location=ZZ",
        None,
        422,
        "unknown-location",
    ),
    ("audit of unknown location", "GET", "/v1/audit?location=ZZ", None, 422, "unknown-location"),
    ("token id beyond 32 bits", "DELETE", f"/v1/tokens/{2**31}", None, 422, "validation"),
    ("invalid UUID in path", "GET", "/v1/reservations/not-a-uuid", None, 422, "validation"),
    ("unknown reservation", "GET", "/v1/reservations/{uuid}", None, 404, "not-found"),
    (
        "zero quantity",
        "POST",
        "/v1/movements",
        {"lines": [{**RECEIPT, "qty": 0}]},
        422,
        "validation",
    ),
    (
        "negative quantity",
        "POST",
        "/v1/movements",
        {"lines": [{**RECEIPT, "qty": -3}]},
        422,
        "validation",
    ),
    (
        "2**63 quantity",
        "POST",
        "/v1/movements",
        {"lines": [{**RECEIPT, "qty": 2**63}]},
        422,
        "validation",
    ),
    ("empty lines", "POST", "/v1/movements", {"lines": []}, 422, "validation"),
    ("empty reservation", "POST", "/v1/reservations", {"lines": []}, 422, "validation"),
    ("unknown member", "POST", "/v1/movements", {"lines": [RECEIPT], "x": 1}, 422, "validation"),
    (
        "unknown SKU",
        "POST",
        "/v1/movements",
        {"lines": [{**RECEIPT, "sku": "NOPE"}]},
        422,
        "unknown-sku",
    ),
    (
        "unknown location",
        "POST",
        "/v1/movements",
        {"lines": [{**RECEIPT, "location": "ZZ"}]},
        422,
        "unknown-location",
    ),
    (
        "invalid GTIN",
        "PUT",
        "/v1/items",
        {"items": [{**ITEM, "gtins": ["4006381333932"]}]},
        422,
        "validation",
    ),
    (
        "bad time zone",
        "PUT",
        "/v1/locations",
        {"locations": [{**LOCATION, "timezone": "Mars/Base"}]},
        422,
        "validation",
    ),
    (
        "unknown location for a token",
        "POST",
        "/v1/tokens",
        {"location": "ZZ", "role": "associate"},
        422,
        "unknown-location",
    ),
    (
        "count ahead of the ledger",
        "POST",
        "/v1/counts",
        {"sku": "S1", "location": "A", "counted": 1, "as_of_seq": 2**62},
        409,
        "stale-count",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "slug"),
    [case[1:] for case in NAMED],
    ids=[case[0] for case in NAMED],
)
def test_named_malformed_input_gets_its_problem_type(
    shared: Ledger,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    status: int,
    slug: str,
) -> None:
    ledger = shared
    before = ledger.snapshot()
    payload = None if body is None else {**body}
    if payload is not None and path not in ("/v1/items", "/v1/locations", "/v1/tokens"):
        payload["op_id"] = new_op_id()
    reply = ledger.send(method, path.replace("{uuid}", new_op_id()), payload)
    assert_problem(reply, status, slug)
    after = ledger.snapshot()
    after.pop("stored_outcomes")
    before.pop("stored_outcomes")
    assert after == before

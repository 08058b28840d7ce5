"""Who may do what where: role x location x endpoint, tokens, revocation and the audit trail.

Every device token belongs to store A here; each endpoint is tried by an associate, a manager and
an admin, at A (its own store) and at B (another store). A refused attempt is a 403 problem and
changes nothing; an allowed change writes exactly one audit row naming the device, its role, the
location changed and the operation id, which that location's manager can read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import MetaData, make_url, select

from ordersync.contract import Role
from tests.support.api_routes import PUBLIC_ROUTES, api_routes, fill, route_id
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.problems import assert_problem
from tests.support.route_samples import ROUTE_SAMPLES

ROLES = [Role.ASSOCIATE, Role.MANAGER, Role.ADMIN]
TARGETS = ["A", "B"]
OWN = "A"
RANK = {Role.ASSOCIATE: 0, Role.MANAGER: 1, Role.ADMIN: 2}
DEVICE = "test-device"


@dataclass
class Attempt:
    """What one try did: the reply, the op ids it carried, where its change belongs."""

    reply: httpx.Response
    op_ids: list[str] = field(default_factory=list)
    audit_location: str | None = None
    """Where the change happened, hence whose manager must see its audit row."""
    bulk: bool = False
    audit_without_op: set[str] | None = None
    """For changes without an op id (catalog, tokens): the locations its row may name."""


Act = Callable[[dict[str, str]], Attempt]
"""The try itself, given the caller's headers; made after its setup."""


@dataclass
class Endpoint:
    name: str
    minimum: Role
    scoped: bool
    """True when a store device may use it only at its own location."""
    prepare: Callable[[Ledger, str, str], Act]
    """(ledger, target location, sku of the test) -> the try, its setup done."""
    changes: bool = True

    def allowed(self, role: Role, target: str) -> bool:
        if RANK[role] < RANK[self.minimum]:
            return False
        return not self.scoped or role is Role.ADMIN or target == OWN


def _other(location: str) -> str:
    return "B" if location == "A" else "A"


def _movement(line: dict[str, Any]) -> Callable[[Ledger, str, str], Act]:
    def prepare(ledger: Ledger, target: str, sku: str) -> Act:
        names = {"target": target, "other": _other(target), "sku": sku}
        filled = {k: v.format(**names) if isinstance(v, str) else v for k, v in line.items()}

        def act(headers: dict[str, str]) -> Attempt:
            op_id = new_op_id()
            body = {"op_id": op_id, "lines": [filled]}
            return Attempt(ledger.send("POST", "/v1/movements", body, headers), [op_id], target)

        return act

    return prepare


def _reserve(ledger: Ledger, target: str, sku: str) -> Act:
    def act(headers: dict[str, str]) -> Attempt:
        op_id = new_op_id()
        body = {"op_id": op_id, "lines": [{"sku": sku, "location": target, "qty": 1}]}
        return Attempt(ledger.send("POST", "/v1/reservations", body, headers), [op_id], target)

    return act


def _held_at(ledger: Ledger, target: str, sku: str) -> str:
    """A pending reservation owned by store ``target`` (made by its own associate)."""
    return ledger.reserve(sku, target, 1, ledger.headers(target, Role.ASSOCIATE))


def _end_reservation(action: str) -> Callable[[Ledger, str, str], Act]:
    def prepare(ledger: Ledger, target: str, sku: str) -> Act:
        path = f"/v1/reservations/{_held_at(ledger, target, sku)}/{action}"

        def act(headers: dict[str, str]) -> Attempt:
            op_id = new_op_id()
            return Attempt(ledger.send("POST", path, {"op_id": op_id}, headers), [op_id], target)

        return act

    return prepare


def _read_reservation(ledger: Ledger, target: str, sku: str) -> Act:
    path = f"/v1/reservations/{_held_at(ledger, target, sku)}"
    return lambda headers: Attempt(ledger.send("GET", path, headers=headers))


def _count(ledger: Ledger, target: str, sku: str) -> Act:
    counted = ledger.stock(target, sku)[0] + 1
    as_of = ledger.head()

    def act(headers: dict[str, str]) -> Attempt:
        op_id = new_op_id()
        body = {
            "op_id": op_id,
            "sku": sku,
            "location": target,
            "counted": counted,
            "as_of_seq": as_of,
        }
        return Attempt(ledger.send("POST", "/v1/counts", body, headers), [op_id], target)

    return act


def _safety_stock(ledger: Ledger, target: str, sku: str) -> Act:
    path = f"/v1/positions/{target}/{sku}/safety-stock"
    level = ledger.stock(target, sku)[2] + 1

    def act(headers: dict[str, str]) -> Attempt:
        op_id = new_op_id()
        body = {"op_id": op_id, "safety_stock": level}
        return Attempt(ledger.send("PUT", path, body, headers), [op_id], target)

    return act


def _read(path: str, **params: str) -> Callable[[Ledger, str, str], Act]:
    def prepare(ledger: Ledger, target: str, sku: str) -> Act:
        url = path.format(target=target, sku=sku)
        query = {name: value.format(target=target) for name, value in params.items()}
        return lambda headers: Attempt(ledger.send("GET", url, params=query, headers=headers))

    return prepare


def _ops(ledger: Ledger, target: str, sku: str) -> Act:
    def act(headers: dict[str, str]) -> Attempt:
        op_id = new_op_id()
        line = {"kind": "receipt", "sku": sku, "location": target, "qty": 1}
        push = {"ops": [{"op": "movements", "op_id": op_id, "lines": [line]}]}
        return Attempt(ledger.send("POST", "/v1/ops", push, headers), [op_id], target, bulk=True)

    return act


def _items(ledger: Ledger, target: str, sku: str) -> Act:
    current = ledger.send("GET", f"/v1/items/{sku}")
    assert current.status_code == 200, current.text
    item = {**current.json(), "name": f"Renamed at {target}", "price_minor": 2990}
    return lambda headers: Attempt(
        ledger.send("PUT", "/v1/items", {"items": [item]}, headers), audit_without_op={OWN}
    )


def _locations(ledger: Ledger, target: str, sku: str) -> Act:
    location = {
        "code": target,
        "kind": "store",
        "name": f"Store {target}",
        "timezone": "Europe/Paris",
        "latitude": 45.0,
        "longitude": 4.0,
        "daily_job_capacity": 20,
    }
    return lambda headers: Attempt(
        ledger.send("PUT", "/v1/locations", {"locations": [location]}, headers),
        audit_without_op={OWN},
    )


def _issue_token(ledger: Ledger, target: str, sku: str) -> Act:
    body = {"location": target, "role": "associate", "device": "till-9"}
    return lambda headers: Attempt(
        ledger.send("POST", "/v1/tokens", body, headers), audit_without_op={OWN, target}
    )


def _revoke_token(ledger: Ledger, target: str, sku: str) -> Act:
    issued = ledger.send("POST", "/v1/tokens", {"location": target, "role": "associate"})
    assert issued.status_code == 201, issued.text
    path = f"/v1/tokens/{issued.json()['token_id']}"
    return lambda headers: Attempt(
        ledger.send("DELETE", path, headers=headers), audit_without_op={OWN, target}
    )


def _line(kind: str, **members: Any) -> dict[str, Any]:
    return {"kind": kind, "sku": "{sku}", "location": "{target}", **members}


TRANSFER = {
    "kind": "transfer",
    "sku": "{sku}",
    "from_location": "{target}",
    "to_location": "{other}",
    "qty": 1,
}
ASSOCIATE, MANAGER, ADMIN = Role.ASSOCIATE, Role.MANAGER, Role.ADMIN
ENDPOINTS = [
    Endpoint("receipt", ASSOCIATE, True, _movement(_line("receipt", qty=2))),
    Endpoint("sale", ASSOCIATE, True, _movement(_line("sale", qty=1))),
    Endpoint("return", ASSOCIATE, True, _movement(_line("return", qty=1))),
    Endpoint("adjustment", MANAGER, True, _movement(_line("adjustment", delta=1, reason="found"))),
    # the instant transfer is an admin's correction; goods travel by transfer documents
    Endpoint("instant transfer", ADMIN, True, _movement(TRANSFER)),
    Endpoint("reserve", ASSOCIATE, True, _reserve),
    Endpoint("commit", ASSOCIATE, True, _end_reservation("commit")),
    Endpoint("release", ASSOCIATE, True, _end_reservation("release")),
    Endpoint("read reservation", ASSOCIATE, True, _read_reservation, changes=False),
    Endpoint("count", ASSOCIATE, True, _count),
    Endpoint("safety stock", MANAGER, True, _safety_stock),
    Endpoint("ops", ASSOCIATE, True, _ops),
    Endpoint("feed", ASSOCIATE, True, _read("/v1/changes", location="{target}"), changes=False),
    Endpoint(
        "suspect positions",
        MANAGER,
        True,
        _read("/v1/reports/suspect-positions", location="{target}"),
        changes=False,
    ),
    Endpoint("audit", MANAGER, True, _read("/v1/audit", location="{target}"), changes=False),
    Endpoint("position", ASSOCIATE, False, _read("/v1/positions/{target}/{sku}"), changes=False),
    Endpoint("availability", ASSOCIATE, False, _read("/v1/availability/skus/{sku}"), changes=False),
    Endpoint("items", ADMIN, False, _items),
    Endpoint("locations", ADMIN, False, _locations),
    Endpoint("issue token", ADMIN, False, _issue_token),
    Endpoint("revoke token", ADMIN, False, _revoke_token),
]


def _check_audit(
    ledger: Ledger, attempt: Attempt, role: Role, token_id: int, last_id: int
) -> list[str]:
    """Exactly one audit row names the caller, its role and device, and where it acted."""
    expected = {"actor": token_id, "role": role.value, "device": DEVICE}
    issues = []
    if not attempt.op_ids:
        rows = ledger.audit_after(last_id)
        if len(rows) != 1:
            return [f"{len(rows)} audit rows written, expected 1: {rows}"]
        seen = {key: rows[0][key] for key in expected}
        if seen != expected:
            issues.append(f"audit row {seen} != {expected}")
        where = rows[0]["location"]
        if where not in (attempt.audit_without_op or set()):
            issues.append(f"audit row at {where!r}, expected one of {attempt.audit_without_op}")
        elif not any(entry["id"] == rows[0]["id"] for entry in ledger.audit_api(where, last_id)):
            issues.append(f"the manager of {where} cannot see audit row {rows[0]['id']}")
        return issues
    for op_id in attempt.op_ids:
        rows = ledger.audit_rows(op_id)
        if len(rows) != 1:
            issues.append(f"{len(rows)} audit rows for op {op_id}, expected 1")
            continue
        seen = {key: rows[0][key] for key in (*expected, "location")}
        wanted = {**expected, "location": attempt.audit_location}
        if seen != wanted:
            issues.append(f"audit row {seen} != {wanted}")
        elif not any(
            entry["op_id"] == op_id
            for entry in ledger.audit_api(str(attempt.audit_location), last_id)
        ):
            issues.append(f"the manager of {attempt.audit_location} cannot see op {op_id}")
    return issues


def _outcome(attempt: Attempt) -> tuple[int, dict[str, Any]]:
    if attempt.bulk:
        assert attempt.reply.status_code == 200, attempt.reply.text
        [result] = attempt.reply.json()["results"]
        return result["status"], result["body"]
    body = attempt.reply.json() if attempt.reply.content else {}
    return attempt.reply.status_code, body if isinstance(body, dict) else {}


def _unchanged(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What a refused attempt changed (its stored refusal aside)."""
    return [key for key in before if key != "stored_outcomes" and before[key] != after[key]]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_role_and_location_decide_access(shared: Ledger, endpoint: Endpoint) -> None:
    ledger = shared
    sku = ledger.new_sku()
    callers = {role: ledger.headers(OWN, role) for role in ROLES}
    for target in TARGETS:  # tokens issued up front: issuing one writes an audit row
        ledger.headers(target, Role.ASSOCIATE)
        ledger.headers(target, Role.MANAGER)
    token_ids = {role: ledger.token_id(headers) for role, headers in callers.items()}
    for location in TARGETS:
        ledger.receive(sku, location, 100)
    failures = []
    for role in ROLES:
        for target in TARGETS:
            label = f"{role.value} of {OWN} at {target}"
            act = endpoint.prepare(ledger, target, sku)
            before = ledger.snapshot([sku])
            last_id = ledger.last_audit_id()
            attempt = act(callers[role])
            status, body = _outcome(attempt)
            if not endpoint.allowed(role, target):
                if status != 403 or body.get("type") != "urn:ordersync:problem:forbidden":
                    failures.append(f"{label}: expected 403 forbidden, got {status} {body}")
                    continue
                if not attempt.bulk:
                    assert_problem(attempt.reply, 403, "forbidden")
                changed = _unchanged(before, ledger.snapshot([sku]))
                if changed:
                    failures.append(f"{label}: the refused attempt changed {changed}")
            elif not 200 <= status < 300:
                failures.append(f"{label}: expected success, got {status} {body}")
            elif endpoint.changes:
                failures.extend(
                    f"{label}: {issue}"
                    for issue in _check_audit(ledger, attempt, role, token_ids[role], last_id)
                )
            elif ledger.last_audit_id() != last_id:
                failures.append(f"{label}: a read wrote an audit row")
    assert not failures, "\n".join(failures)


def test_every_reservation_of_another_store_is_out_of_reach(shared: Ledger) -> None:
    """Store A's devices cannot read, commit or release B's reservation, and it stays intact."""
    ledger = shared
    sku = ledger.new_sku()
    ledger.receive(sku, "B", 5)
    held = ledger.reserve(sku, "B", 2, ledger.headers("B", Role.ASSOCIATE))
    for role in (Role.ASSOCIATE, Role.MANAGER):
        headers = ledger.headers("A", role)
        reply = ledger.send("GET", f"/v1/reservations/{held}", headers=headers)
        assert_problem(reply, 403, "forbidden")
        for action in ("commit", "release"):
            path = f"/v1/reservations/{held}/{action}"
            assert_problem(ledger.send("POST", path, {"op_id": new_op_id()}, headers), 403)
    assert ledger.reservation_state(held) == "pending"
    assert ledger.stock("B", sku)[:2] == (5, 2)
    path = f"/v1/reservations/{held}/commit"  # and B's own associate still can
    reply = ledger.send("POST", path, {"op_id": new_op_id()}, ledger.headers("B"))
    assert reply.status_code == 200, reply.text
    assert ledger.stock("B", sku)[:2] == (3, 0)


# --- no token, a bad one, a revoked one ------------------------------------------------------


def _credentials(ledger: Ledger) -> dict[str, dict[str, str]]:
    issued = ledger.send("POST", "/v1/tokens", {"location": "A", "role": "admin", "device": "old"})
    assert issued.status_code == 201, issued.text
    revoked = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert ledger.client.get("/v1/me", headers=revoked).status_code == 200
    gone = ledger.send("DELETE", f"/v1/tokens/{issued.json()['token_id']}")
    assert gone.status_code == 204, gone.text
    return {
        "no token": {},
        "garbage token": {"Authorization": "Bearer osk_not-a-real-token"},
        "empty bearer": {"Authorization": "Bearer "},
        "basic scheme": {"Authorization": "Basic YWRtaW46YWRtaW4="},
        "valid token without scheme": {"Authorization": ledger.admin["Authorization"][7:]},
        "revoked token": revoked,
    }


def test_every_route_but_health_demands_a_valid_token(shared: Ledger) -> None:
    ledger = shared
    routes = api_routes(ledger.client.app)  # type: ignore[arg-type]
    guarded = sorted(routes - PUBLIC_ROUTES)
    missing = [route_id(route) for route in routes if route not in ROUTE_SAMPLES]
    assert not missing, f"routes without a sample in tests/support/route_samples.py: {missing}"
    samples = {route: ROUTE_SAMPLES[route](ledger) for route in guarded}
    credentials = _credentials(ledger)
    before = ledger.snapshot()
    failures = []
    for route in guarded:
        sample = samples[route]
        path = fill(route[1], sample.path_params)
        for name, headers in credentials.items():
            reply = ledger.client.request(
                route[0], path, json=sample.body, params=sample.query, headers=headers
            )
            label = f"{route_id(route)} with {name}"
            if reply.status_code != 401:
                failures.append(f"{label}: {reply.status_code} {reply.text[:200]}")
                continue
            try:
                assert_problem(reply, 401, "unauthorized")
            except AssertionError as error:
                failures.append(f"{label}: {error}")
            if "bearer" not in reply.headers.get("www-authenticate", "").lower():
                failures.append(f"{label}: no WWW-Authenticate: Bearer header")
    assert not failures, "\n".join(failures)
    assert ledger.snapshot() == before
    for method, path in PUBLIC_ROUTES:
        assert ledger.client.request(method, path).status_code == 200


# --- tokens at rest ---------------------------------------------------------------------------


def test_tokens_are_stored_only_as_hashes(shared: Ledger) -> None:
    ledger = shared
    clear = []
    for location, role in (("A", "associate"), ("B", "manager"), ("WH", "admin")):
        reply = ledger.send("POST", "/v1/tokens", {"location": location, "role": role})
        assert reply.status_code == 201, reply.text
        assert reply.json()["token"]
        clear.append(reply.json()["token"])
    clear.extend(ledger.network.tokens.values())

    metadata = MetaData()
    metadata.reflect(ledger.network.engine)
    tokens_table = metadata.tables["device_tokens"]
    with ledger.network.engine.connect() as connection:
        stored_hashes = {row.token_hash for row in connection.execute(select(tokens_table))}
        everything = [
            str(tuple(row))
            for table in metadata.sorted_tables
            for row in connection.execute(select(table))
        ]
    for token in clear:
        assert hashlib.sha256(token.encode()).hexdigest() in stored_hashes
        assert not any(token in row for row in everything), "a clear token is in the database"
        assert not any(token[4:] in row for row in everything), "a clear token is in the database"
    database = make_url(ledger.network.url).database
    if ledger.network.url.startswith("sqlite") and database:
        for suffix in ("", "-wal"):
            file = Path(database + suffix)
            if file.exists():
                raw = file.read_bytes()
                assert not any(token.encode() in raw for token in clear), file

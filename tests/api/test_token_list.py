"""``GET /v1/tokens``: the admin's list of device tokens, and the last use each one records.

The list never carries a token's secret nor its hash; it shows active tokens unless revoked ones
are asked for, and one location's with ``?location=``. A token's last use is stamped when it
authenticates a request, at most once a minute per server process: the test drives both the
ledger's clock and the process's monotonic clock.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest

from ordersync.contract import Role, TokenInfo
from ordersync.runtime import LedgerRuntime
from ordersync.services.tokens import TokenCache
from tests.support.ledger_api import Ledger
from tests.support.problems import assert_problem


def _listed(ledger: Ledger, **query: Any) -> list[dict[str, Any]]:
    reply = ledger.send("GET", "/v1/tokens", headers=ledger.admin, params=query)
    assert reply.status_code == 200, reply.text
    listed: list[dict[str, Any]] = reply.json()
    return listed


def _issue(ledger: Ledger, location: str, role: str, device: str) -> tuple[int, str]:
    reply = ledger.send(
        "POST", "/v1/tokens", {"location": location, "role": role, "device": device}, ledger.admin
    )
    assert reply.status_code == 201, reply.text
    return reply.json()["token_id"], reply.json()["token"]


def _runtime(ledger: Ledger) -> LedgerRuntime:
    runtime: LedgerRuntime = ledger.client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def _writer_done(ledger: Ledger) -> None:
    """Wait until the writer has applied everything queued so far (it works in order)."""
    _runtime(ledger).writer.submit(lambda tx: None).result(timeout=30)


def test_only_an_admin_lists_tokens(shared: Ledger) -> None:
    for role in (Role.ASSOCIATE, Role.MANAGER):
        refused = shared.send("GET", "/v1/tokens", headers=shared.headers("A", role))
        assert_problem(refused, 403, "forbidden")
    assert _listed(shared)


def test_the_list_shows_every_field_but_never_the_secret_or_its_hash(shared: Ledger) -> None:
    token_id, token = _issue(shared, "B", "manager", "back-office")
    reply = shared.send("GET", "/v1/tokens", headers=shared.admin)
    assert reply.status_code == 200, reply.text
    listed = {entry["token_id"]: entry for entry in reply.json()}
    assert set(listed[token_id]) == set(TokenInfo.model_fields)
    entry = listed[token_id]
    assert (entry["location"], entry["role"], entry["device"]) == ("B", "manager", "back-office")
    assert entry["created_at"] == shared.clock.now().isoformat().replace("+00:00", "Z")
    assert entry["revoked_at"] is None
    for secret in [token, *shared.network.tokens.values()]:
        assert secret not in reply.text
        assert secret[4:] not in reply.text
        assert hashlib.sha256(secret.encode()).hexdigest() not in reply.text


def test_revoked_tokens_are_listed_only_when_asked_for(shared: Ledger) -> None:
    token_id, _ = _issue(shared, "B", "associate", "till-to-revoke")
    revoked = shared.send("DELETE", f"/v1/tokens/{token_id}", headers=shared.admin)
    assert revoked.status_code == 204, revoked.text

    assert token_id not in {entry["token_id"] for entry in _listed(shared)}
    everything = {entry["token_id"]: entry for entry in _listed(shared, include_revoked="true")}
    assert everything[token_id]["revoked_at"] is not None
    assert all(entry["revoked_at"] is None for entry in _listed(shared))


def test_the_location_filter_lists_one_location(shared: Ledger) -> None:
    token_id, _ = _issue(shared, "WH", "associate", "scanner-1")
    at_warehouse = _listed(shared, location="WH")
    assert token_id in {entry["token_id"] for entry in at_warehouse}
    assert {entry["location"] for entry in at_warehouse} == {"WH"}
    assert token_id not in {entry["token_id"] for entry in _listed(shared, location="A")}
    unknown = shared.send("GET", "/v1/tokens", headers=shared.admin, params={"location": "ZZ"})
    assert_problem(unknown, 422, "unknown-location")


def test_last_use_is_recorded_at_most_once_a_minute_per_process(
    shared: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    elapsed = [0.0]
    cache = TokenCache(0, monotonic=lambda: elapsed[0])
    monkeypatch.setattr(_runtime(shared), "tokens", cache)
    token_id, token = _issue(shared, "A", "associate", "till-last-use")
    headers = {"Authorization": f"Bearer {token}"}

    def last_used() -> str | None:
        _writer_done(shared)
        [entry] = [e for e in _listed(shared, location="A") if e["token_id"] == token_id]
        used: str | None = entry["last_used_at"]
        return used

    def iso(moment: Any) -> str:
        return str(moment.isoformat().replace("+00:00", "Z"))

    assert last_used() is None
    first_use = shared.clock.now()
    assert shared.send("GET", "/v1/me", headers=headers).status_code == 200
    assert last_used() == iso(first_use)

    # within the minute: more requests, no new stamp (the ledger's time has moved on)
    for _ in range(3):
        elapsed[0] += 15
        shared.clock.advance(timedelta(seconds=15))
        assert shared.send("GET", "/v1/me", headers=headers).status_code == 200
    assert last_used() == iso(first_use)

    elapsed[0] += 16
    shared.clock.advance(timedelta(seconds=16))
    assert shared.send("GET", "/v1/me", headers=headers).status_code == 200
    assert last_used() == iso(shared.clock.now())
    assert last_used() != iso(first_use)

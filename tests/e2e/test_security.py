"""Tokens on a real server: never in its output, never echoed, and dead once revoked.

The server runs as an operator would run it at its most talkative (``--log-level trace
--access-log``, two workers). Tokens are issued with ``ordersync token create`` and through the
API, then sent where they belong and where they do not (query strings, paths, body fields, other
headers, wrong schemes, mangled, revoked). Afterwards no token may appear in anything the server
wrote (stdout, stderr, any file in its working directory) nor in any problem document it answered;
the command that issued a token shows it exactly once, and the database holds only its hash.

Revocation is checked against the token cache of each worker: a token that was just used (so is
cached) and then revoked, through the API or with ``ordersync token revoke`` while the server runs,
is refused with a 401 problem on every worker once ``ORDERSYNC_TOKEN_CACHE_SECONDS`` has passed.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from ordersync.contract import PROBLEM_MEDIA_TYPE, Role, uuid7
from tests.support.ledger_harness import Network
from tests.support.ledger_server import CommandResult, LedgerServer, run_ordersync, start_server

pytestmark = pytest.mark.e2e

TOKEN_LINE = re.compile(r"^osk_[A-Za-z0-9_-]{20,}$")
TOKEN_CACHE_SECONDS = 2.0
"""The server's default ``ORDERSYNC_TOKEN_CACHE_SECONDS`` (the children get no ORDERSYNC_* set)."""
WORKERS = 2


def serve_verbose(network: Network, log_dir: Path) -> LedgerServer:
    """``ordersync serve`` with every log it can write, its output kept under ``log_dir``."""
    return start_server(
        network.url, network, WORKERS, log_dir, options=("--log-level", "trace", "--access-log")
    )


def create_token(network: Network, cwd: Path, location: str, role: str) -> tuple[str, int]:
    """``ordersync token create``: the token is on the last line, and only there."""
    result = run_ordersync(
        "--database-url", network.url, "token", "create", "--location", location, "--role", role,
        cwd=cwd,
    )  # fmt: skip
    assert result.returncode == 0, result.describe()
    token = result.stdout.rstrip("\n").split("\n")[-1]
    assert TOKEN_LINE.match(token), result.describe()
    assert (result.stdout + result.stderr).count(token) == 1, result.describe()
    assert token[4:] not in result.stdout.rsplit("\n", 2)[0], result.describe()
    found = re.search(r"token (\d+) for", result.stdout)
    assert found is not None, result.describe()
    return token, int(found.group(1))


def revoke_token(network: Network, cwd: Path, token_id: int) -> CommandResult:
    result = run_ordersync("--database-url", network.url, "token", "revoke", str(token_id), cwd=cwd)
    assert result.returncode == 0, result.describe()
    return result


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _misplaced(token: str, good: str) -> list[tuple[str, str, dict[str, str], Any]]:
    """Requests carrying ``token`` where no token belongs (``good`` authenticates some of them)."""
    order = {
        "op_id": str(uuid7()),
        "channel": "store",
        "lines": [{"sku": token, "qty": 1}],
        "customer": {"name": token, "phone": "06 12 34 56 78"},
        "delivery": {"kind": "collect", "collect_at": "A"},
    }
    return [
        ("GET", f"/v1/me?token={token}", {}, None),
        ("GET", f"/v1/me?access_token={token}", bearer(good), None),
        ("GET", f"/v1/items/{token}", {}, None),
        ("GET", f"/v1/items/{token}", bearer(good), None),
        ("GET", f"/v1/positions/A/{token}", bearer(good), None),
        ("GET", f"/v1/availability/references/{token}", bearer(good), None),
        ("GET", f"/v1/jobs?location={token}", bearer(good), None),
        ("GET", f"/v1/{token}", bearer(good), None),
        ("DELETE", f"/v1/items/{token}", bearer(good), None),
        ("GET", "/v1/me", {"X-Api-Key": token, "Cookie": f"token={token}"}, None),
        ("GET", "/v1/me", {"Authorization": f"Basic {token}"}, None),
        ("GET", "/v1/me", {"Authorization": token}, None),
        ("GET", "/v1/me", {"Authorization": f"Bearer {token} {token}"}, None),
        ("GET", "/v1/me", {"Authorization": f"bearer {token}x"}, None),
        ("GET", "/v1/me", {"Authorization": f"Bearer {token[:-1]}"}, None),
        (
            "POST",
            "/v1/movements",
            bearer(good),
            {
                "op_id": str(uuid7()),
                "lines": [{"kind": "receipt", "sku": token, "location": "A", "qty": 1}],
            },
        ),
        (
            "POST",
            "/v1/reservations",
            bearer(good),
            {"op_id": str(uuid7()), "lines": [{"sku": "S1", "location": token, "qty": 1}]},
        ),
        ("POST", "/v1/movements", bearer(good), {"op_id": token, "lines": []}),
        ("POST", "/v1/orders", bearer(good), order),
        ("POST", "/v1/ops", bearer(good), {"ops": [{**order, "op": "order"}]}),
        ("POST", "/v1/ops", bearer(good), {"ops": [{"op": token, "op_id": token}]}),
        ("POST", "/v1/tokens", bearer(good), {"location": token, "role": "associate"}),
        ("POST", "/v1/counts", bearer(good), f'{{"op_id": "{token}", "sku": '),
    ]


def test_tokens_never_reach_the_server_output_nor_its_problem_documents(
    seeded_network: Network, tmp_path: Path
) -> None:
    network = seeded_network
    associate, _ = create_token(network, tmp_path, "A", "associate")
    admin, _ = create_token(network, tmp_path, "WH", "admin")
    revoked, revoked_id = create_token(network, tmp_path, "A", "manager")
    revocation = revoke_token(network, tmp_path, revoked_id)
    assert revoked not in revocation.stdout + revocation.stderr

    server = serve_verbose(network, tmp_path / "server")
    replies: list[httpx.Response] = []
    try:
        with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
            issued = client.post(
                "/v1/tokens", json={"location": "B", "role": "associate"}, headers=bearer(admin)
            )
            assert issued.status_code == 201, issued.text
            by_api = issued.json()["token"]  # shown once, to the admin who asked for it
            tokens = {
                "associate": associate,
                "admin": admin,
                "revoked": revoked,
                "issued by the API": by_api,
            }
            for name, token in tokens.items():
                # in its place: a valid one works, the revoked one is refused
                me = client.get("/v1/me", headers=bearer(token))
                assert me.status_code == (401 if name == "revoked" else 200), (name, me.text)
                replies.append(me)
                for method, path, headers, body in _misplaced(token, good=associate):
                    content = body if isinstance(body, str) else None
                    reply = client.request(
                        method,
                        path,
                        headers=headers,
                        json=None if content is not None else body,
                        content=content,
                    )
                    assert reply.status_code < 500, (method, path, reply.text)
                    replies.append(reply)
    finally:
        server.stop()

    refused = [reply for reply in replies if reply.status_code >= 400]
    assert len(refused) > len(replies) // 2, "the misplaced tokens should mostly be refused"
    for reply in refused:
        assert reply.headers["content-type"] == PROBLEM_MEDIA_TYPE, reply.text
    for reply in replies:
        for name, token in tokens.items():
            assert token[4:] not in reply.text, (
                f"{name} token echoed by {reply.request.method} {reply.request.url.path}: "
                f"{reply.text[:300]}"
            )
    written = {
        str(file.relative_to(tmp_path)): file.read_bytes()
        for file in (tmp_path / "server").rglob("*")
        if file.is_file()
    }
    assert any(b"GET /v1/me" in data for data in written.values()), "no access log was written"
    for file, data in written.items():
        for name, token in tokens.items():
            assert token[4:].encode() not in data, f"the {name} token is in {file}"


def assert_not_in_database(network: Network, tokens: list[str]) -> None:
    """The database keeps hashes only (checked on the SQLite files, WAL included)."""
    database = make_url(network.url).database
    if not network.url.startswith("sqlite") or not database:
        return
    for suffix in ("", "-wal"):
        stored = Path(database + suffix)
        if stored.exists():
            data = stored.read_bytes()
            assert not any(token[4:].encode() in data for token in tokens), stored


def _refused_everywhere(client: httpx.Client, token: str, attempts: int = 12) -> list[str]:
    """Why ``token`` was not refused, over fresh connections (the workers take turns)."""
    problems = []
    for _ in range(attempts):
        with httpx.Client(base_url=str(client.base_url), timeout=30.0) as fresh:
            reply = fresh.get("/v1/me", headers=bearer(token))
        if reply.status_code != 401:
            problems.append(f"{reply.status_code} {reply.text[:200]}")
        elif reply.headers.get("content-type") != PROBLEM_MEDIA_TYPE:
            problems.append(f"401 without a problem document: {reply.text[:200]}")
        elif "bearer" not in reply.headers.get("www-authenticate", "").lower():
            problems.append("401 without WWW-Authenticate: Bearer")
    return problems


def _wait_until_refused(client: httpx.Client, token: str) -> None:
    """Returns once ``token`` is refused on every try; fails if workers still accept it past the
    time they may cache a token (plus a margin for the polling)."""
    deadline = time.monotonic() + TOKEN_CACHE_SECONDS + 8.0
    while time.monotonic() < deadline:
        if not _refused_everywhere(client, token, attempts=4):
            return
        time.sleep(0.2)
    pytest.fail(f"a revoked token still works {TOKEN_CACHE_SECONDS + 8.0:.0f} s after revocation")


def test_a_revoked_token_is_refused_by_every_worker_even_after_it_was_cached(
    seeded_network: Network, tmp_path: Path
) -> None:
    network = seeded_network
    admin, _ = create_token(network, tmp_path, "WH", "admin")
    from_cli, from_cli_id = create_token(network, tmp_path, "A", "associate")
    server = serve_verbose(network, tmp_path / "server")
    try:
        with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
            issued = client.post(
                "/v1/tokens", json={"location": "A", "role": "manager"}, headers=bearer(admin)
            )
            assert issued.status_code == 201, issued.text
            from_api, from_api_id = issued.json()["token"], issued.json()["token_id"]
            for token in (from_api, from_cli):  # used on every worker: now in their caches
                for _ in range(6):
                    with httpx.Client(base_url=server.base_url, timeout=30.0) as fresh:
                        assert fresh.get("/v1/me", headers=bearer(token)).status_code == 200

            gone = client.delete(f"/v1/tokens/{from_api_id}", headers=bearer(admin))
            assert gone.status_code == 204, gone.text
            revoke_token(network, tmp_path, from_cli_id)  # while the server runs
            for token in (from_api, from_cli):
                _wait_until_refused(client, token)
                assert not _refused_everywhere(client, token), "refused, then accepted again"
                # a write with it changes nothing
                before = client.get("/v1/positions/A/S1", headers=bearer(admin))
                receipt = client.post(
                    "/v1/movements",
                    json={
                        "op_id": str(uuid7()),
                        "lines": [{"kind": "receipt", "sku": "S1", "location": "A", "qty": 5}],
                    },
                    headers=bearer(token),
                )
                assert receipt.status_code == 401, receipt.text
                after = client.get("/v1/positions/A/S1", headers=bearer(admin))
                assert (before.status_code, before.text) == (after.status_code, after.text)
            # the token that did the revoking, and the other stores' devices, still work
            assert client.get("/v1/me", headers=bearer(admin)).status_code == 200
            other = network.tokens[f"B:{Role.ASSOCIATE.value}"]
            assert client.get("/v1/me", headers=bearer(other)).status_code == 200
    finally:
        server.stop()
    assert_not_in_database(network, [admin, from_cli, from_api])

"""Staff on the ledger under test: people put on it through its API, signing in, operations
pushed in their name, what the feed brings each store, and every stored value of a database as
text (to look for a PIN in it).
"""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, MetaData, select

from ordersync.contract import Role
from ordersync.contract.staff import StaffIn, StaffSignIn
from tests.support.api_routes import Sample
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.ledger_server import (
    COMMAND_SECONDS,
    CommandResult,
    child_environment,
    ordersync_command,
)

PIN = "480264"
"""A PIN no other value of a test ledger contains by chance (no timestamp, no id)."""
WRONG_PIN = "591735"

_codes = itertools.count(1)


def new_code(prefix: str = "p") -> str:
    """A staff code of its own for one test, so tests sharing a ledger do not see each other."""
    return f"{prefix}{next(_codes)}"


def put_person(
    ledger: Ledger,
    code: str,
    role: Role | str = Role.ASSOCIATE,
    location: str = "A",
    *,
    pin: str | None = PIN,
    active: bool = True,
    headers: dict[str, str] | None = None,
    name: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {
        "name": name or f"Person {code}",
        "role": role.value if isinstance(role, Role) else role,
        "location": location,
        "active": active,
    }
    if pin is not None:
        body["pin"] = pin
    return ledger.send("PUT", f"/v1/staff/{code}", body, headers)


def add_person(ledger: Ledger, role: Role = Role.ASSOCIATE, location: str = "A") -> str:
    """A new active person, their PIN ``PIN``; their code."""
    code = new_code()
    reply = put_person(ledger, code, role, location)
    assert reply.status_code == 200, reply.text
    return code


def sign_in(ledger: Ledger, headers: dict[str, str], code: str, pin: str) -> httpx.Response:
    return ledger.send("POST", "/v1/staff/sign-in", {"code": code, "pin": pin}, headers)


def new_device(ledger: Ledger, location: str = "A", role: Role = Role.ASSOCIATE) -> dict[str, str]:
    """The headers of another device of ``location``: a token of its own."""
    reply = ledger.send(
        "POST", "/v1/tokens", {"location": location, "role": role.value, "device": "till-9"}
    )
    assert reply.status_code == 201, reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def push(ledger: Ledger, headers: dict[str, str], *ops: dict[str, Any]) -> list[dict[str, Any]]:
    """The results of a bulk push of ``ops``."""
    reply = ledger.send("POST", "/v1/ops", {"ops": list(ops)}, headers)
    assert reply.status_code == 200, reply.text
    results: list[dict[str, Any]] = reply.json()["results"]
    return results


def sale_op(sku: str, person: str | None, location: str = "A", qty: int = 1) -> dict[str, Any]:
    return {
        "op": "movements",
        "op_id": new_op_id(),
        "person": person,
        "lines": [{"kind": "sale", "sku": sku, "location": location, "qty": qty}],
    }


def adjustment_op(sku: str, person: str | None, location: str = "A") -> dict[str, Any]:
    return {
        "op": "movements",
        "op_id": new_op_id(),
        "person": person,
        "lines": [
            {"kind": "adjustment", "sku": sku, "location": location, "delta": 1, "reason": "found"}
        ],
    }


def staff_in_feed(ledger: Ledger, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The people a store's terminal knows after reading its feed from the start: the last
    entry of each code, in feed order."""
    known: dict[str, dict[str, Any]] = {}
    since = 0
    while True:
        reply = ledger.send("GET", "/v1/changes", headers=headers, params={"since": since})
        assert reply.status_code == 200, reply.text
        page = reply.json()
        for change in page["changes"]:
            if change["kind"] == "staff":
                known[change["staff"]["code"]] = change["staff"]
        since = page["next_since"]
        if not page["has_more"]:
            return known


def database_text(engine: Engine) -> str:
    """Every value of every table of the database, as text."""
    metadata = MetaData()
    metadata.reflect(engine)
    parts: list[str] = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                parts.append(" ".join(str(value) for value in row))
    return "\n".join(parts)


def run_ordersync_with_input(*args: str, cwd: Path, stdin: str) -> CommandResult:
    """``ordersync ARGS`` in a child process, ``stdin`` on its standard input (not a terminal)."""
    completed = subprocess.run(
        [*ordersync_command(), *args],
        cwd=cwd,
        env=child_environment(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
    )
    return CommandResult(list(args), completed.returncode, completed.stdout, completed.stderr)


# --- route samples ---------------------------------------------------------------------------


def staff_list_sample(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A"})


def staff_put_sample(ledger: Ledger) -> Sample:
    return Sample(
        path_params={"code": "sample.person"},
        body={"name": "Sample Person", "role": "associate", "location": "A", "pin": PIN},
        model=StaffIn,
    )


def staff_sign_in_sample(ledger: Ledger) -> Sample:
    reply = put_person(ledger, "sample.signer", Role.ADMIN, "A")
    assert reply.status_code == 200, reply.text
    return Sample(body={"code": "sample.signer", "pin": PIN}, model=StaffSignIn)

"""Property-based fuzzing of every operation in the OpenAPI document, against a real server.

Schemathesis reads the ledger's own OpenAPI document (every route of the app, so routes added later
are fuzzed without a change here) and generates requests for each operation: valid ones, partly
aimed at the real SKUs, locations and ids of the target ledger, and invalid ones. They go over
HTTP to ``ordersync serve`` as an associate, a manager or an admin, and every reply must hold:

- no 5xx, ever;
- every error reply is an RFC 9457 ``application/problem+json`` document whose ``type`` is a stable
  ``urn:ordersync:problem:*``, with a ``title`` and the reply's ``status``, and no stack trace;
- the status code, the media type, the headers and the body are the ones the document declares;
- a request the document says is invalid is refused with a 4xx;
- a valid device token is never refused (the fuzzer never revokes its own).

The run is deterministic (fixed seed, derandomized, no example database) and bounded: the coverage
phase's boundary cases plus ``ORDERSYNC_FUZZ_EXAMPLES`` (default 30) generated examples per
operation. Raise it for a deeper run on a workstation.
"""

from __future__ import annotations

import itertools
import os
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode, HookContext
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ordersync.api.app import create_app
from ordersync.config import LedgerSettings
from ordersync.contract import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX
from tests.support.fuzz_target import FuzzTarget

pytestmark = pytest.mark.e2e

SEED = 20260302
FUZZ_EXAMPLES = int(os.environ.get("ORDERSYNC_FUZZ_EXAMPLES", "30"))
REQUEST_TIMEOUT_SECONDS = 30.0
LEAK_MARKERS = ("Traceback", 'File "', "sqlalchemy", "psycopg", "sqlite3")
MIN_OPERATIONS_REACHED = 0.7
"""Share of operations that must have answered at least one generated request with a 2xx."""

OPENAPI: dict[str, Any] = create_app(LedgerSettings(database_url="sqlite:///unused.db")).openapi()
"""The document the server serves (``test_the_server_serves_the_fuzzed_document`` checks it)."""
OPERATIONS = {
    f"{method.upper()} {path}" for path, item in OPENAPI["paths"].items() for method in item
}

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        # a loaded CI machine generates slowly: that is no reason to fail
        "suppress-health-check": ["all"],
        "generation": {
            "mode": "all",
            "max-examples": FUZZ_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # the fuzzer sends real device tokens itself (see ``_aimed``)
            "with-security-parameters": False,
            # no text the ledger stores may hold NUL (tests/api checks that refusal by name)
            "allow-x00": False,
        },
        "phases": {"stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_dict(OPENAPI, config=CONFIG)

_target: FuzzTarget | None = None
"""The target of the module's fuzzing, set before any case is generated (hooks draw from it)."""
_statuses: dict[str, Counter[int]] = defaultdict(Counter)
"""Status codes seen per operation, for the reach check and the summary."""
_started: list[float] = []


# --- checks beyond schemathesis's own --------------------------------------------------------


def problem_document(ctx: Any, response: Any, case: Case) -> bool | None:
    """Every error reply is a problem+json document of a stable type; no reply leaks internals."""
    text = response.text or ""
    leaked = [marker for marker in LEAK_MARKERS if marker in text]
    assert not leaked, f"the reply shows {leaked}: {text[:500]}"
    if response.status_code < 400:
        return None
    media_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    assert media_type == PROBLEM_MEDIA_TYPE, f"error reply of type {media_type!r}: {text[:300]}"
    document = response.json()
    assert isinstance(document, dict), f"problem is not an object: {text[:300]}"
    kind, title, status = document.get("type"), document.get("title"), document.get("status")
    assert str(kind).startswith(PROBLEM_TYPE_PREFIX), f"problem type {kind!r}"
    assert isinstance(title, str), f"problem title {title!r}"
    assert title, "empty problem title"
    assert status == response.status_code, f"problem status {status!r} != {response.status_code}"
    return None


def own_token_still_works(ctx: Any, response: Any, case: Case) -> bool | None:
    """A 401 with one of the fuzzer's own tokens means a token was lost (or auth is broken)."""
    assert response.status_code != 401, f"a valid device token was refused: {response.text[:300]}"
    return None


CHECKS: list[Callable[..., bool | None]] = [
    not_a_server_error,
    problem_document,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    own_token_still_works,
]


# --- generation: who calls, and aiming valid requests at what exists ---------------------------


def _aim_at(draw: Any, value: Any, known: dict[str, list[Any]]) -> Any:
    """``value`` with members named like a known thing mostly replaced by a real one."""
    if isinstance(value, dict):
        aimed = {}
        for name, member in value.items():
            choices = [c for c in known.get(name, []) if type(c) is type(member)]
            if choices:
                picked = draw(st.sampled_from([None, *choices]))
                aimed[name] = member if picked is None else picked
            else:
                aimed[name] = _aim_at(draw, member, known)
        return aimed
    if isinstance(value, list):
        return [_aim_at(draw, item, known) for item in value]
    return value


@st.composite
def _aimed(draw: Any, case: Case) -> Case:
    assert _target is not None, "the fuzz target is set before any case is generated"
    caller = draw(st.sampled_from(_target.callers))
    case.headers = {**(case.headers or {}), **caller.headers}
    meta = case.meta
    if meta is not None and meta.generation.mode is GenerationMode.POSITIVE:
        # only valid requests are aimed: an invalid one must stay exactly as invalid as generated
        known = _target.known
        if case.path_parameters:
            case.path_parameters = _aim_at(draw, case.path_parameters, known)
        if case.query:
            case.query = _aim_at(draw, case.query, known)
        if isinstance(case.body, dict | list):
            case.body = _aim_at(draw, case.body, known)
    return case


@schema.hook
def flatmap_case(context: HookContext, case: Case) -> st.SearchStrategy[Case]:
    """Speak as one of the target's devices; aim valid requests at real SKUs, locations, ids."""
    return _aimed(case)


_rotation = itertools.count()
_op_numbers = itertools.count()


def _fresh_op_ids(value: Any, label: str) -> Any:
    """Each valid mutation gets an operation id of its own, or most would be refused replays."""
    if isinstance(value, dict):
        return {
            name: str(uuid.uuid5(uuid.NAMESPACE_URL, f"{label}#{next(_op_numbers)}"))
            if name == "op_id" and isinstance(member, str)
            else _fresh_op_ids(member, label)
            for name, member in value.items()
        }
    if isinstance(value, list):
        return [_fresh_op_ids(item, label) for item in value]
    return value


def _keep_own_tokens(case: Case, target: FuzzTarget) -> None:
    """The fuzzer revokes spare tokens only, never the ones it speaks with."""
    params = case.path_parameters or {}
    if "token_id" in params and str(params["token_id"]) in {str(i) for i in target.own_token_ids}:
        params["token_id"] = target.known["token_id"][0]


# --- the tests ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _aim_at_the_target(fuzz_target: FuzzTarget) -> None:
    global _target
    _target = fuzz_target


@schema.parametrize()
def test_every_operation_holds_under_fuzzing(case: Case, fuzz_target: FuzzTarget) -> None:
    if not _started:
        _started.append(time.monotonic())
    headers = case.headers or {}
    if "Authorization" not in headers:
        # boundary cases of the coverage phase do not pass through ``_aimed``: take turns
        caller = fuzz_target.callers[next(_rotation) % len(fuzz_target.callers)]
        case.headers = {**headers, **caller.headers}
    _keep_own_tokens(case, fuzz_target)
    meta = case.meta
    if meta is not None and meta.generation.mode is GenerationMode.POSITIVE:
        case.body = _fresh_op_ids(case.body, case.operation.label)
    response = case.call_and_validate(
        base_url=fuzz_target.base_url, checks=CHECKS, timeout=REQUEST_TIMEOUT_SECONDS
    )
    _statuses[case.operation.label][response.status_code] += 1


def test_the_fuzzer_reached_the_ledger_rules() -> None:
    """Most operations answered some generated request with a success: the aiming works, so the
    checks above saw real replies and not only refusals. Its message is the run's summary."""
    if not _statuses:
        pytest.skip("run with the fuzzing test: this one only reads what it saw")
    lines = [
        f"{label:55} {sum(seen.values()):5}  "
        + " ".join(f"{status}x{count}" for status, count in sorted(seen.items()))
        for label, seen in sorted(_statuses.items())
    ]
    reached = [label for label, seen in _statuses.items() if any(200 <= s < 300 for s in seen)]
    requests = sum(sum(seen.values()) for seen in _statuses.values())
    summary = (
        f"{len(_statuses)} operations, {requests} requests in "
        f"{time.monotonic() - _started[0]:.0f} s, {len(reached)} reached a 2xx\n" + "\n".join(lines)
    )
    print(summary)
    assert set(_statuses) == OPERATIONS, f"not fuzzed: {sorted(OPERATIONS - set(_statuses))}"
    assert len(reached) >= MIN_OPERATIONS_REACHED * len(_statuses), summary


def test_the_server_serves_the_fuzzed_document(fuzz_target: FuzzTarget) -> None:
    """The fuzzed document is the one the real server serves: no route escapes the fuzzer."""
    reply = httpx.get(f"{fuzz_target.base_url}/openapi.json", timeout=REQUEST_TIMEOUT_SECONDS)
    assert reply.status_code == 200, reply.text
    assert reply.json() == OPENAPI

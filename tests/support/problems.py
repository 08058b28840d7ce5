"""Checks of error replies: every one is an RFC 9457 problem document and none leaks internals.

A reply passes when its body is ``application/problem+json`` with a stable ``urn`` type, a title
and the HTTP status, and when it shows no stack trace and no database driver's message.
"""

from __future__ import annotations

from typing import Any

import httpx

from ordersync.contract import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX

LEAK_MARKERS = (
    "Traceback",
    'File "',
    "sqlalchemy",
    "psycopg",
    "sqlite3",
    "IntegrityError",
    "OperationalError",
    "DataError",
)


def leaks(reply: httpx.Response) -> list[str]:
    """Markers of a stack trace or a driver message found in a reply body."""
    return [marker for marker in LEAK_MARKERS if marker in reply.text]


def problem_issues(document: Any, status: int) -> list[str]:
    """What is wrong with ``document`` as the RFC 9457 problem of an HTTP ``status`` reply."""
    if not isinstance(document, dict):
        return [f"problem body is not an object: {document!r:.200}"]
    issues = []
    kind = document.get("type")
    if not isinstance(kind, str) or not kind.startswith(PROBLEM_TYPE_PREFIX):
        issues.append(f"problem type {kind!r:.100} is not a stable {PROBLEM_TYPE_PREFIX}* urn")
    title = document.get("title")
    if not isinstance(title, str) or not title:
        issues.append(f"problem title {title!r:.100} is missing")
    if document.get("status") != status:
        issues.append(f"problem status {document.get('status')!r} != HTTP status {status}")
    return issues


def reply_issues(reply: httpx.Response) -> list[str]:
    """Every error reply is a problem+json document; no reply is a 5xx or shows a traceback."""
    issues = [f"leaks {marker!r}" for marker in leaks(reply)]
    if reply.status_code >= 500:
        issues.append(f"server error {reply.status_code}: {reply.text[:300]}")
    if reply.status_code >= 400:
        media_type = reply.headers.get("content-type", "").split(";")[0].strip()
        if media_type != PROBLEM_MEDIA_TYPE:
            issues.append(f"error content-type is {media_type!r}, not {PROBLEM_MEDIA_TYPE}")
        try:
            document = reply.json()
        except ValueError:
            issues.append(f"error body is not JSON: {reply.text[:200]!r}")
        else:
            issues.extend(problem_issues(document, reply.status_code))
    return issues


def assert_problem(reply: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    """``reply`` is a well-formed problem of ``status`` (and of type ``slug`` when given)."""
    assert reply.status_code == status, (reply.status_code, reply.text[:500])
    issues = reply_issues(reply)
    assert not issues, issues
    document: dict[str, Any] = reply.json()
    if slug is not None:
        assert document["type"] == PROBLEM_TYPE_PREFIX + slug, document
    return document


def without_instance(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "instance"}

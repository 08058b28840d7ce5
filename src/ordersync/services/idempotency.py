"""Exactly-once operations: the first outcome of an operation id is stored and replayed.

The stored-outcome check runs before any stock check, so a retried request after a lost reply
gets the original answer (a success stays a success, a refusal stays a refusal) even if stock has
moved since. The same id with a different request is refused and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import Forbidden, IdempotencyMismatch, LedgerError
from ordersync.domain.permissions import Principal
from ordersync.services.tokens import redact_tokens


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool


def request_fingerprint(operation: str, target: str, request: BaseModel, location: str) -> str:
    """A hash of what was asked: the operation, its target, the body and the asking location.

    Who asked (a pushed operation's ``person``) is left out: the person travels in the body of a
    pushed copy and in a header of a single request, and both must find the same outcome. So are
    the path keys a pushed copy carries in its body (they are in ``target``)."""
    canonical = json.dumps(
        {
            "operation": operation,
            "target": target,
            "location": location,
            "body": request.model_dump(
                mode="json",
                exclude={"op", "reservation_id", "job_id", "line_no", "transfer_id", "person"},
            ),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def forget_old_outcomes(tx: LedgerTx, retention_days: int) -> int:
    """Drop stored outcomes past their retention; a replay older than that is a new operation."""
    return tx.forget_outcomes_before(tx.now - timedelta(days=retention_days))


def run_idempotent(
    tx: LedgerTx,
    *,
    principal: Principal,
    op_id: str,
    operation: str,
    fingerprint: str,
    apply: Callable[[], dict[str, Any]],
    success_status: int = 200,
    audit_location: str | Callable[[dict[str, Any]], str] | None = None,
) -> Outcome:
    """Apply once: replay the stored outcome of ``op_id``, or apply and store the outcome.

    ``audit_location`` is where the change is audited (default: the device's location); a
    callable receives the successful reply body, for operations whose location is only known
    once applied.
    """
    stored = tx.stored_outcome(op_id)
    if stored is not None:
        if stored.request_hash != fingerprint:
            raise IdempotencyMismatch(
                "this operation id was already used for a different request",
                op_id=op_id,
            )
        return Outcome(stored.status_code, json.loads(stored.response), replayed=True)
    savepoint = tx.savepoint()
    mark = tx.mark()
    try:
        body = apply()
    except Forbidden:
        # Who may do it is a fact about the caller, not about the operation: a device that
        # is allowed may still send this operation id later.
        tx.rollback_to(savepoint)
        tx.restore(mark)
        raise
    except LedgerError as refusal:
        tx.rollback_to(savepoint)
        tx.restore(mark)
        outcome = Outcome(refusal.status, refusal.problem(), replayed=False)
    else:
        tx.release(savepoint)
        outcome = Outcome(success_status, body, replayed=False)
        tx.audit_by(
            principal,
            op_id=op_id,
            operation=operation,
            location=(
                audit_location(body)
                if callable(audit_location)
                else audit_location or principal.location
            ),
            detail={"status": success_status, **tx.journal.take(mark.journal)},
        )
    # A token pasted into a refused request must not be kept in the stored reply.
    tx.store_outcome(
        op_id, fingerprint, principal.token_id, outcome.status, redact_tokens(outcome.body)
    )
    return outcome

"""Stored outcomes and the audit log inside a write transaction.

An operation's outcome is stored under its id in the same transaction as its effects, so an
operation that committed always has its outcome to replay, and one that did not has neither.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordersync.db.tx_feed import FeedTx
from ordersync.domain.permissions import Principal


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    request_hash: str
    status_code: int
    response: str


class OutcomesTx(FeedTx):
    """The statements on stored outcomes (idempotency) and on the audit log."""

    # --- idempotency and audit ---------------------------------------------------------------

    def stored_outcome(self, op_id: str) -> StoredOutcome | None:
        row = self.sql.first(
            "SELECT request_hash, status_code, response FROM idempotency WHERE op_id = :op_id",
            {"op_id": op_id},
        )
        return None if row is None else StoredOutcome(row[0], int(row[1]), row[2])

    def store_outcome(
        self, op_id: str, request_hash: str, token_id: int, status: int, body: dict[str, Any]
    ) -> None:
        self.sql.execute(
            "INSERT INTO idempotency (op_id, request_hash, token_id, status_code, response, "
            "created_at) VALUES (:op_id, :hash, :token_id, :status, :response, :now)",
            {
                "op_id": op_id,
                "hash": request_hash,
                "token_id": token_id,
                "status": status,
                "response": json.dumps(body, separators=(",", ":"), default=str),
                "now": self._now_db,
            },
        )

    def forget_outcomes_before(self, moment: datetime) -> int:
        return self.sql.rowcount(
            "DELETE FROM idempotency WHERE created_at < :moment", {"moment": self.sql.time(moment)}
        )

    def audit_by(
        self,
        principal: Principal,
        *,
        operation: str,
        location: str,
        detail: dict[str, Any],
        op_id: str | None = None,
    ) -> None:
        """Audit a change made by ``principal``: its device, role and person (see ``audit``)."""
        self.audit(
            op_id=op_id,
            operation=operation,
            actor=principal.token_id,
            role=principal.role.value,
            location=location,
            device=principal.device,
            person=principal.person,
            person_unverified=principal.person_unverified,
            detail=detail,
        )

    def audit(
        self,
        *,
        op_id: str | None,
        operation: str,
        actor: int,
        role: str,
        location: str,
        device: str,
        detail: dict[str, Any],
        person: str | None = None,
        person_unverified: bool = False,
    ) -> None:
        """``person``: the staff code of who did it; ``person_unverified`` when the ledger did not
        find them among the active staff of the device's location (the row says so)."""
        if person_unverified:
            detail = {**detail, "person_unverified": True}
        self.sql.execute(
            "INSERT INTO audit_log (op_id, operation, actor, role, location, device, person, "
            "recorded_at, detail) VALUES (:op_id, :operation, :actor, :role, :location, :device, "
            ":person, :now, :detail)",
            {
                "op_id": op_id,
                "operation": operation,
                "actor": actor,
                "role": role,
                "location": location,
                "device": device,
                "person": person,
                "now": self._now_db,
                "detail": json.dumps(detail, separators=(",", ":"), default=str),
            },
        )

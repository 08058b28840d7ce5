"""Discrepancies: what a delivery or transfer said against what was counted, one row per SKU and
kind, with the reason the person gave (or the default reason of that kind)."""

from __future__ import annotations

import uuid

from ordersync.contract import (
    DEFAULT_DISCREPANCY_REASON,
    Discrepancy,
    DiscrepancyKind,
    DiscrepancyReason,
    DocumentKind,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.raw import RawSql
from ordersync.domain.permissions import Principal


def record_discrepancy(
    tx: LedgerTx,
    principal: Principal,
    *,
    document_kind: DocumentKind,
    document_id: str,
    op_id: str,
    location: str,
    sku: str,
    kind: DiscrepancyKind,
    expected: int,
    actual: int,
    reason: DiscrepancyReason | None = None,
) -> Discrepancy:
    chosen = reason or DEFAULT_DISCREPANCY_REASON[kind]
    tx.sql.execute(
        "INSERT INTO discrepancies (document_kind, document_id, op_id, location, sku, kind, "
        "expected, actual, reason, person, recorded_at) VALUES (:document_kind, :document_id, "
        ":op_id, :location, :sku, :kind, :expected, :actual, :reason, :person, :now)",
        {
            "document_kind": document_kind.value,
            "document_id": document_id,
            "op_id": op_id,
            "location": location,
            "sku": sku,
            "kind": kind.value,
            "expected": expected,
            "actual": actual,
            "reason": chosen.value,
            "person": principal.person,
            "now": tx.sql.time(tx.now),
        },
    )
    return Discrepancy(
        document_kind=document_kind,
        document_id=uuid.UUID(document_id),
        location=location,
        sku=sku,
        kind=kind,
        expected=expected,
        actual=actual,
        reason=chosen,
        recorded_at=tx.now,
        person=principal.person,
    )


def document_discrepancies(
    sql: RawSql, document_kind: DocumentKind, document_id: str
) -> list[Discrepancy]:
    rows = sql.all(
        "SELECT location, sku, kind, expected, actual, reason, recorded_at, person "
        "FROM discrepancies WHERE document_kind = :kind AND document_id = :id ORDER BY id",
        {"kind": document_kind.value, "id": document_id},
    )
    return [
        Discrepancy(
            document_kind=document_kind,
            document_id=uuid.UUID(document_id),
            location=location,
            sku=sku,
            kind=DiscrepancyKind(kind),
            expected=int(expected),
            actual=int(actual),
            reason=DiscrepancyReason(reason),
            recorded_at=sql.read_time(recorded_at),
            person=person,
        )
        for location, sku, kind, expected, actual, reason, recorded_at, person in rows
    ]

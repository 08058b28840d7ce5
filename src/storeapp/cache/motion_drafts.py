"""Drafts of stock in motion in the cache: a receipt or a send in progress, one open draft per
document (a blind receipt has none; this terminal keeps one open at a time), its scans written
as they are made, so a restart loses none. Closing one deletes it in the transaction that puts
its outbox entry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Index, Integer, text
from sqlmodel import Field

from storeapp.cache.tables import CacheModel


class CacheMotionDraft(CacheModel, table=True):
    """A receipt or a send in progress. ``document_id`` None: a blind receipt."""

    __tablename__ = "motion_drafts"
    __table_args__ = (
        Index("ux_motion_drafts_document", "purpose", "document_kind", "document_id", unique=True),
    )
    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    purpose: str
    """``receive`` or ``send``."""
    document_kind: str
    """``delivery``, ``transfer`` or ``blind``."""
    document_id: str | None = None
    source_kind: str | None = None
    source: str | None = None
    reference: str | None = None
    opened_at: str
    updated_at: str


class CacheMotionScan(CacheModel, table=True):
    """Units of one SKU counted in a draft, and the reason given for its difference."""

    __tablename__ = "motion_scans"
    draft_id: int = Field(primary_key=True)
    sku: str = Field(primary_key=True)
    qty: int
    reason: str | None = None
    updated_at: str


@dataclass(frozen=True, slots=True)
class Draft:
    id: int
    purpose: str
    document_kind: str
    document_id: str | None
    source_kind: str | None
    source: str | None
    reference: str | None
    opened_at: datetime
    scans: dict[str, tuple[int, str | None]]
    """Per SKU: units counted, and the reason given for its difference (if any)."""


def _draft(connection: Connection, row: Any) -> Draft:
    scans = {
        str(scan.sku): (int(scan.qty), scan.reason)
        for scan in connection.execute(
            text("SELECT sku, qty, reason FROM motion_scans WHERE draft_id = :id ORDER BY sku"),
            {"id": row.id},
        )
    }
    return Draft(
        id=int(row.id),
        purpose=str(row.purpose),
        document_kind=str(row.document_kind),
        document_id=row.document_id,
        source_kind=row.source_kind,
        source=row.source,
        reference=row.reference,
        opened_at=datetime.fromisoformat(row.opened_at),
        scans=scans,
    )


def find_draft(
    connection: Connection, purpose: str, document_kind: str, document_id: str | None
) -> Draft | None:
    row = connection.execute(
        text(
            "SELECT * FROM motion_drafts WHERE purpose = :purpose AND document_kind = :kind "
            "AND document_id IS :doc ORDER BY id LIMIT 1"
        ),
        {"purpose": purpose, "kind": document_kind, "doc": document_id},
    ).first()
    return None if row is None else _draft(connection, row)


def read_draft(connection: Connection, draft_id: int) -> Draft | None:
    row = connection.execute(
        text("SELECT * FROM motion_drafts WHERE id = :id"), {"id": draft_id}
    ).first()
    return None if row is None else _draft(connection, row)


def open_draft(
    connection: Connection,
    *,
    purpose: str,
    document_kind: str,
    document_id: str | None,
    now: datetime,
    source_kind: str | None = None,
    source: str | None = None,
    reference: str | None = None,
) -> Draft:
    """The open draft of the document, made if there is none (one per document)."""
    known = find_draft(connection, purpose, document_kind, document_id)
    if known is not None:
        if document_id is None and (source, reference) != (known.source, known.reference):
            connection.execute(
                text(
                    "UPDATE motion_drafts SET source_kind = :sk, source = :s, reference = :r, "
                    "updated_at = :now WHERE id = :id"
                ),
                {
                    "sk": source_kind,
                    "s": source,
                    "r": reference,
                    "now": now.isoformat(),
                    "id": known.id,
                },
            )
            return replace(known, source_kind=source_kind, source=source, reference=reference)
        return known
    draft_id = connection.execute(
        text(
            "INSERT INTO motion_drafts (purpose, document_kind, document_id, source_kind, "
            "source, reference, opened_at, updated_at) VALUES (:purpose, :kind, :doc, :sk, :s, "
            ":r, :now, :now) RETURNING id"
        ),
        {
            "purpose": purpose,
            "kind": document_kind,
            "doc": document_id,
            "sk": source_kind,
            "s": source,
            "r": reference,
            "now": now.isoformat(),
        },
    ).scalar_one()
    draft = read_draft(connection, int(draft_id))
    assert draft is not None
    return draft


def list_drafts(connection: Connection, purpose: str) -> list[Draft]:
    rows = connection.execute(
        text("SELECT * FROM motion_drafts WHERE purpose = :p ORDER BY id"), {"p": purpose}
    ).all()
    return [_draft(connection, row) for row in rows]


def set_scan(
    connection: Connection,
    draft_id: int,
    sku: str,
    qty: int,
    reason: str | None,
    now: datetime,
) -> None:
    connection.execute(
        text(
            "INSERT INTO motion_scans (draft_id, sku, qty, reason, updated_at) VALUES "
            "(:id, :sku, :qty, :reason, :now) ON CONFLICT (draft_id, sku) DO UPDATE SET "
            "qty = excluded.qty, reason = excluded.reason, updated_at = excluded.updated_at"
        ),
        {"id": draft_id, "sku": sku, "qty": qty, "reason": reason, "now": now.isoformat()},
    )
    connection.execute(
        text("UPDATE motion_drafts SET updated_at = :now WHERE id = :id"),
        {"now": now.isoformat(), "id": draft_id},
    )


def remove_scan(connection: Connection, draft_id: int, sku: str) -> None:
    connection.execute(
        text("DELETE FROM motion_scans WHERE draft_id = :id AND sku = :sku"),
        {"id": draft_id, "sku": sku},
    )


def delete_draft(connection: Connection, draft_id: int) -> None:
    connection.execute(text("DELETE FROM motion_scans WHERE draft_id = :id"), {"id": draft_id})
    connection.execute(text("DELETE FROM motion_drafts WHERE id = :id"), {"id": draft_id})

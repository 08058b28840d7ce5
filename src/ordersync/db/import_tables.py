"""The record of each CSV file imported from the ERP: what it was, how far it got, what it did.

A file is known by its kind and the SHA-256 of its bytes, so the same file imported twice is
found and changes nothing the second time. Its counters move in the same transaction as each
chunk of its lines, so a run that stopped midway resumes after the last chunk it committed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from ordersync.db.types import UtcDateTime

_ROW_ID = BigInteger().with_variant(Integer, "sqlite")


class ImportRunRow(SQLModel, table=True):
    """One file imported (or being imported): its kind, its hash and its running counters."""

    __tablename__ = "import_runs"
    __table_args__ = (UniqueConstraint("kind", "sha256", name="uq_import_runs_kind_sha256"),)
    id: int | None = Field(
        default=None, sa_column=Column(_ROW_ID, primary_key=True, autoincrement=True)
    )
    kind: str = Field(max_length=16)
    sha256: str = Field(max_length=64)
    file_name: str = Field(max_length=255)
    op_id: str = Field(max_length=36)
    """The operation id every movement and audit row of this run carries."""
    started_at: datetime = Field(sa_type=UtcDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    lines_done: int = Field(sa_type=BigInteger)
    """Data lines whose chunk is committed: a resumed run starts after them."""
    applied: int = Field(sa_type=BigInteger)
    unchanged: int = Field(sa_type=BigInteger)
    movements: int = Field(sa_type=BigInteger)

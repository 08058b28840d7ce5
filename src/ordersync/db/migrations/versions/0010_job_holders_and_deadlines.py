"""Jobs that belong to the one who picks them, and holds that last as long as the job.

Existing data is kept: jobs gain who holds them while they are picked (``held_by_device``,
``held_by_person``, ``held_since``: NULL, nobody, for every job already there), when they
entered their current state (``state_since``: NULL, read as ``updated_at``), when a collection
became ready and the deadline for the customer to collect it (``ready_at``, ``collect_by``:
NULL until the job next becomes ready), and why a job or an order line was cancelled
(``cancel_reason``: NULL for the ones cancelled before reasons were recorded).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 00:50:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JOB_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("held_by_device", sa.String(length=64)),
    ("held_by_person", sa.String(length=32)),
    ("held_since", sa.DateTime()),
    ("state_since", sa.DateTime()),
    ("ready_at", sa.DateTime()),
    ("collect_by", sa.DateTime()),
    ("cancel_reason", sa.String(length=32)),
)


def upgrade() -> None:
    for name, kind in _JOB_COLUMNS:
        op.add_column("jobs", sa.Column(name, kind, nullable=True))
    op.add_column("order_lines", sa.Column("cancel_reason", sa.String(length=32), nullable=True))
    op.create_index("ix_jobs_state_collect_by", "jobs", ["state", "collect_by"])


def downgrade() -> None:
    op.drop_index("ix_jobs_state_collect_by", table_name="jobs")
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("cancel_reason")
    with op.batch_alter_table("jobs") as batch:
        for name, _kind in reversed(_JOB_COLUMNS):
            batch.drop_column(name)

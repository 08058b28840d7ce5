"""The day's queue: when a job line was rejected, and indexes on the day's jobs and store orders.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 10:05:12.418230

A line rejected before this revision gets its job's ``updated_at`` as its rejection time: the
closest moment the ledger kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejected_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE job_lines SET rejected_at = "
        "(SELECT jobs.updated_at FROM jobs WHERE jobs.id = job_lines.job_id) "
        "WHERE state = 'rejected'"
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_location_updated", ["location", "updated_at"], unique=False)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_placed_by_created", ["placed_by", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_placed_by_created")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_location_updated")
    with op.batch_alter_table("job_lines", schema=None) as batch_op:
        batch_op.drop_column("rejected_at")

"""Locations gain a lead time: the days a drop-ship supplier (kind ``supplier``) takes before it
ships a line routed to it.

Existing data is kept: no location has a lead time (NULL), and no location is a supplier, so
routing and promises stay as they were.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("locations", sa.Column("lead_time_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("lead_time_days")

"""Locations gain the groups routing rules may ask for, and what a shipment from them costs.

Existing data is kept: every location already there belongs to no group (``groups`` NULL, read
as an empty list) and ships at no cost (``ship_cost_minor`` 0), so routing ranks them as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("locations", sa.Column("groups", sa.String(length=700), nullable=True))
    op.add_column(
        "locations",
        sa.Column("ship_cost_minor", sa.BigInteger(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("ship_cost_minor")
        batch.drop_column("groups")

"""An index of the suspect positions by location, for counting each store's suspect positions
network-wide without reading every position.

Partial: only suspect positions are in it, so it stays small however many positions there are.
SQLite and PostgreSQL both keep partial indexes; the predicate is written the same on both.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_positions_suspect_location",
        "positions",
        ["location"],
        sqlite_where=sa.text("suspect"),
        postgresql_where=sa.text("suspect"),
    )


def downgrade() -> None:
    op.drop_index("ix_positions_suspect_location", table_name="positions")

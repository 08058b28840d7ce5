"""Competitive allocation: offers of order lines to several stores at once, and the stores each
offer was made to.

Existing data is kept: no order has offers, so every order goes on as it was routed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("collect_at", sa.String(length=32), nullable=True),
        sa.Column("rule_set", sa.String(length=64), nullable=True),
        sa.Column("rule", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_offers_order_id", "offers", ["order_id"])
    op.create_index("ix_offers_state_expires", "offers", ["state", "expires_at"])
    # The reports read the offers made in a window.
    op.create_index("ix_offers_created", "offers", ["created_at"])
    op.create_table(
        "offer_locations",
        sa.Column("offer_id", sa.String(length=36), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("offer_id", "location"),
    )
    op.create_index("ix_offer_locations_location_state", "offer_locations", ["location", "state"])


def downgrade() -> None:
    op.drop_index("ix_offer_locations_location_state", table_name="offer_locations")
    op.drop_table("offer_locations")
    op.drop_index("ix_offers_created", table_name="offers")
    op.drop_index("ix_offers_state_expires", table_name="offers")
    op.drop_index("ix_offers_order_id", table_name="offers")
    op.drop_table("offers")

"""The counter's other half: unavailable units by disposition, customer returns, voided sales.

Existing data is kept: positions gain ``unavailable`` (0: nothing was set aside before), movements
a nullable ``disposition`` (None: units on sale, as every earlier movement was), order lines
``returned_qty`` (0), transfers a nullable ``disposition`` (None: units on sale); the new
tables start empty.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "positions",
        sa.Column("unavailable", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.add_column("movements", sa.Column("disposition", sa.String(length=16), nullable=True))
    op.add_column(
        "order_lines",
        sa.Column("returned_qty", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("transfers", sa.Column("disposition", sa.String(length=16), nullable=True))
    op.create_table(
        "position_dispositions",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("disposition", sa.String(length=16), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sku", "location", "disposition"),
    )
    op.create_table(
        "customer_returns",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=True),
        sa.Column("sale_op_id", sa.String(length=36), nullable=True),
        sa.Column("flags", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("person", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_customer_returns_location_occurred", "customer_returns", ["location", "occurred_at"]
    )
    op.create_index("ix_customer_returns_order", "customer_returns", ["order_id"])
    op.create_index("ix_customer_returns_sale", "customer_returns", ["sale_op_id"])
    op.create_table(
        "customer_return_lines",
        sa.Column("return_id", sa.String(length=36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("disposition", sa.String(length=16), nullable=False),
        sa.Column("order_line_no", sa.Integer(), nullable=True),
        sa.Column("flags", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("return_id", "line_no"),
    )
    op.create_index("ix_customer_return_lines_sku", "customer_return_lines", ["sku"])
    op.create_table(
        "sale_voids",
        sa.Column("sale_op_id", sa.String(length=36), nullable=False),
        sa.Column("void_op_id", sa.String(length=36), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("sold_at", sa.DateTime(), nullable=False),
        sa.Column("voided_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("person", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("sale_op_id"),
        sa.UniqueConstraint("void_op_id", name="uq_sale_voids_void_op"),
    )


def downgrade() -> None:
    op.drop_table("sale_voids")
    op.drop_index("ix_customer_return_lines_sku", table_name="customer_return_lines")
    op.drop_table("customer_return_lines")
    op.drop_index("ix_customer_returns_sale", table_name="customer_returns")
    op.drop_index("ix_customer_returns_order", table_name="customer_returns")
    op.drop_index("ix_customer_returns_location_occurred", table_name="customer_returns")
    op.drop_table("customer_returns")
    op.drop_table("position_dispositions")
    with op.batch_alter_table("transfers") as batch:
        batch.drop_column("disposition")
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("returned_qty")
    with op.batch_alter_table("movements") as batch:
        batch.drop_column("disposition")
    with op.batch_alter_table("positions") as batch:
        batch.drop_column("unavailable")

"""People who sign in on terminals, and the person behind each audit row and movement.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 15:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("pin_verifier", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("ix_staff_location", "staff", ["location"], unique=False)
    op.create_table(
        "staff_sign_in_failures",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code", "token_id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_audit_person_id", ["person", "id"], unique=False)
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.drop_column("person")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_person_id")
        batch_op.drop_column("person")
    op.drop_table("staff_sign_in_failures")
    op.drop_index("ix_staff_location", table_name="staff")
    op.drop_table("staff")

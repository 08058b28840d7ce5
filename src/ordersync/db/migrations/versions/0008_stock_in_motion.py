"""Stock in motion: suppliers, inbound deliveries, transfers, discrepancies, incoming units per
position and promises of incoming units to order lines. Existing data is untouched: every new
table starts empty, and positions gain no column. ``position_days`` gains ``sent_units`` (units
sent to other locations by transfer, a warehouse's demand), filled in from the transfers out
already recorded.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 18:10:00.000000
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suppliers",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("destination", sa.String(length=32), nullable=False),
        sa.Column("expected_from", sa.DateTime(), nullable=False),
        sa.Column("expected_until", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("received_by_op", sa.String(length=36), nullable=True),
        sa.Column("import_run", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "reference", name="uq_deliveries_source_reference"),
    )
    op.create_index("ix_deliveries_destination_state", "deliveries", ["destination", "state"])
    op.create_table(
        "delivery_lines",
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("expected_qty", sa.BigInteger(), nullable=False),
        sa.Column("received_qty", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("delivery_id", "line_no"),
    )
    op.create_index("ix_delivery_lines_sku", "delivery_lines", ["sku"])
    op.create_table(
        "transfers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("from_location", sa.String(length=32), nullable=False),
        sa.Column("to_location", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("expected_at", sa.DateTime(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("sent_by_op", sa.String(length=36), nullable=True),
        sa.Column("received_by_op", sa.String(length=36), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_transfers_from_state", "transfers", ["from_location", "state"])
    op.create_index("ix_transfers_to_state", "transfers", ["to_location", "state"])
    op.create_table(
        "transfer_lines",
        sa.Column("transfer_id", sa.String(length=36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("requested_qty", sa.BigInteger(), nullable=False),
        sa.Column("sent_qty", sa.BigInteger(), nullable=True),
        sa.Column("received_qty", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("transfer_id", "line_no"),
    )
    op.create_index("ix_transfer_lines_sku", "transfer_lines", ["sku"])
    op.create_table(
        "discrepancies",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("document_kind", sa.String(length=16), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("expected", sa.BigInteger(), nullable=False),
        sa.Column("actual", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("person", sa.String(length=32), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_discrepancies_document", "discrepancies", ["document_kind", "document_id"])
    op.create_index(
        "ix_discrepancies_location_recorded", "discrepancies", ["location", "recorded_at"]
    )
    op.create_table(
        "incoming",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("on_order", sa.BigInteger(), nullable=False),
        sa.Column("in_transit", sa.BigInteger(), nullable=False),
        sa.Column("promised", sa.BigInteger(), nullable=False),
        sa.Column("next_expected_from", sa.DateTime(), nullable=True),
        sa.Column("next_expected_until", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sku", "location"),
    )
    op.create_index("ix_incoming_location_sku", "incoming", ["location", "sku"])
    op.create_table(
        "future_holds",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("order_line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("document_kind", sa.String(length=16), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("expected_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_future_holds_document", "future_holds", ["document_kind", "document_id", "state"]
    )
    op.create_index("ix_future_holds_order", "future_holds", ["order_id"])
    op.add_column(
        "position_days",
        sa.Column("sent_units", sa.BigInteger(), nullable=False, server_default="0"),
    )
    _backfill_sent_units()


def _aware(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _backfill_sent_units() -> None:
    """Sum the transfers out already recorded into their position's day, in the location's own
    calendar (as the ledger files every movement); the rule is written out here, not imported,
    so this revision does the same whatever the code does later."""
    bind = op.get_bind()
    zones = {
        str(code): ZoneInfo(str(zone))
        for code, zone in bind.execute(sa.text("SELECT code, timezone FROM locations"))
    }
    sent: dict[tuple[str, str, str], int] = defaultdict(int)
    moves = bind.execute(
        sa.text("SELECT sku, location, qty, occurred_at FROM movements WHERE kind = :kind"),
        {"kind": "transfer_out"},
    )
    for sku, location, qty, occurred in moves:
        zone = zones.get(str(location), ZoneInfo("UTC"))
        day = _aware(occurred).astimezone(zone).date().isoformat()
        sent[(str(sku), str(location), day)] -= int(qty)
    if sent:
        bind.execute(
            sa.text(
                "UPDATE position_days SET sent_units = :sent "
                "WHERE sku = :sku AND location = :location AND day = :day"
            ),
            [
                {"sent": units, "sku": sku, "location": location, "day": day}
                for (sku, location, day), units in sent.items()
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("position_days", schema=None) as batch_op:
        batch_op.drop_column("sent_units")
    op.drop_table("future_holds")
    op.drop_table("incoming")
    op.drop_table("discrepancies")
    op.drop_table("transfer_lines")
    op.drop_table("transfers")
    op.drop_table("delivery_lines")
    op.drop_table("deliveries")
    op.drop_table("suppliers")

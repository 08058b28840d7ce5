"""Position days (daily sales and closing stock), count results, device status.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 11:42:37.293014
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from ordersync.contract import MovementKind
from ordersync.domain.position_days import day_effect, local_day

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "count_results",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("counted_at", sa.DateTime(), nullable=False),
        sa.Column("as_of_seq", sa.BigInteger(), nullable=False),
        sa.Column("expected", sa.BigInteger(), nullable=False),
        sa.Column("counted", sa.BigInteger(), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("count_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_count_results_location_counted", ["location", "counted_at"], unique=False
        )
        batch_op.create_index("ix_count_results_position", ["sku", "location"], unique=False)

    op.create_table(
        "device_status",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("pending_ops", sa.Integer(), nullable=False),
        sa.Column("needs_attention", sa.Integer(), nullable=False),
        sa.Column("oldest_pending_at", sa.DateTime(), nullable=True),
        sa.Column("app_version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("token_id"),
    )
    with op.batch_alter_table("device_status", schema=None) as batch_op:
        batch_op.create_index("ix_device_status_location", ["location"], unique=False)

    op.create_table(
        "position_days",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("sold_units", sa.BigInteger(), nullable=False),
        sa.Column("returned_units", sa.BigInteger(), nullable=False),
        sa.Column("received_units", sa.BigInteger(), nullable=False),
        sa.Column("closing_on_hand", sa.BigInteger(), nullable=False),
        sa.Column("min_on_hand", sa.BigInteger(), nullable=False),
        sa.Column("last_occurred_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sku", "location", "day"),
    )
    with op.batch_alter_table("position_days", schema=None) as batch_op:
        batch_op.create_index("ix_position_days_location_day", ["location", "day"], unique=False)

    _backfill_position_days()


_FLUSH_ROWS = 5_000


def _aware(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stored_time(dialect: str) -> Any:
    """UTC without zone, as the ledger stores times: text on SQLite, a timestamp elsewhere."""

    def stored(moment: datetime) -> Any:
        naive = moment.astimezone(UTC).replace(tzinfo=None)
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else naive

    return stored


def _backfill_position_days() -> None:
    """Replay the existing movements, one position at a time, into their days."""
    bind = op.get_bind()
    zones: dict[str, str] = {
        str(code): str(zone)
        for code, zone in bind.execute(sa.text("SELECT code, timezone FROM locations"))
    }
    table = sa.table(
        "position_days",
        *(
            sa.column(name)
            for name in (
                "sku",
                "location",
                "day",
                "sold_units",
                "returned_units",
                "received_units",
                "closing_on_hand",
                "min_on_hand",
                "last_occurred_at",
            )
        ),
    )
    pending: list[dict[str, Any]] = []
    days: dict[str, dict[str, Any]] = {}
    position: tuple[str, str] | None = None
    on_hand = 0

    def finish_position() -> None:
        pending.extend(days.values())
        days.clear()
        if len(pending) >= _FLUSH_ROWS:
            bind.execute(table.insert(), pending)
            pending.clear()

    # Options given with this one statement: options set on the connection would stay on it and
    # turn alembic's own version update into a server-side cursor, which PostgreSQL refuses.
    movements = bind.execute(
        sa.text(
            "SELECT sku, location, kind, qty, occurred_at FROM movements "
            "ORDER BY sku, location, seq"
        ),
        execution_options={"stream_results": True},
    )
    stored_time = _stored_time(bind.dialect.name)
    for sku, location, kind, qty, occurred in movements:
        if (sku, location) != position:
            finish_position()
            position, on_hand = (sku, location), 0
        on_hand += int(qty)
        occurred_at = _aware(occurred)
        day = local_day(occurred_at, zones.get(location, "UTC")).isoformat()
        effect = day_effect(MovementKind(kind), int(qty))
        row = days.get(day)
        if row is None:
            days[day] = {
                "sku": sku,
                "location": location,
                "day": day,
                "sold_units": effect.sold,
                "returned_units": effect.returned,
                "received_units": effect.received,
                "closing_on_hand": on_hand,
                "min_on_hand": on_hand,
                "last_occurred_at": stored_time(occurred_at),
            }
            continue
        row["sold_units"] += effect.sold
        row["returned_units"] += effect.returned
        row["received_units"] += effect.received
        row["min_on_hand"] = min(row["min_on_hand"], on_hand)
        if stored_time(occurred_at) >= row["last_occurred_at"]:
            row["closing_on_hand"] = on_hand
            row["last_occurred_at"] = stored_time(occurred_at)
    finish_position()
    if pending:
        bind.execute(table.insert(), pending)


def downgrade() -> None:
    with op.batch_alter_table("position_days", schema=None) as batch_op:
        batch_op.drop_index("ix_position_days_location_day")

    op.drop_table("position_days")
    with op.batch_alter_table("device_status", schema=None) as batch_op:
        batch_op.drop_index("ix_device_status_location")

    op.drop_table("device_status")
    with op.batch_alter_table("count_results", schema=None) as batch_op:
        batch_op.drop_index("ix_count_results_position")
        batch_op.drop_index("ix_count_results_location_counted")

    op.drop_table("count_results")

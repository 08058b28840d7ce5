"""Alembic environment: runs migrations on the connection or URL that ordersync hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import ordersync.db.counter_tables  # registers dispositions, returns and voids
import ordersync.db.import_tables  # registers the import_runs table
import ordersync.db.motion_tables  # registers the tables of stock in motion
import ordersync.db.offer_tables  # registers offers of competitive allocation
import ordersync.db.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()

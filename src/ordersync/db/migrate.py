"""Schema upgrades (Alembic) and the schema check that a server runs before it serves."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from ordersync.db.engine import create_ledger_engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "ordersync.db:migrations")
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str) -> None:
    """Bring the database at ``url`` to the latest schema; safe to run again."""
    engine = create_ledger_engine(url, writer=False)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()

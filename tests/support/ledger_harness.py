"""The ledger under test: fresh databases on both backends, a seeded network, its tokens.

Every database handed out is a copy of one migrated template, so a test never sees another's
writes.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from ordersync.clock import ManualClock
from ordersync.contract import ItemIn, LocationIn, LocationKind, Role, with_check_digit
from ordersync.db.engine import create_ledger_engine
from ordersync.db.migrate import upgrade
from ordersync.db.writer import run_in_transaction
from ordersync.domain.permissions import Principal
from ordersync.services.catalog import upsert_items, upsert_locations
from ordersync.services.tokens import issue_token

POSTGRES_URL = os.environ.get("ORDERSYNC_TEST_DATABASE_URL")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SYSTEM = Principal(token_id=0, location="WH", role=Role.ADMIN, device="tests")


def backends() -> list[str]:
    return ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


class SqliteDatabases:
    """Copies one migrated template file per test: migrating every time would be slow."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._template = root / "template.db"
        upgrade(f"sqlite:///{self._template}")

    def fresh(self) -> str:
        target = self._root / f"ledger-{uuid.uuid4().hex[:12]}.db"
        shutil.copyfile(self._template, target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        database = make_url(url).database
        if database:
            for suffix in ("", "-wal", "-shm"):
                Path(database + suffix).unlink(missing_ok=True)


class PostgresDatabases:
    """Creates each test database from a migrated template (CREATE DATABASE ... TEMPLATE)."""

    def __init__(self, admin_url: str) -> None:
        self._admin_url = admin_url
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self._template = f"ordersync_tpl_{os.getpid()}"
        self._execute(f'DROP DATABASE IF EXISTS "{self._template}"')
        self._execute(f'CREATE DATABASE "{self._template}"')
        upgrade(self._url(self._template))

    def _url(self, name: str) -> str:
        return make_url(self._admin_url).set(database=name).render_as_string(hide_password=False)

    def _execute(self, statement: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(statement))

    def fresh(self) -> str:
        name = f"ordersync_t_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
        return self._url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self._template}" WITH (FORCE)')
        self._admin.dispose()


def location(code: str, **overrides: object) -> LocationIn:
    values: dict[str, object] = {
        "code": code,
        "kind": LocationKind.STORE,
        "name": f"Store {code}",
        "timezone": "Europe/Paris",
        "latitude": 48.85,
        "longitude": 2.35,
        "fulfils_web_orders": True,
        "daily_job_capacity": 20,
        "default_safety_stock": 0,
    }
    values.update(overrides)
    return LocationIn.model_validate(values)


_gtin_counter = iter(range(10_000_000))


def item(sku: str, reference: str = "REF-1", **overrides: object) -> ItemIn:
    values: dict[str, object] = {
        "sku": sku,
        "reference": reference,
        "name": f"Item {sku}",
        "size": "85B",
        "size_row": "85",
        "size_column": "B",
        "colour": "noir",
        "gtins": [with_check_digit(f"376{abs(hash(sku)) % 10**9:09d}")],
        "price_minor": 4990,
        "currency": "EUR",
    }
    values.update(overrides)
    return ItemIn.model_validate(values)


@dataclass
class Network:
    """A small network: stores A and B, a warehouse, SKUs S1..S3 of REF-1, a token per role."""

    url: str
    clock: ManualClock
    engine: Engine
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, location_code: str, role: Role) -> str:
        key = f"{location_code}:{role.value}"
        if key not in self.tokens:
            created = run_in_transaction(
                self.engine,
                self.clock,
                lambda tx: issue_token(tx, location_code, role, "test-device"),
            )
            self.tokens[key] = created.token
        return self.tokens[key]

    def headers(self, location_code: str = "A", role: Role = Role.ASSOCIATE) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(location_code, role)}"}


def seed_network(url: str, clock: ManualClock) -> Network:
    engine = create_ledger_engine(url, writer=True)
    locations = [
        location("A"),
        location("B", latitude=45.76, longitude=4.83),
        location("WH", kind=LocationKind.WAREHOUSE),
    ]
    items = [
        item("S1"),
        item("S2", size="90C", size_row="90", size_column="C"),
        item("S3", reference="REF-2"),
    ]
    run_in_transaction(engine, clock, lambda tx: upsert_locations(tx, SYSTEM, locations))
    run_in_transaction(engine, clock, lambda tx: upsert_items(tx, SYSTEM, items))
    return Network(url=url, clock=clock, engine=engine)

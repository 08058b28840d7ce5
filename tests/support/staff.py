"""Staff of a store terminal under test: people as the ledger's feed brings them, put straight
into a terminal's cache (their PIN hashed as the ledger hashes it, never stored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from ordersync.contract import Role
from ordersync.services.staff_pins import PIN_HASHER
from storeapp.cache.staff import UPSERT_STAFF_SQL


@dataclass(frozen=True)
class Person:
    code: str
    name: str
    role: Role
    pin: str
    active: bool = True
    location: str = "A"


ANNE = Person("anne", "Anne Associate", Role.ASSOCIATE, "2468")
MARC = Person("marc", "Marc Manager", Role.MANAGER, "1357")
BEA = Person("bea", "Bea Elsewhere", Role.ASSOCIATE, "8642", location="B")


def give_staff(engine: Engine, now: datetime, *people: Person) -> None:
    """Put ``people`` in the cache of ``engine`` as the feed would (``now``: when they came)."""
    rows = [
        (
            person.code,
            person.name,
            person.role.value,
            person.location,
            person.active,
            PIN_HASHER.hash(person.pin),
        )
        for person in people
    ]
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            cursor.executemany(UPSERT_STAFF_SQL, rows)
        finally:
            cursor.close()

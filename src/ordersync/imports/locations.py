"""``locations.csv``: the stores, warehouses and drop-ship suppliers of the network, created or
updated by code.

A line that changes nothing is counted unchanged and publishes nothing; the others go through
the catalog's own upsert, so they reach the change feed and the audit log like an API call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from ordersync.contract import LocationIn, LocationKind
from ordersync.db.ledger_tx import LOCATIONS, LedgerTx
from ordersync.imports.cells import BadValue, Cells
from ordersync.imports.chunks import ChunkOutcome
from ordersync.imports.csv_files import Columns
from ordersync.imports.runs import ImportRun
from ordersync.imports.validation import reason_of
from ordersync.services.catalog import upsert_locations
from ordersync.services.tokens import CLI_ACTOR

COLUMNS = Columns(
    required=("code", "name", "kind", "timezone", "latitude", "longitude"),
    optional=(
        "fulfils_web_orders",
        "daily_job_capacity",
        "default_safety_stock",
        "groups",
        "ship_cost_minor",
        "lead_time_days",
    ),
)
"""``groups``: the location's group names separated by ``;`` (empty: none). ``lead_time_days``:
a drop-ship supplier's days before it ships (empty: none; only for kind ``supplier``)."""


class LocationsKind:
    columns = COLUMNS
    chunk_lines = 2_000

    def __init__(self) -> None:
        self._first_line_of: dict[str, int] = {}

    def read(self, line: int, fields: list[str], positions: dict[str, int]) -> LocationIn:
        cells = Cells(fields, positions)
        code = cells.text("code", max_length=32)
        kind = cells.text("kind", max_length=16).lower()
        if kind not in {k.value for k in LocationKind}:
            choices = " or ".join(k.value for k in LocationKind)
            raise BadValue(f"kind is {kind!r}: write {choices}")
        values: dict[str, Any] = {
            "code": code,
            "kind": kind,
            "name": cells.text("name", max_length=200),
            "timezone": cells.text("timezone", max_length=64),
            "latitude": cells.coordinate("latitude", limit=90),
            "longitude": cells.coordinate("longitude", limit=180),
            "fulfils_web_orders": cells.yes_no("fulfils_web_orders", default=True),
            "daily_job_capacity": cells.whole_number(
                "daily_job_capacity", low=0, high=100_000, default=50
            ),
            "default_safety_stock": cells.whole_number(
                "default_safety_stock", low=0, high=1_000_000, default=0
            ),
            "groups": [
                name.strip()
                for name in (cells.optional_text("groups", max_length=700) or "").split(";")
                if name.strip()
            ],
            "ship_cost_minor": cells.whole_number(
                "ship_cost_minor", low=0, high=1_000_000_000, default=0
            ),
            "lead_time_days": cells.whole_number("lead_time_days", low=0, high=365)
            if cells.raw("lead_time_days")
            else None,
        }
        try:
            location = LocationIn.model_validate(values)
        except ValidationError as error:
            raise BadValue(reason_of(error)) from None
        first = self._first_line_of.setdefault(location.code, line)
        if first != line:
            raise BadValue(f"location {location.code} is already on line {first}")
        return location

    def apply(self, tx: LedgerTx, run: ImportRun, records: Sequence[Any]) -> ChunkOutcome:
        locations: list[LocationIn] = list(records)
        codes = [location.code for location in locations]
        current = {
            row.code: LocationIn.model_validate(
                {name: value for name, value in row._asdict().items() if name != "updated_at"}
            )
            for row in tx.connection.execute(select(LOCATIONS).where(LOCATIONS.c.code.in_(codes)))
        }
        changed = [location for location in locations if current.get(location.code) != location]
        if changed:
            upsert_locations(tx, CLI_ACTOR, changed)
        return ChunkOutcome(applied=len(changed), unchanged=len(locations) - len(changed))

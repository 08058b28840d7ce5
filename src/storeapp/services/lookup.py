"""Finding an item and everything staff need to see about it: size grid, suggestions, and where
else in the network it is available (live from the ledger, or from the cache with its age).

Units on their way: this store's come from the cache (the feed's ``incoming`` rows), so they
show offline too; other locations' come only with a live answer (``SkuAvailability.arrivals``),
and offline they are simply not shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, Engine, text

from ordersync.contract import Arrival, LocationKind, SkuAvailability, gtin_problem
from storeapp.cache.incoming import NOTHING_COMING, Coming, coming_here
from storeapp.clock import Now
from storeapp.services.catalog import CatalogItem, by_gtin, by_sku, of_reference, search, size_order
from storeapp.sync.client import LedgerClient, LedgerRefused, LedgerUnavailable


class Found(StrEnum):
    ITEM = "item"
    MATCHES = "matches"
    NOT_FOUND = "not_found"
    BAD_BARCODE = "bad_barcode"
    UNKNOWN_BARCODE = "unknown_barcode"


@dataclass(frozen=True, slots=True)
class LookupResult:
    found: Found
    query: str
    item: CatalogItem | None = None
    matches: list[CatalogItem] = field(default_factory=list)
    problem: str | None = None
    """For a bad barcode: what is wrong with it (check digit, length)."""


def looks_like_barcode(query: str) -> bool:
    return query.isascii() and query.isdigit() and 8 <= len(query) <= 14


@dataclass(frozen=True, slots=True)
class OwnStock:
    on_hand: int
    reserved: int
    available: int
    suspect: bool
    pending_delta: int
    """Units sold here and not yet acknowledged by the ledger (already counted in the numbers)."""
    coming: Coming = NOTHING_COMING
    """Units on their way here (on order, in transit) and the next arrival's window."""


@dataclass(frozen=True, slots=True)
class SizeCell:
    sku: str
    size: str
    store_available: int
    network_available: int
    store_incoming: int = 0
    """Units of this size on their way to this store."""


@dataclass(frozen=True, slots=True)
class SizeGrid:
    colour: str
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], SizeCell]

    def cell(self, row: str, column: str) -> SizeCell | None:
        return self.cells.get((row, column))


@dataclass(frozen=True, slots=True)
class Suggestion:
    sku: str
    size: str
    colour: str
    store_available: int
    network_available: int


@dataclass(frozen=True, slots=True)
class LocationStock:
    code: str
    name: str
    kind: str
    distance_km: float | None
    on_hand: int
    reserved: int
    available: int
    as_of: datetime
    is_here: bool
    coming: Coming = NOTHING_COMING
    """Here: from the cache; elsewhere: from a live answer only (nothing when offline)."""


@dataclass(frozen=True, slots=True)
class Availability:
    sku: str
    live: bool
    fetched_at: datetime | None
    """When the ledger gave these numbers (None: never asked while online)."""
    locations: list[LocationStock]
    network_available: int


@dataclass(frozen=True, slots=True)
class ItemView:
    item: CatalogItem
    colours: list[str]
    grid: SizeGrid
    own: OwnStock
    suggestions: list[Suggestion]
    availability: Availability


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    radius = 6371.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = math.radians(lat2 - lat1)
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


class LookupService:
    """Answers from the cache at once; asks the ledger live for other locations when it can."""

    def __init__(
        self,
        engine: Engine,
        location: str,
        now: Now,
        client: LedgerClient | None = None,
        live_timeout: float = 1.5,
    ) -> None:
        self._engine = engine
        self._location = location
        self._now = now
        self._client = client
        self._live_timeout = live_timeout

    @property
    def location(self) -> str:
        return self._location

    def find(self, query: str) -> LookupResult:
        cleaned = query.strip()
        with self._engine.connect() as connection:
            if looks_like_barcode(cleaned):
                problem = gtin_problem(cleaned)
                if problem is not None:
                    return LookupResult(Found.BAD_BARCODE, cleaned, problem=problem)
                item = by_gtin(connection, cleaned)
                if item is None:
                    return LookupResult(Found.UNKNOWN_BARCODE, cleaned)
                return LookupResult(Found.ITEM, cleaned, item=item)
            if not cleaned:
                return LookupResult(Found.NOT_FOUND, cleaned)
            item = by_sku(connection, cleaned)
            if item is not None:
                return LookupResult(Found.ITEM, cleaned, item=item)
            variants = of_reference(connection, cleaned)
            if variants:
                return LookupResult(Found.MATCHES, cleaned, matches=variants)
            matches = search(connection, cleaned)
        if len(matches) == 1:
            return LookupResult(Found.ITEM, cleaned, item=matches[0])
        if matches:
            return LookupResult(Found.MATCHES, cleaned, matches=matches)
        return LookupResult(Found.NOT_FOUND, cleaned)

    def item_view(self, sku: str, live: bool = True) -> ItemView | None:
        with self._engine.connect() as connection:
            if by_sku(connection, sku) is None:
                return None
        # Ask the ledger first, so the grid below already holds what it answered.
        availability = self.availability(sku, live=live)
        with self._engine.connect() as connection:
            item = by_sku(connection, sku)
            if item is None:
                return None
            variants = of_reference(connection, item.reference)
            own = self._own_stock(connection, [v.sku for v in variants])
            network = self._network_available(connection, [v.sku for v in variants], own)
        colours = sorted({v.colour for v in variants})
        same_colour = [v for v in variants if v.colour == item.colour]
        grid = size_grid(item.colour, same_colour, own, network)
        suggestions = suggest_sizes(item, variants, own, network)
        return ItemView(
            item=item,
            colours=colours,
            grid=grid,
            own=own.get(item.sku, OwnStock(0, 0, 0, False, 0)),
            suggestions=suggestions,
            availability=availability,
        )

    def _own_stock(self, connection: Connection, skus: list[str]) -> dict[str, OwnStock]:
        marks = ",".join(f":s{i}" for i in range(len(skus)))
        params: dict[str, object] = {f"s{i}": sku for i, sku in enumerate(skus)}
        params["loc"] = self._location
        ledger = {
            row.sku: row
            for row in connection.execute(
                text(
                    "SELECT sku, on_hand, reserved, safety_stock, suspect FROM positions "
                    f"WHERE location = :loc AND sku IN ({marks})"
                ),
                params,
            )
        }
        pending = {
            row.sku: int(row.delta)
            for row in connection.execute(
                text(
                    "SELECT e.sku, SUM(e.on_hand_delta) AS delta FROM outbox_effects e "
                    "JOIN outbox o ON o.id = e.outbox_id WHERE o.state = 'pending' "
                    f"AND e.location = :loc AND e.sku IN ({marks}) GROUP BY e.sku"
                ),
                params,
            )
        }
        coming = coming_here(connection, skus)
        result: dict[str, OwnStock] = {}
        for sku in skus:
            row = ledger.get(sku)
            delta = pending.get(sku, 0)
            on_hand = (row.on_hand if row is not None else 0) + delta
            reserved = row.reserved if row is not None else 0
            safety = row.safety_stock if row is not None else 0
            result[sku] = OwnStock(
                on_hand=on_hand,
                reserved=reserved,
                available=on_hand - reserved - safety,
                suspect=bool(row.suspect) if row is not None else False,
                pending_delta=delta,
                coming=coming.get(sku, NOTHING_COMING),
            )
        return result

    def _network_available(
        self, connection: Connection, skus: list[str], own: dict[str, OwnStock]
    ) -> dict[str, int]:
        marks = ",".join(f":s{i}" for i in range(len(skus)))
        params = {f"s{i}": sku for i, sku in enumerate(skus)}
        totals = {
            row.sku: int(row.available)
            for row in connection.execute(
                text(f"SELECT sku, available FROM network_totals WHERE sku IN ({marks})"), params
            )
        }
        # Sales not yet sent are not in the ledger's total either.
        return {sku: max(0, totals.get(sku, 0) + own[sku].pending_delta) for sku in skus}

    def availability(self, sku: str, live: bool = True) -> Availability:
        fetched: SkuAvailability | None = None
        if live and self._client is not None:
            try:
                fetched = self._client.sku_availability(sku, timeout=self._live_timeout)
            except (LedgerUnavailable, LedgerRefused):
                fetched = None
        now = self._now()
        with self._engine.begin() as connection:
            if fetched is not None:
                _remember_remote(connection, fetched, now)
            return self._availability_from_cache(
                connection,
                sku,
                live=fetched is not None,
                arrivals=[] if fetched is None else fetched.arrivals,
            )

    def _availability_from_cache(
        self, connection: Connection, sku: str, live: bool, arrivals: list[Arrival]
    ) -> Availability:
        # Only the places this answer names (here, where the last live answer had stock, and
        # where units are on their way), not the whole network's: a store sees 500 locations.
        coming = coming_elsewhere(arrivals)
        arriving = {f"a{i}": code for i, code in enumerate(sorted(coming))}
        also = "".join(f", :{key}" for key in arriving)
        places = {
            row.code: row
            for row in connection.execute(
                text(
                    "SELECT code, name, kind, latitude, longitude FROM locations "
                    f"WHERE code IN (:loc{also}) "
                    "OR code IN (SELECT location FROM remote_positions WHERE sku = :sku)"
                ),
                {"loc": self._location, "sku": sku, **arriving},
            )
        }
        here = places.get(self._location)
        rows = connection.execute(
            text(
                "SELECT location, on_hand, reserved, available, updated_at, fetched_at "
                "FROM remote_positions WHERE sku = :sku"
            ),
            {"sku": sku},
        ).all()
        own = self._own_stock(connection, [sku])[sku]
        own_row = connection.execute(
            text("SELECT updated_at FROM positions WHERE sku = :sku AND location = :loc"),
            {"sku": sku, "loc": self._location},
        ).first()
        fetched_at = max((datetime.fromisoformat(r.fetched_at) for r in rows), default=None)
        locations: list[LocationStock] = []
        for row in rows:
            if row.location == self._location:
                continue
            place = places.get(row.location)
            locations.append(
                LocationStock(
                    code=row.location,
                    name=place.name if place is not None else row.location,
                    kind=place.kind if place is not None else LocationKind.STORE,
                    distance_km=_distance(here, place),
                    on_hand=int(row.on_hand),
                    reserved=int(row.reserved),
                    available=int(row.available),
                    as_of=datetime.fromisoformat(row.updated_at),
                    is_here=False,
                    coming=coming.get(row.location, NOTHING_COMING),
                )
            )
        held = {row.location for row in rows} | {self._location}
        for code in sorted(set(coming) - held):
            # Nothing on the shelf there yet, but units on their way: worth a row.
            place = places.get(code)
            locations.append(
                LocationStock(
                    code=code,
                    name=place.name if place is not None else code,
                    kind=place.kind if place is not None else LocationKind.STORE,
                    distance_km=_distance(here, place),
                    on_hand=0,
                    reserved=0,
                    available=0,
                    as_of=self._now(),
                    is_here=False,
                    coming=coming[code],
                )
            )
        locations.append(
            LocationStock(
                code=self._location,
                name=here.name if here is not None else self._location,
                kind=here.kind if here is not None else LocationKind.STORE,
                distance_km=0.0,
                on_hand=own.on_hand,
                reserved=own.reserved,
                available=own.available,
                as_of=datetime.fromisoformat(own_row.updated_at) if own_row else self._now(),
                is_here=True,
                coming=own.coming,
            )
        )
        locations.sort(key=lambda s: (s.distance_km if s.distance_km is not None else 1e9, s.code))
        network = self._network_available(connection, [sku], {sku: own})[sku]
        return Availability(
            sku=sku,
            live=live,
            fetched_at=fetched_at,
            locations=locations,
            network_available=network,
        )


def coming_elsewhere(arrivals: list[Arrival]) -> dict[str, Coming]:
    """A live answer's arrivals summed per location, with each location's next window."""
    by_location: dict[str, list[Arrival]] = {}
    for arrival in arrivals:
        by_location.setdefault(arrival.location, []).append(arrival)
    coming: dict[str, Coming] = {}
    for location, found in by_location.items():
        first = min(found, key=lambda a: (a.expected_until, a.expected_from))
        coming[location] = Coming(
            on_order=sum(a.qty for a in found if not a.in_transit),
            in_transit=sum(a.qty for a in found if a.in_transit),
            next_from=first.expected_from,
            next_until=first.expected_until,
            next_in_transit=first.in_transit,
        )
    return coming


def _distance(here: object | None, place: object | None) -> float | None:
    if here is None or place is None:
        return None
    return haversine_km(
        here.latitude,  # type: ignore[attr-defined]
        here.longitude,  # type: ignore[attr-defined]
        place.latitude,  # type: ignore[attr-defined]
        place.longitude,  # type: ignore[attr-defined]
    )


def _remember_remote(connection: Connection, fetched: SkuAvailability, now: datetime) -> None:
    connection.execute(text("DELETE FROM remote_positions WHERE sku = :sku"), {"sku": fetched.sku})
    fetched_at = now.isoformat()
    rows = [
        (
            p.sku,
            p.location,
            p.on_hand,
            p.reserved,
            p.safety_stock,
            p.available,
            p.updated_at.isoformat(),
            fetched_at,
        )
        for p in fetched.locations
    ]
    if rows:
        # A live answer holds every location of the network (500 rows): tuples on the driver,
        # not SQLAlchemy's per-row parameter processing.
        connection.exec_driver_sql(
            "INSERT INTO remote_positions (sku, location, on_hand, reserved, safety_stock, "
            "available, updated_at, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    connection.execute(
        text(
            "INSERT OR REPLACE INTO network_totals (sku, on_hand, reserved, available) "
            "VALUES (:sku, :on_hand, :reserved, :available)"
        ),
        fetched.total.model_dump(),
    )


def size_grid(
    colour: str, variants: list[CatalogItem], own: dict[str, OwnStock], network: dict[str, int]
) -> SizeGrid:
    def cell(v: CatalogItem) -> SizeCell:
        mine = own[v.sku]
        return SizeCell(v.sku, v.size, max(0, mine.available), network[v.sku], mine.coming.units)

    if variants and all(v.size_row and v.size_column for v in variants):
        rows = sorted({v.size_row or "" for v in variants}, key=size_order)
        columns = sorted({v.size_column or "" for v in variants}, key=size_order)
        cells = {(v.size_row or "", v.size_column or ""): cell(v) for v in variants}
    else:
        rows = [""]
        columns = sorted({v.size for v in variants}, key=size_order)
        cells = {("", v.size): cell(v) for v in variants}
    return SizeGrid(colour=colour, rows=rows, columns=columns, cells=cells)


def suggest_sizes(
    item: CatalogItem,
    variants: list[CatalogItem],
    own: dict[str, OwnStock],
    network: dict[str, int],
    limit: int = 4,
) -> list[Suggestion]:
    """The nearest sizes of the same colour in stock here, then the same size in other colours."""
    rows = sorted({v.size_row or "" for v in variants}, key=size_order)
    columns = sorted({v.size_column or v.size for v in variants}, key=size_order)

    def distance(v: CatalogItem) -> float:
        if item.size_row and item.size_column and v.size_row and v.size_column:
            return abs(rows.index(v.size_row) - rows.index(item.size_row)) + abs(
                columns.index(v.size_column) - columns.index(item.size_column)
            )
        return abs(
            columns.index(v.size_column or v.size) - columns.index(item.size_column or item.size)
        )

    in_stock = [v for v in variants if v.sku != item.sku and own[v.sku].available > 0]
    same_colour = sorted(
        (v for v in in_stock if v.colour == item.colour), key=lambda v: (distance(v), v.sku)
    )
    other_colours = sorted(
        (v for v in in_stock if v.colour != item.colour and v.size == item.size),
        key=lambda v: v.colour,
    )
    chosen = (same_colour[: limit - min(len(other_colours), 1)] + other_colours)[:limit]
    return [
        Suggestion(v.sku, v.size, v.colour, own[v.sku].available, network[v.sku]) for v in chosen
    ]

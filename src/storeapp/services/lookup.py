"""Finding an item and everything staff need to see about it: size grid, suggestions, and where
else in the network it is available (live from the ledger, or from the cache with its age).

Every figure says where it comes from (``Freshness``). When the ledger answers the lookup, every
row of that SKU is its answer, the store's own row included, with this terminal's unsent
operations laid over it (``pending_delta``); otherwise the store's row is this terminal's copy,
as old as its last sync, and the other locations are the last live answer, as old as that. The
network total follows the store's row: the same sync brings both (a live answer, both again).
The other sizes of the grid are this terminal's copy (only the SKU looked up is asked live).

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

from ordersync.contract import (
    Arrival,
    LocationKind,
    Position,
    SizeFit,
    SkuAvailability,
    gtin_problem,
    rank_sizes,
)
from storeapp.cache.incoming import NOTHING_COMING, Coming
from storeapp.cache.state import LAST_FEED_AT, parse_time, read_state
from storeapp.clock import Now
from storeapp.services.catalog import CatalogItem, by_gtin, by_sku, of_reference, search, size_order
from storeapp.services.own_stock import NO_STOCK, own_stock
from storeapp.services.own_stock import OwnStock as OwnStock  # the item view's own stock
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
class Freshness:
    """Where figures come from, and when the ledger gave them."""

    live: bool
    """The ledger answered this lookup (False: this terminal's copy)."""
    as_of: datetime | None
    """When the ledger gave them: the live answer's time, else the last sync (for this store's
    own figures) or the last live answer (for the other locations); None: never."""


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
    kind: SizeFit
    """How it fits against the size looked up: same size in another colour, sister, nearby."""


@dataclass(frozen=True, slots=True)
class LocationStock:
    code: str
    name: str
    kind: str
    distance_km: float | None
    on_hand: int
    reserved: int
    available: int
    changed_at: datetime | None
    """When the ledger last changed the position (a movement, a reservation): not how fresh the
    figures are (``Availability.here``/``elsewhere`` say that)."""
    is_here: bool
    coming: Coming = NOTHING_COMING
    """Here: from the cache; elsewhere: from a live answer only (nothing when offline)."""


@dataclass(frozen=True, slots=True)
class Availability:
    sku: str
    live: bool
    fetched_at: datetime | None
    """When the ledger last gave the other locations' numbers (None: never asked while online)."""
    locations: list[LocationStock]
    network_available: int
    here: Freshness
    """Where this store's row (and the network total) comes from."""
    elsewhere: Freshness
    """Where the other locations' rows come from."""
    pending_delta: int = 0
    """Units of this terminal's unsent operations laid over this store's row and the total."""


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
            found = by_sku(connection, sku)
        if found is None:
            return None
        # Ask the ledger first, so the grid below already holds what it answered.
        fetched = self._fetch(found.sku) if live else None
        with self._engine.begin() as connection:
            if fetched is not None:
                _remember_remote(connection, fetched, self._now())
            item = by_sku(connection, found.sku)
            if item is None:
                return None
            variants = of_reference(connection, item.reference)
            skus = [v.sku for v in variants]
            own = own_stock(connection, self._location, skus, self._live_here(fetched))
            availability = self._availability_from_cache(
                connection, item.sku, fetched, own.get(item.sku, NO_STOCK)
            )
            network = self._network_available(connection, skus, own)
        colours = sorted({v.colour for v in variants})
        same_colour = [v for v in variants if v.colour == item.colour]
        grid = size_grid(item.colour, same_colour, own, network)
        suggestions = suggest_sizes(item, variants, own, network)
        return ItemView(
            item=item,
            colours=colours,
            grid=grid,
            own=own.get(item.sku, NO_STOCK),
            suggestions=suggestions,
            availability=availability,
        )

    def _fetch(self, sku: str) -> SkuAvailability | None:
        """The ledger's answer for ``sku`` now, or None (no client, unreachable, refused)."""
        if self._client is None:
            return None
        try:
            return self._client.sku_availability(sku, timeout=self._live_timeout)
        except (LedgerUnavailable, LedgerRefused):
            return None

    def _live_here(self, fetched: SkuAvailability | None) -> dict[str, Position | None]:
        """This store's position in a live answer (None: the ledger holds none here)."""
        if fetched is None:
            return {}
        here = next((p for p in fetched.locations if p.location == self._location), None)
        return {fetched.sku: here}

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
        fetched = self._fetch(sku) if live else None
        with self._engine.begin() as connection:
            if fetched is not None:
                _remember_remote(connection, fetched, self._now())
            own = own_stock(connection, self._location, [sku], self._live_here(fetched))[sku]
            return self._availability_from_cache(connection, sku, fetched, own)

    def _availability_from_cache(
        self,
        connection: Connection,
        sku: str,
        fetched: SkuAvailability | None,
        own: OwnStock,
    ) -> Availability:
        # Only the places this answer names (here, where the last live answer had stock, and
        # where units are on their way), not the whole network's: a store sees 500 locations.
        coming = coming_elsewhere([] if fetched is None else fetched.arrivals)
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
                    changed_at=datetime.fromisoformat(row.updated_at),
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
                    changed_at=None,
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
                changed_at=own.changed_at,
                is_here=True,
                coming=own.coming,
            )
        )
        locations.sort(key=lambda s: (s.distance_km if s.distance_km is not None else 1e9, s.code))
        network = self._network_available(connection, [sku], {sku: own})[sku]
        if fetched is not None:
            now = self._now()
            here_from = elsewhere_from = Freshness(live=True, as_of=now)
        else:
            synced_at = parse_time(read_state(connection, LAST_FEED_AT))
            here_from = Freshness(live=False, as_of=synced_at)
            elsewhere_from = Freshness(live=False, as_of=fetched_at)
        return Availability(
            sku=sku,
            live=fetched is not None,
            fetched_at=fetched_at,
            locations=locations,
            network_available=network,
            here=here_from,
            elsewhere=elsewhere_from,
            pending_delta=own.pending_delta,
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
    """The sizes of the reference in stock here that fit best, in the ledger's order
    (``ordersync.contract.sizes``): the same size in another colour, then sister sizes, then
    the nearest sizes; steps are counted in every size the reference is made in."""
    in_stock = [v for v in variants if own[v.sku].available > 0]
    return [
        Suggestion(
            sku=offer.variant.sku,
            size=offer.variant.size,
            colour=offer.variant.colour,
            store_available=own[offer.variant.sku].available,
            network_available=network[offer.variant.sku],
            kind=offer.kind,
        )
        for offer in rank_sizes(item, in_stock, variants)[:limit]
    ]

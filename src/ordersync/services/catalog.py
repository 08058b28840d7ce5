"""The network's catalog and locations: written by an admin, read by every device, published on
the change feed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from ordersync.contract import CountAck, Item, ItemIn, Location, LocationIn
from ordersync.db.ledger_tx import BARCODES, ITEMS, LOCATIONS, LedgerTx
from ordersync.domain.errors import InvalidRequest, NotFound, UnknownLocation, UnknownSku
from ordersync.domain.permissions import Action, Principal


def upsert_locations(
    tx: LedgerTx, principal: Principal, locations: Sequence[LocationIn]
) -> CountAck:
    principal.require(Action.MANAGE_CATALOG)
    rows = [{**loc.model_dump(mode="json"), "updated_at": tx.now} for loc in locations]
    tx.upsert_rows(LOCATIONS, rows, ["code"])
    for loc in locations:
        tx.record_change(
            "location",
            loc.code,
            "",
            {"location": Location(**loc.model_dump()).model_dump(mode="json")},
        )
    tx.audit_by(
        principal,
        operation="locations.upsert",
        location=principal.location,
        detail={"codes": [loc.code for loc in locations][:50], "count": len(locations)},
    )
    return CountAck(written=len(rows))


def upsert_items(tx: LedgerTx, principal: Principal, items: Sequence[ItemIn]) -> CountAck:
    principal.require(Action.MANAGE_CATALOG)
    _check_barcodes(tx, items)
    skus = [item.sku for item in items]
    existing = tx.barcodes_of(skus)
    dropped: dict[str, list[str]] = {}
    for item in items:
        gone = sorted(existing.get(item.sku, set()) - set(item.gtins))
        if gone:
            dropped[item.sku] = gone
    if dropped:
        tx.delete_barcodes([g for gtins in dropped.values() for g in gtins])
    item_rows = [
        {**item.model_dump(mode="json", exclude={"gtins"}), "updated_at": tx.now} for item in items
    ]
    tx.upsert_rows(ITEMS, item_rows, ["sku"])
    tx.upsert_rows(
        BARCODES,
        [{"gtin": gtin, "sku": item.sku} for item in items for gtin in item.gtins],
        ["gtin"],
    )
    for item in items:
        tx.record_change(
            "item",
            item.sku,
            "",
            {
                "item": Item(**item.model_dump()).model_dump(mode="json"),
                "barcodes_removed": dropped.get(item.sku, []),
            },
        )
    tx.audit_by(
        principal,
        operation="items.upsert",
        location=principal.location,
        detail={"count": len(items)},
    )
    return CountAck(written=len(item_rows))


def _check_barcodes(tx: LedgerTx, items: Sequence[ItemIn]) -> None:
    claimed: dict[str, str] = {}
    for item in items:
        for gtin in item.gtins:
            if claimed.setdefault(gtin, item.sku) != item.sku:
                raise InvalidRequest(
                    f"GTIN {gtin} is given to two SKUs", gtin=gtin, skus=[claimed[gtin], item.sku]
                )
    owners = tx.barcode_owners(claimed)
    for gtin, owner in owners.items():
        if owner != claimed[gtin]:
            raise InvalidRequest(
                f"GTIN {gtin} already belongs to SKU {owner}", gtin=gtin, sku=owner
            )


def read_item(connection: Connection, sku: str) -> Item:
    row = connection.execute(select(ITEMS).where(ITEMS.c.sku == sku)).first()
    if row is None:
        raise UnknownSku(f"no SKU {sku!r} in the catalog", sku=sku)
    gtins = connection.execute(
        select(BARCODES.c.gtin).where(BARCODES.c.sku == sku).order_by(BARCODES.c.gtin)
    ).scalars()
    return Item(**{**row._asdict(), "gtins": list(gtins)})


def item_by_barcode(connection: Connection, gtin: str) -> Item:
    sku = connection.execute(select(BARCODES.c.sku).where(BARCODES.c.gtin == gtin)).scalar()
    if sku is None:
        raise NotFound(f"no item carries barcode {gtin}", gtin=gtin)
    return read_item(connection, sku)


def all_locations(connection: Connection) -> list[Location]:
    rows = connection.execute(select(LOCATIONS).order_by(LOCATIONS.c.code))
    return [Location(**row._asdict()) for row in rows]


def location_exists(connection: Connection, code: str) -> bool:
    found = connection.execute(select(LOCATIONS.c.code).where(LOCATIONS.c.code == code)).first()
    return found is not None


def require_known_location(connection: Connection, code: str | None) -> None:
    """Refuse a query that names a location the network does not have."""
    if code is not None and not location_exists(connection, code):
        raise UnknownLocation(f"no location {code!r} in the network", location=code)

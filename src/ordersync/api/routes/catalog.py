"""Catalog and locations: admins write them; every device reads them."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.api.params import BarcodePath, SkuPath
from ordersync.contract import CountAck, Item, ItemsUpsert, Location, LocationsUpsert
from ordersync.db.ledger_tx import BARCODES, ITEMS, LOCATIONS
from ordersync.domain.errors import NotFound, UnknownSku
from ordersync.services.catalog import upsert_items, upsert_locations

router = APIRouter(tags=["catalog"])


@router.put("/items", response_model=CountAck)
async def put_items(body: ItemsUpsert, principal: PrincipalDep, runtime: RuntimeDep) -> CountAck:
    return await runtime.writer.run(lambda tx: upsert_items(tx, principal, body.items))


@router.put("/locations", response_model=CountAck)
async def put_locations(
    body: LocationsUpsert, principal: PrincipalDep, runtime: RuntimeDep
) -> CountAck:
    return await runtime.writer.run(lambda tx: upsert_locations(tx, principal, body.locations))


def _item(connection: ReadDep, sku: str) -> Item:
    row = connection.execute(select(ITEMS).where(ITEMS.c.sku == sku)).first()
    if row is None:
        raise UnknownSku(f"no SKU {sku!r} in the catalog", sku=sku)
    gtins = connection.execute(
        select(BARCODES.c.gtin).where(BARCODES.c.sku == sku).order_by(BARCODES.c.gtin)
    ).scalars()
    return Item(**{**row._asdict(), "gtins": list(gtins)})


@router.get("/items/{sku}", response_model=Item)
def get_item(sku: SkuPath, _principal: PrincipalDep, connection: ReadDep) -> Item:
    return _item(connection, sku)


@router.get("/barcodes/{gtin}", response_model=Item)
def get_item_by_barcode(
    gtin: BarcodePath,
    _principal: PrincipalDep,
    connection: ReadDep,
) -> Item:
    sku = connection.execute(select(BARCODES.c.sku).where(BARCODES.c.gtin == gtin)).scalar()
    if sku is None:
        raise NotFound(f"no item carries barcode {gtin}", gtin=gtin)
    return _item(connection, sku)


@router.get("/locations", response_model=list[Location])
def list_locations(_principal: PrincipalDep, connection: ReadDep) -> list[Location]:
    rows = connection.execute(select(LOCATIONS).order_by(LOCATIONS.c.code))
    return [Location(**row._asdict()) for row in rows]

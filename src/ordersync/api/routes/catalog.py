"""Catalog and locations: admins write them; every device reads them."""

from __future__ import annotations

from fastapi import APIRouter

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.api.params import BarcodePath, SkuPath
from ordersync.contract import CountAck, Item, ItemsUpsert, Location, LocationsUpsert
from ordersync.services.catalog import (
    all_locations,
    item_by_barcode,
    read_item,
    upsert_items,
    upsert_locations,
)

router = APIRouter(tags=["catalog"])


@router.put("/items", response_model=CountAck)
async def put_items(body: ItemsUpsert, principal: PrincipalDep, runtime: RuntimeDep) -> CountAck:
    return await runtime.writer.run(lambda tx: upsert_items(tx, principal, body.items))


@router.put("/locations", response_model=CountAck)
async def put_locations(
    body: LocationsUpsert, principal: PrincipalDep, runtime: RuntimeDep
) -> CountAck:
    return await runtime.writer.run(lambda tx: upsert_locations(tx, principal, body.locations))


@router.get("/items/{sku}", response_model=Item)
def get_item(sku: SkuPath, _principal: PrincipalDep, connection: ReadDep) -> Item:
    return read_item(connection, sku)


@router.get("/barcodes/{gtin}", response_model=Item)
def get_item_by_barcode(gtin: BarcodePath, _principal: PrincipalDep, connection: ReadDep) -> Item:
    return item_by_barcode(connection, gtin)


@router.get("/locations", response_model=list[Location])
def list_locations(_principal: PrincipalDep, connection: ReadDep) -> list[Location]:
    return all_locations(connection)

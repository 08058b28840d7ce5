"""ERP export files for the import measure: locations, a catalog, and two nightly stock snapshots.

They describe the same network as the generated ledgers (``bench.datagen``: the same location
codes, SKU codes, GTINs and stock), written deterministically with plain string joins in blocks of
a few thousand lines, so ten million positions take well under a minute. One SKU in ten carries a
second GTIN. The second snapshot is the first one a night later: about 1 % of its quantities
differ, at positions drawn with a seeded ``random.Random``.

The column names are the ones the ledger's import reads (``examples/*.csv``); they live here
only, for the generator and the raw baseline alike.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.datagen import Stock, gtin_of, item_fields, location_models, sku_code
from bench.plan import NetworkShape
from ordersync.contract import with_check_digit

LOCATION_COLUMNS = ("code", "kind", "name", "timezone", "latitude", "longitude")
ITEM_COLUMNS = (
    "sku",
    "reference",
    "name",
    "size",
    "size_row",
    "size_column",
    "colour",
    "price",
    "currency",
    "gtins",
)
STOCK_COLUMNS = ("location", "sku", "on_hand")
GTIN_SEPARATOR = "|"
"""Between the GTINs of one SKU in the catalog's ``gtins`` column."""
SECOND_GTIN_EVERY = 10
NIGHTLY_CHANGED_SHARE = 0.01
SEED = 20261126
BLOCK_SKUS = 2_000
"""SKUs per block of lines joined and written at once."""


@dataclass
class ErpFiles:
    """The files written for one network shape, and what an import of them must give."""

    folder: Path
    locations: Path
    catalog: Path
    stock: Path
    nightly: Path
    location_count: int = 0
    skus: int = 0
    gtins: int = 0
    positions: int = 0
    """Lines of each snapshot (every stocked position, zeros included)."""
    units: int = 0
    """Units on hand in the first snapshot."""
    nonzero: int = 0
    """Positions of the first snapshot with units on hand: onto an empty ledger, one movement
    each."""
    changed: int = 0
    """Positions whose quantity differs in the nightly snapshot: one movement each."""
    nightly_units: int = 0
    seconds: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)
    """Bytes of each file."""


def second_gtin(sku_index: int) -> str:
    """Distinct from every ``gtin_of`` (another prefix), valid check digit."""
    return with_check_digit(f"377{sku_index:09d}")


def price_text(price_minor: int) -> str:
    return f"{price_minor // 100}.{price_minor % 100:02d}"


def _write_locations(shape: NetworkShape, path: Path) -> int:
    models = location_models(shape)
    lines = [",".join(LOCATION_COLUMNS)]
    lines += [
        f"{m.code},{m.kind.value},{m.name},{m.timezone},{m.latitude},{m.longitude}" for m in models
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(models)


def _catalog_blocks(shape: NetworkShape, files: ErpFiles) -> Iterator[str]:
    yield ",".join(ITEM_COLUMNS) + "\n"
    for start in range(0, shape.skus, BLOCK_SKUS):
        lines = []
        for i in range(start, min(start + BLOCK_SKUS, shape.skus)):
            f = item_fields(shape, i)
            gtins = gtin_of(i)
            files.gtins += 1
            if i % SECOND_GTIN_EVERY == SECOND_GTIN_EVERY - 1:
                gtins += GTIN_SEPARATOR + second_gtin(i)
                files.gtins += 1
            lines.append(
                f"{f['sku']},{f['reference']},{f['name']},{f['size']},{f['size_row']},"
                f"{f['size_column']},{f['colour']},{price_text(f['price_minor'])},"
                f"{f['currency']},{gtins}\n"
            )
        yield "".join(lines)


def nightly_quantity(on_hand: int, draw: int) -> int:
    """The next night's quantity at a changed position: never the same, never below zero."""
    delta = (-2, -1, 1, 2, 3)[draw % 5]
    return on_hand + delta if on_hand + delta >= 0 else on_hand + 1


def _write_snapshots(shape: NetworkShape, files: ErpFiles) -> None:
    stock = Stock(shape)
    codes = [m.code for m in location_models(shape)]
    positions = shape.positions  # what Stock places, one line each
    rng = random.Random(SEED)
    changed = set(rng.sample(range(positions), max(1, round(positions * NIGHTLY_CHANGED_SHARE))))
    header = ",".join(STOCK_COLUMNS) + "\n"
    index = 0
    with (
        files.stock.open("w", encoding="utf-8") as first,
        files.nightly.open("w", encoding="utf-8") as nightly,
    ):
        first.write(header)
        nightly.write(header)
        for start in range(0, shape.skus, BLOCK_SKUS):
            block: list[str] = []
            next_block: list[str] = []
            for i in range(start, min(start + BLOCK_SKUS, shape.skus)):
                sku = sku_code(shape, i)
                for loc in stock.locations_of(i):
                    on_hand = stock.on_hand(i, loc)
                    files.units += on_hand
                    files.nonzero += on_hand != 0
                    line = f"{codes[loc]},{sku},{on_hand}\n"
                    block.append(line)
                    if index in changed:
                        on_hand = nightly_quantity(on_hand, index)
                        next_block.append(f"{codes[loc]},{sku},{on_hand}\n")
                    else:
                        next_block.append(line)
                    files.nightly_units += on_hand
                    index += 1
            first.write("".join(block))
            nightly.write("".join(next_block))
    files.positions = index
    files.changed = len(changed)


def write_erp_files(shape: NetworkShape, folder: Path) -> ErpFiles:
    """Write the four files of ``shape`` into ``folder`` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    files = ErpFiles(
        folder=folder,
        locations=folder / "locations.csv",
        catalog=folder / "items.csv",
        stock=folder / "stock.csv",
        nightly=folder / "stock-next-night.csv",
        skus=shape.skus,
    )
    files.location_count = _write_locations(shape, files.locations)
    with files.catalog.open("w", encoding="utf-8") as catalog:
        for block in _catalog_blocks(shape, files):
            catalog.write(block)
    _write_snapshots(shape, files)
    files.seconds = round(time.perf_counter() - began, 2)
    files.sizes = {
        path.name: path.stat().st_size
        for path in (files.locations, files.catalog, files.stock, files.nightly)
    }
    return files

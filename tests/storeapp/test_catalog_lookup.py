"""Catalog lookups in the cache: SKUs and references match whatever the case staff type, and
through an index (a scan of a 300,000-SKU catalog per lookup is what made scans slow)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storeapp.cache.engine import open_cache_engine
from storeapp.services.catalog import BY_SKU_SQL, OF_REFERENCE_SQL, by_sku, of_reference


def add_items(engine: Engine) -> None:
    rows = [
        {
            "sku": f"Bra-Noir-{size}",
            "reference": "Bra-Noir",
            "name": "Soutien-gorge",
            "size": size,
            "colour": "Noir",
            "price_minor": 4990,
            "currency": "EUR",
            "search_text": f"soutien-gorge bra-noir bra-noir-{size.lower()} noir",
        }
        for size in ("85C", "85B", "90B")
    ]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO items (sku, reference, name, size, colour, price_minor, currency, "
                "search_text) VALUES (:sku, :reference, :name, :size, :colour, :price_minor, "
                ":currency, :search_text)"
            ),
            rows,
        )


@pytest.fixture
def cache(tmp_path: Path) -> Engine:
    engine = open_cache_engine(tmp_path / "cache.db")
    add_items(engine)
    return engine


@pytest.mark.parametrize("typed", ["Bra-Noir-85B", "bra-noir-85b", "BRA-NOIR-85B"])
def test_a_sku_is_found_whatever_its_case(cache: Engine, typed: str) -> None:
    with cache.connect() as connection:
        item = by_sku(connection, typed)
    assert item is not None
    assert item.sku == "Bra-Noir-85B"


@pytest.mark.parametrize("typed", ["Bra-Noir", "bra-noir", "BRA-NOIR"])
def test_a_reference_lists_its_skus_in_order_whatever_its_case(cache: Engine, typed: str) -> None:
    with cache.connect() as connection:
        skus = [item.sku for item in of_reference(connection, typed)]
    assert skus == ["Bra-Noir-85B", "Bra-Noir-85C", "Bra-Noir-90B"]


def test_unknown_sku_and_reference_find_nothing(cache: Engine) -> None:
    with cache.connect() as connection:
        assert by_sku(connection, "Bra-Noir-95D") is None
        assert of_reference(connection, "Bra-Blanc") == []


def plan(engine: Engine, sql: str, params: dict[str, str]) -> str:
    with engine.connect() as connection:
        rows = connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"), params).all()
    return " | ".join(row[3] for row in rows)


def test_case_insensitive_lookups_search_an_index_instead_of_scanning(cache: Engine) -> None:
    by_sku_plan = plan(cache, BY_SKU_SQL, {"sku": "bra-noir-85b"})
    assert by_sku_plan.startswith("SEARCH items USING INDEX ix_items_sku_nocase")
    reference_plan = plan(cache, OF_REFERENCE_SQL, {"r": "bra-noir"})
    assert "ix_items_reference_nocase" in reference_plan
    assert "SCAN" not in reference_plan
    assert "TEMP B-TREE" not in reference_plan  # the index gives the SKU order too


def indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        return {row[0] for row in rows}


def test_a_cache_made_before_the_indexes_gets_them_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    open_cache_engine(path).dispose()
    with sqlite3.connect(path) as old:  # as an earlier version left it
        old.execute("DROP INDEX ix_items_sku_nocase")
        old.execute("DROP INDEX ix_items_reference_nocase")
        old.execute("CREATE INDEX ix_items_search_text ON items (search_text)")
    engine = open_cache_engine(path)
    assert {"ix_items_sku_nocase", "ix_items_reference_nocase"} <= indexes(path)
    assert "ix_items_search_text" not in indexes(path)  # it served no query, slowed writes
    add_items(engine)
    assert "ix_items_sku_nocase" in plan(engine, BY_SKU_SQL, {"sku": "BRA-NOIR-85C"})
    assert "ix_items_reference_nocase" in plan(engine, OF_REFERENCE_SQL, {"r": "BRA-NOIR"})
    with engine.connect() as connection:
        item = by_sku(connection, "BRA-NOIR-85C")
    assert item is not None
    assert item.sku == "Bra-Noir-85C"

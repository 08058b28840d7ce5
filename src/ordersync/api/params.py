"""Path parameters shared by the routers, with the same rules as the contract's fields."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from ordersync.contract import CODE_PATTERN, SKU_PATTERN

SkuPath = Annotated[str, Path(min_length=1, max_length=64, pattern=SKU_PATTERN)]
ReferencePath = Annotated[str, Path(min_length=1, max_length=64, pattern=SKU_PATTERN)]
LocationPath = Annotated[str, Path(min_length=1, max_length=32, pattern=CODE_PATTERN)]
BarcodePath = Annotated[str, Path(min_length=1, max_length=14, pattern=r"^[0-9]+$")]
RowIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]

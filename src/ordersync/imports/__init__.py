"""Imports from the ERP: locations, the catalog, stock as full snapshots or deltas, and inbound
deliveries (CSV).

``import_file(engine, kind, path, clock=...)`` is the one entry point; the ``ordersync
locations|items|stock|deliveries import`` commands call it.
"""

from __future__ import annotations

from ordersync.imports.importer import import_file
from ordersync.imports.summary import BadLine, ImportKind, ImportRefused, ImportSummary

__all__ = ["BadLine", "ImportKind", "ImportRefused", "ImportSummary", "import_file"]

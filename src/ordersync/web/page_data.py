"""What a head-office page shows, apart from its layout: its tables, its charts, its notes.

A page's HTML, its CSV downloads and its chart images are all made from one ``PageData``, built
by the page's builder for the person looking: the download holds the rows the page showed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ordersync.web.charts import ChartSpec
from ordersync.web.tables import Table


@dataclass
class PageData:
    title: str
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, ChartSpec] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add_table(self, table: Table) -> Table:
        self.tables[table.table_id] = table
        return table

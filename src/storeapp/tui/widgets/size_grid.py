"""The size grid of a reference in one colour: for lingerie, bands down and cups across.

Each cell shows what this store has available and what the whole network has (``2 · 14``);
a size out of stock here stands out, the size on screen is marked, and Enter opens a size.
Units on their way here follow the shelf's figure (``0 +6 · 14``); a size at zero on the shelf
with units coming is marked apart from one with nothing coming.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from storeapp.services.lookup import SizeCell, SizeGrid
from storeapp.tui.messages import SizeChosen
from storeapp.wording.figures import NO_VALUE, number
from storeapp.wording.incoming import shelf_and_coming


class SizeGridTable(DataTable[Text]):
    """A DataTable with a cell cursor over the grid; posts ``SizeChosen`` on Enter."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "size-grid--current",
        "size-grid--out-here",
        "size-grid--out-everywhere",
        "size-grid--coming",
        "size-grid--missing",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="cell")
        self._grid: SizeGrid | None = None
        self._widths: list[int] = []

    @property
    def grid(self) -> SizeGrid | None:
        return self._grid

    def show(self, grid: SizeGrid, current_sku: str, *, keep_cursor: bool = False) -> None:
        """Draw ``grid``, cursor on ``current_sku`` (or where it was, with ``keep_cursor``).

        A grid of the same layout (the same item again, another size of it) is updated cell
        by cell: the table keeps its place, and nothing flickers when live numbers arrive.
        """
        cursor = Coordinate(0, 0)
        rows: list[list[Text]] = []
        for r, row in enumerate(grid.rows):
            cells = []
            for c, column in enumerate(grid.columns):
                cell = grid.cell(row, column)
                if cell is not None and cell.sku == current_sku:
                    cursor = Coordinate(r, c)
                cells.append(self._cell_text(cell, current_sku))
            rows.append(cells)
        # Every cell of a column is as wide as the widest, so each sits under its size.
        widths = [
            max([len(column), *(row[c].cell_len for row in rows)])
            for c, column in enumerate(grid.columns)
        ]
        for row_cells in rows:
            for c, width in enumerate(widths):
                row_cells[c].align("center", width)
        old = self._grid
        same_layout = (
            old is not None
            and (old.colour, old.rows, old.columns) == (grid.colour, grid.rows, grid.columns)
            and widths == self._widths
        )
        if keep_cursor and same_layout and self.is_valid_coordinate(self.cursor_coordinate):
            cursor = self.cursor_coordinate
        if same_layout:
            for row, cells in zip(grid.rows, rows, strict=True):
                for column, text in zip(grid.columns, cells, strict=True):
                    self.update_cell(row, column, text)
        else:
            self.clear(columns=True)
            self.show_row_labels = grid.rows != [""]
            for column, width in zip(grid.columns, widths, strict=True):
                self.add_column(Text(column.center(width)), key=column, width=width)
            for row, cells in zip(grid.rows, rows, strict=True):
                self.add_row(*cells, key=row, label=Text(row, style="bold"))
        self._grid = grid
        self._widths = widths
        self.move_cursor(row=cursor.row, column=cursor.column, animate=False)

    def _cell_text(self, cell: SizeCell | None, current_sku: str) -> Text:
        if cell is None:
            missing = self.get_component_rich_style("size-grid--missing", partial=True)
            return Text(NO_VALUE, style=missing)
        here = shelf_and_coming(cell.store_available, cell.store_incoming)
        text = Text(f"{here} · {number(cell.network_available)}")
        if cell.store_available <= 0:
            if cell.store_incoming > 0:
                out = "size-grid--coming"
            elif cell.network_available <= 0:
                out = "size-grid--out-everywhere"
            else:
                out = "size-grid--out-here"
            text.stylize(self.get_component_rich_style(out, partial=True))
        if cell.sku == current_sku:
            text.stylize(self.get_component_rich_style("size-grid--current", partial=True))
        return text

    def sku_at(self, coordinate: Coordinate) -> str | None:
        if self._grid is None or not self.is_valid_coordinate(coordinate):
            return None
        key = self.coordinate_to_cell_key(coordinate)
        cell = self._grid.cell(str(key.row_key.value), str(key.column_key.value))
        return None if cell is None else cell.sku

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        sku = self.sku_at(event.coordinate)
        if sku is not None:
            self.post_message(SizeChosen(sku))

"""``storeapp lookup``: find an item by barcode, SKU, reference or name, and print it: its size
grid here and in the network, what is on its way here, what is in stock here instead, and where
it is available (with each location's incoming units when the ledger answered live).

Every figure says where it comes from: under the availability table, a line names the source and
age of this store's row (the ledger's live answer, or this terminal's copy) and of the others'."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from storeapp.cli.arguments import Subcommands, add_command
from storeapp.cli.items import not_found_error
from storeapp.cli.session import EXIT_OK, Cli, CliError
from storeapp.context import StoreContext
from storeapp.i18n import _
from storeapp.services.catalog import CatalogItem
from storeapp.services.lookup import Availability, Found, ItemView, LookupResult
from storeapp.wording.catalog import availability_sources
from storeapp.wording.counter import dispositions_text
from storeapp.wording.figures import (
    NO_VALUE,
    available_text,
    distance_text,
    number,
    overdrawn_note,
)
from storeapp.wording.incoming import coming_here_text, coming_text, grid_legend, shelf_and_coming
from storeapp.wording.sizes import fit_name


def cmd_lookup(cli: Cli, args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    with cli.store() as context:
        result = context.lookup.find(query)
        if result.found is Found.MATCHES:
            if result.query.casefold() == result.matches[0].reference.casefold():
                print_reference(cli, context, result.matches)
            else:
                print_matches(cli, result)
            return EXIT_OK
        if result.found is not Found.ITEM or result.item is None:
            raise not_found_error(result)
        view = context.lookup.item_view(result.item.sku, live=not args.offline)
        if view is None:
            raise CliError(_("nothing in the catalog matches {query}", query=query))
        print_item(cli, view, asked_live=not args.offline)
    return EXIT_OK


def print_matches(cli: Cli, result: LookupResult) -> None:
    t = cli.translator
    table = Table(
        title=_("{count} items match {query}", count=len(result.matches), query=result.query),
        title_justify="left",
    )
    table.add_column(_("SKU"))
    table.add_column(_("Name"))
    table.add_column(_("Size"))
    table.add_column(_("Colour"))
    table.add_column(_("Price"), justify="right")
    for item in result.matches:
        table.add_row(
            item.sku, item.name, item.size, item.colour, t.money(item.price_minor, item.currency)
        )
    cli.out.print(table)
    cli.say(_("Look one up by its SKU or barcode: storeapp lookup SKU"), style="dim")


def print_reference(cli: Cli, context: StoreContext, variants: Sequence[CatalogItem]) -> None:
    """A whole reference: its size grid in each colour, from the cache."""
    first = variants[0]
    cli.say(f"{first.name} — {first.reference}", style="bold")
    cli.say(
        _(
            "{count} variants · {price}",
            count=len(variants),
            price=cli.translator.money(first.price_minor, first.currency),
        )
    )
    colours: list[str] = []
    for variant in variants:
        if variant.colour not in colours:
            colours.append(variant.colour)
    for colour in colours:
        sku = next(v.sku for v in variants if v.colour == colour)
        view = context.lookup.item_view(sku, live=False)
        if view is not None:
            _print_grid(cli, view, highlight=False)
    cli.say(_("Look one up by its SKU or barcode: storeapp lookup SKU"), style="dim")


def _item_header(cli: Cli, view: ItemView) -> None:
    item: CatalogItem = view.item
    t = cli.translator
    cli.say(f"{item.name} — {item.sku}", style="bold")
    cli.say(
        _(
            "Reference {reference} · size {size} · colour {colour} · {price}",
            reference=item.reference,
            size=item.size,
            colour=item.colour,
            price=t.money(item.price_minor, item.currency),
        )
    )
    if len(view.colours) > 1:
        cli.say(_("Colours: {colours}", colours=", ".join(view.colours)))
    own = view.own
    line = _(
        "Here: {available} available, {on_hand} on hand, {reserved} reserved",
        available=own.available,
        on_hand=own.on_hand,
        reserved=own.reserved,
    )
    cli.say(line, style="bold green" if own.available > 0 else "bold red")
    if own.unavailable > 0:
        cli.say(
            _("Not for sale here: {units}", units=dispositions_text(own.dispositions)),
            style="yellow",
        )
    if own.coming.units > 0:
        cli.say(coming_here_text(own.coming), style="yellow")
    if own.pending_delta:
        cli.say(
            _(
                "({count} unit(s) sold here not yet sent to the ledger are counted)",
                count=-own.pending_delta,
            ),
            style="dim",
        )
    if own.suspect and own.changed_at is not None:
        # When the record last changed tells whether a count since then already answered it.
        cli.say(
            _(
                "The stock record of this item here is suspect (last changed {time}): a count "
                "is needed.",
                time=cli.translator.moment(own.changed_at),
            ),
            style="yellow",
        )
    elif own.suspect:
        cli.say(
            _("The stock record of this item here is suspect: a count is needed."),
            style="yellow",
        )


def _grid_table(cli: Cli, view: ItemView, *, highlight: bool = True) -> Table:
    grid = view.grid
    two_axes = grid.rows != [""]
    table = Table(
        title=_("Sizes in {colour} (here · network)", colour=grid.colour), title_justify="left"
    )
    table.add_column(_("Band") if two_axes else "", style="bold")
    for column in grid.columns:
        table.add_column(column, justify="center")
    for row in grid.rows:
        cells: list[Text] = []
        for column in grid.columns:
            cell = grid.cell(row, column)
            if cell is None:
                cells.append(Text("·", style="dim"))
                continue
            style = "reverse" if highlight and cell.sku == view.item.sku else ""
            if cell.store_available <= 0:
                style += " italic yellow" if cell.store_incoming > 0 else " dim"
            here = shelf_and_coming(cell.store_available, cell.store_incoming)
            cells.append(Text(f"{here} · {cell.network_available}", style=style))
        table.add_row(Text(row if two_axes else _("Size")), *cells)
    return table


def _print_grid(cli: Cli, view: ItemView, *, highlight: bool = True) -> None:
    """The grid, and what ``0 +6`` means when a size has units coming."""
    cli.out.print(_grid_table(cli, view, highlight=highlight))
    if any(cell.store_incoming for cell in view.grid.cells.values()):
        cli.say(grid_legend(), style="dim")


def _availability_table(cli: Cli, availability: Availability) -> Table:
    table = Table(title=_("Availability of {sku}", sku=availability.sku), title_justify="left")
    table.add_column(_("Location"))
    table.add_column(_("Name"))
    table.add_column(_("Distance"), justify="right")
    table.add_column(_("Available"), justify="right")
    table.add_column(_("On hand"), justify="right")
    table.add_column(_("Reserved"), justify="right")
    table.add_column(_("Coming"))
    for place in availability.locations:
        distance = (
            NO_VALUE if place.distance_km is None else distance_text(place.distance_km, digits=0)
        )
        name = _("{name} (here)", name=place.name) if place.is_here else place.name
        style = "bold" if place.is_here else ("dim" if place.available <= 0 else "")
        table.add_row(
            place.code,
            name,
            distance,
            available_text(place.available),
            number(place.on_hand),
            number(place.reserved),
            coming_text(place.coming),
            style=style,
        )
    # One line per source, so none is cut in two where the table ends.
    sources = [_first_upper(part) for part in availability_sources(availability, cli.now())]
    network = _("Network available: {count}", count=number(availability.network_available))
    overdrawn = [overdrawn_note()] if any(p.available < 0 for p in availability.locations) else []
    table.caption = "\n".join([*sources, network, *overdrawn])
    table.caption_justify = "left"
    return table


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def print_item(cli: Cli, view: ItemView, *, asked_live: bool) -> None:
    _item_header(cli, view)
    _print_grid(cli, view)
    if view.own.available <= 0 and view.suggestions:
        table = Table(title=_("In stock here instead"), title_justify="left")
        table.add_column(_("SKU"))
        table.add_column(_("Size"))
        table.add_column(_("Colour"))
        table.add_column(_("Kind"))
        table.add_column(_("Here"), justify="right")
        table.add_column(_("Network"), justify="right")
        for suggestion in view.suggestions:
            table.add_row(
                suggestion.sku,
                suggestion.size,
                suggestion.colour,
                fit_name(suggestion.kind),
                str(suggestion.store_available),
                str(suggestion.network_available),
            )
        cli.out.print(table)
    cli.out.print(_availability_table(cli, view.availability))
    if asked_live and not view.availability.live:
        cli.say(
            _("The ledger could not be reached in time: the other locations come from the cache."),
            style="yellow",
        )


def add_commands(commands: Subcommands) -> None:
    lookup = add_command(
        commands,
        "lookup",
        cmd_lookup,
        help=_("find an item and where it is available"),
        description=_(
            "Find an item by barcode, SKU, reference or name; show its size grid and where it "
            "is available in the network."
        ),
    )
    lookup.add_argument(
        "query", nargs="+", metavar="QUERY", help=_("barcode, SKU, reference or words of a name")
    )
    lookup.add_argument(
        "--offline", action="store_true", help=_("answer from the cache only, without the ledger")
    )

"""``storeapp sell``: record a counter sale; it is sent to the ledger at the next sync. A counter
sale is never refused for stock (the unit is in the associate's hand), only for naming no single
item exactly; a line above the store's limit (``confirm_units_above``) needs ``--yes``. It prints
the sale's receipt reference, which ``storeapp void`` and ``storeapp return --receipt`` take."""

from __future__ import annotations

import argparse

from storeapp.cli.arguments import Subcommands, add_command, add_quantity_option
from storeapp.cli.items import one_item
from storeapp.cli.session import EXIT_OK, Cli, CliError
from storeapp.i18n import _
from storeapp.services.sales import NeedsConfirmation
from storeapp.wording.catalog import not_exact
from storeapp.wording.counter import confirm_with_yes, sale_receipt


def cmd_sell(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        result = context.lookup.find(args.sku)
        item = one_item(result)
        exact = item.sku.casefold() == result.query.casefold() or result.query.isdigit()
        if not exact:
            raise CliError(not_exact(result.query, item.sku))
        try:
            sale = context.sales.record(item.sku, args.qty, confirmed=args.yes)
        except NeedsConfirmation as error:
            raise CliError(confirm_with_yes(error.qty, error.limit)) from None
        status = context.status.status()
        view = context.lookup.item_view(item.sku, live=False)
    cli.say(
        _("Sale recorded: {qty} x {sku} ({name}).", qty=sale.qty, sku=sale.sku, name=item.name),
        style="bold green",
    )
    cli.say(sale_receipt(str(sale.op_id)))
    if view is not None:
        cli.say(_("On hand here now: {count}", count=view.own.on_hand))
    cli.say(_("Waiting to be sent to the ledger: {count}", count=status.waiting))
    return EXIT_OK


def add_commands(commands: Subcommands) -> None:
    sell = add_command(
        commands,
        "sell",
        cmd_sell,
        help=_("record a counter sale"),
        description=_("Record a counter sale; it is sent to the ledger at the next sync."),
        makes_operations=True,
    )
    sell.add_argument("sku", metavar="SKU", help=_("SKU or barcode of the item sold"))
    add_quantity_option(sell, _("units sold (default 1)"))
    sell.add_argument("--yes", action="store_true", help=_("confirm a large quantity"))

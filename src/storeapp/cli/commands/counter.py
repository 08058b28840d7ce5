"""The counter's other half on the command line: ``storeapp return`` (a customer's return, linked
to the order or the sale's receipt when the customer has it), ``storeapp void`` (a counter sale
taken back; ``--recent`` lists this terminal's sales), ``storeapp set-aside`` (units set aside as
damaged, on display, in quarantine, or put back on sale) and ``storeapp writeoff`` (managers).

Each is recorded here at once and sent to the ledger with the next sync. What the terminal can
check it checks first (a reason from the list, a quantity to confirm with ``--yes``, units the
shelf holds, who may); a refusal exits 1, or 5 when only a manager may.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable
from typing import TypeVar

from rich.text import Text

from ordersync.contract import UNAVAILABLE_DISPOSITIONS, Disposition
from storeapp.cache.positions import local_position
from storeapp.cli.arguments import Subcommands, add_command, add_quantity_option, positive_int
from storeapp.cli.items import one_item
from storeapp.cli.output import headed_table
from storeapp.cli.session import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, Cli, CliError
from storeapp.context import StoreContext
from storeapp.i18n import _
from storeapp.services.catalog import CatalogItem
from storeapp.services.sales import NeedsConfirmation
from storeapp.services.set_aside import SetAsideRefusal, SetAsideRefused
from storeapp.services.voids import (
    VoidRefusal,
    VoidRefused,
    receipt_reference,
)
from storeapp.wording.catalog import not_exact
from storeapp.wording.counter import (
    confirm_with_yes,
    dispositions_text,
    return_queued,
    return_reason_text,
    set_aside_queued,
    void_queued,
    write_off_queued,
)

T = TypeVar("T")

# --- Shared steps ----------------------------------------------------------------------------


def _item(context: StoreContext, query: str) -> CatalogItem:
    """The one item a SKU or a barcode names (a reference or words of a name will not do)."""
    result = context.lookup.find(query)
    item = one_item(result)
    if item.sku.casefold() != result.query.casefold() and not result.query.isdigit():
        raise CliError(not_exact(result.query, item.sku))
    return item


def _queued(make: Callable[[], T], context: StoreContext | None = None) -> T:
    """Run a service's action; what it refuses becomes the sentence and exit code of a command
    (5 when only a manager may; ``context`` tells whether staff sign in, for the hint)."""
    try:
        return make()
    except NeedsConfirmation as error:
        raise CliError(confirm_with_yes(error.qty, error.limit)) from None
    except SetAsideRefused as error:
        if error.refusal is SetAsideRefusal.MANAGERS_ONLY:
            raise _managers_only(str(error), context) from None
        raise CliError(str(error)) from None
    except VoidRefused as error:
        if error.refusal in (VoidRefusal.NOT_THIS_TERMINAL, VoidRefusal.EARLIER_DAY):
            raise _managers_only(str(error), context) from None
        raise CliError(str(error)) from None
    except ValueError as error:
        raise CliError(str(error)) from None


def _managers_only(problem: str, context: StoreContext | None) -> CliError:
    if context is not None and context.staff.has_staff():
        problem = _("{problem} (a manager runs it with --as CODE)", problem=problem)
    return CliError(problem, EXIT_REFUSED)


def _say_position(cli: Cli, context: StoreContext, sku: str) -> None:
    """The position here now, with what this terminal has not sent yet."""
    with context.engine.connect() as connection:
        position = local_position(connection, sku, context.location)
    cli.say(
        _(
            "Here now: {on_hand} on hand, {on_sale} on sale.",
            on_hand=position.on_hand,
            on_sale=position.sellable,
        )
    )
    aside = dispositions_text(position.dispositions)
    if aside:
        cli.say(_("Set aside: {units}", units=aside))
    cli.say(_("Waiting to be sent to the ledger: {count}", count=context.status.status().waiting))


# --- storeapp return -------------------------------------------------------------------------


def cmd_return(cli: Cli, args: argparse.Namespace) -> int:
    if args.reasons:
        cli.sign_in = None  # reading the list is no one's operation
        return _print_reasons(cli)
    if not args.sku:
        raise CliError(
            _("say which item comes back: storeapp return SKU --reason REASON"), EXIT_USAGE
        )
    if not args.reason:
        raise CliError(
            _("say why with --reason (storeapp return --reasons lists them)"), EXIT_USAGE
        )
    if args.line is not None and args.order is None:
        raise CliError(_("--line names a line of the order given with --order"), EXIT_USAGE)
    with cli.store() as context:
        item = _item(context, args.sku)
        returns = context.returns
        if args.reason not in returns.reasons():
            # a reason the ledger's list gained since this terminal last read it
            returns.refresh_reasons(context.client, timeout=context.settings.lookup_timeout_seconds)
        sale = None if args.receipt is None else _queued(lambda: receipt_reference(args.receipt))
        disposition = Disposition.DAMAGED if args.damaged else Disposition.SELLABLE
        queued = _queued(
            lambda: returns.record(
                item.sku,
                args.qty,
                reason=args.reason,
                disposition=disposition,
                order_id=args.order,
                order_line_no=args.line,
                sale_op_id=sale,
                confirmed=args.yes,
            )
        )
        cli.say(return_queued(queued.qty, queued.sku, queued.disposition), style="bold green")
        cli.say(_("Return reference: {reference}", reference=queued.op_id))
        _say_position(cli, context, item.sku)
    return EXIT_OK


def _print_reasons(cli: Cli) -> int:
    with cli.store() as context:
        returns = context.returns
        fresh = returns.refresh_reasons(
            context.client, timeout=context.settings.lookup_timeout_seconds
        )
        reasons = returns.reasons()
    if not fresh:
        cli.warn(_("the ledger did not answer: these are the reasons this terminal knew"))
    table = headed_table((_("Reason"), _("Meaning")))
    for reason in reasons:
        table.add_row(reason, return_reason_text(reason))
    cli.out.print(table)
    return EXIT_OK


def _order_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value} is not an order number (the order's id)", value=value)
        ) from None


# --- storeapp void ---------------------------------------------------------------------------


def cmd_void(cli: Cli, args: argparse.Namespace) -> int:
    if args.recent:
        cli.sign_in = None  # reading the list is no one's operation
        return _print_recent(cli, args.limit)
    if not args.sale:
        raise CliError(
            _("say which sale: storeapp void SALE_REF (see storeapp void --recent)"), EXIT_USAGE
        )
    with cli.store() as context:
        voids = context.voids
        queued = _queued(lambda: voids.void(args.sale, args.reason), context)
        cli.say(void_queued(str(queued.sale_op_id), queued.lines), style="bold green")
        for sku, _qty in queued.lines:
            _say_position(cli, context, sku)
    return EXIT_OK


def _print_recent(cli: Cli, limit: int) -> int:
    t = cli.translator
    with cli.store() as context:
        sales = context.voids.recent(limit)
    if not sales:
        cli.say(_("No sale recorded on this terminal yet."))
        return EXIT_OK
    table = headed_table(
        (_("Receipt reference"), _("When"), _("SKU"), _("Item"), _("Units"), _("By"), _("State")),
        title=_("Sales of this terminal, newest first"),
    )
    for sale in sales:
        if sale.refused:
            state = Text(_("refused by the ledger"), style="red")
        elif sale.voided:
            state = Text(_("voided"), style="yellow")
        else:
            state = Text(_("sold"))
        table.add_row(
            str(sale.op_id),
            t.moment(sale.occurred_at),
            sale.sku,
            sale.name or "",
            str(sale.qty),
            sale.person or "",
            state,
        )
    cli.out.print(table)
    return EXIT_OK


# --- storeapp set-aside and storeapp writeoff ------------------------------------------------


def cmd_set_aside(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        item = _item(context, args.sku)
        queued = _queued(
            lambda: context.set_aside.move(
                item.sku,
                args.qty,
                to=Disposition(args.to),
                from_=Disposition(args.from_disposition),
                reason=args.reason,
            )
        )
        cli.say(
            set_aside_queued(
                queued.qty, queued.sku, queued.from_disposition, queued.to_disposition
            ),
            style="bold green",
        )
        _say_position(cli, context, item.sku)
    return EXIT_OK


def cmd_writeoff(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        item = _item(context, args.sku)
        queued = _queued(
            lambda: context.set_aside.write_off(
                item.sku, args.qty, disposition=Disposition(args.disposition), reason=args.reason
            ),
            context,
        )
        cli.say(write_off_queued(queued.qty, queued.sku, queued.disposition), style="bold green")
        _say_position(cli, context, item.sku)
    return EXIT_OK


# --- The commands ----------------------------------------------------------------------------

_ALL = [d.value for d in Disposition]
_SET_ASIDE = sorted(d.value for d in UNAVAILABLE_DISPOSITIONS)


def add_commands(commands: Subcommands) -> None:
    ret = add_command(
        commands,
        "return",
        cmd_return,
        help=_("record a customer's return"),
        description=_(
            "Record a customer's return: the unit goes back on sale (or is set aside as "
            "damaged), linked to the order or the sale's receipt when the customer has it. It is "
            "sent to the ledger at the next sync."
        ),
        makes_operations=True,
    )
    ret.add_argument("sku", nargs="?", metavar="SKU", help=_("SKU or barcode of the item returned"))
    add_quantity_option(ret, _("units returned (default 1)"))
    ret.add_argument("--reason", metavar="REASON", help=_("why (see --reasons)"))
    ret.add_argument(
        "--damaged", action="store_true", help=_("set the units aside as damaged, not on sale")
    )
    link = ret.add_mutually_exclusive_group()
    link.add_argument(
        "--order", type=_order_id, metavar="ORDER_ID", help=_("the order the units came from")
    )
    link.add_argument(
        "--receipt", metavar="SALE_REF", help=_("the receipt reference of the counter sale")
    )
    ret.add_argument(
        "--line", type=positive_int, metavar="N", help=_("the line of that order (with --order)")
    )
    ret.add_argument("--yes", action="store_true", help=_("confirm a large quantity"))
    ret.add_argument(
        "--reasons", action="store_true", help=_("list the reasons a return may give, and exit")
    )

    void = add_command(
        commands,
        "void",
        cmd_void,
        help=_("void a counter sale"),
        description=_(
            "Take a counter sale back as if it never happened, by its receipt reference: this "
            "terminal's sales of the day; other sales and earlier days are for managers."
        ),
        makes_operations=True,
    )
    void.add_argument("sale", nargs="?", metavar="SALE_REF", help=_("the sale's receipt reference"))
    void.add_argument("--reason", metavar="TEXT", help=_("why (200 characters at most)"))
    void.add_argument(
        "--recent", action="store_true", help=_("list this terminal's sales, and exit")
    )
    void.add_argument(
        "--limit", type=positive_int, default=20, metavar="N", help=_("sales listed (default 20)")
    )

    set_aside = add_command(
        commands,
        "set-aside",
        cmd_set_aside,
        help=_("set units aside (damaged, on display, in quarantine) or put them back on sale"),
        description=_(
            "Move units between dispositions: units set aside stay on hand but are never sold, "
            "reserved or promised."
        ),
        makes_operations=True,
    )
    set_aside.add_argument("sku", metavar="SKU", help=_("SKU or barcode of the item"))
    add_quantity_option(set_aside, _("units moved (default 1)"))
    set_aside.add_argument(
        "--to",
        required=True,
        choices=_ALL,
        metavar="DISPOSITION",
        help=_("where the units go: {choices}", choices=", ".join(_ALL)),
    )
    set_aside.add_argument(
        "--from",
        dest="from_disposition",
        default=Disposition.SELLABLE.value,
        choices=_ALL,
        metavar="DISPOSITION",
        help=_("where they are now (default: on sale)"),
    )
    set_aside.add_argument("--reason", metavar="TEXT", help=_("why (200 characters at most)"))

    writeoff = add_command(
        commands,
        "writeoff",
        cmd_writeoff,
        help=_("write off units set aside (managers)"),
        description=_(
            "Take units set aside out of the stock for good (thrown away, destroyed), with the "
            "reason. Managers only."
        ),
        makes_operations=True,
    )
    writeoff.add_argument("sku", metavar="SKU", help=_("SKU or barcode of the item"))
    add_quantity_option(writeoff, _("units written off (default 1)"))
    writeoff.add_argument(
        "--disposition",
        default=Disposition.DAMAGED.value,
        choices=_SET_ASIDE,
        metavar="DISPOSITION",
        help=_("which units set aside: {choices} (default damaged)", choices=", ".join(_SET_ASIDE)),
    )
    writeoff.add_argument("--reason", required=True, metavar="TEXT", help=_("why"))

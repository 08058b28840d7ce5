"""``storeapp order`` and ``storeapp routing``: order items for a customer (``SKU[:QTY]``, one
line per SKU; home delivery by postal code, or collection) and print where they come from, why
and by when; and every routing decision of an order. The explanations are
``storeapp.wording.orders``'s, the ones the terminal UI shows."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from storeapp.cli.arguments import Subcommands, add_command, add_quantity_option
from storeapp.cli.items import one_item
from storeapp.cli.session import (
    EXIT_FAILED,
    EXIT_OFFLINE,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    Cli,
    CliError,
)
from storeapp.i18n import _
from storeapp.services.order_explanations import Alternatives, Explanation
from storeapp.services.orders import (
    OrderInputError,
    OrderOutcome,
    OrderRefusal,
    OrderStatus,
    collect_at,
    customer,
    home_delivery,
    order_id_of,
    split_line,
)
from storeapp.sync.client import LedgerRefused
from storeapp.wording.figures import distance_text
from storeapp.wording.orders import (
    Line,
    Tone,
    alternative_lines,
    awaiting_lines,
    explanation_lines,
    offered_lines,
    order_input_problem,
    ordered_items,
    promise,
)

ORDER_OPTIONS = {
    "qty": "--qty",
    "collect_at": "--collect-at",
    "address": "--home",
    "postal_code": "--postal-code",
    "city": "--city",
    "name": "--name",
    "email": "--email",
    "phone": "--phone",
}
"""The option of ``storeapp order`` each field of an order comes from."""

TONE_STYLES: dict[Tone, str | None] = {
    Tone.PLAIN: None,
    Tone.HEADING: "bold",
    Tone.CHOSEN: "green",
    Tone.UNSERVED: "red",
}
"""How the command styles the lines of a routing explanation and of the alternatives."""


def _order_input_error(error: OrderInputError) -> CliError:
    problem = order_input_problem(error)
    option = ORDER_OPTIONS.get(error.field or "")
    unknown = error.code in (
        OrderRefusal.UNKNOWN_SKU,
        OrderRefusal.UNKNOWN_STORE,
        OrderRefusal.UNKNOWN_POSTAL_CODE,
    )
    return CliError(
        f"{option}: {problem}" if option else problem, EXIT_FAILED if unknown else EXIT_USAGE
    )


def print_lines(cli: Cli, lines: Sequence[Line], indent: str = "") -> None:
    for line in lines:
        cli.say(indent + line.text, style=TONE_STYLES[line.tone])


def print_explanation(cli: Cli, explanation: Explanation) -> None:
    print_lines(cli, explanation_lines(explanation), indent="  ")


def print_alternatives(cli: Cli, alternatives: Alternatives | None) -> None:
    print_lines(cli, alternative_lines(alternatives))


def print_order_outcome(cli: Cli, outcome: OrderOutcome, customer_name: str) -> int:
    if outcome.status is OrderStatus.PENDING:
        cli.say(
            _(
                "The ledger cannot be reached: order {order} ({items} for {customer}) is "
                "kept on this terminal and will be sent when the ledger is back online.",
                order=outcome.op_id,
                items=ordered_items(outcome.lines, "x"),
                customer=customer_name,
            ),
            style="bold yellow",
        )
        if outcome.reason:
            cli.say(_("Reason: {reason}", reason=outcome.reason), style="dim")
        return EXIT_OFFLINE
    if outcome.status is OrderStatus.REFUSED:
        reason = outcome.reason
        if outcome.alternatives is not None:  # the ledger's order-unfulfillable refusal
            reason = _("no location of the network can serve it")
        cli.error(
            _(
                "the ledger cannot serve {items} now: {reason}",
                items=ordered_items(outcome.lines, "x"),
                reason=reason,
            )
        )
        print_alternatives(cli, outcome.alternatives)
        return EXIT_REFUSED
    cli.say(
        _(
            "Order {order} placed: {items} for {customer}.",
            order=outcome.op_id,
            items=ordered_items(outcome.lines, "x"),
            customer=customer_name,
        ),
        style="bold green",
    )
    for source in outcome.sources:
        lines = ", ".join(f"{qty} x {sku}" for sku, qty in source.lines)
        if source.job_kind == "collect":
            sentence = _(
                "Comes from {location} — {name}: {lines}, handed over at its counter",
                location=source.location,
                name=source.name,
                lines=lines,
            )
        else:
            sentence = _(
                "Comes from {location} — {name}: {lines}, shipped from {distance} away",
                location=source.location,
                name=source.name,
                lines=lines,
                distance=distance_text(source.distance_km),
            )
        cli.say(sentence)
    print_lines(cli, [*awaiting_lines(outcome), *offered_lines(outcome)])
    if outcome.explanation is not None:
        cli.say(_("Why:"), style="bold")
        print_explanation(cli, outcome.explanation)
    promised = promise(outcome)
    if promised is not None:
        cli.say(promised, style="bold")
    return EXIT_OK


def order_line(value: str) -> tuple[str, int | None]:
    """An item argument: ``SKU`` or ``SKU:QTY``."""
    try:
        return split_line(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            _("{value}: the units after the colon are a whole number of at least 1", value=value)
        ) from error


def cmd_order(cli: Cli, args: argparse.Namespace) -> int:
    home_only = {
        "--postal-code": args.postal_code,
        "--city": args.city,
        "--address-line": args.address_line,
    }
    if args.home is None and any(home_only.values()):
        given = ", ".join(option for option, value in home_only.items() if value)
        raise CliError(_("{options}: only with --home", options=given), EXIT_USAGE)
    if args.home is not None and (not args.postal_code or not args.city):
        raise CliError(_("home delivery needs the address's --postal-code and --city"), EXIT_USAGE)
    with cli.store() as context:
        lines = [
            (one_item(context.lookup.find(item)).sku, args.qty if qty is None else qty)
            for item, qty in args.items
        ]
        try:
            if args.collect_here:
                delivery = context.orders.collect_here()
            elif args.collect_at:
                delivery = collect_at(args.collect_at)
            else:
                delivery = home_delivery(
                    [args.home, *(args.address_line or [])], args.postal_code, args.city
                )
            contact = customer(args.name, email=args.email, phone=args.phone)
            outcome = context.orders.place_lines(lines, delivery, contact)
        except OrderInputError as error:
            raise _order_input_error(error) from error
    return print_order_outcome(cli, outcome, contact.name)


def cmd_routing(cli: Cli, args: argparse.Namespace) -> int:
    try:
        order_id = order_id_of(args.order)
    except ValueError as error:
        raise CliError(
            _("{order} is not an order id (a UUID)", order=args.order), EXIT_USAGE
        ) from error
    with cli.store() as context:
        try:
            decisions = context.orders.routing(order_id)
        except LedgerRefused as error:
            if error.status == 404:
                raise CliError(_("the ledger knows no order {order}", order=order_id)) from error
            raise
    triggers = {"order": _("when the order was placed"), "short_pick": _("after a short pick")}
    for number, decision in enumerate(decisions, start=1):
        when = "" if decision.created_at is None else cli.translator.moment(decision.created_at)
        cli.say(
            _(
                "Decision {number}, {trigger} ({when}):",
                number=number,
                trigger=triggers.get(decision.trigger, decision.trigger),
                when=when,
            ),
            style="bold",
        )
        print_explanation(cli, decision)
    if not decisions:
        cli.say(_("No routing decision recorded for order {order}.", order=order_id))
    return EXIT_OK


def add_commands(commands: Subcommands) -> None:
    order = add_command(
        commands,
        "order",
        cmd_order,
        help=_("order items for a customer (home delivery or collection)"),
        description=_(
            "Order items the store cannot hand over now: the network routes each to where it "
            "is. Prints where they come from, why, and the promised date; when the ledger "
            "cannot be reached, the order is kept and sent at the next sync."
        ),
        makes_operations=True,
    )
    order.add_argument(
        "items",
        metavar="SKU[:QTY]",
        nargs="+",
        type=order_line,
        help=_("SKU or barcode of each item, with its units after a colon (BRA-ELO-NOIR-85B:2)"),
    )
    add_quantity_option(order, _("units of each item given without :QTY (default 1)"))
    where = order.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--collect-here",
        action="store_true",
        help=_("the customer collects it at this store"),
    )
    where.add_argument(
        "--collect-at", metavar="CODE", help=_("the customer collects it at another store")
    )
    where.add_argument(
        "--home", metavar="ADDRESS", help=_("delivered to the customer's home at this address")
    )
    order.add_argument(
        "--address-line",
        action="append",
        metavar="LINE",
        help=_("one more line of the home address (building, floor); may be repeated"),
    )
    order.add_argument(
        "--postal-code", metavar="CODE", help=_("postal code of the home address (69002)")
    )
    order.add_argument("--city", metavar="TOWN", help=_("town of the home address"))
    order.add_argument("--name", required=True, help=_("the customer's name"))
    order.add_argument("--email", help=_("the customer's email address"))
    order.add_argument("--phone", help=_("the customer's phone number"))
    routing = add_command(
        commands,
        "routing",
        cmd_routing,
        help=_("why an order went where it went"),
        description=_(
            "Every routing decision of an order: the location chosen and why each other "
            "location lost (asks the ledger)."
        ),
    )
    routing.add_argument("order", metavar="ORDER_ID", help=_("the order's id"))

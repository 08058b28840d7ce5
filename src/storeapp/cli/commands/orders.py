"""``storeapp order`` and ``storeapp routing``: order an item for a customer (home delivery or
collection) and print where it comes from, why and by when; and every routing decision of an
order. The explanations are ``storeapp.wording.orders``'s, the ones the terminal UI shows."""

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
from storeapp.services.orders import (
    Alternatives,
    Explanation,
    OrderInputError,
    OrderOutcome,
    OrderRefusal,
    OrderStatus,
    collect_at,
    customer,
    home_delivery,
    order_id_of,
)
from storeapp.sync.client import LedgerRefused
from storeapp.wording.figures import distance_text
from storeapp.wording.orders import (
    Line,
    Tone,
    alternative_lines,
    awaiting_lines,
    explanation_lines,
    order_input_problem,
    promise,
)

ORDER_OPTIONS = {
    "qty": "--qty",
    "collect_at": "--collect-at",
    "address": "--home",
    "latitude": "--lat",
    "longitude": "--lon",
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
    unknown = error.code in (OrderRefusal.UNKNOWN_SKU, OrderRefusal.UNKNOWN_STORE)
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
                "The ledger cannot be reached: order {order} ({qty} x {sku} for {customer}) is "
                "kept on this terminal and will be sent when the ledger is back online.",
                order=outcome.op_id,
                qty=outcome.qty,
                sku=outcome.sku,
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
                "the ledger cannot serve {qty} x {sku} now: {reason}",
                qty=outcome.qty,
                sku=outcome.sku,
                reason=reason,
            )
        )
        print_alternatives(cli, outcome.alternatives)
        return EXIT_REFUSED
    cli.say(
        _(
            "Order {order} placed: {qty} x {sku} for {customer}.",
            order=outcome.op_id,
            qty=outcome.qty,
            sku=outcome.sku,
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
    print_lines(cli, awaiting_lines(outcome))
    if outcome.explanation is not None:
        cli.say(_("Why:"), style="bold")
        print_explanation(cli, outcome.explanation)
    promised = promise(outcome)
    if promised is not None:
        cli.say(promised, style="bold")
    return EXIT_OK


def cmd_order(cli: Cli, args: argparse.Namespace) -> int:
    if args.home is not None and (args.lat is None or args.lon is None):
        raise CliError(
            _("home delivery needs the address's coordinates: --lat and --lon"), EXIT_USAGE
        )
    with cli.store() as context:
        sku = one_item(context.lookup.find(args.sku)).sku
        try:
            if args.collect_here:
                delivery = context.orders.collect_here()
            elif args.collect_at:
                delivery = collect_at(args.collect_at)
            else:
                delivery = home_delivery(args.home, args.lat, args.lon)
            contact = customer(args.name, email=args.email, phone=args.phone)
            outcome = context.orders.place(sku, args.qty, delivery, contact)
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
        help=_("order an item for a customer (home delivery or collection)"),
        description=_(
            "Order an item the store cannot hand over now: the network routes it to where it "
            "is. Prints where it comes from, why, and the promised date; when the ledger "
            "cannot be reached, the order is kept and sent at the next sync."
        ),
        makes_operations=True,
    )
    order.add_argument("sku", metavar="SKU", help=_("SKU or barcode of the item"))
    add_quantity_option(order, _("units ordered (default 1)"))
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
    order.add_argument("--lat", type=float, help=_("latitude of the home address"))
    order.add_argument("--lon", type=float, help=_("longitude of the home address"))
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

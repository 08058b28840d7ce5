"""``storeapp offers``: the lines the network offers this store and other stores at once, each
with its time left, as of the last sync. ``storeapp claim``: claim one; the first store whose
claim reaches the ledger serves it (the claim is sent with the next sync; exit 5 when it cannot
be claimed any more)."""

from __future__ import annotations

import argparse

from rich.table import Table

from storeapp.cli.arguments import Subcommands, add_command
from storeapp.cli.session import EXIT_FAILED, EXIT_OK, EXIT_REFUSED, Cli, CliError, sync_hint
from storeapp.i18n import _
from storeapp.services.offers import OfferRefusal, OfferRefused
from storeapp.wording.figures import view_age_text
from storeapp.wording.offers import (
    claim_recorded,
    claim_refused_text,
    delivery_name,
    lines_text,
    no_offers,
    offer_refusal,
    rank_text,
    standing_text,
)

_NOT_THERE = (OfferRefusal.UNKNOWN_OFFER, OfferRefusal.AMBIGUOUS_OFFER)


def cmd_offers(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        offers = context.offers.offers(include_ended=args.all)
        status = context.status.status()
    if not offers:
        cli.say(no_offers())
    else:
        table = Table(
            title=_(
                "Offers to {location} ({count}), soonest to expire first",
                location=status.location,
                count=len(offers),
            ),
            title_justify="left",
        )
        table.add_column(_("Offer"))
        table.add_column(_("Time left"))
        table.add_column(_("Lines"))
        table.add_column(_("Customer"))
        table.add_column(_("Delivery"))
        table.add_column(_("Rank"))
        for offer in offers:
            table.add_row(
                offer.short_id,
                standing_text(offer),
                lines_text(offer),
                offer.customer_name,
                delivery_name(offer),
                rank_text(offer),
                style="dim" if offer.ended else "",
            )
        cli.out.print(table)
        for offer in offers:
            refused = claim_refused_text(offer)
            if refused is not None:
                cli.say(f"{offer.short_id}: {refused}", style="yellow")
        cli.say(
            _("Claim one with `storeapp claim OFFER_ID` (its first characters will do)."),
            style="dim",
        )
    cli.say(
        _("Offers as of the last sync: {age}", age=view_age_text(status.view_age)),
        style="yellow" if status.view_age is None else "dim",
    )
    return EXIT_OK


def cmd_claim(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        try:
            offer_id = context.offers.resolve(args.offer)
            claimed = context.offers.claim(offer_id)
        except OfferRefused as error:
            code = EXIT_FAILED if error.code in _NOT_THERE else EXIT_REFUSED
            raise CliError(offer_refusal(error, sync_hint()), code) from error
        # Without a sync running beside it, the last sync's outcome is what says offline.
        online = context.status.status().last_error is None
    cli.say(claim_recorded(claimed.offer, online), style="bold green")
    cli.say(_("It is sent with the next sync: {hint}.", hint=sync_hint()), style="dim")
    return EXIT_OK


def add_commands(commands: Subcommands) -> None:
    offers = add_command(
        commands,
        "offers",
        cmd_offers,
        help=_("the lines offered to this store and others at once, with their time left"),
        description=_(
            "Lines the network offers to several stores at once: the first store to claim one "
            "serves it. Listed soonest to expire first, as of the last sync."
        ),
    )
    offers.add_argument(
        "--all", action="store_true", help=_("also list the offers that ended today")
    )
    claim = add_command(
        commands,
        "claim",
        cmd_claim,
        help=_("claim an offer for this store (the first claim wins)"),
        description=_(
            "Claim an offer for this store. The claim is sent with the next sync; the first "
            "store whose claim reaches the ledger gets the lines as a job."
        ),
        makes_operations=True,
    )
    claim.add_argument(
        "offer", metavar="OFFER_ID", help=_("the offer's id, or its first characters")
    )

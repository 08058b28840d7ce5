"""What the ``receive`` and ``transfer`` command families share: reading ``SKU=QTY`` and
``SKU=REASON`` arguments, the desks of the store, a refusal as the command's error and exit
code, and the lists and receipts they print."""

from __future__ import annotations

from collections.abc import Sequence

from ordersync.contract import DiscrepancyReason
from storeapp.cache.motion import CachedDocument
from storeapp.cli.output import headed_table
from storeapp.cli.session import EXIT_FAILED, EXIT_USAGE, Cli, CliError
from storeapp.context import StoreContext
from storeapp.i18n import _
from storeapp.services.motion_sheets import MotionRefusal, MotionRefused, short_id
from storeapp.services.receiving import ClosedReceipt, ReceivingDesk, reason_for
from storeapp.services.transfers import TransferDesk
from storeapp.wording.motion import (
    document_kind_text,
    eta_text,
    mark_text,
    motion_refusal,
    reason_text,
    received_text,
    state_text,
    unconfirmed_text,
)

_USAGE_CODES = frozenset(
    {
        MotionRefusal.BAD_QUANTITY,
        MotionRefusal.BAD_SOURCE,
        MotionRefusal.BAD_REFERENCE,
        MotionRefusal.NO_SOURCE,
        MotionRefusal.BAD_REQUEST,
    }
)


def motion_error(error: MotionRefused) -> CliError:
    """A refusal of the receiving or transfer desk as the command's error and exit code."""
    return CliError(
        motion_refusal(error), EXIT_USAGE if error.code in _USAGE_CODES else EXIT_FAILED
    )


def parse_lines(values: Sequence[str] | None) -> list[tuple[str, int]]:
    """``SKU=QTY`` arguments (a GTIN for the SKU will do), in the order given."""
    lines = []
    for value in values or ():
        code, _sep, qty = value.partition("=")
        try:
            units = int(qty)
        except ValueError:
            units = -1
        if not code.strip() or units < 0:
            raise CliError(
                _("{value} is not SKU=QTY (QTY a whole number, 0 or more)", value=value),
                EXIT_USAGE,
            )
        lines.append((code.strip(), units))
    return lines


def parse_reasons(values: Sequence[str] | None) -> dict[str, DiscrepancyReason]:
    reasons = {}
    choices = ", ".join(reason.value for reason in DiscrepancyReason)
    for value in values or ():
        code, _sep, reason = value.partition("=")
        try:
            reasons[code.strip()] = DiscrepancyReason(reason.strip())
        except ValueError:
            raise CliError(
                _(
                    "{value} is not SKU=REASON (REASON one of {choices})",
                    value=value,
                    choices=choices,
                ),
                EXIT_USAGE,
            ) from None
    return reasons


def receiving_desk(context: StoreContext) -> ReceivingDesk:
    return ReceivingDesk(context.engine, context.location, context.now, person=context.shift.code)


def print_documents(cli: Cli, documents: list[CachedDocument], title: str) -> None:
    table = headed_table(
        (_("Id"), _("Kind"), _("Document"), _("From"), _("Expected"), _("Units"), _("State")),
        title=title,
    )
    for document in documents:
        table.add_row(
            short_id(document.id),
            document_kind_text(document.kind),
            document.reference or "",
            document.source,
            eta_text(document),
            str(sum(line.expected for line in document.lines)),
            " ".join(
                part for part in (state_text(document.state), unconfirmed_text(document)) if part
            ),
        )
    cli.out.print(table)


def print_receipt(cli: Cli, closed: ClosedReceipt) -> None:
    cli.say(received_text(closed.units, len(closed.discrepancies)), style="bold green")
    for line in closed.discrepancies:
        cli.say(
            _(
                "  {sku}: expected {expected}, counted {counted}: {mark} ({reason})",
                sku=line.sku,
                expected=line.expected or 0,
                counted=line.counted,
                mark=mark_text(line.mark),
                reason=reason_text(reason_for(line, blind=closed.document is None)),
            )
        )


def transfer_desk(context: StoreContext) -> TransferDesk:
    return TransferDesk(context.engine, context.location, context.now, person=context.shift.code)

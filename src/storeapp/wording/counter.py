"""The counter's other half as staff read it: dispositions (on sale, damaged, on display, in
quarantine), return reasons, the question a large quantity asks, why a return, a void, a set
aside or a write-off was refused here, and what each one queued."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from ordersync.contract import Disposition
from storeapp.i18n import N_, _, active
from storeapp.wording.figures import number

_DISPOSITIONS: dict[Disposition, str] = {
    Disposition.SELLABLE: N_("on sale"),
    Disposition.DAMAGED: N_("damaged"),
    Disposition.DISPLAY: N_("on display"),
    Disposition.QUARANTINE: N_("in quarantine"),
}
_HELD: dict[Disposition, str] = {
    Disposition.SELLABLE: N_("on sale and not held for an order"),
    Disposition.DAMAGED: N_("damaged"),
    Disposition.DISPLAY: N_("on display"),
    Disposition.QUARANTINE: N_("in quarantine"),
}
_RETURN_REASONS: dict[str, str] = {
    "wrong_size": N_("wrong size"),
    "changed_mind": N_("changed their mind"),
    "faulty": N_("faulty"),
    "not_as_described": N_("not as described"),
    "arrived_late": N_("arrived late"),
    "other": N_("other"),
}
"""Labels of the ledger's default reasons (``DEFAULT_RETURN_REASONS``); a reason a store's
policy adds is shown as it is written, its underscores as spaces."""


# --- Dispositions and reasons ----------------------------------------------------------------


def disposition_text(disposition: Disposition) -> str:
    return _(_DISPOSITIONS[disposition])


def dispositions_text(dispositions: Mapping[Disposition, int]) -> str:
    """Units set aside, e.g. "2 damaged · 1 on display"; empty when none are."""
    return " · ".join(
        _("{count} {disposition}", count=number(units), disposition=disposition_text(d))
        for d in Disposition
        if (units := dispositions.get(d, 0))
    )


def return_reason_text(reason: str) -> str:
    label = _RETURN_REASONS.get(reason)
    return _(label) if label else reason.replace("_", " ")


def reasons_list(reasons: Iterable[str]) -> str:
    return ", ".join(reasons)


# --- Checks before anything is queued --------------------------------------------------------


def at_least_one_unit() -> str:
    return _("a line is of at least one unit")


def units_above_limit(qty: int, limit: int) -> str:
    """Why a sale or return line waits for a confirmation (the front end says how to give it)."""
    return _(
        "{qty} units on one line is more than {limit}: confirm the quantity",
        qty=number(qty),
        limit=number(limit),
    )


def confirm_with_yes(qty: int, limit: int) -> str:
    """The command line's answer to a quantity above the limit (``storeapp sell``/``return``)."""
    return _(
        "{qty} units on one line is more than {limit}: nothing was recorded; run the command "
        "again with --yes if the quantity is right",
        qty=number(qty),
        limit=number(limit),
    )


def unknown_reason(reason: str, allowed: Iterable[str]) -> str:
    return _(
        "{reason} is not a reason for a return: choose one of {reasons}",
        reason=reason,
        reasons=reasons_list(allowed),
    )


def return_disposition_refused(disposition: Disposition) -> str:
    return _(
        "a returned unit goes back on sale or is set aside as damaged, not {disposition}",
        disposition=disposition_text(disposition),
    )


def order_and_receipt() -> str:
    return _("a return names an order or a sale's receipt, not both")


def line_without_order() -> str:
    return _("a line number names a line of an order: give the order too")


def reason_too_long(limit: int) -> str:
    return _("a reason is at most {limit} characters", limit=number(limit))


# --- Voids -----------------------------------------------------------------------------------


def not_a_receipt(reference: str) -> str:
    return _(
        "{reference} is not a receipt reference: it is the reference printed when the sale was "
        "recorded (see the recent sales)",
        reference=reference,
    )


def already_voided(sale: str) -> str:
    return _("sale {sale} is already voided", sale=sale)


def sale_refused_by_ledger(sale: str) -> str:
    return _(
        "the ledger refused sale {sale}, so there is nothing to void: it is in the list of "
        "operations that need attention",
        sale=sale,
    )


def sale_of_another_terminal(sale: str) -> str:
    return _("sale {sale} was not made on this terminal: only a manager voids it", sale=sale)


def sale_of_an_earlier_day(sale: str, sold_at: datetime) -> str:
    return _(
        "sale {sale} was made on {moment}, an earlier store day: only a manager voids it",
        sale=sale,
        moment=active().moment(sold_at),
    )


# --- Set aside and written off ---------------------------------------------------------------


def same_disposition(disposition: Disposition) -> str:
    return _(
        "the units are already {disposition}: choose another disposition",
        disposition=disposition_text(disposition),
    )


def not_enough_here(sku: str, qty: int, held: int, disposition: Disposition) -> str:
    return _(
        "{sku}: only {held} unit(s) {where} here, fewer than the {qty} asked",
        sku=sku,
        held=number(held),
        where=_(_HELD[disposition]),
        qty=number(qty),
    )


def write_off_of_units_on_sale() -> str:
    return _(
        "only units set aside are written off: set them aside first (damaged, on display or "
        "in quarantine)"
    )


def write_off_needs_reason() -> str:
    return _("a write-off needs a reason")


def write_off_managers_only() -> str:
    return _("only a manager writes units off")


# --- What was queued -------------------------------------------------------------------------


def sale_receipt(reference: str) -> str:
    return _("Receipt reference: {reference}", reference=reference)


def return_queued(qty: int, sku: str, disposition: Disposition) -> str:
    if disposition is Disposition.SELLABLE:
        return _("Return recorded: {qty} x {sku}, back on sale.", qty=number(qty), sku=sku)
    return _(
        "Return recorded: {qty} x {sku}, set aside as {disposition}.",
        qty=number(qty),
        sku=sku,
        disposition=disposition_text(disposition),
    )


def void_queued(sale: str, lines: Iterable[tuple[str, int]]) -> str:
    """A void queued: the sale's lines back in stock (none known: the ledger finds them)."""
    parts = [f"{number(qty)} x {sku}" for sku, qty in lines]
    if not parts:
        return _("Void of sale {sale} recorded: the ledger puts its units back.", sale=sale)
    return _("Sale {sale} voided: {lines} back in stock.", sale=sale, lines=", ".join(parts))


def set_aside_queued(qty: int, sku: str, source: Disposition, target: Disposition) -> str:
    return _(
        "{qty} x {sku} moved from {source} to {target}.",
        qty=number(qty),
        sku=sku,
        source=disposition_text(source),
        target=disposition_text(target),
    )


def write_off_queued(qty: int, sku: str, disposition: Disposition) -> str:
    return _(
        "{qty} x {sku} written off ({disposition}).",
        qty=number(qty),
        sku=sku,
        disposition=disposition_text(disposition),
    )

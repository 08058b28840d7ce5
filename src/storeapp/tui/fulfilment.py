"""How the TUI words pick & pack and orders in store: job states, refusals of the picking
service, routing reasons (the ledger's codes), in the store's language.

Mirrors ``storeapp.cli`` (``describe_reason``): the same texts, translated once. Job states and
short-pick reasons are worded in ``storeapp.tui.format`` (the sync screen needs them too).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storeapp.i18n import _
from storeapp.services.orders import (
    MAX_ORDER_QTY,
    Alternatives,
    Explanation,
    OrderInputError,
    OrderRefusal,
)
from storeapp.services.picking import (
    MAX_NOTE,
    MAX_PARCELS,
    MAX_TRACKING,
    MAX_WEIGHT_GRAMS,
    PickingRefused,
    PickRefusal,
)
from storeapp.tui.format import barcode_problem, number, state_name
from storeapp.tui.text import N_


def kind_name(kind: str) -> str:
    return _("collect") if kind == "collect" else _("ship")


def distance_text(km: float | None) -> str:
    if km is None:
        return _("unknown distance")
    return _("{km} km", km=number(round(km, 1)))


def pick_refusal(error: PickingRefused) -> str:
    """Why the picking service refused a scan or an action, in the store's language."""
    facts = error.facts
    code = error.code
    if code is PickRefusal.INVALID_BARCODE:
        barcode = str(facts.get("barcode", ""))
        return _(
            "{code} is not a valid barcode: {reason}.",
            code=barcode,
            reason=barcode_problem(barcode, str(facts.get("problem") or "")),
        )
    if code is PickRefusal.UNKNOWN_BARCODE:
        return _(
            "No item carries barcode {code} in this store's catalog (sync may bring it).",
            code=facts.get("barcode", ""),
        )
    if code is PickRefusal.NOT_ON_PICK_LIST:
        return _(
            "Wrong item: {sku} is not on this pick list. Put it back on the shelf.",
            sku=facts.get("sku", ""),
        )
    if code is PickRefusal.TOO_MANY:
        return _(
            "Too many: the {qty} unit(s) of {sku} are already scanned.",
            qty=facts.get("qty", ""),
            sku=facts.get("sku", ""),
        )
    if code is PickRefusal.NOT_PICKING:
        return _(
            "Start picking (s) before scanning: the job is {state}.",
            state=state_name(str(facts.get("state", ""))),
        )
    if code is PickRefusal.WRONG_STATE:
        return _(
            "Not possible now: the job is {state}.",
            state=state_name(str(facts.get("state", ""))),
        )
    if code is PickRefusal.NOT_ALL_SCANNED:
        missing = facts.get("missing") or {}
        return _(
            "Scan every unit, or short pick the line, first: {count} unit(s) still missing.",
            count=sum(int(v) for v in missing.values()) if isinstance(missing, Mapping) else "?",
        )
    if code is PickRefusal.LINE_NOT_OPEN:
        return _(
            "Line {line} is already {state}.",
            line=facts.get("line_no", ""),
            state=state_name(str(facts.get("state", ""))),
        )
    if code is PickRefusal.NOTHING_SCANNED:
        return _("No unit of line {line} is scanned.", line=facts.get("line_no", ""))
    if code is PickRefusal.UNKNOWN_LINE:
        return _("This job has no line {line}.", line=facts.get("line_no", ""))
    if code is PickRefusal.BAD_PARCELS:
        return _("Give 1 to {most} parcels.", most=MAX_PARCELS)
    if code is PickRefusal.BAD_WEIGHT:
        return _("Give a weight of 1 to {most} grams.", most=number(MAX_WEIGHT_GRAMS))
    if code is PickRefusal.BAD_TRACKING:
        return _("The tracking reference has 1 to {most} characters.", most=MAX_TRACKING)
    if code is PickRefusal.BAD_NOTE:
        return _("A note has at most {most} characters.", most=MAX_NOTE)
    return _("This job is not in this store's queue any more.")


def routing_reason(reason: Mapping[str, Any]) -> str:
    """Why a location lost a routing decision (the ledger's reason code and its numbers)."""
    code = str(reason.get("code", ""))
    if code == "no_stock":
        return _(
            "no stock of {sku} ({available} of {requested})",
            sku=reason.get("sku"),
            available=reason.get("available"),
            requested=reason.get("requested"),
        )
    if code == "safety_stock":
        return _(
            "{sku} is held back by safety stock ({available} free of {requested})",
            sku=reason.get("sku"),
            available=reason.get("available"),
            requested=reason.get("requested"),
        )
    if code == "no_capacity":
        return _("no job capacity left today")
    if code == "not_fulfilling":
        return _("does not fulfil orders")
    if code == "too_far":
        return _("too far ({km} km)", km=number(float(reason.get("distance_km") or 0)))
    if code == "excluded":
        return _("already failed this order line")
    if code == "farther":
        return _(
            "farther ({km} km against {winner_km} km)",
            km=number(float(reason.get("distance_km") or 0)),
            winner_km=number(float(reason.get("winner_distance_km") or 0)),
        )
    if code == "shallower_stock":
        return _(
            "would keep fewer units ({left} against {winner_left})",
            left=reason.get("left_after"),
            winner_left=reason.get("winner_left_after"),
        )
    if code == "busier":
        return _(
            "busier today ({load} of its capacity against {winner_load})",
            load=f"{round(float(reason.get('load') or 0) * 100)} %",
            winner_load=f"{round(float(reason.get('winner_load') or 0) * 100)} %",
        )
    if code == "partial":
        return _("can serve only part of the order")
    return code


def explanation_lines(explanation: Explanation) -> list[str]:
    """The winners, then every loser with its reasons, then what nobody can serve."""
    lines = []
    for verdict in explanation.winners:
        lines.append(
            _(
                "✔ {location} — {name}: chosen ({distance})",
                location=verdict.location,
                name=verdict.name,
                distance=distance_text(verdict.distance_km),
            )
        )
    for verdict in explanation.losers:
        reasons = "; ".join(routing_reason(r) for r in verdict.reasons) or _("not needed")
        lines.append(
            _(
                "✘ {location} — {name}: {reasons}",
                location=verdict.location,
                name=verdict.name,
                reasons=reasons,
            )
        )
    lines.extend(unserved_lines(explanation.unserved))
    return lines


def unserved_lines(unserved: list[dict[str, Any]]) -> list[str]:
    return [
        _("Nobody can serve {qty} × {sku} now.", qty=line.get("qty"), sku=line.get("sku"))  # noqa: RUF001
        for line in unserved
    ]


def alternative_lines(alternatives: Alternatives | None) -> list[str]:
    """Other sizes and colours in stock, and stores where the customer could collect."""
    if alternatives is None or alternatives.empty:
        return [_("The ledger offered no alternative.")]
    lines = []
    if alternatives.other_sizes:
        lines.append(_("Other sizes and colours in stock in the network:"))
        lines.extend(
            _(
                "  {sku} — size {size}, {colour}: {available} available (instead of {instead_of})",
                sku=size.sku,
                size=size.size,
                colour=size.colour,
                available=number(size.available),
                instead_of=size.instead_of,
            )
            for size in alternatives.other_sizes
        )
    if alternatives.collect_at:
        lines.append(_("Stores holding it, where the customer could collect:"))
        lines.extend(
            _(
                "  {location} — {name} ({distance})",
                location=point.location,
                name=point.name,
                distance=distance_text(point.distance_km),
            )
            for point in alternatives.collect_at
        )
    return lines


def order_input_problem(error: OrderInputError) -> str:
    """What to fix in the order form, in the store's language (shown next to ``error.field``)."""
    code, where = error.code, error.field
    if code is OrderRefusal.UNKNOWN_SKU:
        return _("This item is not in the catalog.")
    if code is OrderRefusal.UNKNOWN_STORE:
        return _("Not a store customers can collect at.")
    if code is OrderRefusal.NO_CONTACT:
        return _("Give an email address or a phone number.")
    if code is OrderRefusal.BAD_QUANTITY:
        return _("Order 1 to {most} units.", most=MAX_ORDER_QTY)
    specific = {
        "name": N_("Give the customer's name."),
        "email": N_("Not a valid email address."),
        "phone": N_("Not a valid phone number."),
        "address": N_("Give the delivery address."),
        "latitude": N_("A latitude is between -90 and 90."),
        "longitude": N_("A longitude is between -180 and 180."),
        "collect_at": N_("Give the code of a store, such as B."),
    }
    if where in specific:
        return _(specific[where])
    return _("Not valid: {problem}", problem=error.message)

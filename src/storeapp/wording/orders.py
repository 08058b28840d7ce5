"""Orders in store: why a routing decision chose its locations and why the others lost (the
ledger's reason codes with their numbers), what nobody can serve, the alternatives of a refused
order, the lines that wait for incoming stock (future stock) and the day it is expected, the
promised date, and what to fix in an order the service refused to write.

The explanation and the alternatives come as ``Line``s: the text, and its ``Tone`` (a heading,
a location chosen, a line nobody serves) for the front end to style; the order of the lines is
the reading order: winners, then losers with their reasons, then what is unserved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from ordersync.contract import HoldState, OrderLineState, RoutingReason, SuspectRouting
from storeapp.i18n import N_, _, active
from storeapp.services.order_explanations import Alternatives, Explanation
from storeapp.services.orders import (
    MAX_ORDER_LINES,
    MAX_ORDER_QTY,
    OrderInputError,
    OrderOutcome,
    OrderRefusal,
)
from storeapp.wording.figures import distance_text, number
from storeapp.wording.sizes import fit_name

PROMISE_FORMAT = "EEEE d MMMM y"
"""The promised date in full (``Wednesday 4 March 2026``): a date the customer is told."""


class Tone(StrEnum):
    """What a line says, for the front end to style it."""

    PLAIN = "plain"
    HEADING = "heading"
    CHOSEN = "chosen"
    UNSERVED = "unserved"


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    tone: Tone = Tone.PLAIN


def routing_reason(reason: Mapping[str, Any]) -> str:
    """Why a location lost a routing decision (the ledger's reason code and its numbers)."""
    code = str(reason.get("code", ""))
    if code == RoutingReason.NO_STOCK:
        return _(
            "no stock of {sku} ({available} of {requested})",
            sku=reason.get("sku"),
            available=reason.get("available"),
            requested=reason.get("requested"),
        )
    if code == RoutingReason.SAFETY_STOCK:
        return _(
            "{sku} is held back by safety stock ({available} free of {requested})",
            sku=reason.get("sku"),
            available=reason.get("available"),
            requested=reason.get("requested"),
        )
    if code == RoutingReason.NO_CAPACITY:
        return _("no job capacity left today")
    if code == RoutingReason.NOT_FULFILLING:
        return _("does not fulfil orders")
    if code == RoutingReason.TOO_FAR:
        return _("too far ({km} km)", km=number(float(reason.get("distance_km") or 0)))
    if code == RoutingReason.EXCLUDED:
        return _("already failed this order line")
    if code == RoutingReason.FARTHER:
        return _(
            "farther ({km} km against {winner_km} km)",
            km=number(float(reason.get("distance_km") or 0)),
            winner_km=number(float(reason.get("winner_distance_km") or 0)),
        )
    if code == RoutingReason.SHALLOWER:
        return _(
            "would keep fewer units ({left} against {winner_left})",
            left=reason.get("left_after"),
            winner_left=reason.get("winner_left_after"),
        )
    if code == RoutingReason.BUSIER:
        return _(
            "busier today ({load} of its capacity against {winner_load})",
            load=_percent(reason.get("load")),
            winner_load=_percent(reason.get("winner_load")),
        )
    if code == RoutingReason.PARTIAL:
        return _("can serve only part of the order")
    if code == RoutingReason.FUTURE_STOCK:
        return _awaiting_document(reason)
    if code == RoutingReason.SUSPECT_RECORD:
        if reason.get("suspect_positions") == SuspectRouting.LAST:
            return _(
                "its record of {sku} is suspect until counted, so it comes after every "
                "location whose record is trusted",
                sku=reason.get("sku"),
            )
        return _("its record of {sku} is suspect until counted", sku=reason.get("sku"))
    return _rule_reason(code, reason)


def _rule_reason(code: str, reason: Mapping[str, Any]) -> str:
    """Why a location lost under a rule of the policy's rule sets (its filters, its sort keys,
    its split and promise settings); an unknown code is shown as it is."""
    if code == RoutingReason.NOT_IN_GROUP:
        return _(
            "not in the groups this rule asks ({groups})",
            groups=", ".join(str(group) for group in reason.get("groups") or ()),
        )
    if code == RoutingReason.BELOW_MIN_UNITS:
        return _(
            "would keep fewer than {margin} units of {sku}",
            margin=reason.get("min_units_left"),
            sku=reason.get("sku"),
        )
    if code == RoutingReason.LESS_COVER:
        return _(
            "fewer days of cover left ({days} against {winner_days})",
            days=_cover_days(reason.get("days_left")),
            winner_days=_cover_days(reason.get("winner_days_left")),
        )
    if code == RoutingReason.COSTLIER:
        return _(
            "costlier to ship from ({cost} against {winner_cost})",
            cost=number(int(reason.get("cost_minor") or 0) / 100),
            winner_cost=number(int(reason.get("winner_cost_minor") or 0) / 100),
        )
    if code == RoutingReason.SPLIT_REFUSED:
        return _("this rule does not split an order")
    if code == RoutingReason.PROMISE_TOO_LATE:
        return _(
            "its promise comes {days} day(s) after the best one; the rule allows {tolerance}",
            days=reason.get("days_late"),
            tolerance=reason.get("tolerance_days"),
        )
    if code == RoutingReason.NOT_CLAIMED:
        return _("did not claim the offer in time")
    if code == RoutingReason.CLAIMED_FIRST:
        return _("claimed the offer first")
    if code == RoutingReason.CLAIMED_ELSEWHERE:
        return _("{store} claimed the offer first", store=reason.get("winner"))
    if code == RoutingReason.RULE_PASSED:
        why = reason.get("why")
        because = routing_reason({**reason, "code": why}) if why else ""
        return _('rule "{rule}" passed the order on: {why}', rule=reason.get("rule"), why=because)
    return code


def _cover_days(value: Any) -> str:
    """Days of cover as a number, or "no sales" when the item does not sell there."""
    if value is None:
        return _("no sales")
    return number(float(value))


def _awaiting_document(reason: Mapping[str, Any]) -> str:
    """``from the delivery from LISE-CHARMEL, expected 12 Dec``: which document the units
    promised to a line are on, when the ledger names it."""
    expected_at = _moment(reason.get("expected_at"))
    source = reason.get("source")
    kind = reason.get("document_kind")
    if expected_at is None or not source or kind not in ("delivery", "transfer"):
        return awaiting_text(expected_at)
    date = active().moment(expected_at, EXPECTED_FORMAT)
    if kind == "transfer":
        return _("from the transfer from {source}, expected {date}", source=source, date=date)
    return _("from the delivery from {source}, expected {date}", source=source, date=date)


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _percent(share: Any) -> str:
    return f"{round(float(share or 0) * 100)} %"


def explanation_lines(explanation: Explanation) -> list[Line]:
    """The winners, then every loser with its reasons, then what nobody can serve."""
    lines = [
        Line(
            _(
                "✔ {location} — {name}: chosen ({distance})",
                location=verdict.location,
                name=verdict.name,
                distance=distance_text(verdict.distance_km),
            )
            + "".join(
                f"; {routing_reason(r)}"
                for r in verdict.reasons
                if r.get("code") == RoutingReason.FUTURE_STOCK
            ),
            Tone.CHOSEN,
        )
        for verdict in explanation.winners
    ]
    for verdict in explanation.losers:
        reasons = "; ".join(routing_reason(r) for r in verdict.reasons) or _("not needed")
        lines.append(
            Line(
                _(
                    "✘ {location} — {name}: {reasons}",
                    location=verdict.location,
                    name=verdict.name,
                    reasons=reasons,
                )
            )
        )
    lines.extend(unserved_lines(explanation.unserved))
    return lines


def unserved_lines(unserved: list[dict[str, Any]]) -> list[Line]:
    return [
        Line(
            _("Nobody can serve {qty} × {sku} now.", qty=line.get("qty"), sku=line.get("sku")),  # noqa: RUF001
            Tone.UNSERVED,
        )
        for line in unserved
    ]


def alternative_lines(alternatives: Alternatives | None) -> list[Line]:
    """Other sizes and colours in stock, best fit first, each saying how it fits (``sister size
    70D``), and stores where the customer could collect."""
    if alternatives is None or alternatives.empty:
        return [Line(_("The ledger offered no alternative."))]
    lines = []
    if alternatives.other_sizes:
        heading = _("Other sizes and colours in stock in the network, best fit first:")
        lines.append(Line(heading, Tone.HEADING))
        lines.extend(
            Line(
                _(
                    "  {sku} — {fit} {size}, {colour}: {available} available "
                    "(instead of {instead_of})",
                    sku=size.sku,
                    fit=fit_name(size.kind),
                    size=size.size,
                    colour=size.colour,
                    available=number(size.available),
                    instead_of=size.instead_of,
                )
            )
            for size in alternatives.other_sizes
        )
    if alternatives.collect_at:
        lines.append(Line(_("Stores holding it, where the customer could collect:"), Tone.HEADING))
        lines.extend(
            Line(
                _(
                    "  {location} — {name} ({distance})",
                    location=point.location,
                    name=point.name,
                    distance=distance_text(point.distance_km),
                )
            )
            for point in alternatives.collect_at
        )
    return lines


EXPECTED_FORMAT = "d MMM"
"""The day incoming units are expected (``12 Dec``)."""


def awaiting_text(expected_at: datetime | None) -> str:
    """``awaiting stock, expected 12 Dec``: a line promised against units on their way."""
    if expected_at is None:
        return _("awaiting stock")
    return _(
        "awaiting stock, expected {date}",
        date=active().moment(expected_at, EXPECTED_FORMAT),
    )


def awaiting_lines(outcome: OrderOutcome) -> list[Line]:
    """A heading, then each line of the order that waits for incoming stock with the day it is
    expected; nothing when no line waits."""
    order = outcome.order
    if order is None:
        return []
    expected = {h.order_line_no: h.expected_at for h in order.holds if h.state is HoldState.OPEN}
    waiting = [
        Line(
            _(
                "  {qty} × {sku}: {awaiting}",  # noqa: RUF001
                qty=number(line.qty),
                sku=line.sku,
                awaiting=awaiting_text(expected.get(line.line_no)),
            )
        )
        for line in order.lines
        if line.state == OrderLineState.AWAITING_STOCK
    ]
    if not waiting:
        return []
    return [Line(_("Waiting for incoming stock:"), Tone.HEADING), *waiting]


def offered_lines(outcome: OrderOutcome) -> list[Line]:
    """A heading, then each line of the order offered to several stores at once (the first to
    claim it prepares it) with the stores and until when; nothing when no line is offered."""
    order, explanation = outcome.order, outcome.explanation
    if order is None or explanation is None:
        return []
    offered = {line.line_no: line for line in order.lines if line.state == OrderLineState.OFFERED}
    shown: list[Line] = []
    for offer in explanation.offers:
        for line_no in offer.lines:
            line = offered.get(line_no)
            if line is None:
                continue
            until = "" if offer.expires_at is None else active().moment(offer.expires_at, "HH:mm")
            shown.append(
                Line(
                    _(
                        "  {qty} × {sku}: offered to {stores} until {time}",  # noqa: RUF001
                        qty=number(line.qty),
                        sku=line.sku,
                        stores=", ".join(offer.locations),
                        time=until,
                    )
                )
            )
    if not shown:
        return []
    return [
        Line(_("Offered to several stores (the first to claim it prepares it):"), Tone.HEADING),
        *shown,
    ]


def promise(outcome: OrderOutcome) -> str | None:
    """``Promised by Wednesday 4 March 2026.``, or None when the ledger promised no date."""
    if outcome.promised_by is None:
        return None
    return _("Promised by {date}.", date=active().moment(outcome.promised_by, PROMISE_FORMAT))


_FIELD_PROBLEMS = {
    "name": N_("Give the customer's name."),
    "email": N_("Not a valid email address."),
    "phone": N_("Not a valid phone number."),
    "address": N_("Give the delivery address."),
    "postal_code": N_("A French postal code has 5 digits, such as 69002."),
    "city": N_("Give the town."),
    "collect_at": N_("Give the code of a store, such as B."),
}


def ordered_items(lines: Sequence[tuple[str, int]], times: str = "×") -> str:  # noqa: RUF001
    """``2 × S1, 1 × S2``: the lines of an order, as the associate reads them back."""  # noqa: RUF002
    return ", ".join(f"{number(qty)} {times} {sku}" for sku, qty in lines)


def quantity_problem() -> str:
    return _("Order 1 to {most} units.", most=MAX_ORDER_QTY)


def order_input_problem(error: OrderInputError) -> str:
    """What to fix in the order as given (``error.field`` names the field it concerns)."""
    code = error.code
    if code is OrderRefusal.UNKNOWN_SKU:
        return _("This item is not in the catalog.")
    if code is OrderRefusal.UNKNOWN_STORE:
        return _("Not a store customers can collect at.")
    if code is OrderRefusal.NO_CONTACT:
        return _("Give an email address or a phone number.")
    if code is OrderRefusal.BAD_QUANTITY:
        return quantity_problem()
    if code is OrderRefusal.UNKNOWN_POSTAL_CODE:
        return _("No French department has this postal code.")
    if code is OrderRefusal.NO_LINES:
        return _("Order 1 to {most} different items.", most=MAX_ORDER_LINES)
    if error.field in _FIELD_PROBLEMS:
        return _(_FIELD_PROBLEMS[error.field])
    return _("Not valid: {problem}", problem=error.message)

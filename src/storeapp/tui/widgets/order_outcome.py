"""What became of an order in store: where it comes from, why, and when (placed); kept on this
terminal (pending); or what the ledger could not serve and the alternatives (refused)."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from storeapp.i18n import _
from storeapp.services.orders import OrderOutcome, OrderStatus
from storeapp.wording.figures import distance_text
from storeapp.wording.orders import (
    Tone,
    alternative_lines,
    awaiting_lines,
    explanation_lines,
    offered_lines,
    ordered_items,
    promise,
    unserved_lines,
)


class OrderOutcomeView(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "order-outcome--placed",
        "order-outcome--pending",
        "order-outcome--refused",
        "order-outcome--heading",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)

    def show(self, outcome: OrderOutcome, customer_name: str) -> None:
        def style(name: str) -> Style:
            return self.get_component_rich_style(name, partial=True)

        heading = style("order-outcome--heading")
        lines: list[Text] = []
        what = {"items": ordered_items(outcome.lines), "name": customer_name}
        if outcome.status is OrderStatus.PLACED:
            lines.append(
                Text(
                    _("✔ Order placed: {items} for {name}.", **what),
                    style=style("order-outcome--placed"),
                )
            )
            lines.append(Text(_("Order number {order}", order=str(outcome.op_id))))
            if outcome.sources:
                lines.append(Text(_("Where it comes from:"), style=heading))
            for source in outcome.sources:
                items = ", ".join(f"{qty} × {sku}" for sku, qty in source.lines)  # noqa: RUF001
                how = (
                    _("to collect there")
                    if source.job_kind == "collect"
                    else _("shipped from there")
                )
                lines.append(
                    Text(
                        _(
                            "  {location} — {name}: {items}, {how} ({distance})",
                            location=source.location,
                            name=source.name,
                            items=items,
                            how=how,
                            distance=distance_text(source.distance_km),
                        )
                    )
                )
            lines.extend(
                Text(line.text, style=heading if line.tone is Tone.HEADING else "")
                for line in [*awaiting_lines(outcome), *offered_lines(outcome)]
            )
            if outcome.explanation is not None:
                lines.append(Text(_("Why:"), style=heading))
                lines.extend(
                    Text("  " + line.text) for line in explanation_lines(outcome.explanation)
                )
            promised = promise(outcome)
            if promised is not None:
                lines.append(Text(promised, style=heading))
        elif outcome.status is OrderStatus.PENDING:
            lines.append(
                Text(
                    _("⏳ Order kept: {items} for {name}.", **what),
                    style=style("order-outcome--pending"),
                )
            )
            lines.append(
                Text(
                    _(
                        "The ledger cannot be reached: the order is kept on this terminal and "
                        "will be sent when the ledger is back. If the ledger then refuses it, it "
                        "shows in Sync status (F3) with the alternatives."
                    )
                )
            )
        else:
            lines.append(
                Text(
                    _("✘ The ledger cannot serve {items} for {name} now.", **what),
                    style=style("order-outcome--refused"),
                )
            )
            lines.extend(Text(line.text) for line in unserved_lines(outcome.unserved))
            lines.extend(Text(line.text) for line in alternative_lines(outcome.alternatives))
            lines.append(Text(_("Nothing was ordered: Escape goes back to the item.")))
        self.update(Text("\n").join(lines))

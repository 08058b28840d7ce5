"""The carrier-neutral label: what every label says, whatever the carrier and the printer.

``label_of`` lays a shipped job out as text lines and captions, in the words the front end
gives (``LabelWords``, translated by ``storeapp.wording.labels``), so the renderers only place
strings and draw the barcode. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ordersync.contract import ShipTo

MAX_LINE = 48
"""Characters of one address line on the label; longer lines are cut (carriers read 35-40)."""


@dataclass(frozen=True, slots=True)
class LabelWords:
    """The captions of a label, in the store's language."""

    sender: str
    recipient: str
    order: str
    job: str
    parcel: Callable[[int, int], str]
    """Parcel ``n`` of ``count``."""
    weight: Callable[[int, int], str]
    """The weight in grams of the shipment of ``count`` parcels."""
    carrier: str
    tracking: str
    collect_at: Callable[[str, str], str]
    """The store (name, code) where the customer collects the parcel."""


@dataclass(frozen=True, slots=True)
class Store:
    """The store that ships: the label's sender."""

    code: str
    name: str
    address: tuple[str, ...] = ()
    """Its postal address when known, one line each; the code stands in for it otherwise."""


@dataclass(frozen=True, slots=True)
class Shipment:
    """What a shipped job tells a label: all of it known once the job has its tracking."""

    job_id: str
    order_id: str
    customer_name: str
    ship_to: ShipTo | None
    """The customer's home; None when the parcel goes to a store (``destination``)."""
    destination: Store | None
    parcels: int
    weight_grams: int | None
    tracking: str


@dataclass(frozen=True, slots=True)
class Label:
    """One parcel's label as lines of text, ready to lay out."""

    carrier_caption: str
    carrier: str
    """The carrier's name as the settings give it (may be empty: the template stays neutral)."""
    sender_caption: str
    sender: tuple[str, ...]
    recipient_caption: str
    recipient: tuple[str, ...]
    """The name first, the postal code and city last."""
    facts: tuple[tuple[str, str], ...]
    """Order, job, parcel n of N and weight: (caption, value)."""
    tracking_caption: str
    tracking: str


def _line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_LINE else flat[: MAX_LINE - 1] + "…"


def _lines(*texts: str | None) -> tuple[str, ...]:
    found: list[str] = []
    for text in texts:
        if text:
            found.extend(_line(part) for part in text.splitlines() if part.strip())
    return tuple(found)


def sender_lines(store: Store) -> tuple[str, ...]:
    return _lines(store.name, *store.address) if store.address else _lines(store.name, store.code)


def recipient_lines(shipment: Shipment, words: LabelWords) -> tuple[str, ...]:
    if shipment.destination is not None:
        store = shipment.destination
        return _lines(
            shipment.customer_name,
            words.collect_at(store.name, store.code),
            *store.address,
        )
    to = shipment.ship_to
    assert to is not None  # checked by ``printing`` before a label is laid out
    town = " ".join(part for part in (to.postal_code, to.city) if part)
    return _lines(to.name or shipment.customer_name, to.address, town, _country(to.country))


def _country(code: str) -> str | None:
    # Within France the country is left out, as La Poste asks; abroad its code ends the address.
    return None if code == "FR" else code


def label_of(
    shipment: Shipment, sender: Store, parcel: int, carrier: str, words: LabelWords
) -> Label:
    """Parcel ``parcel`` (from 1) of the shipment, as the carrier-neutral template lays it."""
    facts = [
        (words.order, shipment.order_id),
        (words.job, shipment.job_id),
        (words.parcel(parcel, shipment.parcels), ""),
    ]
    if shipment.weight_grams is not None:
        facts.append((words.weight(shipment.weight_grams, shipment.parcels), ""))
    return Label(
        carrier_caption=words.carrier,
        carrier=_line(carrier),
        sender_caption=words.sender,
        sender=sender_lines(sender),
        recipient_caption=words.recipient,
        recipient=recipient_lines(shipment, words),
        facts=tuple(facts),
        tracking_caption=words.tracking,
        tracking=shipment.tracking,
    )

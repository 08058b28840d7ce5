"""Offers as each of their stores sees them, and their publication on those stores' feeds.

An offer made to three stores is three views (``Offer``, one per store, each with its own
``answer``); each goes on its store's change feed under the key ``<offer id>:<store>``, so a
store learns of the offer, and of its end, as it learns of its jobs.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from ordersync.contract import DeliveryKind, Offer, OfferAnswer, OfferLine, OfferState
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import NotFound
from ordersync.domain.routing import Line

_OFFER_COLUMNS = (
    "o.id, o.order_id, o.round, o.state, o.lines, o.collect_at, o.rule_set, o.rule, "
    "o.created_at, o.expires_at, o.claimed_at, o.claimed_by, o.job_id, r.customer, r.delivery"
)


def offer_lines(encoded: str) -> list[Line]:
    return [Line(int(e["line_no"]), str(e["sku"]), int(e["qty"])) for e in json.loads(encoded)]


def encode_lines(lines: list[Line]) -> str:
    return json.dumps([{"line_no": ln.line_no, "sku": ln.sku, "qty": ln.qty} for ln in lines])


def offer_views(tx: LedgerTx, offer_id: str) -> list[Offer]:
    """The offer as each of its stores sees it, best placed first."""
    row = tx.sql.first(
        f"SELECT {_OFFER_COLUMNS} FROM offers o JOIN orders r ON r.id = o.order_id "
        "WHERE o.id = :id",
        {"id": offer_id},
    )
    if row is None:
        raise NotFound(f"no offer {offer_id}", offer_id=offer_id)
    answers = tx.sql.all(
        "SELECT location, rank, state FROM offer_locations WHERE offer_id = :id ORDER BY rank",
        {"id": offer_id},
    )
    return [
        _view(tx, row, str(location), int(rank), str(state), len(answers) - 1)
        for location, rank, state in answers
    ]


def offer_view(tx: LedgerTx, offer_id: str, location: str) -> Offer:
    for view in offer_views(tx, offer_id):
        if view.location == location:
            return view
    raise NotFound(f"no offer {offer_id} was made to {location}", offer_id=offer_id)


def offers_at(tx: LedgerTx, location: str, *, open_only: bool, limit: int = 200) -> list[Offer]:
    """The offers made to ``location``: open ones (soonest to expire first), or all of them
    (latest first)."""
    where = "ol.location = :location" + (" AND ol.state = :open" if open_only else "")
    order = "o.expires_at, o.id" if open_only else "o.created_at DESC, o.id"
    rows = tx.sql.all(
        f"SELECT {_OFFER_COLUMNS}, ol.rank, ol.state, "
        "(SELECT COUNT(*) FROM offer_locations c WHERE c.offer_id = o.id) "
        "FROM offer_locations ol JOIN offers o ON o.id = ol.offer_id "
        f"JOIN orders r ON r.id = o.order_id WHERE {where} ORDER BY {order} LIMIT :limit",
        {"location": location, "open": OfferAnswer.OPEN.value, "limit": limit},
    )
    return [
        _view(tx, row[:15], location, int(row[15]), str(row[16]), int(row[17]) - 1) for row in rows
    ]


def publish_offer(tx: LedgerTx, offer_id: str) -> list[Offer]:
    """Put each store's view of the offer on that store's change feed."""
    views = offer_views(tx, offer_id)
    for view in views:
        tx.record_change(
            "offer", f"{offer_id}:{view.location}", view.location, {"offer": _dumped(view)}
        )
    return views


def _dumped(view: Offer) -> dict[str, Any]:
    return view.model_dump(mode="json")


def _view(
    tx: LedgerTx, row: tuple[Any, ...], location: str, rank: int, answer: str, others: int
) -> Offer:
    customer: dict[str, Any] = json.loads(row[13])
    delivery: dict[str, Any] = json.loads(row[14])
    return Offer(
        id=uuid.UUID(str(row[0])),
        order_id=uuid.UUID(str(row[1])),
        location=location,
        round=int(row[2]),
        state=OfferState(row[3]),
        answer=OfferAnswer(answer),
        rank=rank,
        competitors=others,
        lines=[OfferLine(line_no=ln.line_no, sku=ln.sku, qty=ln.qty) for ln in offer_lines(row[4])],
        customer_name=str(customer.get("name", "")),
        delivery=DeliveryKind(delivery["kind"]),
        collect_at=row[5],
        rule_set=row[6],
        rule=row[7],
        created_at=tx.sql.read_time(row[8]),
        expires_at=tx.sql.read_time(row[9]),
        claimed_at=None if row[10] is None else tx.sql.read_time(row[10]),
        claimed_by=row[11],
        job_id=None if row[12] is None else uuid.UUID(str(row[12])),
    )

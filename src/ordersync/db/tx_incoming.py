"""Incoming units inside a write transaction: the ``incoming`` row of a position, moved with the
documents that change it, and the documents themselves on the change feed.

A delivery is on the feed of its destination; a transfer on the feeds of both its ends (one row
per end, so each store's page carries it). An ``incoming`` row goes on its location's feed with
the window of its next arrival, read again from the documents at each change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ordersync.contract import InboundDelivery, Incoming, Transfer
from ordersync.db.arrivals import open_arrivals
from ordersync.db.tx_feed import FeedTx

_INCOMING_COLUMNS = (
    "sku, location, on_order, in_transit, promised, next_expected_from, next_expected_until, seq"
)


class IncomingTx(FeedTx):
    """The statements on incoming units and the feed rows of documents."""

    def _incoming(self, row: tuple[Any, ...]) -> Incoming:
        sku, location, on_order, in_transit, promised, start, end, seq = row
        return Incoming(
            sku=sku,
            location=location,
            on_order=int(on_order),
            in_transit=int(in_transit),
            promised=int(promised),
            next_expected_from=None if start is None else self.sql.read_time(start),
            next_expected_until=None if end is None else self.sql.read_time(end),
            seq=int(seq),
        )

    def incoming(self, sku: str, location: str) -> Incoming | None:
        row = self.sql.first(
            f"SELECT {_INCOMING_COLUMNS} FROM incoming WHERE sku = :sku AND location = :location",
            {"sku": sku, "location": location},
        )
        return None if row is None else self._incoming(row)

    def change_incoming(
        self,
        sku: str,
        location: str,
        *,
        on_order: int = 0,
        in_transit: int = 0,
        promised: int = 0,
    ) -> Incoming:
        """Add the deltas to the position's incoming units (creating the row), read its next
        arrival window from the open documents, and put it on the location's feed.

        Call it after the documents themselves have changed, so the window is the new one.
        """
        window = self._next_window(sku, location)
        seq = self.next_seq()
        row = self.sql.one(
            "INSERT INTO incoming (sku, location, on_order, in_transit, promised, "
            "next_expected_from, next_expected_until, seq, updated_at) VALUES (:sku, :location, "
            ":on_order, :in_transit, :promised, :start, :end, :seq, :now) "
            "ON CONFLICT (sku, location) DO UPDATE SET "
            "on_order = incoming.on_order + :on_order, "
            "in_transit = incoming.in_transit + :in_transit, "
            "promised = incoming.promised + :promised, next_expected_from = :start, "
            "next_expected_until = :end, seq = :seq, updated_at = :now "
            f"RETURNING {_INCOMING_COLUMNS}",
            {
                "sku": sku,
                "location": location,
                "on_order": on_order,
                "in_transit": in_transit,
                "promised": promised,
                "start": None if window is None else self.sql.time(window[0]),
                "end": None if window is None else self.sql.time(window[1]),
                "seq": seq,
                "now": self._now_db,
            },
        )
        incoming = self._incoming(row)
        self.record_change(
            "incoming",
            f"{location}|{sku}",
            location,
            {"incoming": incoming.model_dump(mode="json")},
        )
        return incoming

    def _next_window(self, sku: str, location: str) -> tuple[datetime, datetime] | None:
        arrivals = open_arrivals(self.sql, [sku], location)
        if not arrivals:
            return None
        first = arrivals[0]
        return first.expected_from, first.expected_until

    def record_delivery(self, delivery: InboundDelivery) -> None:
        """Put a delivery, as it now is, on its destination's feed."""
        self.record_change(
            "delivery",
            str(delivery.id),
            delivery.destination,
            {"delivery": delivery.model_dump(mode="json")},
        )

    def record_transfer(self, transfer: Transfer) -> None:
        """Put a transfer, as it now is, on the feeds of the location it leaves and the one it
        goes to."""
        payload = {"transfer": transfer.model_dump(mode="json")}
        for end in (transfer.from_location, transfer.to_location):
            self.record_change("transfer", f"{end}|{transfer.id}", end, payload)

"""A driver of the transfer routes for the API tests: each step as a device sends it, and what
the tests read back (incoming rows, feed rows, open count tasks, the lines and discrepancies of a
transfer).

Unless told otherwise, the source's associate sends and the destination's associate receives;
the admin of store A requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text

from tests.support.ledger_api import Ledger, new_op_id

SENT_AT = "2026-03-02T10:00:00Z"
RECEIVED_AT = "2026-03-04T08:30:00Z"


def lines_of(**units: int) -> list[dict[str, Any]]:
    return [{"sku": sku, "qty": qty} for sku, qty in units.items()]


@dataclass
class Transfers:
    """The transfer routes, as the devices of the shared ledger call them."""

    ledger: Ledger

    def request(
        self,
        lines: list[dict[str, Any]],
        headers: dict[str, str] | None = None,
        from_location: str = "A",
        to_location: str = "B",
        op_id: str | None = None,
    ) -> httpx.Response:
        body = {
            "op_id": op_id or new_op_id(),
            "from_location": from_location,
            "to_location": to_location,
            "lines": lines,
        }
        return self.ledger.send("POST", "/v1/transfers", body, headers)

    def requested(self, lines: list[dict[str, Any]], **where: str) -> str:
        reply = self.request(lines, **where)
        assert reply.status_code == 201, reply.text
        return str(reply.json()["id"])

    def step(
        self,
        transfer_id: str,
        action: str,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        path = f"/v1/transfers/{transfer_id}/{action}"
        return self.ledger.send("POST", path, {"op_id": new_op_id(), **body}, headers)

    def send(
        self, transfer_id: str, lines: list[dict[str, Any]], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        body = {"lines": lines, "occurred_at": SENT_AT}
        return self.step(transfer_id, "send", body, headers or self.ledger.headers("A"))

    def sent(self, transfer_id: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
        reply = self.send(transfer_id, lines)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def receive(
        self, transfer_id: str, lines: list[dict[str, Any]], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        body = {"lines": lines, "occurred_at": RECEIVED_AT}
        return self.step(transfer_id, "receive", body, headers or self.ledger.headers("B"))

    def received(self, transfer_id: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
        reply = self.receive(transfer_id, lines)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def read(self, transfer_id: str) -> dict[str, Any]:
        reply = self.ledger.send("GET", f"/v1/transfers/{transfer_id}")
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def in_transit(self, location: str, sku: str) -> tuple[int, int, int] | None:
        """(on_order, in_transit, promised) of the position's incoming row, if it has one."""
        with self.ledger.network.engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT on_order, in_transit, promised FROM incoming "
                    "WHERE sku = :sku AND location = :location"
                ),
                {"sku": sku, "location": location},
            ).first()
        return None if row is None else (int(row[0]), int(row[1]), int(row[2]))

    def feed(self, location: str, since: int) -> list[dict[str, Any]]:
        reply = self.ledger.send(
            "GET",
            "/v1/changes",
            params={"since": since, "location": location},
            headers=self.ledger.headers(location),
        )
        assert reply.status_code == 200, reply.text
        changes: list[dict[str, Any]] = reply.json()["changes"]
        return changes

    def count_tasks(self, location: str, sku: str) -> list[str]:
        with self.ledger.network.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT reason FROM count_tasks WHERE sku = :sku AND location = :location "
                    "AND closed_at IS NULL"
                ),
                {"sku": sku, "location": location},
            )
            return [str(reason) for (reason,) in rows]


def discrepancies(transfer: dict[str, Any]) -> list[tuple[str, str, str, int, int, str]]:
    return [
        (d["location"], d["sku"], d["kind"], d["expected"], d["actual"], d["reason"])
        for d in transfer["discrepancies"]
    ]


def line_quantities(transfer: dict[str, Any]) -> list[tuple[str, int, int | None, int | None]]:
    return [
        (line["sku"], line["requested_qty"], line["sent_qty"], line["received_qty"])
        for line in transfer["lines"]
    ]


def of_kind(changes: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [change[kind] for change in changes if change["kind"] == kind]

"""The oracle of stock in motion: deliveries and transfers as the ledger must hold them, rebuilt
from the operations it applied, in its order (the rules of ``oracle`` for everything else).

It shares the stock of ``LedgerModel`` (on hand per position, the movements each operation
must write) and keeps what the documents add: units on order (announced deliveries not yet
received) and in transit (sent transfers not yet received) per position, every document's state
and quantities, and the discrepancies each receipt or send must record. Its rules:

* an announced delivery puts its units on order at its destination; nothing is on hand yet;
* a delivery is received once: the first receipt puts what was counted on hand (one receipt
  movement per SKU counted), takes the announced units off order and records one discrepancy
  per SKU that differs (under, over, unexpected); a later receipt of the same delivery, from
  another terminal, is refused (409) and changes nothing; a receipt with no delivery (blind)
  makes a delivery received at once, each SKU flagged ``unannounced``;
* a transfer is requested (nothing moves), then sent once: what was scanned leaves the source's
  shelf (one movement per SKU) and is in transit to the destination, never refused for stock
  (a send beyond the source's free units on sale is flagged ``sent_without_stock`` and makes
  the position suspect), with ``under`` or
  ``over_shipped`` against the request; then received once: what was counted goes on the
  destination's shelf, the sent units leave transit, differences are recorded; a send or
  receipt out of turn (twice, before the send, after a cancel) is refused (409), and so is one
  that counted no unit at all (422: cancel the transfer instead); a receipt that counted nothing
  closes the transfer with every unit under-received (lost on the way);
* a transfer is cancelled only while requested.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ordersync.services.operations import OPERATIONS
from tests.simulation.counter_model import SELLABLE

if TYPE_CHECKING:
    from tests.simulation.oracle import LedgerModel

MOTION_OPS = frozenset(
    {
        "announce_delivery",
        "receive_delivery",
        "request_transfer",
        "send_transfer",
        "receive_transfer",
        "cancel_transfer",
    }
)
REFUSED = 409
UNPROCESSABLE = 422
Key = tuple[str, str]
"""(sku, location), as ``LedgerModel`` keys its positions."""


class MotionMismatch(AssertionError):
    """The ledger did something the rules of stock in motion do not allow."""


@dataclass
class ModelDelivery:
    id: str
    destination: str
    expected: dict[str, int]
    source: str | None = None
    reference: str | None = None
    state: str = "expected"
    received: dict[str, int] | None = None
    blind: bool = False
    received_by: str | None = None


@dataclass
class ModelTransfer:
    id: str
    source: str
    destination: str
    requested: dict[str, int]
    state: str = "requested"
    sent: dict[str, int] | None = None
    received: dict[str, int] | None = None
    ended_by: dict[str, str] = field(default_factory=dict)
    """state -> the operation that brought it there."""


@dataclass(frozen=True)
class ModelDiscrepancy:
    document_id: str
    location: str
    sku: str
    kind: str
    expected: int | None
    """None: the ledger's figure is not predicted (``sent_without_stock``)."""
    actual: int | None


def scanned(lines: list[dict[str, Any]]) -> dict[str, int]:
    """Units per SKU of scanned lines (a SKU may come on several)."""
    units: Counter[str] = Counter()
    for line in lines:
        units[str(line["sku"])] += int(line["qty"])
    return dict(units)


@dataclass
class MotionModel:
    stock: LedgerModel
    on_order: Counter[Key] = field(default_factory=Counter)
    in_transit: Counter[Key] = field(default_factory=Counter)
    deliveries: dict[str, ModelDelivery] = field(default_factory=dict)
    transfers: dict[str, ModelTransfer] = field(default_factory=dict)
    discrepancies: list[ModelDiscrepancy] = field(default_factory=list)
    twice: Counter[str] = field(default_factory=Counter)
    """Receipts and sends refused because the document was already done (by kind)."""
    empty: Counter[str] = field(default_factory=Counter)
    """Sends refused because they counted no unit at all (cancel the transfer instead)."""

    def apply(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        kind = str(op["op"])
        {
            "announce_delivery": self._announce,
            "receive_delivery": self._receive_delivery,
            "request_transfer": self._request,
            "send_transfer": self._send,
            "receive_transfer": self._receive_transfer,
            "cancel_transfer": self._cancel,
        }[kind](op, status, body)

    # --- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _expect(op: dict[str, Any], status: int, body: dict[str, Any], want: int) -> None:
        if status != want:
            raise MotionMismatch(
                f"{op['op']} {op['op_id']}: the ledger answered {status}, the model expects "
                f"{want}: {body}"
            )

    @staticmethod
    def _success(op: dict[str, Any]) -> int:
        return OPERATIONS[str(op["op"])].success_status

    def _move(self, op_id: str, sku: str, location: str, qty: int) -> None:
        if qty:
            self.stock.on_hand[(sku, location)] += qty
            self.stock.movements[op_id] += 1

    def _differences(
        self,
        document_id: str,
        location: str,
        want: dict[str, int],
        have: dict[str, int],
        under: str,
        over: str,
        unexpected: str,
    ) -> None:
        for sku in sorted(want.keys() | have.keys()):
            expected, actual = want.get(sku), have.get(sku, 0)
            if expected is None:
                if actual:
                    self.discrepancies.append(
                        ModelDiscrepancy(document_id, location, sku, unexpected, 0, actual)
                    )
            elif actual < expected:
                self.discrepancies.append(
                    ModelDiscrepancy(document_id, location, sku, under, expected, actual)
                )
            elif actual > expected:
                self.discrepancies.append(
                    ModelDiscrepancy(document_id, location, sku, over, expected, actual)
                )

    def _refused(self, op: dict[str, Any], status: int, body: dict[str, Any], why: str) -> None:
        if status != REFUSED:
            raise MotionMismatch(
                f"{op['op']} {op['op_id']} must be refused ({why}), the ledger answered "
                f"{status}: {body}"
            )
        self.twice[str(op["op"])] += 1

    # --- deliveries -------------------------------------------------------------------------

    def _announce(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        self._expect(op, status, body, self._success(op))
        delivery_id = str(op["op_id"])
        if str(body.get("id")) != delivery_id or body.get("state") != "expected":
            raise MotionMismatch(f"delivery {delivery_id} announced as {body}")
        destination = str(op["destination"])
        expected = scanned(op["lines"])
        self.deliveries[delivery_id] = ModelDelivery(
            delivery_id, destination, expected, str(op["source"]), str(op["reference"])
        )
        for sku, qty in expected.items():
            self.on_order[(sku, destination)] += qty

    def _receive_delivery(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        op_id = str(op["op_id"])
        location = str(op["location"])
        counted = scanned(op["lines"])
        if op.get("delivery_id") is None:
            # Paperwork naming a delivery this store expects: that delivery, received unpicked.
            named = [
                d
                for d in self.deliveries.values()
                if (d.source, d.reference) == (op.get("source"), op.get("reference"))
                and d.destination == location
                and d.state == "expected"
            ]
            if named:
                op = {**op, "delivery_id": named[0].id}
        if op.get("delivery_id") is None:
            self._expect(op, status, body, self._success(op))
            delivery_id = str(body["id"])
            if delivery_id in self.deliveries:
                raise MotionMismatch(f"blind receipt {op_id} reused delivery {delivery_id}")
            delivery = ModelDelivery(delivery_id, location, {}, blind=True)
            self.deliveries[delivery_id] = delivery
            for sku, qty in sorted(counted.items()):
                self.discrepancies.append(
                    ModelDiscrepancy(delivery_id, location, sku, "unannounced", 0, qty)
                )
        else:
            delivery_id = str(op["delivery_id"])
            found = self.deliveries.get(delivery_id)
            if found is None:
                raise MotionMismatch(f"receipt {op_id} of a delivery never announced")
            delivery = found
            if delivery.state != "expected":
                self._refused(op, status, body, f"already {delivery.state}")
                return
            self._expect(op, status, body, self._success(op))
            for sku, qty in delivery.expected.items():
                self.on_order[(sku, location)] -= qty
            self._differences(
                delivery_id,
                location,
                delivery.expected,
                counted,
                "under_received",
                "over_received",
                "unexpected",
            )
        for sku, qty in sorted(counted.items()):
            self._move(op_id, sku, location, qty)
        delivery.state, delivery.received, delivery.received_by = "received", counted, op_id
        if body.get("state") != "received":
            raise MotionMismatch(f"receipt {op_id}: the delivery is {body.get('state')}")

    # --- transfers --------------------------------------------------------------------------

    def _transfer(self, op: dict[str, Any]) -> ModelTransfer:
        transfer = self.transfers.get(str(op["transfer_id"]))
        if transfer is None:
            raise MotionMismatch(f"{op['op']} {op['op_id']} names a transfer never requested")
        return transfer

    def _request(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        self._expect(op, status, body, self._success(op))
        transfer_id = str(op["op_id"])
        if str(body.get("id")) != transfer_id or body.get("state") != "requested":
            raise MotionMismatch(f"transfer {transfer_id} requested as {body}")
        self.transfers[transfer_id] = ModelTransfer(
            transfer_id,
            str(op["from_location"]),
            str(op["to_location"]),
            scanned(op["lines"]),
            ended_by={"requested": transfer_id},
        )

    def _send(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        transfer = self._transfer(op)
        if transfer.state != "requested":
            self._refused(op, status, body, f"the transfer is {transfer.state}")
            return
        op_id, source = str(op["op_id"]), transfer.source
        sent = scanned(op["lines"])
        if not any(sent.values()):
            self._expect(op, status, body, UNPROCESSABLE)  # nothing sent: cancel it instead
            self.empty[str(op["op"])] += 1
            return
        self._expect(op, status, body, self._success(op))
        self._differences(
            transfer.id,
            source,
            transfer.requested,
            sent,
            "under_shipped",
            "over_shipped",
            "over_shipped",
        )
        for sku, qty in sorted(sent.items()):
            key = (sku, source)
            if qty and self.stock.counter.holds(sku, source, SELLABLE) < qty:
                self.discrepancies.append(
                    ModelDiscrepancy(transfer.id, source, sku, "sent_without_stock", None, None)
                )
                self.stock.suspect.add(key)
            self._move(op_id, sku, source, -qty)
            self.in_transit[(sku, transfer.destination)] += qty
        transfer.state, transfer.sent = "sent", sent
        transfer.ended_by["sent"] = op_id
        if body.get("state") != "sent":
            raise MotionMismatch(f"send {op_id}: the transfer is {body.get('state')}")

    def _receive_transfer(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        transfer = self._transfer(op)
        if transfer.state != "sent":
            self._refused(op, status, body, f"the transfer is {transfer.state}")
            return
        assert transfer.sent is not None
        op_id, destination = str(op["op_id"]), transfer.destination
        counted = scanned(op["lines"])
        # Nothing counted closes it too: every unit sent is under-received, lost on the way.
        self._expect(op, status, body, self._success(op))
        on_document = {
            sku: transfer.sent.get(sku, 0) for sku in transfer.requested.keys() | transfer.sent
        }
        self._differences(
            transfer.id,
            destination,
            on_document,
            counted,
            "under_received",
            "over_received",
            "unexpected",
        )
        for sku, qty in transfer.sent.items():
            self.in_transit[(sku, destination)] -= qty
        for sku, qty in sorted(counted.items()):
            self._move(op_id, sku, destination, qty)
        transfer.state, transfer.received = "received", counted
        transfer.ended_by["received"] = op_id
        if body.get("state") != "received":
            raise MotionMismatch(f"receipt {op_id}: the transfer is {body.get('state')}")

    def _cancel(self, op: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        transfer = self._transfer(op)
        if transfer.state != "requested":
            self._refused(op, status, body, f"the transfer is {transfer.state}")
            return
        self._expect(op, status, body, self._success(op))
        transfer.state = "cancelled"
        transfer.ended_by["cancelled"] = str(op["op_id"])

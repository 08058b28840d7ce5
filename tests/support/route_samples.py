"""One valid request for every route of the API: the table the API matrices derive from.

``ROUTE_SAMPLES`` holds one valid request for every route of the API. The malformed-input and
authorization matrices derive their cases from it, and both fail when the app grows a route that
has no sample here: add one when you add a route. The requests that change the ledger are built
in ``write_samples``; the reads are below.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.support import write_samples as writes
from tests.support.api_routes import Sample
from tests.support.ledger_api import Ledger
from tests.support.staff_ledger import (
    staff_list_sample,
    staff_put_sample,
    staff_sign_in_sample,
)

# --- reads -----------------------------------------------------------------------------------


def _nothing(ledger: Ledger) -> Sample:
    return Sample()


def _item_read(ledger: Ledger) -> Sample:
    return Sample(path_params={"sku": "S1"})


def _barcode_read(ledger: Ledger) -> Sample:
    reply = ledger.send("GET", "/v1/items/S1")
    assert reply.status_code == 200, reply.text
    return Sample(path_params={"gtin": reply.json()["gtins"][0]})


def _position_read(ledger: Ledger) -> Sample:
    writes.stocked(ledger)
    return Sample(path_params={"location": "A", "sku": "S1"})


def _sku_availability(ledger: Ledger) -> Sample:
    return Sample(path_params={"sku": "S1"})


def _reference_availability(ledger: Ledger) -> Sample:
    return Sample(path_params={"reference": "REF-1"})


def _reservation_read(ledger: Ledger) -> Sample:
    writes.stocked(ledger)
    return Sample(path_params={"reservation_id": ledger.reserve("S1", "A", 1)})


def _changes(ledger: Ledger) -> Sample:
    return Sample(query={"since": 0, "limit": 100, "location": "A"})


def _suspects(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A"})


def _audit(ledger: Ledger) -> Sample:
    return Sample(
        query={
            "location": "A",
            "operation": "movements",
            "since": "2000-01-01T00:00:00Z",
            "until": "2099-12-31T00:00:00+01:00",
            "after_id": 0,
            "limit": 10,
        }
    )


def _tokens_list(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "include_revoked": True})


def _order_read(ledger: Ledger) -> Sample:
    made = writes.new_job(ledger)()
    return Sample(path_params={"order_id": made["order_id"]})


def _job_read(ledger: Ledger) -> Sample:
    made = writes.new_job(ledger)()
    return Sample(path_params={"job_id": made["job_id"]})


def _jobs_list(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "state": ["assigned", "picking"]})


def _day_queue(ledger: Ledger) -> Sample:
    return Sample(path_params={"code": "A"}, query={"date": "2026-03-02"})


def _variance(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "days": 7, "period": "week"})


def _sales_trend(ledger: Ledger) -> Sample:
    return Sample(query={"reference": "REF-1", "location": "A", "days": 28, "recent_days": 7})


def _cover(ledger: Ledger) -> Sample:
    return Sample(
        query={"location": "A", "rate_days": 28, "lead_time_days": 3, "review_days": 7, "limit": 50}
    )


def _stockouts(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "days": 28, "limit": 50})


def _replenishment(ledger: Ledger) -> Sample:
    return Sample(
        query={
            "location": "A",
            "rate_days": 28,
            "lead_time_days": 3,
            "review_days": 7,
            "service_level": 95,
            "limit": 50,
        }
    )


def _rebalancing(ledger: Ledger) -> Sample:
    return Sample(query={"reference": "REF-1", "rate_days": 28, "limit": 50})


def _kpis(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "days": 30})


def _return_rates(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "days": 28, "limit": 50})


def _touchpoint_report(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "days": 28})


def _touchpoint_sales(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "days": 28, "by": "week"})


def _returns_list(ledger: Ledger) -> Sample:
    writes.new_return(ledger)
    return Sample(query={"location": "A", "days": 7, "limit": 50})


def _return_read(ledger: Ledger) -> Sample:
    return Sample(path_params={"return_id": writes.new_return(ledger)})


def _offers_list(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "open": "false"})


def _transfers_list(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "state": ["requested", "sent"], "limit": 50})


def _transfer_read(ledger: Ledger) -> Sample:
    return Sample(path_params=writes.new_transfer(ledger)())


def _deliveries_list(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "state": "expected", "limit": 20})


def _delivery_read(ledger: Ledger) -> Sample:
    return Sample(path_params={"delivery_id": writes.new_delivery(ledger)})


def _purchase_order(ledger: Ledger) -> Sample:
    return Sample(path_params={"code": "A"})


ROUTE_SAMPLES: dict[tuple[str, str], Callable[[Ledger], Sample]] = {
    ("GET", "/v1/health"): _nothing,
    ("GET", "/v1/me"): _nothing,
    ("PUT", "/v1/items"): writes.items,
    ("PUT", "/v1/locations"): writes.locations,
    ("GET", "/v1/items/{sku}"): _item_read,
    ("GET", "/v1/barcodes/{gtin}"): _barcode_read,
    ("GET", "/v1/locations"): _nothing,
    ("POST", "/v1/movements"): writes.movements,
    ("POST", "/v1/counts"): writes.counts,
    ("PUT", "/v1/positions/{location}/{sku}/safety-stock"): writes.safety_stock,
    ("GET", "/v1/positions/{location}/{sku}"): _position_read,
    ("GET", "/v1/availability/skus/{sku}"): _sku_availability,
    ("GET", "/v1/availability/references/{reference}"): _reference_availability,
    ("POST", "/v1/reservations"): writes.reservations,
    ("GET", "/v1/reservations/{reservation_id}"): _reservation_read,
    ("POST", "/v1/reservations/{reservation_id}/commit"): writes.commit,
    ("POST", "/v1/reservations/{reservation_id}/release"): writes.release,
    ("GET", "/v1/changes"): _changes,
    ("POST", "/v1/ops"): writes.ops,
    ("GET", "/v1/tokens"): _tokens_list,
    ("GET", "/v1/staff"): staff_list_sample,
    ("PUT", "/v1/staff/{code}"): staff_put_sample,
    ("POST", "/v1/staff/sign-in"): staff_sign_in_sample,
    ("POST", "/v1/tokens"): writes.tokens,
    ("DELETE", "/v1/tokens/{token_id}"): writes.token_delete,
    ("GET", "/v1/reports/suspect-positions"): _suspects,
    ("GET", "/v1/audit"): _audit,
    ("GET", "/v1/count-tasks"): _suspects,
    ("POST", "/v1/orders"): writes.orders,
    ("GET", "/v1/orders/{order_id}"): _order_read,
    ("GET", "/v1/orders/{order_id}/routing"): _order_read,
    ("GET", "/v1/jobs"): _jobs_list,
    ("GET", "/v1/jobs/{job_id}"): _job_read,
    ("GET", "/v1/reports/sales-trend"): _sales_trend,
    ("GET", "/v1/reports/cover"): _cover,
    ("GET", "/v1/reports/stockout-risk"): _cover,
    ("GET", "/v1/reports/stockouts"): _stockouts,
    ("GET", "/v1/reports/replenishment"): _replenishment,
    ("GET", "/v1/reports/rebalancing"): _rebalancing,
    ("GET", "/v1/reports/kpis"): _kpis,
    ("GET", "/v1/reports/returns"): _return_rates,
    ("GET", "/v1/reports/touchpoint-sales"): _touchpoint_sales,
    ("GET", "/v1/reports/store-contribution"): _touchpoint_report,
    ("GET", "/v1/reports/split-rate"): _touchpoint_report,
    ("GET", "/v1/reports/time-to-customer"): _touchpoint_report,
    ("GET", "/v1/reports/cancellations"): _touchpoint_report,
    ("GET", "/v1/reports/offers"): _touchpoint_report,
    ("POST", "/v1/jobs/{job_id}/transitions"): writes.job_transition,
    ("POST", "/v1/jobs/{job_id}/lines/{line_no}/reject"): writes.job_reject,
    ("GET", "/v1/offers"): _offers_list,
    ("POST", "/v1/offers/{offer_id}/claim"): writes.offer_claim,
    ("POST", "/v1/devices/heartbeat"): writes.heartbeat,
    ("GET", "/v1/locations/{code}/day"): _day_queue,
    ("POST", "/v1/count-tasks/schedule"): writes.count_schedule,
    ("GET", "/v1/reports/variance"): _variance,
    ("POST", "/v1/locations/{code}/replenishment/transfer"): writes.replenishment_transfer,
    ("GET", "/v1/locations/{code}/replenishment/purchase-order.csv"): _purchase_order,
    ("POST", "/v1/transfers"): writes.transfer_request,
    ("POST", "/v1/transfers/{transfer_id}/send"): writes.transfer_send,
    ("POST", "/v1/transfers/{transfer_id}/receive"): writes.transfer_receive,
    ("POST", "/v1/transfers/{transfer_id}/cancel"): writes.transfer_cancel,
    ("GET", "/v1/transfers"): _transfers_list,
    ("GET", "/v1/transfers/{transfer_id}"): _transfer_read,
    ("PUT", "/v1/suppliers/{code}"): writes.supplier_put,
    ("GET", "/v1/suppliers"): _nothing,
    ("PUT", "/v1/suppliers/{code}/stock"): writes.supplier_stock,
    ("GET", "/v1/deliveries"): _deliveries_list,
    ("GET", "/v1/deliveries/{delivery_id}"): _delivery_read,
    ("POST", "/v1/deliveries"): writes.delivery_announce,
    ("POST", "/v1/deliveries/receipts"): writes.delivery_receipt,
    ("POST", "/v1/deliveries/{delivery_id}/cancel"): writes.delivery_cancel,
    ("POST", "/v1/dispositions"): writes.disposition_move,
    ("POST", "/v1/write-offs"): writes.write_off,
    ("POST", "/v1/returns"): writes.customer_return,
    ("GET", "/v1/returns/reasons"): _nothing,
    ("GET", "/v1/returns"): _returns_list,
    ("GET", "/v1/returns/{return_id}"): _return_read,
    ("POST", "/v1/voids"): writes.sale_void,
}

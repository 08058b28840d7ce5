"""A working morning on the demo network, made through the ledger's API before the screenshots.

The demo data is history: every order in it was served, so on its own the network page would be
a table of zeros. Here, as the day's customers and staff would: click & collect orders wait at
a few stores, a web order goes wherever routing sends it, one store starts picking and finds a
unit missing (a short pick: the position becomes suspect until counted), and one terminal
reports operations still waiting, one of them refused. Late jobs cannot be made so: the server
runs on the real clock, and no step is due before minutes have passed.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from ordersync.contract import Role, uuid7
from ordersync.demo.network import WAREHOUSE
from tests.browser.hq_site import PAGE_SECONDS, HqSite

COLLECTING = (
    "PAR-01",
    "PAR-01",
    "PAR-02",
    "LYO-01",
    "BDX-01",
    "LIL-01",
    "TLS-01",
    "NTE-01",
    "STR-01",
)
"""Where each click & collect order is to be collected (one order each)."""
SHORT_PICKING = "MRS-01"
"""The store that starts picking a two-line order and finds the first line's unit missing."""
TERMINAL_STORE = "LYO-01"
HOME = {"address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}


def _stocked(site: HqSite, store: str, count: int) -> list[str]:
    """``count`` SKUs the store has units of, free to sell."""
    with site.server.network.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT sku FROM positions WHERE location = :store "
                "AND on_hand - reserved - unavailable >= 2 AND NOT suspect ORDER BY sku LIMIT :n"
            ),
            {"store": store, "n": count},
        )
        found = [str(row[0]) for row in rows]
    assert len(found) == count, (store, found)
    return found


class OpenWork:
    def __init__(self, site: HqSite, client: httpx.Client) -> None:
        self.site = site
        self.client = client

    def _post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        reply = self.client.post(path, json={"op_id": str(uuid7()), **body}, headers=headers)
        assert reply.status_code in (200, 201), (path, reply.status_code, reply.text)
        answer: dict[str, Any] = reply.json() if reply.content else {}
        return answer

    def order(self, skus: list[str], delivery: dict[str, Any]) -> dict[str, Any]:
        return self._post(
            "/v1/orders",
            {
                "channel": "web",
                "lines": [{"sku": sku, "qty": 1} for sku in skus],
                "customer": {"name": "Camille Martin"},
                "delivery": delivery,
            },
            self.site.server.headers(WAREHOUSE, Role.ADMIN),
        )

    def jobs(self, store: str) -> list[dict[str, Any]]:
        reply = self.client.get("/v1/jobs", headers=self.site.server.headers(store))
        assert reply.status_code == 200, reply.text
        found: list[dict[str, Any]] = reply.json()
        return found

    def short_pick(self, store: str) -> None:
        placed = self.order(_stocked(self.site, store, 2), {"kind": "collect", "collect_at": store})
        (job,) = [job for job in self.jobs(store) if job["order_id"] == placed["id"]]
        associate = self.site.server.headers(store)
        self._post(f"/v1/jobs/{job['id']}/transitions", {"to": "picking"}, associate)
        self._post(f"/v1/jobs/{job['id']}/lines/1/reject", {"reason": "not_found"}, associate)

    def terminal_waiting(self, store: str) -> None:
        reply = self.client.post(
            "/v1/devices/heartbeat",
            json={"pending_ops": 3, "needs_attention": 1},
            headers=self.site.server.headers(store),
        )
        assert reply.status_code == 204, reply.text


def open_the_day(site: HqSite) -> None:
    """The open work described above, put on the site's ledger once."""
    with httpx.Client(base_url=site.base_url, timeout=PAGE_SECONDS) as client:
        work = OpenWork(site, client)
        for store in COLLECTING:
            (sku,) = _stocked(site, store, 1)
            work.order([sku], {"kind": "collect", "collect_at": store})
        (sku,) = _stocked(site, "PAR-02", 1)
        work.order([sku], {"kind": "home", **HOME})
        work.short_pick(SHORT_PICKING)
        work.terminal_waiting(TERMINAL_STORE)

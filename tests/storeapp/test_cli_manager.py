"""The manager's commands against the real ledger in process: ``storeapp day`` (with deliveries
and transfers), ``storeapp count`` and ``storeapp insights`` (with report lines turned into
transfer requests); "managers only" for an associate's terminal; every text in French."""

from __future__ import annotations

import ast
import json
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

import storeapp
from ordersync.clock import ManualClock
from ordersync.contract import Role
from storeapp import cli
from tests.support.cli import Shell, barcode_of, line_with, set_up
from tests.support.ledger_harness import Network
from tests.support.store import on_hand, order, receive, store_order
from tests.support.store_motion import announce

SRC = Path(storeapp.__file__).parent


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("the network is down", request=request)


# --- day -------------------------------------------------------------------------------------


def test_day_prints_the_queue_late_first_for_a_manager(
    sh: Shell, ledger: TestClient, network: Network, clock: ManualClock
) -> None:
    receive(ledger, network, "S1", "A", 5)
    receive(ledger, network, "S3", "B", 1)
    order(ledger, network, 1, [("S1", 1)], name="Camille Martin")
    store_order(ledger, network, 2, "S3", 1)  # sent from store B for collection here
    clock.advance(timedelta(hours=3))
    set_up(sh, network, role=Role.MANAGER)
    result = sh("day")
    assert result.code == cli.EXIT_OK, result
    assert "The day's queue of A (Store A), Monday 2 March 2026" in result.out
    assert "Late: 1" in result.out
    assert "Camille Martin" in line_with(result.out, "late 1 h 00")
    assert "Orders placed in store today: 1, sales saved €49.90" in result.out

    as_json = sh("day", "--json")
    assert as_json.code == cli.EXIT_OK, as_json
    data = json.loads(as_json.out)
    assert data["source"] == "live"
    assert data["day"] == "2026-03-02"
    assert data["late_jobs"] == 1
    late_job = data["open_jobs"][0]
    assert late_job["customer_name"] == "Camille Martin"
    assert late_job["to_due"] == -60  # whole minutes, negative once late
    assert late_job["age"] == late_job["age_minutes"] >= 60
    assert data["store_orders_value_minor"] == 4990


def test_day_offline_prints_this_terminals_view_and_warns(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    set_up(sh, network, role=Role.MANAGER)
    result = sh("day", transport=httpx.MockTransport(refuse))
    assert result.code == cli.EXIT_OK, result
    assert "OFFLINE: this terminal's own view" in result.out
    assert "the ledger did not answer" in result.err


def test_day_prints_deliveries_and_transfers_late_ones_marked(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    announce(ledger, network, "ASN-LATE", [("S1", 3), ("S2", 1)], number=31, in_hours=-30)
    set_up(sh, network, role=Role.MANAGER)
    result = sh("day")
    assert result.code == cli.EXIT_OK, result
    assert "Deliveries expected today (1), 1 late: late first" in result.out
    late = line_with(result.out, "ASN-LATE")
    assert re.search(r"WH\s+│ 1 Mar\s+│ 2\s+│ 4\s+│ LATE", late), late
    assert "No transfer to send." in result.out
    assert "No transfer on its way here." in result.out
    data = json.loads(sh("day", "--json").out)
    [delivery] = data["deliveries"]
    assert (delivery["reference"], delivery["units"], delivery["late"]) == ("ASN-LATE", 4, True)
    offline = sh("day", "--offline")
    assert offline.code == cli.EXIT_OK, offline
    assert "Deliveries expected today (1), 1 late: late first" in offline.out


def test_day_is_for_managers(sh: Shell, network: Network) -> None:
    set_up(sh, network, role=Role.ASSOCIATE)
    result = sh("day")
    assert result.code == cli.EXIT_REFUSED, result
    assert "managers only" in result.err


# --- count -----------------------------------------------------------------------------------


def test_count_submit_records_a_count_the_ledger_applies_at_the_next_sync(
    sh: Shell, ledger: TestClient, network: Network, home: Path
) -> None:
    receive(ledger, network, "S1", "A", 5)
    set_up(sh, network, role=Role.ASSOCIATE)
    assert sh("sell", "S1").code == cli.EXIT_OK
    refused = sh("count", "submit", "S1", "3")
    assert refused.code == cli.EXIT_FAILED, refused
    assert "not sent yet: run `storeapp sync --once`" in refused.err
    assert sh("sync", "--once").code == cli.EXIT_OK
    result = sh("count", "submit", barcode_of(home, "S1"), "3")
    assert result.code == cli.EXIT_OK, result
    assert "Count recorded: 3 x S1" in result.out
    assert "Waiting to be sent to the ledger: 1" in result.out
    assert sh("sync", "--once").code == cli.EXIT_OK
    assert on_hand(ledger, network, "S1") == 3


def test_count_tasks_lists_and_schedule_is_for_managers(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    set_up(sh, network, role=Role.ASSOCIATE)
    assert sh("sell", "S3").code == cli.EXIT_OK  # below zero: a task opens
    assert sh("sync", "--once").code == cli.EXIT_OK
    tasks = sh("count", "tasks")
    assert tasks.code == cli.EXIT_OK, tasks
    assert "sold below zero" in line_with(tasks.out, "S3")
    assert json.loads(sh("count", "tasks", "--json").out)["tasks"][0]["sku"] == "S3"
    schedule = sh("count", "schedule")
    assert schedule.code == cli.EXIT_REFUSED, schedule
    assert "managers only" in schedule.err
    assert sh("count", "submit", "S3", "-1").code == cli.EXIT_USAGE


# --- insights --------------------------------------------------------------------------------


def test_insights_are_for_managers(sh: Shell, network: Network) -> None:
    set_up(sh, network, role=Role.ASSOCIATE)
    for report in (["risk"], ["trend", "REF-1"], ["replenishment"]):
        result = sh("insights", *report)
        assert result.code == cli.EXIT_REFUSED, result
        assert "managers only" in result.err


def test_insights_for_a_manager(
    sh: Shell, ledger: TestClient, network: Network, clock: ManualClock
) -> None:
    receive(ledger, network, "S1", "A", 20)
    set_up(sh, network, role=Role.MANAGER)
    for _ in range(5):
        assert sh("sell", "S1", "--qty", "3").code == cli.EXIT_OK
        assert sh("sync", "--once").code == cli.EXIT_OK
        clock.advance(timedelta(days=1))
    risk = sh("insights", "risk")
    assert risk.code == cli.EXIT_OK, risk
    assert "S1" in risk.out
    trend = sh("insights", "trend", "REF-1")
    assert trend.code == cli.EXIT_OK, trend
    assert "REF-1 (Item S1)" in trend.out or "REF-1" in trend.out
    assert re.search(r"85B noir A\s+\S+\s+15", trend.out), trend.out
    data = json.loads(sh("insights", "trend", "REF-1", "--json").out)
    assert sum(data["series"]) == 15
    assert sh("insights", "replenishment").code == cli.EXIT_OK
    unknown = sh("insights", "trend", "NOPE")
    assert unknown.code == cli.EXIT_FAILED, unknown


def test_insights_turn_report_lines_into_transfer_requests(
    sh: Shell, ledger: TestClient, network: Network, clock: ManualClock
) -> None:
    receive(ledger, network, "S1", "A", 20)
    receive(ledger, network, "S1", "B", 30)  # sleeps at B while A sells
    set_up(sh, network, role=Role.MANAGER)
    for _ in range(5):
        assert sh("sell", "S1", "--qty", "3").code == cli.EXIT_OK
        assert sh("sync", "--once").code == cli.EXIT_OK
        clock.advance(timedelta(days=1))
    listed = sh("insights", "rebalancing", "REF-1")
    assert listed.code == cli.EXIT_OK, listed
    assert re.search(r"│ 1\s+│ S1\s+│ 85B\s+│ B\s+│ A\s+│ 25\s+│ sleeps there", listed.out), listed
    assert sh("insights", "request-rebalancing", "REF-1", "9").code == cli.EXIT_USAGE
    made = sh("insights", "request-rebalancing", "REF-1", "1")
    assert made.code == cli.EXIT_OK, made
    assert "Transfer requested: 25 unit(s) from B to A. Sent with the next sync." in made.out
    again = sh("insights", "request-rebalancing", "REF-1", "1")
    assert again.code == cli.EXIT_FAILED, again
    assert "Already requested" in again.err
    replenish = sh("insights", "request-replenishment")
    assert replenish.code == cli.EXIT_OK, replenish
    assert "from WH to A" in replenish.out
    assert sh("sync", "--once").code == cli.EXIT_OK
    admin = network.headers("WH", Role.ADMIN)
    reply = ledger.get("/v1/transfers", params={"location": "A"}, headers=admin)
    assert reply.status_code == 200, reply.text
    origins = sorted(t["origin"] for t in reply.json()["transfers"])
    assert origins == ["rebalancing", "replenishment"]


def test_an_associate_may_not_request_transfers(sh: Shell, network: Network) -> None:
    set_up(sh, network, role=Role.ASSOCIATE)
    result = sh("insights", "request-replenishment")
    assert result.code == cli.EXIT_REFUSED, result
    assert "managers only" in result.err


# --- French ----------------------------------------------------------------------------------


def test_every_text_of_the_managers_commands_has_a_french_translation() -> None:
    texts: set[str] = set()
    for path in sorted((SRC / "cli").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
            ):
                first = node.args[0]
                where = f"{path.name}:{node.lineno}: a literal text"
                assert isinstance(first, ast.Constant), where
                texts.add(str(first.value))
    with (SRC / "locale" / "fr" / "LC_MESSAGES" / "cli.po").open("rb") as handle:
        catalog = {str(m.id): str(m.string) for m in read_po(handle) if m.id and not m.fuzzy}
    assert len(texts) > 80
    assert sorted(t for t in texts if not catalog.get(t)) == []
    fields = re.compile(r"\{(\w+)")
    for text in texts:
        assert set(fields.findall(catalog[text])) == set(fields.findall(text)), text


def test_the_day_speaks_french(
    sh: Shell, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOREAPP_LOCALE", "fr_FR")
    set_up(sh, network, role=Role.MANAGER)
    result = sh("day")
    assert result.code == cli.EXIT_OK, result
    assert "La journée de A (Store A), lundi 2 mars 2026" in result.out
    assert "Aucune tâche à traiter." in result.out

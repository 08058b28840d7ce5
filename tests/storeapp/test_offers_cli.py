"""``storeapp offers`` and ``storeapp claim`` in process, on each backend: the offers listed with
their time left by the terminal's clock, a claim by the start of the offer's id sent with the
next sync, offline claims said to wait, and refusals in one sentence with their exit code. In
French too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from storeapp.cli import EXIT_FAILED, EXIT_OK, EXIT_REFUSED
from tests.support.cli import Shell, line_with, set_up
from tests.support.ledger_api import in_process_ledger
from tests.support.ledger_harness import Network
from tests.support.offers import OFFER_POLICY, offered_order


@pytest.fixture
def ledger(network: Network, clock: ManualClock, tmp_path: Path) -> Iterator[TestClient]:
    """The real ledger in process, with a policy that offers web orders to two stores."""
    policy = tmp_path / "routing.toml"
    policy.write_text(OFFER_POLICY, encoding="utf-8")
    with in_process_ledger(network.url, clock, policy) as client:
        yield client


class Unplugged(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("the ledger is down", request=request)


def offer_short_id(sh: Shell) -> str:
    listed = sh("offers")
    assert listed.code == EXIT_OK, listed
    return line_with(listed.out, "Camille Martin").split()[1]


def test_offers_are_listed_with_their_time_left_and_claimed_by_their_short_id(
    sh: Shell, ledger: TestClient, network: Network, clock: ManualClock
) -> None:
    set_up(sh, network)
    assert "No open offer at this store." in sh("offers").out
    offered_order(ledger, network)
    assert sh("sync", "--once").code == EXIT_OK
    clock.advance(timedelta(minutes=2, seconds=15))

    listed = sh("offers")
    row = line_with(listed.out, "Camille Martin")
    assert "07:45 left" in row, listed.out
    assert "1 × S1" in row  # noqa: RUF001
    assert "home delivery" in row
    assert "rank 1 of 2" in row
    short = offer_short_id(sh)

    claimed = sh("claim", short[:6])
    assert claimed.code == EXIT_OK, claimed
    assert f"Offer {short} claimed: the first store to claim it gets it" in claimed.out
    assert "claim waiting to be sent" in sh("offers").out
    again = sh("claim", short)
    assert (again.code, again.err.strip()) == (
        EXIT_REFUSED,
        "error: This terminal has already claimed this offer.",
    )

    assert sh("sync", "--once").code == EXIT_OK
    assert "No open offer at this store." in sh("offers").out
    assert "won" in line_with(sh("offers", "--all").out, short)
    assert "1 x S1" in sh("jobs").out


def test_a_claim_offline_says_it_waits_and_refusals_are_one_sentence(
    sh: Shell, ledger: TestClient, network: Network, clock: ManualClock
) -> None:
    set_up(sh, network)
    offered_order(ledger, network)
    assert sh("sync", "--once").code == EXIT_OK
    short = offer_short_id(sh)
    down = Unplugged()
    assert sh("sync", "--once", transport=down).code != EXIT_OK  # the terminal knows it is offline

    offline = sh("claim", short, transport=down)
    assert offline.code == EXIT_OK, offline
    assert "claimed while offline: the claim waits here" in offline.out

    unknown = sh("claim", "zzzz")
    assert (unknown.code, unknown.err.strip()) == (
        EXIT_FAILED,
        "error: No offer zzzz at this store. New offers arrive with the sync: run "
        "`storeapp sync --once`.",
    )

    clock.advance(timedelta(minutes=11))  # past its time here: the ledger has the last word
    assert "claim waiting to be sent" in line_with(sh("offers").out, short)


def test_the_offers_speak_french(
    sh: Shell, ledger: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up(sh, network)
    monkeypatch.setenv("STOREAPP_LOCALE", "fr_FR")
    offered_order(ledger, network)
    assert sh("sync", "--once").code == EXIT_OK

    listed = sh("offers")
    row = line_with(listed.out, "Camille Martin")
    assert "10:00 restant" in row, listed.out
    assert "livraison à domicile" in row
    assert "rang 1 sur 2" in row
    assert "Offres à A (1)" in listed.out
    short = row.split()[1]
    assert sh("claim", short).out.startswith(f"Offre {short} demandée")

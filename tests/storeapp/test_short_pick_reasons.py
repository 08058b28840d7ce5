"""The store's reasons against the real ledger in process: a line short picked as "not the item
ordered" (``mismatch``) and a job cancelled with the store's reason, from the service and from
the ``storeapp`` command; the reason reaches the ledger and the job shows it afterwards. Also the
job ids of outbox summaries, cut where the store's cached jobs differ, and the lookup's "in
stock here instead" naming how each suggestion fits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ordersync.contract import (
    CancelReason,
    ItemIn,
    ItemsUpsert,
    Job,
    JobStateName,
    RejectReason,
    Role,
    uuid7,
    with_check_digit,
)
from ordersync.contract.vocabulary import STORE_CANCEL_REASONS
from storeapp.cache import jobs as cached
from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.services.picking import PickingRefused, PickRefusal
from storeapp.wording.ids import short_ids
from storeapp.wording.jobs import cancel_choices, job_state_label
from tests.support.cli import Shell, line_with, set_up
from tests.support.ledger_harness import Network
from tests.support.store import ledger_job, receive, sync_terminal, web_order


def a_job(ledger: TestClient, network: Network, qty: int = 1) -> str:
    receive(ledger, network, "S1", "A", 3)
    [job] = web_order(ledger, network, [("S1", qty)])["jobs"]
    return str(job["id"])


def step(ledger: TestClient, network: Network, job_id: str, *states: str) -> None:
    """Steps of a job of store A sent straight to the ledger (by another device of A)."""
    for to in states:
        reply = ledger.post(
            f"/v1/jobs/{job_id}/transitions",
            json={"op_id": str(uuid7()), "to": to},
            headers=network.headers("A"),
        )
        assert reply.status_code == 200, reply.text


def last_summary(store: StoreContext) -> str:
    return outbox.pending(store.engine, 100)[-1].summary


# --- the service ---------------------------------------------------------------------------


def test_every_reject_reason_is_one_a_store_may_give_and_mismatch_reaches_the_ledger(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    assert RejectReason.MISMATCH in list(RejectReason)
    job_id = a_job(ledger, network)
    sync_terminal(store)
    recorded = store.picking.short_pick(job_id, 1, RejectReason.MISMATCH, "75B under a 75A tag")
    assert [line.reject_reason for line in recorded.job.lines] == ["mismatch"]
    assert last_summary(store).endswith("(1 x S1): mismatch")
    sync_terminal(store)
    on_ledger = ledger_job(ledger, network, job_id)
    assert [line["reject_reason"] for line in on_ledger["lines"]] == ["mismatch"]


@pytest.mark.parametrize("reason", STORE_CANCEL_REASONS)
def test_a_job_is_cancelled_with_the_store_s_reason_and_shows_it(
    ledger: TestClient, network: Network, store: StoreContext, reason: CancelReason
) -> None:
    job_id = a_job(ledger, network)
    step(ledger, network, job_id, "picking", "picked")
    sync_terminal(store)
    cancelled = store.picking.cancel(job_id, reason)
    # Shown at once, before the ledger hears of it, then as the ledger says it.
    assert (cancelled.job.state, cancelled.job.cancel_reason) == ("cancelled", reason.value)
    assert last_summary(store).endswith(f"picked → cancelled ({reason.value})")
    sync_terminal(store)
    assert ledger_job(ledger, network, job_id)["cancel_reason"] == reason.value
    after = store.picking.job(job_id)
    assert after is not None
    assert (after.unconfirmed, after.cancel_reason) == (0, reason.value)
    assert job_state_label(after).startswith("cancelled (")


def test_a_reason_only_the_ledger_gives_is_refused_before_anything_is_queued(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    job_id = a_job(ledger, network)
    step(ledger, network, job_id, "picking", "picked")
    sync_terminal(store)
    before = outbox.pending(store.engine, 100)
    with pytest.raises(PickingRefused) as refused:
        store.picking.cancel(job_id, CancelReason.NO_SHOW)
    assert refused.value.code is PickRefusal.BAD_REASON
    assert outbox.pending(store.engine, 100) == before


def test_the_cancel_choices_are_the_store_s_reasons_in_order() -> None:
    assert [code for code, _ in cancel_choices()] == [r.value for r in STORE_CANCEL_REASONS]
    assert dict(cancel_choices())["mismatch"] == "Not the item ordered"
    assert CancelReason.NO_SHOW not in STORE_CANCEL_REASONS


# --- short ids in outbox summaries ---------------------------------------------------------


def cache_job(store: StoreContext, job_id: str, seq: int) -> None:
    """A job of store A put in the cache as the feed would, under a chosen id."""
    now = datetime(2026, 3, 2, 10, tzinfo=UTC)
    job = Job(
        id=job_id,
        order_id=str(uuid7()),
        location="A",
        kind="ship",
        state=JobStateName.ASSIGNED,
        destination=None,
        lines=[
            {
                "line_no": 1,
                "order_line_no": 1,
                "sku": "S1",
                "qty": 1,
                "state": "open",
                "reject_reason": None,
            }
        ],
        created_at=now,
        due_at=now + timedelta(hours=4),
        late=False,
        parcels=None,
        weight_grams=None,
        tracking=None,
        customer_name="Camille Martin",
    )
    with store.engine.begin() as connection:
        cached.upsert_jobs(connection, [(seq, job)], now)


def test_outbox_summaries_cut_job_ids_where_the_store_s_jobs_differ(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    sync_terminal(store)
    # Made in the same millisecond: the first 13 characters are the same.
    first = "01a25037-1c2d-7000-8000-000000000001"
    second = "01a25037-1c2d-7000-8000-000000000002"
    cache_job(store, first, 1)
    cache_job(store, second, 2)
    cut = short_ids([first, second])[first]
    assert cut == first  # the two differ only in their last digit

    store.picking.start(first)
    assert last_summary(store) == f"job {cut} assigned → picking"
    store.picking.short_pick(second, 1, RejectReason.NOT_FOUND)
    assert last_summary(store).startswith(f"short pick job {second} line 1 ")
    assert store.picking.short_job_ids() == {first: first, second: second}


def test_a_job_alone_in_the_cache_is_cut_at_eight_characters(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    job_id = a_job(ledger, network)
    sync_terminal(store)
    store.picking.start(job_id)
    assert last_summary(store) == f"job {job_id[:8]} assigned → picking"


# --- the storeapp command ------------------------------------------------------------------


def cli_job(sh: Shell, ledger: TestClient, network: Network, *states: str) -> str:
    set_up(sh, network)
    job_id = a_job(ledger, network)
    step(ledger, network, job_id, *states)
    assert sh("sync", "--once").code == 0
    return job_id


def test_storeapp_short_pick_offers_every_reason_and_sends_mismatch(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    job_id = cli_job(sh, ledger, network)
    help_text = sh("short-pick", "--help").out
    for reason in RejectReason:
        assert reason.value in help_text
    assert "not the item ordered" in help_text

    unsaid = sh("short-pick", job_id[:8], "1", "--reason", "other")
    assert unsaid.code == 2
    assert "Say what the other reason is." in unsaid.err
    wrong = sh("short-pick", job_id[:8], "1", "--reason", "no_show")
    assert wrong.code == 2

    done = sh("short-pick", job_id[:8], "1", "--reason", "mismatch", "--note", "75B")
    assert done.code == 0, done
    assert "Short pick recorded" in done.out
    assert sh("sync", "--once").code == 0
    on_ledger: Any = ledger_job(ledger, network, job_id)
    assert [line["reject_reason"] for line in on_ledger["lines"]] == ["mismatch"]


def test_storeapp_cancel_job_sends_the_reason_and_the_job_shows_it(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    job_id = cli_job(sh, ledger, network, "picking", "picked")
    help_text = sh("cancel-job", "--help").out
    for reason in STORE_CANCEL_REASONS:
        assert reason.value in help_text
    assert sh("cancel-job", job_id[:8]).code == 2  # the reason is not optional
    assert sh("cancel-job", job_id[:8], "--reason", "no_show").code == 2

    done = sh("cancel-job", job_id[:8], "--reason", "customer_cancelled")
    assert done.code == 0, done
    assert "Recorded: cancelled." in done.out
    assert "Reason: cancelled by the customer" in done.out
    assert sh("sync", "--once").code == 0
    assert ledger_job(ledger, network, job_id)["cancel_reason"] == "customer_cancelled"
    shown = sh("job", job_id[:8]).out
    assert "State: cancelled (cancelled by the customer)" in shown


def test_storeapp_cancel_job_of_a_job_not_picked_yet_is_refused(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    job_id = cli_job(sh, ledger, network)
    refused = sh("cancel-job", job_id[:8], "--reason", "damaged")
    assert refused.code == 5
    assert "Not possible now: the job is assigned." in refused.err


# --- the lookup's suggestions --------------------------------------------------------------


def test_the_catalog_sorts_sizes_with_the_contract_s_order() -> None:
    from ordersync.contract import size_order as contract_order
    from storeapp.services.catalog import size_order

    assert size_order is contract_order


def test_storeapp_lookup_names_how_each_size_in_stock_instead_fits(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    set_up(sh, network)
    bras = [
        ItemIn(
            sku=f"BRA-{band}{cup}",
            reference="BRA",
            name="Soutien-gorge Apolline",
            size=f"{band}{cup}",
            size_row=band,
            size_column=cup,
            colour="noir",
            gtins=[with_check_digit(f"376125{index:06d}")],
            price_minor=5990,
        )
        for index, (band, cup) in enumerate(
            (band, cup) for band in ("85", "90", "95") for cup in ("B", "C", "D")
        )
    ]
    reply = ledger.put(
        "/v1/items",
        json=ItemsUpsert(items=bras).model_dump(mode="json"),
        headers=network.headers("A", Role.ADMIN),
    )
    assert reply.status_code == 200, reply.text
    receive(ledger, network, "BRA-85D", "A", 1)  # 90C's sister size (band down, cup up)
    receive(ledger, network, "BRA-90B", "A", 1)  # a size next to it
    assert sh("sync", "--once").code == 0

    shown = sh("lookup", "BRA-90C")
    assert shown.code == 0, shown
    assert "In stock here instead" in shown.out
    assert "Kind" in line_with(shown.out, "Colour")
    assert "sister size" in line_with(shown.out, "BRA-85D")
    assert "nearby size" in line_with(shown.out, "BRA-90B")

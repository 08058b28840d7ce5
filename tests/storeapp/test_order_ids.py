"""Ids as staff read them: three orders made the same minute share their first 8 characters
(UUIDv7 starts with the time), so every list cuts each id where the others differ."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ordersync.contract import Job, JobLine, JobStateName, QueueJob, StoreOrderSaved
from storeapp.cache import jobs as cached
from storeapp.cache.engine import open_cache_engine
from storeapp.services.day_queue import DayView, Source, ThisDevice
from storeapp.services.picking import PickingService
from storeapp.wording.ids import SHORTEST, short_id, short_ids

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Three orders of one morning: the same first 8 characters, and the first two share 13.
SAME_MINUTE = (
    "01a25037-5c1e-7a00-8000-000000000001",
    "01a25037-5c1e-7b00-8000-000000000002",
    "01a25037-9d2f-7c00-8000-000000000003",
)
ALONE = "01b99999-0000-7000-8000-000000000004"


def test_ids_sharing_their_first_8_characters_are_cut_where_they_differ() -> None:
    shown = short_ids(SAME_MINUTE)
    assert shown == {
        SAME_MINUTE[0]: "01a25037-5c1e-7a",
        SAME_MINUTE[1]: "01a25037-5c1e-7b",
        SAME_MINUTE[2]: "01a25037-9",
    }
    assert len(set(shown.values())) == 3
    for full, cut in shown.items():
        assert full.startswith(cut)


def test_an_id_nobody_shares_is_cut_at_8_and_never_shorter() -> None:
    assert short_ids([ALONE, *SAME_MINUTE])[ALONE] == "01b99999"
    assert short_ids([ALONE]) == {ALONE: ALONE[:SHORTEST]}
    assert short_ids([]) == {}


def test_a_cut_never_ends_on_the_hyphen() -> None:
    assert short_ids(SAME_MINUTE, least=9)[SAME_MINUTE[2]] == "01a25037-9"
    assert short_ids([ALONE], least=9) == {ALONE: "01b99999-0"}
    assert short_ids(["01a25037-1", "01a25037-2"], least=8) == {
        "01a25037-1": "01a25037-1",
        "01a25037-2": "01a25037-2",
    }


def test_one_id_among_others_and_an_id_that_starts_another_is_shown_whole() -> None:
    assert short_id(SAME_MINUTE[2], SAME_MINUTE) == "01a25037-9"
    assert short_id("abcdefgh", ["abcdefghij"]) == "abcdefgh"
    assert short_id("abcdefghij", ["abcdefgh"]) == "abcdefghi"


def test_the_same_id_given_twice_is_one_id() -> None:
    assert short_ids([SAME_MINUTE[0], SAME_MINUTE[0]]) == {SAME_MINUTE[0]: "01a25037"}


# --- the store's jobs (jobs list, pick header) -----------------------------------------------


def _job(job_id: str, location: str = "A") -> Job:
    return Job(
        id=uuid.UUID(job_id),
        order_id=uuid.UUID(job_id),
        location=location,
        kind="ship",
        state=JobStateName.ASSIGNED,
        destination=None,
        lines=[
            JobLine(line_no=1, order_line_no=1, sku="S1", qty=1, state="open", reject_reason=None)
        ],
        created_at=NOW,
        due_at=NOW + timedelta(hours=2),
        late=False,
        parcels=None,
        weight_grams=None,
        tracking=None,
        customer_name="Camille Martin",
    )


def test_the_jobs_list_and_one_job_show_the_same_distinguishing_start(tmp_path: Path) -> None:
    engine = open_cache_engine(tmp_path / "cache.db")
    other_store = "01a25037-5c1e-7a00-8000-0000000000ff"
    with engine.begin() as connection:
        cached.upsert_jobs(
            connection,
            [(seq, _job(job_id)) for seq, job_id in enumerate([*SAME_MINUTE, ALONE], 1)]
            + [(9, _job(other_store, location="B"))],
            NOW,
        )
    picking = PickingService(engine, "A", lambda: NOW)
    listed = {job.id: job.short_id for job in picking.queue().jobs}
    assert listed == {**short_ids(SAME_MINUTE), ALONE: "01b99999"}
    for job_id, shown in listed.items():
        one = picking.job(job_id)
        assert one is not None
        assert one.short_id == shown
        # What staff read is what they can type back.
        assert picking.resolve(shown) == job_id
    engine.dispose()


# --- the day's queue ------------------------------------------------------------------------


def _queue_job(job_id: str) -> QueueJob:
    return QueueJob(
        id=uuid.UUID(job_id),
        order_id=uuid.UUID(job_id),
        kind="ship",
        state=JobStateName.ASSIGNED,
        customer_name="Camille Martin",
        lines=1,
        units=1,
        created_at=NOW,
        due_at=NOW,
        age_minutes=0,
        minutes_to_due=0,
        late=False,
    )


def test_the_days_queue_tells_three_orders_of_one_minute_apart() -> None:
    view = DayView(
        location="A",
        location_name="Store A",
        day=date(2026, 3, 2),
        timezone="Europe/Paris",
        source=Source.LIVE,
        generated_at=NOW,
        jobs_by_state={"assigned": 2},
        open_jobs=[_queue_job(SAME_MINUTE[0]), _queue_job(SAME_MINUTE[1])],
        late_jobs=0,
        collections_waiting=[_queue_job(SAME_MINUTE[2])],
        rejections=[],
        store_orders=[
            StoreOrderSaved(
                order_id=uuid.UUID(order_id),
                created_at=NOW,
                state="open",
                units=1,
                value_minor=1000,
                currency="EUR",
            )
            for order_id in SAME_MINUTE
        ],
        store_orders_value_minor=3000,
        currency="EUR",
        devices=None,
        this_device=ThisDevice(pending=0, attention=0, oldest_pending_at=None),
        open_count_tasks=None,
        suspect_positions=0,
        view_age=None,
    )
    assert view.short_order_ids() == short_ids(SAME_MINUTE)
    assert view.short_job_ids() == short_ids(SAME_MINUTE)
    assert len(set(view.short_order_ids().values())) == 3

"""Staff on the store terminal: signing in offline against the verifier the feed brought, the
lockout after wrong PINs (on the injected clock), a manager's approval, and the person every
operation of the outbox carries. No ledger answers here unless a test says so."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from ordersync.clock import ManualClock
from ordersync.contract import Customer, Role
from storeapp.cache.engine import open_cache_engine
from storeapp.cache.outbox import pending
from storeapp.context import StoreContext
from storeapp.services.sales import CounterSales
from storeapp.services.staff import Shift, SignInRefusal, SignInRefused, StaffService
from storeapp.wording.staff import sign_in_refusal
from tests.support.ledger_harness import Network
from tests.support.staff import ANNE, BEA, MARC, Person, give_staff
from tests.support.store import Cable, open_terminal, receive, sync_terminal

LONG_PIN = "58203917"
"""A PIN long enough that finding its digits in a file by chance is out of the question."""
NINA = Person("nina", "Nina Night", Role.ASSOCIATE, LONG_PIN)
GONE = Person("gone", "Gaston Gone", Role.ASSOCIATE, "1111", active=False)


@pytest.fixture
def cache(tmp_path: Path, clock: ManualClock) -> Iterator[Engine]:
    engine = open_cache_engine(tmp_path / "cache.db")
    give_staff(engine, clock.now(), ANNE, MARC, BEA, NINA, GONE)
    yield engine
    engine.dispose()


@pytest.fixture
def staff(cache: Engine, clock: ManualClock) -> StaffService:
    return StaffService(cache, "A", clock.now, max_attempts=5, lockout=timedelta(minutes=15))


def refusal(staff: StaffService, code: str, pin: str) -> SignInRefused:
    with pytest.raises(SignInRefused) as caught:
        staff.sign_in(code, pin)
    return caught.value


def test_a_person_signs_in_offline_with_their_code_and_pin(staff: StaffService) -> None:
    person = staff.sign_in("anne", ANNE.pin)
    assert (person.code, person.name, person.role) == ("anne", "Anne Associate", "associate")
    assert not person.is_manager
    assert staff.sign_in(" ANNE ", ANNE.pin).code == "anne"  # as typed on a keyboard
    assert staff.has_staff()


def test_who_cannot_sign_in_here_is_told_why(staff: StaffService) -> None:
    assert refusal(staff, "nobody", "1234").refusal is SignInRefusal.UNKNOWN
    assert refusal(staff, "bea", BEA.pin).refusal is SignInRefusal.UNKNOWN  # works at B
    assert refusal(staff, "gone", GONE.pin).refusal is SignInRefusal.INACTIVE
    wrong = refusal(staff, "anne", "0000")
    assert (wrong.refusal, wrong.attempts_left) == (SignInRefusal.WRONG_PIN, 4)


def test_five_wrong_pins_lock_the_person_out_until_the_time_has_passed(
    staff: StaffService, clock: ManualClock
) -> None:
    left = [refusal(staff, "anne", "0000").attempts_left for _ in range(4)]
    assert left == [4, 3, 2, 1]
    locked = refusal(staff, "anne", "0000")
    assert locked.refusal is SignInRefusal.LOCKED
    assert locked.locked_until == clock.now() + timedelta(minutes=15)
    # The right PIN does not open a lockout, nor does it for another person's sake.
    clock.advance(timedelta(minutes=14, seconds=59))
    assert refusal(staff, "anne", ANNE.pin).refusal is SignInRefusal.LOCKED
    assert staff.sign_in("marc", MARC.pin).code == "marc"
    clock.advance(timedelta(seconds=1))
    assert staff.sign_in("anne", ANNE.pin).code == "anne"
    # After the lockout the count starts again from zero.
    assert refusal(staff, "anne", "0000").attempts_left == 4


def test_a_right_pin_resets_the_count_of_wrong_ones(staff: StaffService) -> None:
    for _ in range(4):
        refusal(staff, "anne", "0000")
    staff.sign_in("anne", ANNE.pin)
    for _ in range(4):
        assert refusal(staff, "anne", "0000").refusal is SignInRefusal.WRONG_PIN


def test_a_lockout_belongs_to_the_terminal_it_happened_on(
    staff: StaffService, clock: ManualClock, tmp_path: Path
) -> None:
    for _ in range(5):
        refusal(staff, "anne", "0000")
    other = open_cache_engine(tmp_path / "other" / "cache.db")
    give_staff(other, clock.now(), ANNE)
    try:
        assert StaffService(other, "A", clock.now).sign_in("anne", ANNE.pin).code == "anne"
    finally:
        other.dispose()


def test_only_a_manager_approves_a_managers_action(staff: StaffService) -> None:
    with pytest.raises(SignInRefused) as caught:
        staff.approve("anne", ANNE.pin)
    assert caught.value.refusal is SignInRefusal.NOT_MANAGER
    assert staff.approve("marc", MARC.pin).is_manager
    # A manager's wrong PIN counts towards their lockout like any sign-in.
    with pytest.raises(SignInRefused) as wrong:
        staff.approve("marc", "0000")
    assert wrong.value.attempts_left == 4


def test_refusals_say_why_in_a_sentence(staff: StaffService, clock: ManualClock) -> None:
    for _ in range(4):
        refusal(staff, "anne", "0000")
    assert sign_in_refusal(refusal(staff, "anne", "0000"), clock.now()) == (
        "Too many wrong PINs: anne is locked out of this terminal for 15 min."
    )
    assert sign_in_refusal(refusal(staff, "marc", "0000"), clock.now()) == (
        "Wrong PIN for marc: 4 attempt(s) left before a lockout."
    )


def test_a_pin_is_never_kept_in_the_cache_nor_said_in_a_refusal(
    staff: StaffService, cache: Engine, tmp_path: Path, clock: ManualClock
) -> None:
    staff.sign_in("nina", LONG_PIN)
    refused = refusal(staff, "nina", LONG_PIN[::-1])
    for _ in range(5):
        refusal(staff, "nina", LONG_PIN[:-1] + "0")
    locked = refusal(staff, "nina", LONG_PIN)
    for error in (refused, locked):
        for said in (str(error), repr(error), sign_in_refusal(error, clock.now())):
            assert LONG_PIN not in said
            assert LONG_PIN[::-1] not in said
    cache.dispose()
    files = [path for path in tmp_path.glob("cache.db*") if path.is_file()]
    assert files
    for path in files:
        assert LONG_PIN.encode() not in path.read_bytes(), path.name


def test_a_store_without_staff_signs_nobody_in(tmp_path: Path, clock: ManualClock) -> None:
    engine = open_cache_engine(tmp_path / "cache.db")
    try:
        give_staff(engine, clock.now(), BEA)  # a person of another store only
        assert not StaffService(engine, "A", clock.now).has_staff()
    finally:
        engine.dispose()


def test_a_cache_made_before_staff_gets_their_tables(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "cache.db"
    engine = open_cache_engine(path)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE staff"))
        connection.execute(text("DROP TABLE staff_sign_in_failures"))
    engine.dispose()
    engine = open_cache_engine(path)
    try:
        give_staff(engine, clock.now(), ANNE)
        assert StaffService(engine, "A", clock.now).sign_in("anne", ANNE.pin).code == "anne"
    finally:
        engine.dispose()


# --- The person on every operation ----------------------------------------------------------


def person_of_pending(engine: Engine) -> list[str | None]:
    return [entry.payload.get("person") for entry in pending(engine, 100)]


def test_an_operation_carries_who_made_it_or_the_manager_who_approved_it(
    staff: StaffService, cache: Engine, clock: ManualClock
) -> None:
    shift = Shift()
    sales = CounterSales(cache, "A", clock.now, person=shift.code)
    sales.record("S1")
    shift.begin(staff.sign_in("anne", ANNE.pin))
    sales.record("S1")
    with shift.approved_by(staff.approve("marc", MARC.pin)):
        sales.record("S2")
    sales.record("S2")
    shift.end()
    sales.record("S1")
    assert person_of_pending(cache) == [None, "anne", "marc", "anne", None]


def test_every_service_that_fills_the_outbox_stamps_the_shifts_person(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock
) -> None:
    cable = Cable(ledger._transport)
    store = open_terminal(ledger, network, tmp_path / "store", clock, cable=cable)
    try:
        receive(ledger, network, "S1", "A", 4)
        sync_terminal(store)
        give_staff(store.engine, clock.now(), ANNE, MARC)
        store.shift.begin(store.staff.sign_in("anne", ANNE.pin))
        store.sales.record("S1")
        store.counting.count_now("S2", 2)
        cable.online = False
        store.orders.place(
            "S1",
            1,
            store.orders.collect_here(),
            Customer(name="Inès Moreau", phone="06 12 34 56 78"),
            live=True,
        )
        assert person_of_pending(store.engine) == ["anne", "anne", "anne"]
        cable.online = True
        sync_terminal(store)
        pushed = [
            json.loads(request.content)
            for request in cable.requests
            if request.url.path.endswith("/ops")
        ]
        sent = [op.get("person") for body in pushed for op in body["ops"]]
        assert sent == ["anne", "anne", "anne"]
    finally:
        store.close()


def test_staff_come_with_the_feed_and_a_sale_reaches_the_ledger_with_its_person(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    created = ledger.put(
        "/v1/staff/anne",
        json={"name": ANNE.name, "role": "associate", "location": "A", "pin": LONG_PIN},
        headers=network.headers("WH", Role.ADMIN),
    )
    assert created.status_code in (200, 201), created.text
    receive(ledger, network, "S1", "A", 2)
    sync_terminal(store)
    assert store.staff.has_staff()
    store.shift.begin(store.staff.sign_in("anne", LONG_PIN))
    sale = store.sales.record("S1")
    sync_terminal(store)
    with network.engine.connect() as connection:
        people = connection.execute(
            text("SELECT person FROM movements WHERE kind = 'sale' AND sku = 'S1'")
        ).all()
    assert [row.person for row in people] == ["anne"]
    assert pending(store.engine, 10) == []
    assert sale.qty == 1

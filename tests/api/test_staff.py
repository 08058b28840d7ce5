"""Staff on the ledger: who may add whom, PINs kept only as verifiers, signing in with a lockout
per device (on the injected clock), the person behind each operation, and the feed bringing each
store its own people and the network's admins.

Every test uses people of its own on the module's shared ledger, on each backend.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ordersync.contract import PERSON_HEADER, Role
from ordersync.db.ledger_tx import AUDIT, MOVEMENTS, table_of
from ordersync.db.tables import StaffRow
from ordersync.services.staff_pins import pin_weakness
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.problems import assert_problem
from tests.support.staff_ledger import (
    PIN,
    WRONG_PIN,
    add_person,
    adjustment_op,
    new_code,
    new_device,
    push,
    put_person,
    sale_op,
    sign_in,
    staff_in_feed,
)

STAFF = table_of(StaffRow)


def _stored(ledger: Ledger, code: str) -> dict[str, Any]:
    with ledger.network.engine.connect() as connection:
        row = connection.execute(select(STAFF).where(STAFF.c.code == code)).one()
    return row._asdict()


def _audit_of(ledger: Ledger, op_id: str) -> dict[str, Any]:
    [row] = ledger.audit_rows(op_id)
    return row


def _movement_people(ledger: Ledger, op_id: str) -> list[str | None]:
    with ledger.network.engine.connect() as connection:
        rows = connection.execute(select(MOVEMENTS.c.person).where(MOVEMENTS.c.op_id == op_id))
        return [row.person for row in rows]


# --- managing people -------------------------------------------------------------------------


def test_an_admin_adds_lists_and_disables_a_person_without_their_pin_ever_shown(
    shared: Ledger,
) -> None:
    code = new_code()
    added = put_person(shared, code, Role.MANAGER, "B", name="Marie Dupont")
    assert added.status_code == 200, added.text
    assert added.json()["code"] == code
    assert added.json()["role"] == "manager"
    assert added.json()["active"] is True
    listed = shared.send("GET", "/v1/staff", params={"location": "B"})
    assert listed.status_code == 200, listed.text
    [person] = [p for p in listed.json() if p["code"] == code]
    assert person["name"] == "Marie Dupont"
    for reply in (added, listed):
        assert PIN not in reply.text
        assert "pin" not in reply.text.lower()
        assert "argon2" not in reply.text
    stored = _stored(shared, code)
    assert stored["pin_verifier"].startswith("$argon2id$")
    assert PIN not in stored["pin_verifier"]
    disabled = put_person(shared, code, Role.MANAGER, "B", pin=None, active=False)
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["active"] is False
    assert _stored(shared, code)["pin_verifier"] == stored["pin_verifier"]  # the PIN was kept


def test_a_new_person_needs_a_pin_and_an_existing_location(shared: Ledger) -> None:
    assert_problem(put_person(shared, new_code(), pin=None), 422, "invalid-request")
    assert_problem(put_person(shared, new_code(), location="NOWHERE"), 422, "unknown-location")
    assert_problem(put_person(shared, new_code(), "web"), 422, "invalid-request")


def test_easy_pins_are_refused_without_being_repeated(shared: Ledger) -> None:
    for pin in ("7777", "1234", "43210", "0123456", "12a4", "123", "123456789"):
        reply = put_person(shared, new_code(), pin=pin)
        assert_problem(reply, 422, "invalid-request")
        assert pin not in reply.text
    assert pin_weakness(PIN) is None
    assert pin_weakness("2580") is None


def test_a_manager_adds_associates_of_their_own_store_only(shared: Ledger) -> None:
    manager = shared.headers("A", Role.MANAGER)
    own = put_person(shared, new_code(), Role.ASSOCIATE, "A", headers=manager)
    assert own.status_code == 200, own.text
    elsewhere = put_person(shared, new_code(), Role.ASSOCIATE, "B", headers=manager)
    assert_problem(elsewhere, 403, "forbidden")
    peer = put_person(shared, new_code(), Role.MANAGER, "A", headers=manager)
    assert_problem(peer, 403, "forbidden")
    assert "admin" in peer.json()["detail"]
    # nor change a manager an admin added, nor move an associate of theirs to another store
    boss = add_person(shared, Role.MANAGER, "A")
    assert_problem(put_person(shared, boss, Role.ASSOCIATE, "A", headers=manager), 403, "forbidden")
    mine = own.json()["code"]
    moved = put_person(shared, mine, Role.ASSOCIATE, "B", pin=None, headers=manager)
    assert_problem(moved, 403, "forbidden")
    associate = put_person(shared, new_code(), headers=shared.headers("A", Role.ASSOCIATE))
    assert_problem(associate, 403, "forbidden")
    listed = shared.send("GET", "/v1/staff", headers=manager)
    assert listed.status_code == 200, listed.text
    assert {p["location"] for p in listed.json()} == {"A"}
    assert_problem(
        shared.send("GET", "/v1/staff", headers=manager, params={"location": "B"}), 403, "forbidden"
    )


def test_staff_changes_are_audited_without_the_pin(shared: Ledger) -> None:
    before = shared.last_audit_id()
    code = add_person(shared, Role.ASSOCIATE, "A")
    [row] = [r for r in shared.audit_after(before) if r["operation"] == "staff.upsert"]
    assert row["location"] == "A"
    assert f'"code":"{code}"' in row["detail"]
    assert '"pin_changed":true' in row["detail"]
    assert PIN not in row["detail"]


# --- signing in ------------------------------------------------------------------------------


def test_the_right_pin_signs_a_person_in_on_a_device_of_their_store(shared: Ledger) -> None:
    code = add_person(shared, Role.ASSOCIATE, "A")
    reply = sign_in(shared, shared.headers("A"), code, PIN)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {
        "code": code,
        "name": f"Person {code}",
        "role": "associate",
        "location": "A",
    }
    elsewhere = sign_in(shared, shared.headers("B"), code, PIN)
    assert_problem(elsewhere, 403, "forbidden")
    assert "works at A" in elsewhere.json()["detail"]
    admin = add_person(shared, Role.ADMIN, "WH")
    assert sign_in(shared, shared.headers("B"), admin, PIN).status_code == 200


def test_five_wrong_pins_lock_the_person_out_on_that_device_only(shared: Ledger) -> None:
    code = add_person(shared, Role.ASSOCIATE, "A")
    till, other_till = new_device(shared), new_device(shared)
    left = []
    for _ in range(4):
        wrong = sign_in(shared, till, code, WRONG_PIN)
        assert_problem(wrong, 401, "wrong-pin")
        assert WRONG_PIN not in wrong.text
        left.append(wrong.json()["attempts_left"])
    assert left == [4, 3, 2, 1]
    locked = sign_in(shared, till, code, WRONG_PIN)
    assert_problem(locked, 423, "staff-locked-out")
    assert locked.headers["Retry-After"] == str(15 * 60)
    right_but_locked = sign_in(shared, till, code, PIN)
    assert_problem(right_but_locked, 423, "staff-locked-out")
    assert PIN not in right_but_locked.text
    assert sign_in(shared, other_till, code, PIN).status_code == 200
    shared.clock.advance(timedelta(minutes=14, seconds=59))
    assert_problem(sign_in(shared, till, code, PIN), 423, "staff-locked-out")
    shared.clock.advance(timedelta(seconds=1))
    assert sign_in(shared, till, code, PIN).status_code == 200
    lockouts = [
        row
        for row in shared.audit_after(0)
        if row["operation"] == "staff.lockout" and row["person"] == code
    ]
    assert len(lockouts) == 1
    assert PIN not in lockouts[0]["detail"]
    assert WRONG_PIN not in lockouts[0]["detail"]


def test_a_lockout_that_ended_counts_wrong_pins_from_zero(shared: Ledger) -> None:
    code = add_person(shared, Role.ASSOCIATE, "A")
    till = new_device(shared)
    for _ in range(5):
        sign_in(shared, till, code, WRONG_PIN)
    shared.clock.advance(timedelta(minutes=15))
    again = sign_in(shared, till, code, WRONG_PIN)
    assert_problem(again, 401, "wrong-pin")
    assert again.json()["attempts_left"] == 4


def test_the_right_pin_resets_the_count_of_wrong_ones(shared: Ledger) -> None:
    code = add_person(shared, Role.ASSOCIATE, "A")
    till = new_device(shared)
    for _ in range(4):
        sign_in(shared, till, code, WRONG_PIN)
    assert sign_in(shared, till, code, PIN).status_code == 200
    for expected_left in (4, 3, 2, 1):
        reply = sign_in(shared, till, code, WRONG_PIN)
        assert reply.json()["attempts_left"] == expected_left


def test_a_disabled_or_unknown_person_cannot_sign_in(shared: Ledger) -> None:
    code = add_person(shared, Role.ASSOCIATE, "A")
    assert put_person(shared, code, pin=None, active=False).status_code == 200
    assert_problem(sign_in(shared, shared.headers("A"), code, PIN), 403, "forbidden")
    assert_problem(sign_in(shared, shared.headers("A"), new_code(), PIN), 403, "forbidden")


# --- the person behind an operation ----------------------------------------------------------


def test_a_pushed_sale_records_its_person_on_the_movement_and_the_audit(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    code = add_person(shared, Role.ASSOCIATE, "A")
    sale = sale_op(sku, code)
    [result] = push(shared, shared.headers("A"), sale)
    assert result["status"] == 201, result
    assert _movement_people(shared, sale["op_id"]) == [code]
    audit = _audit_of(shared, sale["op_id"])
    assert audit["person"] == code
    assert "person_unverified" not in audit["detail"]
    [again] = push(shared, shared.headers("A"), sale)
    assert again["replayed"] is True
    assert again["status"] == 201


def test_the_same_operation_pushed_or_sent_alone_finds_the_same_outcome(shared: Ledger) -> None:
    sku = shared.new_sku()
    code = add_person(shared, Role.ASSOCIATE, "A")
    sale = sale_op(sku, code)
    [pushed] = push(shared, shared.headers("A"), sale)
    alone = shared.send(
        "POST",
        "/v1/movements",
        {"op_id": sale["op_id"], "lines": sale["lines"]},
        {**shared.headers("A"), PERSON_HEADER: code},
    )
    assert alone.status_code == 201, alone.text
    assert alone.headers["Idempotent-Replayed"] == "true"
    assert alone.json() == pushed["body"]


def test_an_associate_on_a_manager_device_cannot_adjust_and_a_manager_can(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    manager_till = shared.headers("A", Role.MANAGER)
    associate = add_person(shared, Role.ASSOCIATE, "A")
    manager = add_person(shared, Role.MANAGER, "A")
    refused, allowed = push(
        shared, manager_till, adjustment_op(sku, associate), adjustment_op(sku, manager)
    )
    assert refused["status"] == 403, refused
    assert associate in refused["body"]["detail"]
    assert refused["body"]["required_role"] == "manager"
    assert allowed["status"] == 201, allowed
    assert shared.stock("A", sku)[0] == 6
    # a manager's PIN does not lift an associate device's limits
    on_associate_till = push(shared, shared.headers("A"), adjustment_op(sku, manager))
    assert on_associate_till[0]["status"] == 403
    by_header = shared.send(
        "POST",
        "/v1/movements",
        {"op_id": new_op_id(), "lines": adjustment_op(sku, None)["lines"]},
        {**manager_till, PERSON_HEADER: associate},
    )
    assert_problem(by_header, 403, "forbidden")
    assert shared.stock("A", sku)[0] == 6


def test_a_sale_by_an_unknown_person_is_applied_and_flagged(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    stranger = new_code("stranger")
    sale = sale_op(sku, stranger)
    [result] = push(shared, shared.headers("A"), sale)
    assert result["status"] == 201, result
    assert shared.stock("A", sku)[0] == 4
    assert _movement_people(shared, sale["op_id"]) == [stranger]
    audit = _audit_of(shared, sale["op_id"])
    assert audit["person"] == stranger
    assert '"person_unverified":true' in audit["detail"]
    read = shared.send(
        "GET",
        "/v1/audit",
        params={"location": "A", "person": stranger},
        headers=shared.headers("A", Role.MANAGER),
    )
    assert read.status_code == 200, read.text
    [entry] = read.json()
    assert (entry["person"], entry["person_name"], entry["person_unverified"]) == (
        stranger,
        None,
        True,
    )


def test_a_disabled_or_foreign_person_may_only_record_what_happened(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    gone = add_person(shared, Role.MANAGER, "A")
    assert put_person(shared, gone, Role.MANAGER, "A", pin=None, active=False).status_code == 200
    foreign = add_person(shared, Role.MANAGER, "B")
    manager_till = shared.headers("A", Role.MANAGER)
    for person in (gone, foreign):
        count = {
            "op": "count",
            "op_id": new_op_id(),
            "person": person,
            "sku": sku,
            "location": "A",
            "counted": shared.stock("A", sku)[0],
            "as_of_seq": shared.head(),
        }
        reserve = {
            "op": "reserve",
            "op_id": new_op_id(),
            "person": person,
            "lines": [{"sku": sku, "location": "A", "qty": 1}],
        }
        counted, adjusted, reserved = push(
            shared, manager_till, count, adjustment_op(sku, person), reserve
        )
        assert counted["status"] == 201, counted
        assert '"person_unverified":true' in _audit_of(shared, count["op_id"])["detail"]
        for refused in (adjusted, reserved):
            assert refused["status"] == 403, refused
            assert refused["body"]["person"] == person
            assert person in refused["body"]["detail"]
    assert shared.stock("A", sku)[:2] == (5, 0)


def test_without_a_person_a_device_acts_as_before(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    [result] = push(shared, shared.headers("A", Role.MANAGER), adjustment_op(sku, None))
    assert result["status"] == 201, result
    assert _movement_people(shared, result["op_id"]) == [None]
    assert _audit_of(shared, result["op_id"])["person"] is None


# --- the feed --------------------------------------------------------------------------------


def test_the_feed_brings_a_store_its_own_people_and_every_admin(shared: Ledger) -> None:
    at_a = add_person(shared, Role.ASSOCIATE, "A")
    at_b = add_person(shared, Role.MANAGER, "B")
    admin = add_person(shared, Role.ADMIN, "WH")
    store_a = staff_in_feed(shared, shared.headers("A"))
    store_b = staff_in_feed(shared, shared.headers("B"))
    assert at_a in store_a
    assert at_a not in store_b
    assert at_b in store_b
    assert at_b not in store_a
    assert admin in store_a
    assert admin in store_b
    credential = store_a[at_a]
    assert set(credential) == {"code", "name", "role", "location", "active", "pin_verifier"}
    assert credential["active"] is True
    assert credential["pin_verifier"] == _stored(shared, at_a)["pin_verifier"]


def test_a_person_who_leaves_a_store_or_the_admins_leaves_its_feed(shared: Ledger) -> None:
    code = add_person(shared, Role.ASSOCIATE, "A")
    assert put_person(shared, code, Role.ASSOCIATE, "B", pin=None).status_code == 200
    store_a = staff_in_feed(shared, shared.headers("A"))
    store_b = staff_in_feed(shared, shared.headers("B"))
    assert store_a[code]["active"] is False
    assert store_a[code]["pin_verifier"] == ""
    assert store_b[code]["active"] is True
    assert store_b[code]["location"] == "B"
    # an admin demoted to a store's manager is no longer anyone's admin
    assert put_person(shared, code, Role.ADMIN, "B", pin=None).status_code == 200
    assert staff_in_feed(shared, shared.headers("A"))[code]["active"] is True
    assert put_person(shared, code, Role.MANAGER, "B", pin=None).status_code == 200
    assert staff_in_feed(shared, shared.headers("A"))[code]["active"] is False
    assert staff_in_feed(shared, shared.headers("B"))[code]["role"] == "manager"
    # disabled: inactive everywhere, without a verifier
    assert put_person(shared, code, Role.MANAGER, "B", pin=None, active=False).status_code == 200
    disabled = staff_in_feed(shared, shared.headers("B"))[code]
    assert disabled["active"] is False
    assert disabled["pin_verifier"] == ""


def test_a_new_pin_reaches_the_terminals(shared: Ledger) -> None:
    code = add_person(shared, Role.ASSOCIATE, "A")
    first = staff_in_feed(shared, shared.headers("A"))[code]["pin_verifier"]
    assert put_person(shared, code, pin="802461").status_code == 200
    second = staff_in_feed(shared, shared.headers("A"))[code]["pin_verifier"]
    assert second != first
    assert second.startswith("$argon2id$")
    assert sign_in(shared, shared.headers("A"), code, "802461").status_code == 200
    assert_problem(sign_in(shared, shared.headers("A"), code, PIN), 401, "wrong-pin")


def test_audit_rows_name_the_person_for_staff_made_changes(shared: Ledger) -> None:
    admin = add_person(shared, Role.ADMIN, "A")
    before = shared.last_audit_id()
    code = new_code()
    reply = put_person(shared, code, headers={**shared.admin, PERSON_HEADER: admin})
    assert reply.status_code == 200, reply.text
    [row] = [r for r in shared.audit_after(before) if r["operation"] == "staff.upsert"]
    assert row["person"] == admin
    with shared.network.engine.connect() as connection:
        persons = connection.execute(
            select(AUDIT.c.person).where(AUDIT.c.operation == "staff.upsert")
        ).all()
    assert (admin,) in persons


def test_a_person_header_that_is_no_staff_code_is_refused(shared: Ledger) -> None:
    for bad in ("two words", "x" * 40, "-leading"):
        reply = shared.send("GET", "/v1/me", headers={**shared.admin, PERSON_HEADER: bad})
        assert_problem(reply, 422, "invalid-request")

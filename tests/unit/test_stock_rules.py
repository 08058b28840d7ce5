"""The ledger's pure rules: stock arithmetic, signed movements, the suspect rule, counts,
reservation settlement, who may do what where, and time-ordered operation ids."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordersync.contract import (
    PROBLEM_TYPE_PREFIX,
    CommitLine,
    MovementKind,
    ReservationState,
    Role,
    uuid7,
)
from ordersync.domain.counts import reconcile_count
from ordersync.domain.errors import Forbidden, InvalidCommit, InvalidState, ReservationExpired
from ordersync.domain.permissions import Action, Principal, require_staff_manager
from ordersync.domain.reservations import HeldLine, LineSettlement, ensure_pending, plan_commit
from ordersync.domain.stock import Stock, is_suspect_after, signed_quantity

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# --- stock arithmetic ------------------------------------------------------------------------


def test_available_is_on_hand_less_reserved_less_safety_stock() -> None:
    assert Stock(on_hand=10, reserved=3, safety_stock=2).available == 5


def test_available_goes_negative_when_the_record_is_wrong() -> None:
    assert Stock(on_hand=-2, reserved=0, safety_stock=0).available == -2
    assert Stock(on_hand=3, reserved=3, safety_stock=1).available == -1


def test_offerable_is_available_but_never_below_zero() -> None:
    assert Stock(on_hand=10, reserved=3, safety_stock=2).offerable == 5
    assert Stock(on_hand=3, reserved=3, safety_stock=1).offerable == 0
    assert Stock(on_hand=-4, reserved=0, safety_stock=0).offerable == 0


def test_a_position_can_reserve_exactly_what_is_available_and_no_more() -> None:
    stock = Stock(on_hand=5, reserved=1, safety_stock=1)
    assert stock.can_reserve(3)
    assert not stock.can_reserve(4)


def test_safety_stock_is_not_reservable_but_may_leave_the_shelf() -> None:
    stock = Stock(on_hand=5, reserved=1, safety_stock=2)
    assert not stock.can_reserve(3)
    assert stock.can_release_units(4)
    assert not stock.can_release_units(5)


def test_units_promised_to_reservations_may_not_leave_the_shelf() -> None:
    assert not Stock(on_hand=2, reserved=2, safety_stock=0).can_release_units(1)


# --- signed quantities -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "signed"),
    [
        (MovementKind.RECEIPT, 4),
        (MovementKind.RETURN, 4),
        (MovementKind.TRANSFER_IN, 4),
        (MovementKind.SALE, -4),
        (MovementKind.TRANSFER_OUT, -4),
        (MovementKind.SHIPMENT, -4),
        (MovementKind.ADJUSTMENT, 4),
        (MovementKind.COUNT, 4),
    ],
)
def test_each_movement_kind_moves_on_hand_in_its_direction(kind: MovementKind, signed: int) -> None:
    assert signed_quantity(kind, 4) == signed


@pytest.mark.parametrize("kind", [MovementKind.ADJUSTMENT, MovementKind.COUNT])
def test_adjustments_and_counts_carry_their_own_sign(kind: MovementKind) -> None:
    assert signed_quantity(kind, -3) == -3
    assert signed_quantity(kind, 3) == 3


def test_every_movement_kind_has_a_direction() -> None:
    for kind in MovementKind:
        assert abs(signed_quantity(kind, 7)) == 7


def test_a_transfer_out_and_in_of_the_same_units_cancel_in_the_network() -> None:
    out = signed_quantity(MovementKind.TRANSFER_OUT, 6)
    into = signed_quantity(MovementKind.TRANSFER_IN, 6)
    assert out + into == 0


# --- the suspect rule ------------------------------------------------------------------------


def test_a_sale_below_zero_flags_the_position_suspect() -> None:
    assert is_suspect_after(MovementKind.SALE, Stock(on_hand=-1, reserved=0, safety_stock=0))


def test_a_sale_down_to_exactly_zero_is_not_suspect() -> None:
    assert not is_suspect_after(MovementKind.SALE, Stock(on_hand=0, reserved=0, safety_stock=0))


def test_a_sale_into_reserved_units_or_safety_stock_is_not_suspect() -> None:
    assert not is_suspect_after(MovementKind.SALE, Stock(on_hand=1, reserved=3, safety_stock=2))


@pytest.mark.parametrize("kind", [MovementKind.SHIPMENT, MovementKind.TRANSFER_OUT])
def test_units_leaving_below_zero_prove_the_record_wrong(kind: MovementKind) -> None:
    assert is_suspect_after(kind, Stock(on_hand=-1, reserved=0, safety_stock=0))


@pytest.mark.parametrize(
    "kind",
    [
        MovementKind.RECEIPT,
        MovementKind.RETURN,
        MovementKind.TRANSFER_IN,
        MovementKind.ADJUSTMENT,
        MovementKind.COUNT,
    ],
)
def test_only_units_leaving_prove_the_record_wrong(kind: MovementKind) -> None:
    assert not is_suspect_after(kind, Stock(on_hand=-5, reserved=0, safety_stock=0))


# --- count reconciliation --------------------------------------------------------------------


def test_a_count_with_nothing_moved_since_posts_the_plain_difference() -> None:
    result = reconcile_count(counted=8, on_hand_now=10, moved_since_count=0)
    assert (result.expected_at_count, result.moved_since_count, result.delta) == (10, 0, -2)


def test_sales_made_during_the_count_are_not_lost() -> None:
    # The record said 10 at the count's feed position; the shelf held 10. While the count was
    # being handed in, 3 units were sold: on hand is now 7 and must stay 7.
    result = reconcile_count(counted=10, on_hand_now=7, moved_since_count=-3)
    assert result.expected_at_count == 10
    assert result.delta == 0
    assert 7 + result.delta == 7


def test_a_shortfall_found_while_sales_went_on_is_posted_once() -> None:
    # Record 10 at the count, 9 found; 3 sold since: on hand goes from 7 to 6, not to 9 - 3 - 1.
    result = reconcile_count(counted=9, on_hand_now=7, moved_since_count=-3)
    assert result.expected_at_count == 10
    assert result.delta == -1
    assert 7 + result.delta == 6


def test_a_receipt_during_the_count_is_not_counted_as_found_stock() -> None:
    # Record 4 at the count, 3 found; 6 received after the count's position: on hand 10 -> 9.
    result = reconcile_count(counted=3, on_hand_now=10, moved_since_count=6)
    assert result.expected_at_count == 4
    assert result.delta == -1
    assert 10 + result.delta == 9


def test_a_count_after_mixed_movements_expects_the_record_at_its_position() -> None:
    # Record 10 at the count; since then a sale of 2 and a receipt of 5 (+3): on hand 13.
    result = reconcile_count(counted=9, on_hand_now=13, moved_since_count=3)
    assert (result.expected_at_count, result.delta) == (10, -1)
    assert 13 + result.delta == 12


def test_a_count_corrects_a_negative_record() -> None:
    result = reconcile_count(counted=5, on_hand_now=-2, moved_since_count=0)
    assert (result.expected_at_count, result.delta) == (-2, 7)


def test_a_count_that_matches_the_record_posts_nothing() -> None:
    assert reconcile_count(counted=4, on_hand_now=1, moved_since_count=-3).delta == 0


@given(
    counted=st.integers(0, 10_000),
    on_hand_now=st.integers(-10_000, 10_000),
    moved=st.integers(-10_000, 10_000),
)
def test_after_a_count_on_hand_is_what_was_found_plus_what_moved_since(
    counted: int, on_hand_now: int, moved: int
) -> None:
    result = reconcile_count(counted, on_hand_now, moved)
    assert on_hand_now + result.delta == counted + moved
    assert result.expected_at_count + result.moved_since_count == on_hand_now


# --- reservation commit planning -------------------------------------------------------------

HELD = [HeldLine("S1", "A", 3), HeldLine("S2", "B", 2)]


def test_a_commit_without_lines_commits_every_line_in_full() -> None:
    assert plan_commit(HELD, None) == [
        LineSettlement("S1", "A", held=3, committed=3),
        LineSettlement("S2", "B", held=2, committed=2),
    ]
    assert all(s.released == 0 for s in plan_commit(HELD, None))


def test_a_partial_commit_releases_the_rest_of_the_line() -> None:
    settlements = plan_commit(HELD, [CommitLine(sku="S1", location="A", qty=1)])
    assert settlements[0] == LineSettlement("S1", "A", held=3, committed=1)
    assert settlements[0].released == 2


def test_a_line_left_out_of_a_commit_is_released_in_full() -> None:
    settlements = plan_commit(HELD, [CommitLine(sku="S1", location="A", qty=3)])
    assert settlements[1] == LineSettlement("S2", "B", held=2, committed=0)
    assert settlements[1].released == 2


def test_a_line_committed_at_zero_is_released_in_full() -> None:
    settlements = plan_commit(
        HELD, [CommitLine(sku="S1", location="A", qty=1), CommitLine(sku="S2", location="B", qty=0)]
    )
    assert [s.committed for s in settlements] == [1, 0]
    assert [s.released for s in settlements] == [2, 2]


@pytest.mark.parametrize(
    "requested", [[], [CommitLine(sku="S2", location="B", qty=0)]], ids=["no lines", "zero units"]
)
def test_a_commit_of_no_units_is_refused_as_a_release_in_disguise(
    requested: list[CommitLine],
) -> None:
    with pytest.raises(InvalidCommit, match="release"):
        plan_commit(HELD, requested)


def test_settlements_follow_the_order_of_the_held_lines() -> None:
    requested = [
        CommitLine(sku="S2", location="B", qty=2),
        CommitLine(sku="S1", location="A", qty=1),
    ]
    assert [(s.sku, s.committed) for s in plan_commit(HELD, requested)] == [("S1", 1), ("S2", 2)]


def test_committing_a_line_the_reservation_does_not_hold_is_refused() -> None:
    with pytest.raises(InvalidCommit) as refused:
        plan_commit(HELD, [CommitLine(sku="S1", location="B", qty=1)])
    assert refused.value.fields == {"sku": "S1", "location": "B"}
    assert refused.value.status == 422


def test_committing_more_than_is_held_is_refused() -> None:
    with pytest.raises(InvalidCommit) as refused:
        plan_commit(HELD, [CommitLine(sku="S2", location="B", qty=3)])
    assert refused.value.fields == {"sku": "S2", "location": "B", "requested": 3, "held": 2}


def test_naming_the_same_line_twice_is_refused_even_if_the_sum_fits() -> None:
    with pytest.raises(InvalidCommit) as refused:
        plan_commit(
            HELD,
            [CommitLine(sku="S1", location="A", qty=1), CommitLine(sku="S1", location="A", qty=1)],
        )
    assert refused.value.fields == {"sku": "S1", "location": "A"}


# --- the reservation lifecycle ---------------------------------------------------------------


def test_a_pending_reservation_before_its_expiry_may_end() -> None:
    ensure_pending(ReservationState.PENDING, NOW + timedelta(seconds=1), NOW)


@pytest.mark.parametrize(
    "state", [ReservationState.COMMITTED, ReservationState.RELEASED, ReservationState.EXPIRED]
)
def test_a_reservation_that_has_ended_cannot_end_again(state: ReservationState) -> None:
    with pytest.raises(InvalidState) as refused:
        ensure_pending(state, NOW + timedelta(hours=1), NOW)
    assert refused.value.fields == {"current_state": state.value}
    assert refused.value.status == 409


def test_a_reservation_is_expired_at_the_very_instant_of_its_expiry() -> None:
    with pytest.raises(ReservationExpired) as refused:
        ensure_pending(ReservationState.PENDING, NOW, NOW)
    assert refused.value.fields == {"expires_at": NOW.isoformat()}


def test_a_pending_reservation_past_its_expiry_cannot_be_committed() -> None:
    with pytest.raises(ReservationExpired):
        ensure_pending(ReservationState.PENDING, NOW - timedelta(seconds=1), NOW)


def test_an_ended_reservation_past_its_expiry_reports_its_state_not_its_time() -> None:
    with pytest.raises(InvalidState):
        ensure_pending(ReservationState.RELEASED, NOW - timedelta(hours=1), NOW)


# --- permissions -----------------------------------------------------------------------------

_MANAGER_ONLY = {
    Action.ADJUST,
    Action.REQUEST_TRANSFER,
    Action.SET_SAFETY_STOCK,
    Action.READ_REPORTS,
    Action.SCHEDULE_COUNTS,
    Action.MANAGE_STAFF,
    Action.VOID_PAST_SALE,
    Action.WRITE_OFF,
    Action.TAKE_OVER_JOB,
}
_ADMIN_ONLY = {
    Action.TAKE_WEB_ORDERS,
    Action.FOLLOW_WEB_ORDERS,
    Action.MANAGE_CATALOG,
    Action.READ_NETWORK_ORDERS,
    Action.MANAGE_TOKENS,
    Action.TRANSFER,
    Action.ANNOUNCE_DELIVERY,
    Action.MANAGE_SUPPLIERS,
    Action.SUPPLY_STOCK,
}
_WEB_PLATFORM = {Action.READ_STOCK, Action.TAKE_WEB_ORDERS, Action.FOLLOW_WEB_ORDERS}
_ERP = {Action.READ_STOCK, Action.ANNOUNCE_DELIVERY, Action.MANAGE_SUPPLIERS}
_SUPPLIER = {Action.READ_JOBS, Action.FULFIL, Action.SUPPLY_STOCK}


def _expected_allowed(role: Role, action: Action) -> bool:
    if role is Role.WEB:
        return action in _WEB_PLATFORM
    if role is Role.ERP:
        return action in _ERP
    if role is Role.SUPPLIER:
        return action in _SUPPLIER
    if action in _ADMIN_ONLY:
        return role is Role.ADMIN
    if action in _MANAGER_ONLY:
        return role in (Role.MANAGER, Role.ADMIN)
    return True


def _device(role: Role, location: str = "A") -> Principal:
    return Principal(token_id=7, location=location, role=role, device="till-1")


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_a_role_may_do_exactly_what_it_is_meant_to(role: Role, action: Action) -> None:
    if _expected_allowed(role, action):
        _device(role).require(action, "A")
    else:
        with pytest.raises(Forbidden) as refused:
            _device(role).require(action, "A")
        least = next(
            r for r in (Role.ASSOCIATE, Role.MANAGER, Role.ADMIN) if _expected_allowed(r, action)
        )
        assert refused.value.fields == {"required_role": least.value}


def test_the_web_platform_places_web_orders_but_touches_no_shelf() -> None:
    web = _device(Role.WEB, "HQ")
    web.require(Action.TAKE_WEB_ORDERS)
    for action in (Action.SELL, Action.ADJUST, Action.MANAGE_TOKENS, Action.READ_REPORTS):
        with pytest.raises(Forbidden):
            web.require(action)


def test_an_associate_may_sell_but_not_adjust() -> None:
    associate = _device(Role.ASSOCIATE)
    associate.require(Action.SELL, "A")
    with pytest.raises(Forbidden) as refused:
        associate.require(Action.ADJUST, "A")
    assert refused.value.status == 403
    assert refused.value.type == PROBLEM_TYPE_PREFIX + "forbidden"
    assert str(refused.value) == "associate devices may not adjust"


@pytest.mark.parametrize("role", [Role.ASSOCIATE, Role.MANAGER])
def test_a_store_device_cannot_act_on_another_location(role: Role) -> None:
    with pytest.raises(Forbidden) as refused:
        _device(role, "A").require(Action.SELL, "B")
    assert refused.value.fields == {"location": "B"}


def test_the_role_is_checked_before_the_location() -> None:
    with pytest.raises(Forbidden) as refused:
        _device(Role.ASSOCIATE, "A").require(Action.REQUEST_TRANSFER, "B")
    assert refused.value.fields == {"required_role": "manager"}


@pytest.mark.parametrize("action", list(Action))
def test_an_admin_may_act_anywhere(action: Action) -> None:
    admin = _device(Role.ADMIN, "WH")
    admin.require(action, "A")
    admin.require(action, "B")
    admin.require(action)


def test_an_action_without_a_location_checks_the_role_only() -> None:
    _device(Role.MANAGER, "A").require(Action.READ_REPORTS)
    with pytest.raises(Forbidden):
        _device(Role.MANAGER, "A").require(Action.MANAGE_TOKENS)


# --- operation ids ---------------------------------------------------------------------------


def test_an_operation_id_is_a_version_7_rfc_9562_uuid() -> None:
    made = uuid7(unix_ms=1_772_442_000_000, random_bytes=bytes(range(10)))
    assert made.version == 7
    assert made.variant == uuid.RFC_4122


def test_an_operation_id_starts_with_its_unix_time_in_milliseconds() -> None:
    made = uuid7(unix_ms=0x0123456789AB, random_bytes=bytes(10))
    assert made.int >> 80 == 0x0123456789AB
    assert str(made).startswith("01234567-89ab-7")


def test_an_operation_id_keeps_the_random_bits_it_is_given() -> None:
    made = uuid7(unix_ms=0x0123456789AB, random_bytes=bytes(range(10)))
    assert str(made) == "01234567-89ab-7001-8203-040506070809"
    assert uuid7(unix_ms=1, random_bytes=b"\xff" * 10) == uuid.UUID(
        "00000000-0001-7fff-bfff-ffffffffffff"
    )


@given(
    first_ms=st.integers(0, 2**48 - 2),
    gap=st.integers(1, 10**9),
    first_random=st.binary(min_size=10, max_size=10),
    second_random=st.binary(min_size=10, max_size=10),
)
def test_a_later_millisecond_always_sorts_after_whatever_the_random_bits(
    first_ms: int, gap: int, first_random: bytes, second_random: bytes
) -> None:
    second_ms = min(first_ms + gap, 2**48 - 1)
    earlier = uuid7(unix_ms=first_ms, random_bytes=first_random)
    later = uuid7(unix_ms=second_ms, random_bytes=second_random)
    assert earlier < later
    assert str(earlier) < str(later)
    assert earlier.version == later.version == 7


def test_operation_ids_made_now_carry_the_current_time_and_differ() -> None:
    before = int(time.time() * 1000)
    made = [uuid7() for _ in range(100)]
    after = int(time.time() * 1000)
    assert len(set(made)) == 100
    assert all(before <= m.int >> 80 <= after for m in made)


def test_a_known_person_needs_their_role_to_allow_the_action_too() -> None:
    manager_till = _device(Role.MANAGER)
    associate = replace(manager_till, person="anne", person_role=Role.ASSOCIATE)
    with pytest.raises(Forbidden) as refused:
        associate.require(Action.ADJUST, "A")
    assert refused.value.fields == {"person": "anne", "required_role": "manager"}
    associate.require(Action.SELL, "A")
    replace(manager_till, person="marc", person_role=Role.MANAGER).require(Action.ADJUST, "A")
    with pytest.raises(Forbidden):  # a manager's PIN does not lift an associate device's limits
        replace(_device(Role.ASSOCIATE), person="marc", person_role=Role.MANAGER).require(
            Action.ADJUST, "A"
        )


def test_a_person_the_ledger_does_not_know_is_unverified() -> None:
    assert replace(_device(Role.MANAGER), person="ghost").person_unverified
    assert not _device(Role.MANAGER).person_unverified
    assert not replace(
        _device(Role.MANAGER), person="marc", person_role=Role.MANAGER
    ).person_unverified


def test_managers_manage_the_associates_of_their_own_location_only() -> None:
    manager = _device(Role.MANAGER, "A")
    require_staff_manager(manager, (Role.ASSOCIATE,), ("A",))
    for roles, locations in (
        ((Role.ASSOCIATE,), ("B",)),
        ((Role.MANAGER,), ("A",)),
        ((Role.ASSOCIATE, Role.MANAGER), ("A",)),  # demoting a manager
        ((Role.ASSOCIATE,), ("A", "B")),  # moving an associate away
    ):
        with pytest.raises(Forbidden):
            require_staff_manager(manager, roles, locations)
    with pytest.raises(Forbidden):
        require_staff_manager(_device(Role.ASSOCIATE), (Role.ASSOCIATE,), ("A",))
    admin = _device(Role.ADMIN, "HQ")
    require_staff_manager(admin, (Role.ADMIN, Role.MANAGER), ("B", "WH"))
    manager_on_admin_till = replace(admin, person="marc", person_role=Role.MANAGER)
    with pytest.raises(Forbidden):
        require_staff_manager(manager_on_admin_till, (Role.ASSOCIATE,), ("B",))

"""Handover against the pickup code: every parcel scanned, cash recorded, wrong codes locking a parcel."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from core.errors import DomainError
from orders.models import Parcel, ParcelEvent
from orders.services.counter import (
    CODE_ATTEMPT_LIMIT,
    CounterRefusal,
    Reason,
    handover_check_scan,
    handover_confirm,
    handover_open,
    parcel_scan_in,
)
from tests.conftest import walk

S = Parcel.Status
WRONG = "0000000001"


@pytest.fixture
def two_parcel_order(on_shelf, store, clerk):
    """An order with two parcels on the shelf and a third still on its way, with cash on pickup."""
    parcel, code = on_shelf(cash_on_pickup=580)
    second = walk(Parcel.objects.create(order=parcel.order, size_class="S", weight_g=100, volume_units=1), S.IN_TRANSIT)
    parcel_scan_in(code=second.tracking_number, store=store, clerk=clerk)
    third = walk(Parcel.objects.create(order=parcel.order, size_class="S", weight_g=100, volume_units=1), S.AT_DC)
    return parcel.order, code, [parcel, Parcel.objects.get(pk=second.pk)], third


def test_code_opens_the_order_with_slots_shopper_and_cash(two_parcel_order, store, clerk):
    order, code, here, third = two_parcel_order
    handover = handover_open(code=f"{code[:5]} {code[5:]}", store=store, clerk=clerk)
    assert handover.order == order and handover.order.shopper_name == "Lin Mei-Ling"
    assert [p.shelf_slot for p in handover.here] == [1, 2]
    assert handover.elsewhere == [third]
    assert handover.cash_due == 580


def test_confirm_hands_over_every_scanned_parcel_frees_slots_and_records_cash(two_parcel_order, store, clerk):
    # given
    order, code, here, _ = two_parcel_order
    # when
    events = handover_confirm(
        code=code, store=store, clerk=clerk, tracking_numbers=[p.tracking_number for p in here], cash_received=True
    )
    # then
    assert [e.to_status for e in events[:2]] == [S.PICKED_UP, S.PICKED_UP]
    for parcel in here:
        parcel.refresh_from_db()
        assert (parcel.status, parcel.shelf_slot, parcel.hold_deadline) == (S.PICKED_UP, None, None)
    cash = ParcelEvent.objects.get(parcel__order=order, type=ParcelEvent.Type.CASH_COLLECTED)
    assert (cash.details, cash.actor, cash.store) == ({"amount": 580, "currency": "TWD"}, clerk, store)
    with pytest.raises(CounterRefusal) as again:
        handover_confirm(
            code=code, store=store, clerk=clerk, tracking_numbers=[p.tracking_number for p in here], cash_received=True
        )
    assert again.value.code in (Reason.NO_MATCH, Reason.ALREADY_HANDED_OVER)


def test_a_parcel_left_unscanned_blocks_the_handover(two_parcel_order, store, clerk):
    order, code, here, _ = two_parcel_order
    with pytest.raises(CounterRefusal) as refused:
        handover_confirm(
            code=code, store=store, clerk=clerk, tracking_numbers=[here[0].tracking_number], cash_received=True
        )
    assert refused.value.code == Reason.NOT_ALL_SCANNED and here[1].tracking_number in refused.value.message
    assert not Parcel.objects.filter(order=order, status=S.PICKED_UP).exists()


def test_cash_must_be_confirmed_and_is_collected_once_per_order(two_parcel_order, store, clerk):
    order, code, here, third = two_parcel_order
    with pytest.raises(CounterRefusal) as refused:
        handover_confirm(
            code=code, store=store, clerk=clerk, tracking_numbers=[p.tracking_number for p in here], cash_received=False
        )
    assert refused.value.code == Reason.CASH_NOT_CONFIRMED and "580" in refused.value.message
    handover_confirm(
        code=code, store=store, clerk=clerk, tracking_numbers=[p.tracking_number for p in here], cash_received=True
    )
    # the late third parcel arrives and goes out without asking for the cash again
    walk(third, S.IN_TRANSIT)
    parcel_scan_in(code=third.tracking_number, store=store, clerk=clerk)
    assert handover_open(code=code, store=store, clerk=clerk).cash_due == 0
    handover_confirm(code=code, store=store, clerk=clerk, tracking_numbers=[third.tracking_number], cash_received=False)
    assert ParcelEvent.objects.filter(parcel__order=order, type=ParcelEvent.Type.CASH_COLLECTED).count() == 1


def test_a_scan_outside_the_order_is_refused(two_parcel_order, on_shelf, store, clerk):
    order, code, here, _ = two_parcel_order
    stranger, _ = on_shelf()
    handover = handover_open(code=code, store=store, clerk=clerk)
    assert handover_check_scan(handover=handover, code=here[1].tracking_number, store=store, clerk=clerk) == here[1]
    with pytest.raises(CounterRefusal) as refused:
        handover_check_scan(handover=handover, code=stranger.tracking_number, store=store, clerk=clerk)
    assert refused.value.code == Reason.NOT_IN_ORDER


def test_a_code_that_matches_nothing_here_is_answered_and_counts_on_no_parcel(on_shelf, store, clerk):
    parcel, _ = on_shelf()
    events = ParcelEvent.objects.count()
    with pytest.raises(CounterRefusal) as refused:
        handover_open(code=WRONG, store=store, clerk=clerk)
    assert (refused.value.code, refused.value.status_code) == (Reason.NO_MATCH, 404)
    assert ParcelEvent.objects.count() == events
    parcel.refresh_from_db()
    assert parcel.failed_code_attempts == 0


def test_empty_code_names_the_field(store, clerk):
    with pytest.raises(DomainError) as refused:
        handover_open(code="  ", store=store, clerk=clerk)
    assert refused.value.field == "code"


def test_five_wrong_codes_on_a_parcel_lock_it_for_fifteen_minutes(on_shelf, store, clerk):
    # given
    parcel, code = on_shelf()
    # when four wrong codes
    for attempt in range(1, CODE_ATTEMPT_LIMIT):
        with pytest.raises(CounterRefusal) as refused:
            handover_open(code=WRONG, tracking_number=parcel.tracking_number, store=store, clerk=clerk)
        assert refused.value.code == Reason.WRONG_CODE
        left = CODE_ATTEMPT_LIMIT - attempt
        assert (f"{left} tries left" if left > 1 else "1 try left") in refused.value.message
    # then the fifth locks it
    before = timezone.now()
    with pytest.raises(CounterRefusal) as locked:
        handover_open(code=WRONG, tracking_number=parcel.tracking_number, store=store, clerk=clerk)
    assert (locked.value.code, locked.value.status_code) == (Reason.LOCKED, 423)
    assert ".." not in locked.value.message and locked.value.message.count(".") == 2, locked.value.message
    parcel.refresh_from_db()
    assert before + timedelta(minutes=15) <= parcel.code_locked_until <= timezone.now() + timedelta(minutes=15)
    types = list(
        parcel.events.filter(type__in=[ParcelEvent.Type.CODE_FAILED, ParcelEvent.Type.CODE_LOCKED]).values_list(
            "type", flat=True
        )
    )
    assert types == [ParcelEvent.Type.CODE_FAILED] * 5 + [ParcelEvent.Type.CODE_LOCKED]
    # and even the right code is refused while locked, by code alone or with the tracking number
    for kwargs in ({}, {"tracking_number": parcel.tracking_number}):
        with pytest.raises(CounterRefusal) as still:
            handover_open(code=code, store=store, clerk=clerk, **kwargs)
        assert still.value.code == Reason.LOCKED
    assert parcel.events.filter(type=ParcelEvent.Type.CODE_FAILED).count() == 5


def test_the_lock_ends_after_fifteen_minutes(on_shelf, store, clerk):
    parcel, code = on_shelf()
    Parcel.objects.filter(pk=parcel.pk).update(code_locked_until=timezone.now() - timedelta(seconds=1))
    assert handover_open(code=code, tracking_number=parcel.tracking_number, store=store, clerk=clerk).here == [parcel]


def test_handover_by_tracking_number_of_another_store_is_404(
    on_shelf, in_transit, other_store, outsider_clerk, store, clerk
):
    parcel, code = on_shelf()
    with pytest.raises(CounterRefusal) as refused:
        handover_open(code=code, tracking_number=parcel.tracking_number, store=other_store, clerk=outsider_clerk)
    assert (refused.value.code, refused.value.status_code) == (Reason.OTHER_STORE, 404)
    with pytest.raises(CounterRefusal) as by_code:
        handover_open(code=code, store=other_store, clerk=outsider_clerk)
    assert by_code.value.code == Reason.NO_MATCH
    parcel.refresh_from_db()
    assert parcel.status == S.AT_STORE and parcel.failed_code_attempts == 0


def test_handover_of_a_parcel_not_yet_on_the_shelf_is_refused(in_transit, store, clerk):
    parcel = in_transit()
    with pytest.raises(CounterRefusal) as refused:
        handover_open(code=WRONG, tracking_number=parcel.tracking_number, store=store, clerk=clerk)
    assert refused.value.code == Reason.NOT_ON_SHELF


@pytest.mark.parametrize(
    ("language", "said", "not_said"), [("en", "1 try left before", "tries"), ("zh-hant", "再錯 1 次", "tries")]
)
def test_the_last_try_is_said_in_the_singular(on_shelf, store, clerk, language, said, not_said):
    # given a parcel one wrong code short of the lock
    parcel, _code = on_shelf()
    for _ in range(CODE_ATTEMPT_LIMIT - 2):
        with pytest.raises(CounterRefusal):
            handover_open(code=WRONG, tracking_number=parcel.tracking_number, store=store, clerk=clerk)
    # when the next wrong code is typed
    with translation.override(language), pytest.raises(CounterRefusal) as refused:
        handover_open(code=WRONG, tracking_number=parcel.tracking_number, store=store, clerk=clerk)
    # then
    assert said in refused.value.message and not_said not in refused.value.message

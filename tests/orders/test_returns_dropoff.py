"""Returns dropped off at a store: starting one within the window, the drop-off scan at any store that can
take the parcel, the refusals that change nothing, and the way home through the route and the DC."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ConflictError, DomainError
from dc.services.returns import consignment_hand_over, parcel_return_intake
from orders.models import Parcel, ParcelEvent, ReturnRequest, WebhookDelivery
from orders.pickup_codes import return_code_for
from orders.services.counter import CounterRefusal, parcel_return_scan_out
from orders.services.returns_dropoff import (
    DropoffReason,
    return_choose_store,
    return_dropoff,
    return_request_start,
)
from orders.tracking.codes import qr_data_uri
from tests.factories import make_clerk, make_dock

S = Parcel.Status


@pytest.fixture
def picked_up(make_parcel):
    return make_parcel("picked_up")


def start(parcel, **kwargs):
    kwargs.setdefault("source", ReturnRequest.Source.SHOPPER)
    kwargs.setdefault("actor_label", "shopper")
    return return_request_start(parcel=parcel, **kwargs)


def state(parcel) -> tuple:
    parcel.refresh_from_db()
    return parcel.status, parcel.shelf_store_id, parcel.shelf_slot, parcel.events.count()


def test_a_picked_up_parcel_gets_a_return_code_and_the_merchant_a_webhook(picked_up, other_store, hooked_merchant):
    # when
    started = start(picked_up, store=other_store, reason="Wrong colour")
    # then
    picked_up.refresh_from_db()
    assert picked_up.status == S.RETURN_REQUESTED
    assert started.code.isdigit() and len(started.code) == 10
    assert started.code == return_code_for(started.return_request)
    assert started.code not in ReturnRequest.objects.get().code_hash  # only a keyed hash is stored
    assert qr_data_uri(started.code).startswith("data:image/svg+xml")
    event = picked_up.events.get(to_status=S.RETURN_REQUESTED)
    assert event.details == {"source": "shopper", "store": other_store.code}
    assert WebhookDelivery.objects.filter(event=event).exists()


def test_outside_the_return_window_is_refused_naming_the_window_and_changes_nothing(picked_up, merchant):
    # given a parcel picked up eight days ago from a merchant taking returns for seven
    Parcel.objects.filter(pk=picked_up.pk).update(status_changed_at=timezone.now() - timedelta(days=8))
    picked_up.refresh_from_db()
    before = state(picked_up)
    # when
    with pytest.raises(ConflictError) as refused:
        start(picked_up)
    # then
    assert refused.value.code == "outside_return_window"
    assert "The return window closed on" in refused.value.message and "7 days after pickup" in refused.value.message
    assert state(picked_up) == before and not ReturnRequest.objects.exists()


def test_the_window_is_the_merchants_setting(picked_up, merchant):
    merchant.return_window_days = 30
    merchant.save()
    Parcel.objects.filter(pk=picked_up.pk).update(status_changed_at=timezone.now() - timedelta(days=8))
    picked_up.refresh_from_db()
    assert start(picked_up).return_request.pk


@pytest.mark.parametrize("status", ["at_store", "in_transit", "expired"])
def test_only_a_picked_up_parcel_can_be_returned(make_parcel, status):
    parcel = make_parcel(status)
    with pytest.raises(ConflictError) as refused:
        start(parcel)
    assert refused.value.code == "not_picked_up" and parcel.tracking_number in refused.value.message


def test_a_second_start_is_refused(picked_up):
    start(picked_up)
    with pytest.raises(ConflictError) as refused:
        start(Parcel.objects.get(pk=picked_up.pk))
    assert refused.value.code == "return_exists"
    assert ReturnRequest.objects.count() == 1


def test_a_store_that_cannot_take_the_size_is_refused_when_chosen(picked_up, other_store):
    # given a store that takes size S at most, and a size M parcel
    Parcel.objects.filter(pk=picked_up.pk).update(size_class="M")
    picked_up.refresh_from_db()
    other_store.max_size_class = "S"
    other_store.save()
    # when
    with pytest.raises(DomainError) as refused:
        start(picked_up, store=other_store)
    # then
    assert refused.value.field == "store"
    assert refused.value.message == "Store B001 takes parcels up to size S; this one is M."
    assert Parcel.objects.get(pk=picked_up.pk).status == S.PICKED_UP


def test_the_shopper_can_change_the_store_until_the_drop_off(picked_up, store, other_store):
    started = start(picked_up, store=store)
    return_choose_store(return_request=started.return_request, store=other_store)
    assert ReturnRequest.objects.get().store == other_store


def test_drop_off_at_any_store_puts_it_on_a_slot(picked_up, other_store, outsider_clerk, hooked_merchant):
    # given a return started for a parcel collected at store A, dropped at store B
    code = start(picked_up).code
    # when
    result = return_dropoff(code=code, store=other_store, clerk=outsider_clerk)
    # then
    picked_up.refresh_from_db()
    assert (picked_up.status, picked_up.shelf_store, picked_up.shelf_slot) == (S.RETURN_AT_STORE, other_store, 1)
    assert result.slot == 1
    assert result.event.store == other_store and result.event.actor == outsider_clerk
    dropped = ReturnRequest.objects.get()
    assert dropped.dropped_off_store == other_store and dropped.dropped_off_at is not None
    assert WebhookDelivery.objects.filter(event=result.event).exists()


def test_a_return_code_used_twice_is_refused_saying_where_and_changes_nothing(picked_up, store, clerk):
    code = start(picked_up).code
    return_dropoff(code=code, store=store, clerk=clerk)
    before = state(picked_up)
    with pytest.raises(CounterRefusal) as refused:
        return_dropoff(code=code, store=store, clerk=clerk)
    assert refused.value.code == DropoffReason.ALREADY_DROPPED_OFF
    assert "Return code already used: dropped off at Store A on" in refused.value.message
    assert refused.value.slot == 1
    assert state(picked_up) == before


def test_an_unknown_code_is_refused(store, clerk):
    with pytest.raises(CounterRefusal) as refused:
        return_dropoff(code="0000000000", store=store, clerk=clerk)
    assert (refused.value.code, refused.value.status_code) == (DropoffReason.UNKNOWN, 404)
    assert "Unknown return code" in refused.value.message


def test_a_store_without_a_freezer_refuses_a_frozen_return(make_parcel, other_store, outsider_clerk):
    # given a frozen parcel picked up at a store with a freezer, returned at one without
    parcel = make_parcel("created")
    Parcel.objects.filter(pk=parcel.pk).update(temperature_class="frozen")
    Parcel.objects.filter(pk=parcel.pk).update(status=S.PICKED_UP, status_changed_at=timezone.now())
    parcel.refresh_from_db()
    code = start(parcel).code
    before = state(parcel)
    # when
    with pytest.raises(CounterRefusal) as refused:
        return_dropoff(code=code, store=other_store, clerk=outsider_clerk)
    # then
    assert refused.value.code == DropoffReason.CANNOT_TAKE
    assert "has no frozen shelf" in refused.value.message and "another store" in refused.value.message
    assert state(parcel) == before


def test_a_store_too_small_for_the_size_refuses_the_drop_off(picked_up, other_store, outsider_clerk):
    # given a size M parcel, and a store that takes size S at most
    Parcel.objects.filter(pk=picked_up.pk).update(size_class="M")
    code = start(picked_up).code
    other_store.max_size_class = "S"
    other_store.save()
    before = state(picked_up)
    # when
    with pytest.raises(CounterRefusal) as refused:
        return_dropoff(code=code, store=other_store, clerk=outsider_clerk)
    # then
    assert refused.value.code == DropoffReason.CANNOT_TAKE and "up to size S; this one is M" in refused.value.message
    assert state(picked_up) == before


def test_a_full_store_refuses_the_drop_off(picked_up, make_parcel, other_store, outsider_clerk):
    other_store.slot_capacity = 1
    other_store.save()
    first = start(make_parcel("picked_up")).code
    return_dropoff(code=first, store=other_store, clerk=outsider_clerk)
    code = start(picked_up).code
    with pytest.raises(CounterRefusal) as refused:
        return_dropoff(code=code, store=other_store, clerk=outsider_clerk)
    assert refused.value.code == DropoffReason.STORE_FULL
    assert Parcel.objects.get(pk=picked_up.pk).status == S.RETURN_REQUESTED


def test_from_the_drop_off_store_to_the_merchant(picked_up, other_store, outsider_clerk, dc, hooked_merchant):
    # given a return dropped off at store B
    code = start(picked_up).code
    return_dropoff(code=code, store=other_store, clerk=outsider_clerk)
    # when the clerk of store B hands it to the driver, the DC scans it in and hands the consignment over
    scanned_out = parcel_return_scan_out(code=picked_up.tracking_number, store=other_store, clerk=outsider_clerk)
    dock = make_dock(dc, "dock_r")
    intake = parcel_return_intake(parcel_code=picked_up.tracking_number, dc=dc, user=dock)
    consignment_hand_over(consignment=intake.consignment, handed_to="Courier Lee", user=dock)
    # then the slot is free, and the history is the return's path with a webhook at every step
    picked_up.refresh_from_db()
    assert scanned_out.slot == 1
    assert (picked_up.status, picked_up.shelf_store, picked_up.shelf_slot) == (S.RETURNED, None, None)
    assert intake.consignment.merchant == picked_up.order.merchant
    moves = list(picked_up.events.filter(type=ParcelEvent.Type.STATUS, seq__gt=6).values_list("to_status", flat=True))
    assert moves[-5:] == [S.RETURN_REQUESTED, S.RETURN_AT_STORE, S.RETURN_IN_TRANSIT, S.AT_DC_FOR_RETURN, S.RETURNED]
    hooked = WebhookDelivery.objects.filter(event__parcel=picked_up, event__to_status__in=moves[-5:])
    assert hooked.count() == 5


def test_a_store_that_is_neither_pickup_nor_drop_off_store_cannot_scan_it_out(
    picked_up, store, clerk, other_store, outsider_clerk
):
    code = start(picked_up).code
    return_dropoff(code=code, store=other_store, clerk=outsider_clerk)
    with pytest.raises(CounterRefusal) as refused:
        parcel_return_scan_out(code=picked_up.tracking_number, store=store, clerk=clerk)
    assert refused.value.code == "not_on_shelf"
    assert Parcel.objects.get(pk=picked_up.pk).status == S.RETURN_AT_STORE


def test_another_clerk_of_the_drop_off_store_sees_it_on_the_returns_list(picked_up, other_store, outsider_clerk):
    from orders.counter_selectors import counter_expired

    return_dropoff(code=start(picked_up).code, store=other_store, clerk=make_clerk(other_store, "clerk_b2"))
    assert list(counter_expired(store=other_store)) == [Parcel.objects.get(pk=picked_up.pk)]

"""Scan-in at the counter: shelf slots, the hold clock, and every reason a scan is refused."""

import logging

import pytest

from core.errors import DomainError
from orders.lifecycle import parcel_transition
from orders.models import Parcel, ParcelEvent
from orders.pickup_codes import pickup_code_for, pickup_code_hash
from orders.services import counter
from orders.services.counter import CounterRefusal, Reason, parcel_scan_in
from tests.conftest import walk

S = Parcel.Status


def test_scan_in_puts_the_parcel_on_the_lowest_slot_and_starts_the_hold(in_transit, store, clerk):
    # given
    parcel = in_transit()
    # when
    result = parcel_scan_in(code=f" {parcel.tracking_number}\n", store=store, clerk=clerk)
    # then
    parcel.refresh_from_db()
    assert result.slot == 1 and parcel.shelf_slot == 1 and parcel.shelf_store == store
    assert parcel.status == S.AT_STORE and parcel.arrived_at and parcel.hold_deadline
    assert parcel.pickup_code_hash == pickup_code_hash(pickup_code_for(parcel.order))
    event = parcel.events.order_by("-seq").first()
    assert (event.to_status, event.actor, event.store, event.details) == (S.AT_STORE, clerk, store, {"slot": 1})


def test_parcels_of_one_order_share_the_pickup_code(in_transit, store, clerk):
    first = in_transit()
    second = walk(Parcel.objects.create(order=first.order, size_class="S", weight_g=100, volume_units=1), S.IN_TRANSIT)
    for parcel in (first, second):
        parcel_scan_in(code=parcel.tracking_number, store=store, clerk=clerk)
    hashes = set(Parcel.objects.filter(order=first.order).values_list("pickup_code_hash", flat=True))
    assert len(hashes) == 1 and "" not in hashes


def test_freed_slots_are_reused_lowest_first(on_shelf, in_transit, store, clerk):
    # given three parcels on slots 1..3, and the one on slot 2 leaves the shelf
    parcels = [on_shelf()[0] for _ in range(3)]
    assert [p.shelf_slot for p in parcels] == [1, 2, 3]
    parcel_transition(parcel=parcels[1], to=S.PICKED_UP, actor=clerk, store=store)
    # when
    result = parcel_scan_in(code=in_transit().tracking_number, store=store, clerk=clerk)
    # then
    assert result.slot == 2
    assert parcel_scan_in(code=in_transit().tracking_number, store=store, clerk=clerk).slot == 4


@pytest.mark.parametrize(
    ("taken", "capacity", "expected"),
    [
        ([], 3, 1),
        ([1, 2], 3, 3),
        ([2, 3], 3, 1),
        ([1, 3, 4], 5, 2),
        ([1, 2, 4, 5], 5, 3),
        ([1, 2, 3, 5], 5, 4),
        ([1, 2, 3, 4], 5, 5),
        ([1, 2, 3], 3, None),
        ([], 1, 1),
        ([1], 1, None),
    ],
)
def test_the_lowest_free_slot_within_the_store_capacity(taken, capacity, expected, make_parcel, store):
    store.slot_capacity = capacity
    store.save()
    for slot in taken:
        Parcel.objects.filter(pk=make_parcel("at_store").pk).update(shelf_store=store, shelf_slot=slot)
    assert counter.shelf_slot_free(store=store, parcel=make_parcel("in_transit")) == expected


def test_a_slot_taken_by_a_rival_scan_between_read_and_write_is_skipped(
    on_shelf, in_transit, store, clerk, monkeypatch
):
    # given a rival scan took slot 1 after this scan read the free slots (the unique index must catch it)
    on_shelf()
    parcel = in_transit()
    real = counter.shelf_slot_free
    stale = iter([1])
    monkeypatch.setattr(counter, "shelf_slot_free", lambda **kw: next(stale, None) or real(**kw))
    # when
    result = parcel_scan_in(code=parcel.tracking_number, store=store, clerk=clerk)
    # then
    assert result.slot == 2
    assert Parcel.objects.filter(shelf_store=store, shelf_slot=1).count() == 1
    assert parcel.events.filter(to_status=S.AT_STORE).count() == 1


def test_a_slot_refused_twice_is_an_error_not_an_endless_retry(on_shelf, in_transit, store, clerk, monkeypatch):
    # given a slot chooser that keeps offering a taken slot (a bug, or an index it does not know of)
    on_shelf()
    parcel = in_transit()
    monkeypatch.setattr(counter, "shelf_slot_free", lambda **kw: 1)
    # when / then
    with pytest.raises(RuntimeError, match="refused twice"):
        parcel_scan_in(code=parcel.tracking_number, store=store, clerk=clerk)
    parcel.refresh_from_db()
    assert parcel.status == S.IN_TRANSIT and not parcel.events.filter(to_status=S.AT_STORE).exists()


def test_empty_scan_names_the_field(store, clerk):
    with pytest.raises(DomainError) as refused:
        parcel_scan_in(code="  \n", store=store, clerk=clerk)
    assert refused.value.field == "code"


def _refused(code, store, clerk) -> CounterRefusal:
    with pytest.raises(CounterRefusal) as refused:
        parcel_scan_in(code=code, store=store, clerk=clerk)
    return refused.value


def test_unknown_code_is_refused_with_404(store, clerk):
    refusal = _refused("000000000000", store, clerk)
    assert (refusal.code, refusal.status_code) == (Reason.UNKNOWN, 404)
    assert "Unknown code" in refusal.message
    assert _refused("9" * 60, store, clerk).code == Reason.UNKNOWN


def test_parcel_for_another_store_is_refused_recorded_and_logged_without_the_code(
    in_transit, other_store, store, clerk, caplog
):
    # given
    parcel = in_transit(pickup_store=other_store)
    # when
    with caplog.at_level(logging.WARNING, logger="orders.counter"):
        refusal = _refused(parcel.tracking_number, store, clerk)
    # then
    assert (refusal.code, refusal.status_code) == (Reason.OTHER_STORE, 404)
    assert other_store.name not in refusal.message and other_store.code not in refusal.message
    parcel.refresh_from_db()
    assert parcel.status == S.IN_TRANSIT
    event = parcel.events.order_by("-seq").first()
    assert (event.type, event.actor, event.store, event.details["reason"]) == (
        ParcelEvent.Type.SCAN_REFUSED,
        clerk,
        store,
        Reason.OTHER_STORE,
    )
    logged = caplog.text
    assert f"parcel={parcel.pk}" in logged and f"clerk={clerk.pk}" in logged
    assert pickup_code_for(parcel.order) not in logged


def test_second_scan_says_already_scanned_in_with_the_slot_and_writes_nothing(on_shelf, store, clerk):
    parcel, _ = on_shelf()
    events = parcel.events.count()
    refusal = _refused(parcel.tracking_number, store, clerk)
    assert (refusal.code, refusal.slot, refusal.status_code) == (Reason.ALREADY_SCANNED_IN, 1, 409)
    assert parcel.events.count() == events


@pytest.mark.parametrize(
    "status,reason",
    [
        (S.CANCELLED, Reason.CANCELLED),
        (S.CREATED, Reason.NOT_DISPATCHED),
        (S.AT_DC, Reason.NOT_DISPATCHED),
        (S.PLANNED, Reason.NOT_DISPATCHED),
        (S.PICKED_UP, Reason.ALREADY_LEFT),
        (S.RETURNED, Reason.ALREADY_LEFT),
    ],
)
def test_parcels_not_in_transit_are_refused_with_the_reason_and_an_event(make_parcel, store, clerk, status, reason):
    # given
    parcel = make_parcel(status)
    # when
    refusal = _refused(parcel.tracking_number, store, clerk)
    # then
    assert refusal.code == reason
    parcel.refresh_from_db()
    assert parcel.status == status and parcel.shelf_slot is None
    assert parcel.events.order_by("-seq").first().type == ParcelEvent.Type.SCAN_REFUSED


def test_full_store_refuses_and_leaves_the_parcel_in_transit(on_shelf, in_transit, store, clerk):
    # given
    store.slot_capacity = 2
    store.save()
    on_shelf(), on_shelf()
    parcel = in_transit()
    # when
    refusal = _refused(parcel.tracking_number, store, clerk)
    # then
    assert refusal.code == Reason.STORE_FULL
    parcel.refresh_from_db()
    assert parcel.status == S.IN_TRANSIT
    assert parcel.events.order_by("-seq").first().details == {"action": "scan_in", "reason": Reason.STORE_FULL}

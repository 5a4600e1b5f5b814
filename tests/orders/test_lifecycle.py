"""The lifecycle gate: every (from, to) pair of statuses, legal or not, and what a change writes."""

from itertools import pairwise, product

import pytest
from django.db import transaction

from core.errors import ConflictError
from orders import lifecycle
from orders.lifecycle import (
    FINAL,
    TRANSITIONS,
    IllegalTransition,
    parcel_record_creation,
    parcel_record_event,
    parcel_transition,
    path_to,
)
from orders.models import Notification, Parcel, ParcelEvent
from tests.conftest import walk

S = Parcel.Status
ALL_PAIRS = list(product(S.values, S.values))
LEGAL = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}


def test_table_covers_every_status_and_only_known_ones():
    assert set(TRANSITIONS) == set(S.values)
    assert all(targets <= set(S.values) for targets in TRANSITIONS.values())
    # A picked-up parcel may still come back as a shopper's return.
    assert FINAL == {S.RETURNED, S.CANCELLED}


def test_every_status_is_reachable_from_created():
    for status in S.values:
        path = path_to(status)
        assert path[0] == S.CREATED and path[-1] == status
        assert all((a, b) in LEGAL for a, b in pairwise(path))


def test_cancel_is_possible_before_transit_and_never_after():
    before = {S.CREATED, S.AT_DC, S.PLANNED}
    assert {a for a, b in LEGAL if b == S.CANCELLED} == before


@pytest.mark.parametrize("from_status,to_status", [pair for pair in ALL_PAIRS if pair in LEGAL])
def test_legal_transition_changes_status_and_appends_one_event(make_parcel, from_status, to_status):
    # given
    parcel = make_parcel(from_status)
    events_before = parcel.events.count()
    # when
    event = parcel_transition(parcel=parcel, to=to_status, actor_label="test")
    # then
    parcel.refresh_from_db()
    assert parcel.status == to_status
    assert parcel.events.count() == events_before + 1
    assert (event.from_status, event.to_status, event.seq) == (from_status, to_status, events_before + 1)


@pytest.mark.parametrize("from_status,to_status", [pair for pair in ALL_PAIRS if pair not in LEGAL])
def test_illegal_transition_is_refused_with_a_clear_message_and_writes_nothing(make_parcel, from_status, to_status):
    # given
    parcel = make_parcel(from_status)
    events_before = parcel.events.count()
    # when
    with pytest.raises(IllegalTransition) as refused:
        parcel_transition(parcel=parcel, to=to_status, actor_label="test")
    # then
    assert parcel.tracking_number in refused.value.message
    assert str(S(to_status).label) in refused.value.message
    assert refused.value.status_code == 409
    parcel.refresh_from_db()
    assert parcel.status == from_status
    assert parcel.events.count() == events_before


def test_stale_read_loses_the_compare_and_swap(make_parcel):
    # given two copies of the same parcel, as two clerks would hold them
    parcel = make_parcel(S.IN_TRANSIT)
    rival = Parcel.objects.get(pk=parcel.pk)
    parcel_transition(parcel=rival, to=S.AT_STORE, actor_label="clerk 1")
    # when the second clerk acts on what it read before
    with pytest.raises(ConflictError) as refused:
        parcel_transition(parcel=parcel, to=S.AT_STORE, actor_label="clerk 2")
    # then exactly one change and one event
    assert "already" in refused.value.message
    assert ParcelEvent.objects.filter(parcel=parcel, to_status=S.AT_STORE).count() == 1


def test_arrival_starts_the_hold_clock_and_leaving_the_store_clears_it(make_parcel, store):
    parcel = make_parcel(S.AT_STORE)
    assert parcel.arrived_at is not None
    assert parcel.hold_deadline > parcel.arrived_at
    parcel_transition(parcel=parcel, to=S.PICKED_UP, actor_label="test")
    parcel.refresh_from_db()
    assert parcel.hold_deadline is None


def test_leaving_the_shelf_frees_the_slot(make_parcel, store):
    parcel = make_parcel(S.IN_TRANSIT)
    parcel_transition(parcel=parcel, to=S.AT_STORE, store=store, changes={"shelf_store": store, "shelf_slot": 3})
    parcel_transition(parcel=parcel, to=S.EXPIRED)
    parcel.refresh_from_db()
    assert (parcel.shelf_store_id, parcel.shelf_slot) == (store.pk, 3)  # expired parcels wait on the shelf
    parcel_transition(parcel=parcel, to=S.RETURN_IN_TRANSIT)
    parcel.refresh_from_db()
    assert (parcel.shelf_store_id, parcel.shelf_slot) == (None, None)


def test_event_is_recorded_in_the_outbox_inside_the_gate_with_the_moved_parcel(make_parcel, monkeypatch):
    parcel = make_parcel(S.CREATED)
    seen = []

    def outbox_record(*, event):
        # The outbox is called before the gate returns: the caller's copy still has the old status.
        seen.append((event.to_status, event.parcel.status, parcel.status))

    monkeypatch.setattr(lifecycle, "outbox_record", outbox_record)
    parcel_transition(parcel=parcel, to=S.AT_DC)
    assert seen == [(S.AT_DC, S.AT_DC, S.CREATED)]
    assert parcel.status == S.AT_DC


def test_what_the_receivers_write_rolls_back_with_the_change(make_parcel, django_capture_on_commit_callbacks):
    # given a parcel on its way to the store, whose arrival creates the shopper's notifications
    parcel = make_parcel(S.IN_TRANSIT)
    # when the transaction around its arrival fails
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                parcel_transition(parcel=parcel, to=S.AT_STORE, store=parcel.order.pickup_store)
                assert Notification.objects.filter(parcel=parcel).exists()
                raise RuntimeError("boom")
    # then nothing of it is left and nothing was queued
    assert callbacks == []
    assert not Notification.objects.filter(parcel=parcel).exists()
    parcel.refresh_from_db()
    assert parcel.status == S.IN_TRANSIT


def test_non_status_events_share_the_sequence(make_parcel, clerk, store):
    parcel = make_parcel(S.AT_DC)
    event = parcel_record_event(
        parcel=parcel, type=ParcelEvent.Type.REPORTED_DAMAGED, actor=clerk, store=store, details={"note": "wet box"}
    )
    assert event.seq == 3 and event.actor == clerk
    with pytest.raises(ValueError):
        parcel_record_event(parcel=parcel, type=ParcelEvent.Type.STATUS)


def test_walk_uses_only_the_gate(make_parcel):
    parcel = make_parcel(S.RETURNED)
    statuses = list(parcel.events.values_list("to_status", flat=True))
    assert statuses == path_to(S.RETURNED)
    walk(parcel, S.RETURNED)  # already there: nothing to do
    assert parcel.events.count() == len(statuses)


def test_the_event_and_parcel_the_gate_returns_are_what_it_stored(make_parcel, store, clerk):
    # What the gate hands back is what the database holds, value for value.
    parcel = make_parcel("in_transit")
    event = parcel_transition(
        parcel=parcel,
        to=S.AT_STORE,
        actor=clerk,
        store=store,
        details={"slot": 7, "note": "雨天"},
        changes={"shelf_store": store, "shelf_slot": 7, "pickup_code_hash": "h" * 64},
    )
    stored = ParcelEvent.objects.get(pk=event.pk)
    assert [getattr(event, f.attname) for f in ParcelEvent._meta.concrete_fields] == [
        getattr(stored, f.attname) for f in ParcelEvent._meta.concrete_fields
    ]
    assert event.seq == ParcelEvent.objects.filter(parcel=parcel).count()
    assert (event.actor, event.store, event.details) == (clerk, store, {"slot": 7, "note": "雨天"})
    fresh = Parcel.objects.get(pk=parcel.pk)
    assert [getattr(parcel, f.attname) for f in Parcel._meta.concrete_fields] == [
        getattr(fresh, f.attname) for f in Parcel._meta.concrete_fields
    ]


def test_an_event_recorded_since_the_parcel_was_read_does_not_stop_a_legal_move(make_parcel, clerk, store):
    # given a copy of a parcel read before a wrong pickup code was recorded on it
    parcel = make_parcel(S.AT_STORE)
    stale = Parcel.objects.get(pk=parcel.pk)
    parcel_record_event(parcel=parcel, type=ParcelEvent.Type.CODE_FAILED, actor=clerk, store=store)
    # when the stale copy is moved on
    event = parcel_transition(parcel=stale, to=S.PICKED_UP, actor=clerk, store=store)
    # then the move is made, numbered after that event, and the parcel knows its newest number
    seqs = list(ParcelEvent.objects.filter(parcel=parcel).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, event.seq + 1))
    assert Parcel.objects.get(pk=parcel.pk).last_event_seq == stale.last_event_seq == event.seq


def test_a_parcel_with_a_history_gets_no_second_creation_event(make_parcel):
    parcel = make_parcel(S.CREATED)
    with pytest.raises(ValueError):
        parcel_record_creation(parcel=parcel)
    assert parcel.events.count() == 1

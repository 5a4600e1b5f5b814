"""Races at the counter, with real threads and real transactions on PostgreSQL.

SQLite cannot express these races: it runs one writing transaction at a time (IMMEDIATE mode), so two
scans never interleave there; the outcome these tests check comes from PostgreSQL's row locks, the
compare-and-swap update and the unique slot index.
"""

import threading
from collections import Counter

import pytest
from django.db import connection

from orders.models import Parcel, ParcelEvent
from orders.services.counter import CounterRefusal, Reason, handover_confirm, handover_open, parcel_scan_in

S = Parcel.Status
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writer at a time: the race cannot happen there"
    ),
]


def race(n: int, action) -> list:
    """Run `action(i)` in `n` threads released together; returns each result or the refusal it raised."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = action(i)
        except CounterRefusal as refusal:
            results[i] = refusal
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def codes(results) -> Counter:
    return Counter(r.code if isinstance(r, CounterRefusal) else "ok" for r in results)


def test_double_scan_makes_one_transition_one_event_one_slot(in_transit, store, clerk):
    # given one parcel, scanned at the same moment by a double-triggered scanner and a second clerk
    parcel = in_transit()
    # when
    results = race(4, lambda i: parcel_scan_in(code=parcel.tracking_number, store=store, clerk=clerk))
    # then
    assert codes(results) == Counter({"ok": 1, Reason.ALREADY_SCANNED_IN: 3})
    assert parcel.events.filter(to_status=S.AT_STORE).count() == 1
    assert not parcel.events.exclude(type=ParcelEvent.Type.STATUS).exists()  # repeats write no refusal events
    assert Parcel.objects.filter(shelf_store=store).count() == 1
    assert {r.slot for r in results} == {1}


def test_concurrent_scans_of_different_parcels_get_distinct_slots(in_transit, store, clerk):
    # given more parcels than the store has slots
    store.slot_capacity = 6
    store.save()
    parcels = [in_transit() for _ in range(8)]
    # when all are scanned at once
    results = race(8, lambda i: parcel_scan_in(code=parcels[i].tracking_number, store=store, clerk=clerk))
    # then the slots are exactly 1..6, each once, and two are refused as full
    assert codes(results) == Counter({"ok": 6, Reason.STORE_FULL: 2})
    assert sorted(Parcel.objects.filter(shelf_store=store).values_list("shelf_slot", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert Parcel.objects.filter(status=S.IN_TRANSIT).count() == 2


def test_double_handover_hands_over_once_and_collects_cash_once(on_shelf, store, clerk):
    # given
    parcel, code = on_shelf(cash_on_pickup=299)
    # when two confirms race
    results = race(
        3,
        lambda i: handover_confirm(
            code=code, store=store, clerk=clerk, tracking_numbers=[parcel.tracking_number], cash_received=True
        ),
    )
    # then
    outcome = codes(results)
    assert outcome["ok"] == 1 and sum(outcome.values()) == 3
    assert set(outcome) - {"ok"} <= {Reason.ALREADY_HANDED_OVER, Reason.NO_MATCH}
    assert parcel.events.filter(to_status=S.PICKED_UP).count() == 1
    assert ParcelEvent.objects.filter(type=ParcelEvent.Type.CASH_COLLECTED).count() == 1


def test_twenty_concurrent_wrong_codes_count_five_and_lock_once(on_shelf, store, clerk):
    # given
    parcel, _ = on_shelf()
    # when
    results = race(
        20, lambda i: handover_open(code=f"{i:010d}", tracking_number=parcel.tracking_number, store=store, clerk=clerk)
    )
    # then
    assert codes(results) == Counter({Reason.WRONG_CODE: 4, Reason.LOCKED: 16})
    assert parcel.events.filter(type=ParcelEvent.Type.CODE_FAILED).count() == 5
    assert parcel.events.filter(type=ParcelEvent.Type.CODE_LOCKED).count() == 1
    parcel.refresh_from_db()
    assert parcel.code_locked_until is not None and parcel.failed_code_attempts == 0

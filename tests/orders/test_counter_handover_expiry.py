"""An order is handed over whole or not at all: the hourly expiry job runs while the clerk holds the parcels."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from orders.models import Parcel, ParcelEvent
from orders.services import counter
from orders.services.counter import CounterRefusal, Reason, handover_confirm, parcel_scan_in, parcels_expire_overdue
from tests.conftest import walk

S = Parcel.Status
LONG_AGO = datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    client.get(reverse("counter:home"))
    return client


@pytest.fixture
def order_of_two(on_shelf, store, clerk):
    """An order with two parcels on the clerk's shelf and cash to collect: (first, second, pickup code)."""
    first, code = on_shelf(cash_on_pickup=580)
    second = walk(Parcel.objects.create(order=first.order, size_class="S", weight_g=100, volume_units=1), S.IN_TRANSIT)
    parcel_scan_in(code=second.tracking_number, store=store, clerk=clerk)
    return first, Parcel.objects.get(pk=second.pk), code


def expire_now(*parcels) -> None:
    """The hourly job runs and finds these parcels past their deadline."""
    Parcel.objects.filter(pk__in=[p.pk for p in parcels]).update(hold_deadline=LONG_AGO)
    assert parcels_expire_overdue() == len(parcels)


def scan_both(client, first, second, code) -> None:
    url = reverse("counter:handover")
    assert client.post(url, {"code": code, "action": "open"}).status_code == 200
    client.post(url, {"code": code, "scan": first.tracking_number, "action": "scan"})
    page = client.post(
        url, {"code": code, "scanned": first.tracking_number, "scan": second.tracking_number, "action": "scan"}
    ).content.decode()
    for parcel in (first, second):
        assert f'name="scanned" value="{parcel.tracking_number}"' in page


def confirm(client, first, second, code):
    return client.post(
        reverse("counter:handover"),
        {
            "code": code,
            "scanned": [first.tracking_number, second.tracking_number],
            "cash_received": "on",
            "action": "confirm",
        },
        follow=True,
    )


def expired_at(parcel, store) -> str:
    parcel.refresh_from_db()
    return formats.time_format(timezone.localtime(parcel.status_changed_at, store.tz), "TIME_FORMAT")


def confirm_both(first, second, code, *, store, clerk):
    scans = [first.tracking_number, second.tracking_number]
    return handover_confirm(code=code, store=store, clerk=clerk, tracking_numbers=scans, cash_received=True)


def assert_nothing_handed_over(first, second) -> None:
    assert not ParcelEvent.objects.filter(parcel__in=[first, second], to_status=S.PICKED_UP).exists()
    assert not ParcelEvent.objects.filter(parcel__in=[first, second], type=ParcelEvent.Type.CASH_COLLECTED).exists()


def test_one_parcel_expiring_between_scan_and_confirm_hands_over_nothing(clerk_client, order_of_two, store):
    # given the clerk has scanned both parcels of the order
    first, second, code = order_of_two
    scan_both(clerk_client, first, second, code)
    # when the expiry job expires the second before the clerk confirms
    expire_now(second)
    response = confirm(clerk_client, first, second, code)
    # then nothing is handed over, and the clerk is told what happened
    page = response.content.decode()
    assert response.status_code == 409
    assert (
        f"Parcel {second.tracking_number} expired at {expired_at(second, store)} while you were handing over; "
        "hand over nothing" in page
    )
    assert "Handed over" not in page
    assert_nothing_handed_over(first, second)
    assert Parcel.objects.get(pk=first.pk).status == S.AT_STORE


def test_every_parcel_expiring_between_scan_and_confirm_is_said_so_not_already_handed_over(
    clerk_client, order_of_two, store
):
    # given
    first, second, code = order_of_two
    scan_both(clerk_client, first, second, code)
    # when both expire before the confirm
    expire_now(first, second)
    response = confirm(clerk_client, first, second, code)
    # then
    page = response.content.decode()
    assert response.status_code == 409
    assert "Already handed over" not in page and "No parcel waiting" not in page
    for parcel in (first, second):
        assert f"Parcel {parcel.tracking_number} expired at {expired_at(parcel, store)}" in page
    assert_nothing_handed_over(first, second)


def test_expiry_committed_between_the_code_check_and_the_locks_hands_over_nothing(
    order_of_two, store, clerk, monkeypatch
):
    # given the expiry job injected right before the confirm locks the order
    first, second, code = order_of_two
    lock_order = counter.lock_order

    def expiry_then_lock(pk):
        expire_now(first, second)
        monkeypatch.setattr(counter, "lock_order", lock_order)
        lock_order(pk)

    monkeypatch.setattr(counter, "lock_order", expiry_then_lock)
    # when
    with pytest.raises(CounterRefusal) as refused:
        confirm_both(first, second, code, store=store, clerk=clerk)
    # then
    assert refused.value.code == Reason.CHANGED_DURING_HANDOVER
    assert f"Parcel {first.tracking_number} expired at" in refused.value.message
    assert_nothing_handed_over(first, second)


def test_a_confirm_repeated_after_the_handover_is_answered_already_handed_over(order_of_two, store, clerk):
    first, second, code = order_of_two
    confirm_both(first, second, code, store=store, clerk=clerk)
    with pytest.raises(CounterRefusal) as again:
        confirm_both(first, second, code, store=store, clerk=clerk)
    assert again.value.code == Reason.ALREADY_HANDED_OVER


def test_a_locked_code_stays_locked_at_confirm(order_of_two, store, clerk):
    # given a parcel of the order locked after wrong codes, and the clerk holding both scans
    first, second, code = order_of_two
    Parcel.objects.filter(pk=first.pk).update(code_locked_until=timezone.now() + timedelta(minutes=10))
    # when the right code is confirmed
    with pytest.raises(CounterRefusal) as refused:
        confirm_both(first, second, code, store=store, clerk=clerk)
    # then the lock holds
    assert refused.value.code == Reason.LOCKED
    assert_nothing_handed_over(first, second)

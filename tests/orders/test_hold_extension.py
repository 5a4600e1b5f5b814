"""A longer hold: once, by PICKUP_HOLD_EXTENSION_DAYS, when the shelf forecast has room; the expiry job,
the reminders, the counter and the merchant's webhook all follow the new deadline."""

from datetime import datetime, time, timedelta

import pytest

from core.errors import DomainError
from orders.models import Notification, Parcel, ParcelEvent, WebhookDelivery
from orders.notifications import notifications_remind_due
from orders.services.counter import parcels_expire_overdue
from orders.services.hold import parcel_extend_hold

K = Notification.Kind


def _events(parcel, type_):
    return list(ParcelEvent.objects.filter(parcel=parcel, type=type_))


def test_extension_moves_the_deadline_by_the_setting_to_the_end_of_the_day(on_shelf, store, hooked_merchant):
    # given
    parcel, _code = on_shelf()
    old = parcel.hold_deadline
    # when
    event = parcel_extend_hold(parcel=parcel)
    # then
    parcel.refresh_from_db()
    local = parcel.hold_deadline.astimezone(store.tz)
    assert local.date() == old.astimezone(store.tz).date() + timedelta(days=3)
    assert local.time() == time(23, 59, 59)
    assert parcel.hold_extended_at is not None and parcel.status == Parcel.Status.AT_STORE
    assert event.type == ParcelEvent.Type.HOLD_EXTENDED and event.actor_label == "shopper"
    assert event.details == {"from": old.isoformat(), "to": parcel.hold_deadline.isoformat(), "days": 3}
    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.payload["type"] == "parcel.hold_extended"
    assert datetime.fromisoformat(delivery.payload["data"]["hold_deadline"]) == parcel.hold_deadline


def test_the_number_of_days_is_a_setting(on_shelf, store, settings):
    settings.PICKUP_HOLD_EXTENSION_DAYS = 5
    parcel, _code = on_shelf()
    old = parcel.hold_deadline
    parcel_extend_hold(parcel=parcel)
    parcel.refresh_from_db()
    assert parcel.hold_deadline.astimezone(store.tz).date() == old.astimezone(store.tz).date() + timedelta(days=5)


def test_a_second_extension_is_refused_and_changes_nothing(on_shelf):
    # given
    parcel, _code = on_shelf()
    parcel_extend_hold(parcel=parcel)
    parcel.refresh_from_db()
    deadline, seq = parcel.hold_deadline, parcel.last_event_seq
    # when
    with pytest.raises(DomainError) as refused:
        parcel_extend_hold(parcel=parcel)
    # then
    assert "extended once already" in refused.value.message
    parcel.refresh_from_db()
    assert parcel.hold_deadline == deadline and parcel.last_event_seq == seq
    assert len(_events(parcel, ParcelEvent.Type.HOLD_EXTENDED)) == 1


def test_a_parcel_not_on_the_shelf_cannot_be_held_longer(make_parcel):
    parcel = make_parcel("in_transit")
    with pytest.raises(DomainError, match="Only a parcel waiting at the store"):
        parcel_extend_hold(parcel=parcel)
    assert not _events(parcel, ParcelEvent.Type.HOLD_EXTENDED)


def test_no_room_in_the_forecast_refuses_the_extension_and_names_the_day(on_shelf, in_transit, store):
    # given a store of three slots with three more parcels on their way: past its old deadline the
    # forecast gives this parcel's slot to them
    store.slot_capacity = 3
    store.save()
    parcel, _code = on_shelf()
    for _ in range(3):
        in_transit()
    deadline = parcel.hold_deadline
    # when
    with pytest.raises(DomainError) as refused:
        parcel_extend_hold(parcel=parcel)
    # then
    first_day = deadline.astimezone(store.tz).date() + timedelta(days=1)
    assert refused.value.message == (
        f"The store has no room to keep it longer: its shelf is fully booked on {first_day.isoformat()}."
    )
    parcel.refresh_from_db()
    assert parcel.hold_deadline == deadline and parcel.hold_extended_at is None


def test_with_a_slot_to_spare_the_extension_fits(on_shelf, in_transit, store):
    store.slot_capacity = 3
    store.save()
    parcel, _code = on_shelf()
    in_transit()
    in_transit()
    parcel_extend_hold(parcel=parcel)
    parcel.refresh_from_db()
    assert parcel.hold_extended_at is not None


def test_expiry_waits_for_the_new_deadline(on_shelf):
    # given
    parcel, _code = on_shelf()
    old = parcel.hold_deadline
    parcel_extend_hold(parcel=parcel)
    parcel.refresh_from_db()
    # when the hourly job runs past the old deadline
    assert parcels_expire_overdue(now=old + timedelta(hours=1)) == 0
    parcel.refresh_from_db()
    assert parcel.status == Parcel.Status.AT_STORE
    # then it expires only past the new one
    assert parcels_expire_overdue(now=parcel.hold_deadline + timedelta(seconds=1)) == 1
    parcel.refresh_from_db()
    assert parcel.status == Parcel.Status.EXPIRED


def test_a_reminder_sent_before_the_extension_is_followed_by_one_before_the_new_deadline(on_shelf, commit):
    # given the first reminder went out before the old deadline
    parcel, _code = on_shelf()
    old = parcel.hold_deadline
    assert notifications_remind_due(now=old - timedelta(days=1)) == 1
    # when the shopper extends the hold
    parcel_extend_hold(parcel=parcel)
    parcel.refresh_from_db()
    # then nothing more is due before the new deadline comes near, and then one more reminder
    assert notifications_remind_due(now=old - timedelta(hours=1)) == 0
    with commit():
        assert notifications_remind_due(now=parcel.hold_deadline - timedelta(days=1)) == 1
    kinds = sorted(Notification.objects.filter(parcel=parcel, channel="sms").values_list("kind", flat=True))
    assert kinds == sorted([K.ARRIVED, K.REMINDER, K.EXTENDED_REMINDER])
    assert notifications_remind_due(now=parcel.hold_deadline - timedelta(hours=20)) == 0


def test_an_early_extension_moves_the_only_reminder(on_shelf):
    parcel, _code = on_shelf()
    old = parcel.hold_deadline
    parcel_extend_hold(parcel=parcel)
    parcel.refresh_from_db()
    assert notifications_remind_due(now=old - timedelta(days=1)) == 0
    assert notifications_remind_due(now=parcel.hold_deadline - timedelta(days=1)) == 1
    assert not Notification.objects.filter(parcel=parcel, kind=K.REMINDER).exists()


def test_the_reminder_text_names_the_new_deadline(on_shelf, store):
    parcel, _code = on_shelf()
    parcel_extend_hold(parcel=parcel)
    parcel.refresh_from_db()
    notifications_remind_due(now=parcel.hold_deadline - timedelta(days=1))
    reminder = Notification.objects.get(parcel=parcel, kind=K.EXTENDED_REMINDER, channel="sms")
    from orders.notifications import notification_text

    _subject, body = notification_text([reminder])
    local = parcel.hold_deadline.astimezone(store.tz)
    assert datetime.strftime(local, "%Y-%m-%d %H:%M") in body

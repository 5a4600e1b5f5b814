"""Shopper notifications: arrived, reminder, expired; each once, skipped when moot, SMS held in quiet hours."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail

from orders import sms
from orders.lifecycle import TRANSITIONS, parcel_transition
from orders.models import Notification, Parcel
from orders.notifications import (
    ON_STATUS,
    notification_send,
    notifications_create,
    notifications_due,
    notifications_remind_due,
    sms_send_after,
)
from orders.pickup_codes import pickup_code_for

TPE = ZoneInfo("Asia/Taipei")
N = Notification.Status
K = Notification.Kind
DAYTIME = datetime(2025, 5, 6, 14, 0, tzinfo=TPE)
GATHER = timedelta(minutes=settings.PICKUP_MESSAGE_GATHER_MINUTES)
GATHERED = DAYTIME + GATHER


@pytest.fixture
def daytime():
    with mock.patch("django.utils.timezone.now", return_value=DAYTIME):
        yield DAYTIME


def test_arrival_sends_one_email_and_one_sms_with_code_and_deadline(make_parcel, commit, daytime, send_due):
    # when the parcel is scanned in at the store (whoever does it, through the gate)
    with commit():
        parcel = make_parcel("at_store")
    # then the messages wait for the order's other parcels a while, then go out
    assert len(mail.outbox) == 0 and len(sms.outbox) == 0
    assert send_due(GATHERED - timedelta(seconds=1)) == []
    assert send_due(GATHERED) == [N.SENT, N.SENT]
    code = pickup_code_for(parcel.order)
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    assert mail.outbox[0].to == ["mei@mail.example"] and parcel.order.reference in mail.outbox[0].subject
    for body in (mail.outbox[0].body, sms.outbox[0].body):
        assert code in body and "2025-05-13 23:59" in body and f"/track/?number={parcel.tracking_number}" in body
    assert sms.outbox[0].to == "0912345678"
    assert set(Notification.objects.values_list("kind", "channel", "status")) == {
        (K.ARRIVED, "email", N.SENT),
        (K.ARRIVED, "sms", N.SENT),
    }


def test_each_notification_is_sent_exactly_once_however_often_it_is_triggered(make_parcel, commit, daytime, send_due):
    with commit():
        parcel = make_parcel("at_store")
    send_due(GATHERED)
    with commit():
        notifications_create(parcel=parcel, kind=K.ARRIVED)
    for notification in Notification.objects.all():
        assert notification_send(notification_id=notification.pk, now=GATHERED) is None
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1 and Notification.objects.count() == 2


def test_a_channel_missing_beside_an_existing_one_is_still_created(make_parcel, commit, daytime):
    # given the arrival SMS exists but the email does not (the shopper added an address since)
    with commit():
        parcel = make_parcel("at_store")
    Notification.objects.filter(parcel=parcel, channel=Notification.Channel.EMAIL).delete()
    # when the arrival notifications are created again
    with commit():
        created = notifications_create(parcel=parcel, kind=K.ARRIVED)
    # then only the email is new
    assert [n.channel for n in created] == [Notification.Channel.EMAIL]
    assert Notification.objects.filter(parcel=parcel, kind=K.ARRIVED).count() == 2


def test_no_email_when_the_shopper_gave_none(make_parcel, commit, daytime, send_due):
    with commit():
        make_parcel("at_store", shopper_email="")
    send_due(GATHERED)
    assert len(mail.outbox) == 0 and len(sms.outbox) == 1


def test_sms_in_quiet_hours_waits_for_the_morning_and_email_does_not(make_parcel, commit, send_due):
    # given a scan-in at 22:30 store time
    late = datetime(2025, 5, 6, 22, 30, tzinfo=TPE)
    with mock.patch("django.utils.timezone.now", return_value=late), commit():
        make_parcel("at_store")
    # then the email goes once gathered, the SMS waits for 08:00
    assert send_due(late + GATHER) == [N.SENT]
    held = Notification.objects.get(channel="sms")
    assert len(mail.outbox) == 1 and len(sms.outbox) == 0
    assert held.status == N.PENDING and held.send_after == datetime(2025, 5, 7, 8, 0, tzinfo=TPE)
    assert notifications_due(now=datetime(2025, 5, 7, 7, 59, tzinfo=TPE)) == []
    # when the morning job runs
    morning = datetime(2025, 5, 7, 8, 0, tzinfo=TPE)
    assert notifications_due(now=morning) == [held.pk]
    assert notification_send(notification_id=held.pk, now=morning) == N.SENT
    assert len(sms.outbox) == 1


@pytest.mark.parametrize(
    "moment,expected",
    [
        (datetime(2025, 5, 6, 20, 59, tzinfo=TPE), datetime(2025, 5, 6, 20, 59, tzinfo=TPE)),
        (datetime(2025, 5, 6, 21, 0, tzinfo=TPE), datetime(2025, 5, 7, 8, 0, tzinfo=TPE)),
        (datetime(2025, 5, 7, 3, 0, tzinfo=TPE), datetime(2025, 5, 7, 8, 0, tzinfo=TPE)),
        (datetime(2025, 5, 7, 8, 0, tzinfo=TPE), datetime(2025, 5, 7, 8, 0, tzinfo=TPE)),
    ],
)
def test_quiet_hours_boundaries_in_store_time(moment, expected):
    assert sms_send_after(moment.astimezone(ZoneInfo("UTC")), TPE) == expected


def test_a_message_due_after_pickup_is_skipped_not_sent(make_parcel, commit):
    # given the arrival SMS held overnight
    late = datetime(2025, 5, 6, 22, 30, tzinfo=TPE)
    with mock.patch("django.utils.timezone.now", return_value=late), commit():
        parcel = make_parcel("at_store")
    # when the shopper collects before the morning
    parcel_transition(parcel=parcel, to=Parcel.Status.PICKED_UP, actor_label="test")
    held = Notification.objects.get(channel="sms")
    # then
    assert notification_send(notification_id=held.pk, now=datetime(2025, 5, 7, 8, 0, tzinfo=TPE)) == N.SKIPPED
    held.refresh_from_db()
    assert held.status == N.SKIPPED and "Picked up" in held.note and len(sms.outbox) == 0


def test_reminder_two_days_before_the_deadline_once(make_parcel, commit, daytime, send_due):
    # given a parcel at the store since today (deadline 7 days on)
    with commit():
        parcel = make_parcel("at_store")
    assert parcel.hold_deadline == datetime(2025, 5, 13, 23, 59, 59, tzinfo=TPE)
    # when the hourly job runs before and after the reminder time
    assert notifications_remind_due(now=datetime(2025, 5, 11, 23, 0, tzinfo=TPE)) == 0
    reminder_time = datetime(2025, 5, 12, 0, 0, tzinfo=TPE)
    with mock.patch("django.utils.timezone.now", return_value=reminder_time), commit():
        assert notifications_remind_due(now=reminder_time) == 1
        assert notifications_remind_due(now=reminder_time + timedelta(hours=1)) == 0
    # then one reminder per channel; the SMS (midnight) waits for the morning
    send_due(reminder_time + GATHER)
    reminders = Notification.objects.filter(kind=K.REMINDER)
    assert reminders.count() == 2
    assert "Reminder" in mail.outbox[-1].subject and "2025-05-13 23:59" in mail.outbox[-1].body
    sms_reminder = reminders.get(channel="sms")
    assert sms_reminder.status == N.PENDING and sms_reminder.send_after == datetime(2025, 5, 12, 8, 0, tzinfo=TPE)


def test_no_reminder_for_a_parcel_already_collected(make_parcel, commit, daytime):
    with commit():
        make_parcel("picked_up")
    assert notifications_remind_due(now=DAYTIME + timedelta(days=6)) == 0


def test_expiry_tells_the_shopper_the_parcel_is_going_back(make_parcel, commit, daytime, send_due):
    with commit():
        parcel = make_parcel("at_store")
        parcel_transition(parcel=parcel, to=Parcel.Status.EXPIRED, actor_label="expiry job")
    send_due(GATHERED)
    expired = Notification.objects.filter(kind=K.EXPIRED)
    assert set(expired.values_list("channel", "status")) == {("email", N.SENT), ("sms", N.SENT)}
    assert "going back" in mail.outbox[-1].subject and "going back to Shop" in sms.outbox[-1].body


def test_a_failing_sms_provider_is_retried_then_given_up(make_parcel, commit, daytime, settings, send_due):
    settings.SMS_BACKEND = "tests.orders.test_notifications.BrokenSms"
    with commit():
        make_parcel("at_store")
    send_due(GATHERED)
    failing = Notification.objects.get(channel="sms")
    assert failing.status == N.PENDING and failing.attempt_count == 1 and "gateway down" in failing.note
    for _ in range(4):
        Notification.objects.filter(pk=failing.pk).update(send_after=DAYTIME)
        notification_send(notification_id=failing.pk)
    failing.refresh_from_db()
    assert failing.status == N.FAILED and failing.attempt_count == 5


def test_the_beat_tasks_send_what_is_due(make_parcel, commit):
    from orders import tasks

    late = datetime(2025, 5, 6, 22, 30, tzinfo=TPE)
    with mock.patch("django.utils.timezone.now", return_value=late), commit():
        make_parcel("at_store")
    with mock.patch("django.utils.timezone.now", return_value=late + timedelta(hours=10)):
        assert tasks.notifications_send_due.run() == 2  # the email, gathered, and the SMS held overnight
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1


class BrokenSms(sms.BaseSmsBackend):
    def send_messages(self, messages):
        raise ConnectionError("gateway down")


def test_console_backend_prints(capsys):
    sms.ConsoleSmsBackend().send_messages([sms.SmsMessage(to="0912", body="hello")])
    assert "SMS to 0912\nhello" in capsys.readouterr().out


def test_the_statuses_that_notify_are_entered_once_in_a_parcels_life():
    # The gate creates their messages without a savepoint (first=True): no move may lead back to them.
    for status in ON_STATUS:
        after, frontier = set(), list(TRANSITIONS[status])
        while frontier:
            nxt = frontier.pop()
            if nxt not in after:
                after.add(nxt)
                frontier.extend(TRANSITIONS[nxt])
        assert status not in after, (
            f"{status} can be entered twice: its messages need notifications_create(first=False)"
        )

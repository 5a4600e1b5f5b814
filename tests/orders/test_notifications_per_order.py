"""One message per order, in the order's language: an order's parcels arriving in one drop are told in
one message that lists them and states the code, the cash due, the store's hours and the deadline."""

from contextlib import contextmanager
from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail

from orders import sms, tasks
from orders.models import Notification, Parcel
from orders.pickup_codes import pickup_code_for
from orders.services.counter import handover_confirm, parcel_scan_in
from stores.models import OpeningHours
from tests.conftest import walk
from tests.factories import OrderFactory, ParcelFactory

TPE = ZoneInfo("Asia/Taipei")
N = Notification.Status
K = Notification.Kind
S = Parcel.Status
GATHER = timedelta(minutes=settings.PICKUP_MESSAGE_GATHER_MINUTES)
MORNING = datetime(2025, 5, 6, 10, 0, tzinfo=TPE)


@pytest.fixture
def at(commit):
    """Run a block at a moment, committing what it queues."""

    @contextmanager
    def _at(moment):
        with mock.patch("django.utils.timezone.now", return_value=moment), commit():
            yield

    return _at


@pytest.fixture
def order_of(merchant, store):
    def _make(parcels: int = 1, **fields):
        order = OrderFactory(merchant=merchant, pickup_store=store, **fields)
        for _ in range(parcels):
            walk(ParcelFactory(order=order), S.IN_TRANSIT)
        return order

    return _make


def _arrive(parcels):
    for parcel in parcels:
        walk(parcel, S.AT_STORE)


def test_an_orders_parcels_arriving_together_are_told_in_one_message(order_of, at, send_due):
    # given an order of three parcels on the truck
    order = order_of(parcels=3)
    parcels = list(order.parcels.order_by("pk"))
    # when the clerk scans them in one after another within the gathering window
    for minute, parcel in enumerate(parcels):
        with at(MORNING + timedelta(minutes=minute)):
            _arrive([parcel])
    # then the first parcel's email and SMS go out when due, taking the later parcels' rows along
    assert send_due(MORNING + GATHER) == [N.SENT, N.SENT]
    assert send_due(MORNING + GATHER + timedelta(minutes=2)) == []
    # so one email and one SMS for the order list all three parcels
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    for body in (mail.outbox[0].body, sms.outbox[0].body):
        assert "Parcels (3)" in body and all(p.tracking_number in body for p in parcels)
        assert body.count(pickup_code_for(order)) == 1
    assert order.reference in mail.outbox[0].subject
    # and each parcel's row records that it was told, with the same text
    rows = Notification.objects.filter(kind=K.ARRIVED)
    assert rows.count() == 6 and set(rows.values_list("status", flat=True)) == {N.SENT}
    assert rows.filter(channel="sms").values("body").distinct().count() == 1


def test_a_parcel_of_the_order_arriving_another_day_gets_its_own_message(order_of, at, send_due):
    # given two parcels of one order told on their arrival day
    order = order_of(parcels=2)
    first, second = order.parcels.order_by("pk")
    with at(MORNING):
        _arrive([first])
    send_due(MORNING + GATHER)
    # when the other parcel arrives the next day
    next_day = MORNING + timedelta(days=1)
    with at(next_day):
        _arrive([second])
    send_due(next_day + GATHER)
    # then a second message names only that parcel, with the same pickup code
    assert len(sms.outbox) == 2
    latest = sms.outbox[1].body
    assert "Parcels (1)" in latest and second.tracking_number in latest and first.tracking_number not in latest
    assert pickup_code_for(order) in latest


def test_the_arrival_message_states_code_cash_store_hours_and_deadline(order_of, store, at, send_due):
    # given a store with weekday and weekend hours, and an order paid in cash on pickup
    store.is_24h = False
    store.name = "7-ELEVEN 大安門市"
    store.save()
    for day in range(7):
        opens, closes = (time(7), time(23)) if day < 5 else (time(8), time(22))
        OpeningHours.objects.create(store=store, weekday=day, opens=opens, closes=closes)
    order = order_of(cash_on_pickup=1250, language="en")
    with at(MORNING):
        _arrive(order.parcels.all())
    send_due(MORNING + GATHER)
    body = sms.outbox[0].body
    assert f"Pickup code: {pickup_code_for(order)}" in body
    assert "Cash to pay at pickup: 1,250 TWD." in body
    assert "7-ELEVEN 大安門市" in body
    assert "Opening hours: Monday–Friday 07:00–23:00, Saturday–Sunday 08:00–22:00" in body
    assert "Collect by 2025-05-13 23:59." in body
    # and the same in Chinese
    chinese = order_of(cash_on_pickup=1250, language="zh-hant")
    with at(MORNING):
        _arrive(chinese.parcels.all())
    send_due(MORNING + GATHER)
    assert "營業時間：星期一–星期五 07:00–23:00；星期六–星期日 08:00–22:00" in sms.outbox[1].body


def test_no_cash_line_when_nothing_is_due(order_of, at, send_due):
    order = order_of(cash_on_pickup=0, language="en")
    with at(MORNING):
        _arrive(order.parcels.all())
    send_due(MORNING + GATHER)
    assert "Pickup code:" in sms.outbox[0].body and "Cash" not in sms.outbox[0].body
    assert "Open 24 hours" in sms.outbox[0].body


def test_cash_collected_at_an_earlier_handover_is_not_asked_again(order_of, store, clerk, at, send_due):
    # given an order paid on pickup whose first parcel was collected, cash and all
    order = order_of(parcels=2, cash_on_pickup=1250, language="en")
    first, second = order.parcels.order_by("pk")
    code = pickup_code_for(order)
    with at(MORNING):
        parcel_scan_in(code=first.tracking_number, store=store, clerk=clerk)
    send_due(MORNING + GATHER)
    assert "1,250 TWD" in sms.outbox[0].body
    with at(MORNING + timedelta(hours=2)):
        handover_confirm(
            code=code, store=store, clerk=clerk, tracking_numbers=[first.tracking_number], cash_received=True
        )
    # when the second parcel arrives the next day
    next_day = MORNING + timedelta(days=1)
    with at(next_day):
        parcel_scan_in(code=second.tracking_number, store=store, clerk=clerk)
    send_due(next_day + GATHER)
    # then its message asks for no cash
    assert len(sms.outbox) == 2 and "Cash" not in sms.outbox[1].body


@pytest.mark.parametrize(
    "language,expected",
    [
        (
            "zh-hant",
            [
                "已可取貨",
                "取貨碼：",
                "取貨時請付現金：新台幣 1,250 元。",
                "營業時間：24 小時營業",
                "請於 2025-05-13 23:59 前取貨。",
            ],
        ),
        (
            "en",
            [
                "is ready for pickup",
                "Pickup code:",
                "Cash to pay at pickup: 1,250 TWD.",
                "Opening hours: Open 24 hours",
            ],
        ),
    ],
)
def test_messages_are_written_in_the_orders_language(order_of, at, send_due, language, expected):
    order = order_of(cash_on_pickup=1250, language=language)
    with at(MORNING):
        _arrive(order.parcels.all())
    send_due(MORNING + GATHER)
    text = mail.outbox[0].subject + "\n" + mail.outbox[0].body
    assert all(phrase in text for phrase in expected), text
    assert all(phrase in sms.outbox[0].body for phrase in expected[1:])


def test_reminder_and_expiry_in_chinese_one_per_order(order_of, at, send_due):
    # given a two-parcel order in Chinese at the store
    order = order_of(parcels=2, language="zh-hant")
    with at(MORNING):
        _arrive(order.parcels.all())
    send_due(MORNING + GATHER)
    # when the reminder job runs, then the hold ends
    reminder_time = datetime(2025, 5, 12, 10, 0, tzinfo=TPE)
    with at(reminder_time):
        tasks.notifications_remind.run()
    send_due(reminder_time + GATHER)
    expiry_time = datetime(2025, 5, 14, 10, 0, tzinfo=TPE)
    with at(expiry_time):
        for parcel in order.parcels.all():
            walk(parcel, S.EXPIRED)
    send_due(expiry_time + GATHER)
    # then arrival, reminder and expiry: one SMS each, in Chinese
    bodies = [message.body for message in sms.outbox]
    assert len(bodies) == 3
    assert "正在" in bodies[1] and "包裹（2 件）" in bodies[1]
    assert "未在期限內" in bodies[2] and "退回" in bodies[2] and "包裹（2 件）" in bodies[2]
    assert mail.outbox[1].subject.startswith("提醒：")


def test_sending_twice_or_from_each_parcels_task_sends_one_message(order_of, at):
    # given an order's two parcels arrived together
    order = order_of(parcels=2)
    with at(MORNING):
        _arrive(order.parcels.all())
    # when the beat's sweep runs twice, and every row's own task runs too (as queued at scan-in)
    with mock.patch("django.utils.timezone.now", return_value=MORNING + GATHER):
        assert tasks.notifications_send_due.run() == 4
        assert tasks.notifications_send_due.run() == 0
        for notification in Notification.objects.all():
            assert tasks.send_notification.run(notification.pk) is None
    # then one email and one SMS
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1


def test_a_parcel_collected_before_the_message_is_left_out(order_of, at, send_due):
    # given two parcels arrived; the SMS is held overnight, and one parcel leaves the shelf meanwhile
    order = order_of(parcels=2, shopper_email="")
    first, second = order.parcels.order_by("pk")
    late = datetime(2025, 5, 6, 22, 30, tzinfo=TPE)
    with at(late):
        _arrive([first, second])
    walk(first, S.EXPIRED)
    morning = datetime(2025, 5, 7, 8, 0, tzinfo=TPE)
    send_due(morning)
    # then the morning's message names only the parcel still there; the other's row says why not
    body = sms.outbox[-1].body
    assert len(sms.outbox) == 1 and second.tracking_number in body and first.tracking_number not in body
    skipped = Notification.objects.get(parcel=first, kind=K.ARRIVED)
    assert skipped.status == N.SKIPPED and "Not collected in time" in skipped.note

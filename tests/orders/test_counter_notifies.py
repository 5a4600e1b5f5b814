"""The counter and the shopper side meet at the gate's committed event: a scan-in at the counter
notifies the shopper and the merchant without the counter knowing about either."""

from datetime import timedelta
from unittest import mock

from django.core import mail
from django.utils import timezone

from orders.models import Notification, Parcel, WebhookDelivery
from orders.pickup_codes import pickup_code_for
from orders.services.counter import parcel_scan_in


def test_scan_in_sends_one_arrival_notice_with_the_code_and_one_webhook(
    make_parcel, store, clerk, django_capture_on_commit_callbacks, send_due, settings
):
    # given a parcel on its way, for a merchant with a webhook
    parcel = make_parcel(Parcel.Status.IN_TRANSIT)
    merchant = parcel.order.merchant
    merchant.webhook_url = "http://127.0.0.1:9/hook"
    merchant.save(update_fields=["webhook_url"])
    # when the clerk scans it in (the receiver is unreachable: delivery is attempted and logged)
    with (
        mock.patch("orders.webhooks.urllib.request.urlopen", side_effect=OSError("refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        parcel_scan_in(code=parcel.tracking_number, store=store, clerk=clerk)
    send_due(timezone.now() + timedelta(minutes=settings.PICKUP_MESSAGE_GATHER_MINUTES))
    # then the shopper is told once, with the pickup code, and the merchant's delivery is queued for the event
    arrived = Notification.objects.filter(parcel=parcel, kind=Notification.Kind.ARRIVED)
    assert sorted(arrived.values_list("channel", flat=True)) == sorted(Notification.Channel.values)
    assert any(pickup_code_for(parcel.order) in message.body for message in mail.outbox)
    assert WebhookDelivery.objects.filter(event__parcel=parcel, event__to_status=Parcel.Status.AT_STORE).count() == 1

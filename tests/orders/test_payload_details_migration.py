"""The data migration takes internal ids out of stored webhook payloads, so a replay does not send them."""

from django.utils import timezone

from tests.orders.conftest import migrate_orders as _migrate
from tests.orders.conftest import store_and_merchant

BEFORE = [("orders", "0013_return_requests_dropped_off_at_stores")]
AFTER = [("orders", "0014_sandbox_and_webhook_self_service")]


def test_stored_payloads_keep_only_public_details(migrator):
    # given a stored delivery of a `planned` event, with the run, region, vehicle and stop in its details
    apps = _migrate(migrator, BEFORE)
    Order = apps.get_model("orders", "Order")
    Parcel = apps.get_model("orders", "Parcel")
    ParcelEvent = apps.get_model("orders", "ParcelEvent")
    WebhookDelivery = apps.get_model("orders", "WebhookDelivery")
    store, merchant = store_and_merchant(apps)
    order = Order.objects.create(
        merchant=merchant, reference="A-1", shopper_name="Lin", shopper_phone="0912345678", pickup_store=store
    )
    parcel = Parcel.objects.create(
        order=order, tracking_number="100000000001", size_class="S", weight_g=1, volume_units=1
    )
    event = ParcelEvent.objects.create(parcel=parcel, seq=1, to_status="planned", created_at=timezone.now())
    details = {"run": 17, "region": 4, "vehicle": 9, "stop": 3, "reason": "deferred"}
    delivery = WebhookDelivery.objects.create(
        merchant=merchant,
        event=event,
        url=merchant.webhook_url,
        payload={"id": event.public_id, "type": "parcel.status_changed", "data": {"details": details}},
        give_up_after=8,
    )
    # when migrated forward
    apps = _migrate(migrator, AFTER)
    # then only the public part of the details is left, and the rest of the payload is as it was
    payload = apps.get_model("orders", "WebhookDelivery").objects.get(pk=delivery.pk).payload
    assert payload == {
        "id": event.public_id,
        "type": "parcel.status_changed",
        "data": {"details": {"reason": "deferred"}},
    }

"""The data migration gives existing orders, events and deliveries public ids, and rewrites stored payloads."""

from django.utils import timezone

from tests.orders.conftest import migrate_orders as _migrate
from tests.orders.conftest import store_and_merchant

BEFORE = [("orders", "0008_public_ids_add")]
AFTER = [("orders", "0010_public_ids_unique")]


def test_existing_rows_get_unique_public_ids_and_payloads_name_them(migrator):
    # given rows written before the public ids existed, with an old-style webhook payload
    apps = _migrate(migrator, BEFORE)
    Order = apps.get_model("orders", "Order")
    Parcel = apps.get_model("orders", "Parcel")
    ParcelEvent = apps.get_model("orders", "ParcelEvent")
    WebhookDelivery = apps.get_model("orders", "WebhookDelivery")
    store, merchant = store_and_merchant(apps)
    now = timezone.now()
    events = []
    for n in range(3):
        order = Order.objects.create(
            merchant=merchant, reference=f"A-{n}", shopper_name="Lin", shopper_phone="0912345678", pickup_store=store
        )
        parcel = Parcel.objects.create(
            order=order, tracking_number=f"10000000000{n}", size_class="S", weight_g=100, volume_units=1
        )
        events.append(ParcelEvent.objects.create(parcel=parcel, seq=1, to_status="created", created_at=now))
    old = WebhookDelivery.objects.create(
        merchant=merchant,
        event=events[0],
        url=merchant.webhook_url,
        payload={"id": f"evt_{events[0].pk}", "type": "parcel.status_changed", "data": {"order_id": 1}},
        give_up_after=8,
    )
    # when migrated forward
    apps = _migrate(migrator, AFTER)
    Order = apps.get_model("orders", "Order")
    ParcelEvent = apps.get_model("orders", "ParcelEvent")
    WebhookDelivery = apps.get_model("orders", "WebhookDelivery")
    # then every row has a distinct id with its prefix
    for model, prefix in ((Order, "ord_"), (ParcelEvent, "evt_"), (WebhookDelivery, "dlv_")):
        ids = list(model.objects.values_list("public_id", flat=True))
        assert all(i.startswith(prefix) and len(i) == len(prefix) + 20 for i in ids), ids
        assert len(set(ids)) == len(ids) == model.objects.count()
    # and the stored payload names the event and the order as the API now does
    delivery = WebhookDelivery.objects.get(pk=old.pk)
    event = ParcelEvent.objects.get(pk=events[0].pk)
    assert delivery.payload["id"] == event.public_id
    assert delivery.payload["data"]["order_id"] == Order.objects.get(pk=event.parcel.order_id).public_id
    assert delivery.payload["type"] == "parcel.status_changed"

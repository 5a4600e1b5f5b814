"""Give every existing order, event and delivery its public id, and put the new ids into the stored
webhook payloads, so a replayed delivery names its order and event as the API now does."""

from django.db import migrations

import orders.models

BATCH = 2000


def _fill(model, new_id) -> None:
    while True:
        rows = list(model.objects.filter(public_id__isnull=True).order_by("pk")[:BATCH])
        if not rows:
            return
        for row in rows:
            row.public_id = new_id()
        model.objects.bulk_update(rows, ["public_id"])


def _rewrite_payloads(WebhookDelivery) -> None:
    last_pk = 0
    while True:
        rows = list(
            WebhookDelivery.objects.filter(pk__gt=last_pk).select_related("event__parcel__order").order_by("pk")[:BATCH]
        )
        if not rows:
            return
        for row in rows:
            payload = dict(row.payload)
            payload["id"] = row.event.public_id
            payload["data"] = {**payload.get("data", {}), "order_id": row.event.parcel.order.public_id}
            row.payload = payload
        WebhookDelivery.objects.bulk_update(rows, ["payload"])
        last_pk = rows[-1].pk


def backfill(apps, schema_editor):
    _fill(apps.get_model("orders", "Order"), orders.models.new_order_public_id)
    _fill(apps.get_model("orders", "ParcelEvent"), orders.models.new_event_public_id)
    WebhookDelivery = apps.get_model("orders", "WebhookDelivery")
    _fill(WebhookDelivery, orders.models.new_delivery_public_id)
    _rewrite_payloads(WebhookDelivery)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_public_ids_add"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

from django.db import migrations, models

import orders.models


def _unique(default) -> models.CharField:
    return models.CharField(default=default, editable=False, max_length=32, unique=True, verbose_name="public id")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0009_public_ids_backfill"),
    ]

    operations = [
        migrations.AlterField(model_name="order", name="public_id", field=_unique(orders.models.new_order_public_id)),
        migrations.AlterField(
            model_name="parcelevent", name="public_id", field=_unique(orders.models.new_event_public_id)
        ),
        migrations.AlterField(
            model_name="webhookdelivery", name="public_id", field=_unique(orders.models.new_delivery_public_id)
        ),
    ]

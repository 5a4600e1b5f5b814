"""Public ids for orders, events and webhook deliveries, in three steps: a nullable column, the backfill
(0009), then unique and required (0010). Apart, so PostgreSQL never alters a table it has just updated
rows of in the same transaction."""

from django.db import migrations, models


def _nullable() -> models.CharField:
    return models.CharField(editable=False, max_length=32, null=True, verbose_name="public id")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_dc_floor_after_event_seq"),
    ]

    operations = [
        migrations.AddField(model_name="order", name="public_id", field=_nullable()),
        migrations.AddField(model_name="parcelevent", name="public_id", field=_nullable()),
        migrations.AddField(model_name="webhookdelivery", name="public_id", field=_nullable()),
    ]

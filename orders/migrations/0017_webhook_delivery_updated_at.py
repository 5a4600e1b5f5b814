import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import Coalesce, Greatest


def from_history(apps, schema_editor):
    """Existing deliveries were last changed by their latest attempt (or when they were created)."""
    WebhookDelivery = apps.get_model("orders", "WebhookDelivery")
    WebhookAttempt = apps.get_model("orders", "WebhookAttempt")
    latest = models.Subquery(
        WebhookAttempt.objects.filter(delivery=models.OuterRef("pk")).order_by("-started_at").values("started_at")[:1]
    )
    WebhookDelivery.objects.update(
        updated_at=Greatest("created_at", Coalesce("delivered_at", "created_at"), Coalesce(latest, "created_at"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0016_order_parcel_updated_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="updated_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="updated"),
        ),
        migrations.RunPython(from_history, migrations.RunPython.noop),
    ]

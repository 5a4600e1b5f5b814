from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce


def number_existing_events(apps, schema_editor):
    Parcel = apps.get_model("orders", "Parcel")
    ParcelEvent = apps.get_model("orders", "ParcelEvent")
    newest = ParcelEvent.objects.filter(parcel=OuterRef("pk")).values("parcel").annotate(seq=Max("seq")).values("seq")
    Parcel.objects.update(last_event_seq=Coalesce(Subquery(newest), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_webhook_attempt_ordering_by_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="parcel",
            name="last_event_seq",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="last event number"),
        ),
        migrations.RunPython(number_existing_events, migrations.RunPython.noop),
    ]

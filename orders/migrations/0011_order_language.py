from django.db import migrations, models

TAIWAN_TIME_ZONE = "Asia/Taipei"


def orders_in_taiwan_read_chinese(apps, schema_editor):
    """Orders placed before the checkout recorded a language follow the rule new ones get by default:
    zh-Hant for a pickup store in Taiwan (orders.services.ordering.order_language_default)."""
    Order = apps.get_model("orders", "Order")
    Order.objects.filter(pickup_store__time_zone=TAIWAN_TIME_ZONE).update(language="zh-hant")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0010_public_ids_unique"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("zh-hant", "Traditional Chinese")],
                default="en",
                max_length=8,
                verbose_name="shopper's language",
            ),
        ),
        migrations.RunPython(orders_in_taiwan_read_chinese, migrations.RunPython.noop, elidable=True),
    ]

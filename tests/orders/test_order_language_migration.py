"""Orders placed before the checkout recorded a language get the default rule: zh-Hant at a store in Taiwan."""

from tests.orders.conftest import migrate_orders as _migrate

BEFORE = [("orders", "0010_public_ids_unique")]
AFTER = [("orders", "0011_order_language")]


def test_existing_orders_at_stores_in_taiwan_read_chinese_others_the_site_language(migrator):
    # given orders at a store in Taipei and at one in Tokyo, placed before the field existed
    apps = _migrate(migrator, BEFORE)
    DC = apps.get_model("stores", "DistributionCenter")
    Region = apps.get_model("stores", "Region")
    Store = apps.get_model("stores", "Store")
    Merchant = apps.get_model("orders", "Merchant")
    Order = apps.get_model("orders", "Order")
    dc = DC.objects.create(code="DC1", name="DC", address="1 Depot Rd", latitude="25.06", longitude="121.42")
    region = Region.objects.create(code="R1", name="R", dc=dc)
    merchant = Merchant.objects.create(code="SHOP", name="Shop")
    for code, zone in (("TPE", "Asia/Taipei"), ("TYO", "Asia/Tokyo")):
        store = Store.objects.create(
            code=code,
            name=code,
            address="1 Heping Rd",
            postal_code="106",
            latitude="25.02",
            longitude="121.54",
            region=region,
            time_zone=zone,
        )
        Order.objects.create(
            merchant=merchant, reference=code, shopper_name="Lin", shopper_phone="0912345678", pickup_store=store
        )
    # when the field is added
    apps = _migrate(migrator, AFTER)
    # then
    languages = dict(apps.get_model("orders", "Order").objects.values_list("reference", "language"))
    assert languages == {"TPE": "zh-hant", "TYO": "en"}

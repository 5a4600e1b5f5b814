"""The demo shop's checkout: renders, refuses without a store, places the order through the ordering service."""

import pytest
from django.urls import reverse

from orders.models import Order
from tests.factories import MerchantFactory, StoreFactory

CHECKOUT = reverse("demo_shop:checkout")


@pytest.fixture
def shop(settings, db):
    return MerchantFactory(
        code=settings.PICKUP_DEMO_SHOP_MERCHANT, name="Book Nook", allowed_origins="http://testserver"
    )


def _form(store_code, **extra):
    return {"name": "Lin Mei-Ling", "phone": "0912 345 678", "email": "", "store_code": store_code, **extra}


def test_checkout_renders_with_a_picker_link_for_this_origin(client, shop):
    html = client.get(CHECKOUT).content.decode()
    assert (
        "Choose a pickup store" in html and "origin=http%3A%2F%2Ftestserver" in html and f"merchant={shop.code}" in html
    )


def test_checkout_without_demo_data_is_404_with_a_hint(client, db):
    assert client.get(CHECKOUT).status_code == 404


def test_placing_an_order_goes_through_the_service_and_shows_the_tracking_number(client, shop, store):
    response = client.post(CHECKOUT, _form(store.code, pay_on_pickup="on"))
    order = Order.objects.get()
    assert response.status_code == 302 and order.merchant == shop and order.cash_on_pickup == 450
    assert order.parcels.get().events.get().actor_label == f"merchant:{shop.code}"
    thanks = client.get(response["Location"]).content.decode()
    assert order.parcels.get().tracking_number in thanks
    # another visitor cannot see it
    client.cookies.clear()
    assert client.get(response["Location"]).status_code == 404


def test_missing_store_and_a_store_that_cannot_take_the_parcel_are_explained(client, shop, region):
    assert "Choose a pickup store." in client.post(CHECKOUT, _form("")).content.decode()
    heavy_only = StoreFactory(region=region, max_weight_g=500)
    response = client.post(CHECKOUT, _form(heavy_only.code))
    assert response.status_code == 400 and "up to 500 g" in response.content.decode()
    assert not Order.objects.exists()


def test_checkout_in_chinese(client, shop):
    assert "選擇取貨門市" in client.get(CHECKOUT, HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()

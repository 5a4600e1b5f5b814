"""The shopper's language: the checkout records it (API, demo shop, picker), a store in Taiwan reads
Traditional Chinese by default, and an unknown language is refused naming the field."""

import pytest
from django.urls import reverse

from orders.models import Order
from orders.services.ordering import order_language_default
from tests.factories import MerchantFactory, StoreFactory
from tests.orders.conftest import order_body

ORDERS = "/api/v1/orders/"
CHECKOUT = reverse("demo_shop:checkout")


@pytest.fixture
def tokyo_store(region):
    return StoreFactory(region=region, code="T001", time_zone="Asia/Tokyo")


def test_the_language_the_checkout_gives_is_recorded_and_returned(api, store):
    response = api.post(ORDERS, order_body(store, language="en"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["language"] == "en"
    assert Order.objects.get().language == "en"


@pytest.mark.parametrize("body", [{}, {"language": None}])
def test_without_a_language_a_store_in_taiwan_reads_traditional_chinese(api, store, body):
    assert store.time_zone == "Asia/Taipei"
    response = api.post(ORDERS, order_body(store, **body), format="json")
    assert response.status_code == 201 and response.json()["language"] == "zh-hant"


def test_without_a_language_a_store_elsewhere_reads_the_site_language(api, tokyo_store, settings):
    response = api.post(ORDERS, order_body(tokyo_store), format="json")
    assert response.status_code == 201 and response.json()["language"] == settings.LANGUAGE_CODE == "en"
    settings.LANGUAGE_CODE = "zh-hant"
    assert order_language_default(tokyo_store) == "zh-hant"


@pytest.mark.parametrize("language", ["fr", "zh-Hans", ""])
def test_an_unknown_language_is_400_naming_the_field(api, store, language):
    response = api.post(ORDERS, order_body(store, language=language), format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["language"]
    assert not Order.objects.exists()


@pytest.fixture
def shop(settings, db):
    return MerchantFactory(
        code=settings.PICKUP_DEMO_SHOP_MERCHANT, name="Book Nook", allowed_origins="http://testserver"
    )


def _form(store_code, **extra):
    return {"name": "Lin Mei-Ling", "phone": "0912 345 678", "email": "", "store_code": store_code, **extra}


@pytest.mark.parametrize("page_language", ["en", "zh-hant"])
def test_the_demo_shop_records_the_language_of_its_page(client, shop, tokyo_store, page_language):
    # given the checkout page in the shopper's language; it carries that language in the form
    page = client.get(CHECKOUT, HTTP_ACCEPT_LANGUAGE=page_language).content.decode()
    assert f'name="language" value="{page_language}"' in page
    # when the form is posted as the page filled it
    response = client.post(CHECKOUT, _form(tokyo_store.code, language=page_language))
    # then the order reads the page's language, not the store's default
    assert response.status_code == 302 and Order.objects.get().language == page_language


def test_the_demo_shop_falls_back_to_the_page_language_and_refuses_an_unknown_one(client, shop, store):
    response = client.post(CHECKOUT, _form(store.code, language="xx"))
    assert response.status_code == 400 and "Language:" in response.content.decode()
    assert not Order.objects.exists()
    response = client.post(CHECKOUT, _form(store.code), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and Order.objects.get().language == "en"


def test_the_admin_shows_and_filters_by_language(client, operator, make_parcel):
    order = make_parcel("created", language="zh-hant").order
    client.force_login(operator)
    changelist = client.get(reverse("admin:orders_order_changelist"), {"language__exact": "zh-hant"})
    assert list(changelist.context["cl"].queryset) == [order]
    form = client.get(reverse("admin:orders_order_change", args=[order.pk])).context["adminform"].form
    assert form.initial["language"] == "zh-hant"

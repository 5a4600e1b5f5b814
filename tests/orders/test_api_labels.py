"""Parcel labels over the merchant API: a 100 × 150 mm PDF page per parcel, in the merchant's language,
with barcodes that decode to the tracking number; only for the merchant's own parcels."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ParcelFactory
from tests.labels import printed_codes
from tests.orders.conftest import client_for
from tests.pdfs import embedded_fonts, page_count, page_size_mm, page_text

STORE_NAME = "全家信義松仁店"


@pytest.fixture
def order(store, merchant):
    store.name = STORE_NAME
    store.save(update_fields=["name"])
    first = ParcelFactory(
        order__merchant=merchant,
        order__pickup_store=store,
        order__reference="A-1001",
        order__cash_on_pickup=1250,
        temperature_class="chilled",
        fragile=True,
    )
    ParcelFactory(order=first.order, size_class="M", weight_g=2500)
    return first.order


def parcel_label(api, tracking_number, **headers):
    return api.get(reverse("api:parcel-label", args=[tracking_number]), **headers)


def test_a_parcel_label_is_one_100_by_150_mm_page_in_the_merchants_language(api, order, store):
    # given: the merchant's language is Traditional Chinese (the default); the caller asks in English
    parcel = order.parcels.order_by("id").first()
    # when
    response = parcel_label(api, parcel.tracking_number, HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert page_count(data) == 1 and page_size_mm(data) == (100.0, 150.0)
    text = page_text(data)
    for words in (STORE_NAME, store.code, "DC1 R1", "取貨付款：NT$1,250", "冷藏", "易碎", "第 1 件，共 2 件", "A-1001"):
        assert words in text, words
    assert order.merchant.name in text
    assert [name for name in embedded_fonts(data) if name.startswith("WenQuanYiMicroHei")]


def test_both_barcodes_decode_to_the_tracking_number(api, order):
    parcel = order.parcels.order_by("id").first()
    codes = printed_codes(parcel_label(api, parcel.tracking_number).content)
    assert codes == {"Code128": parcel.tracking_number, "QRCode": parcel.tracking_number}


def test_an_english_merchant_gets_english_labels(api, order):
    # given
    order.merchant.language = "en"
    order.merchant.save(update_fields=["language"])
    parcel = order.parcels.order_by("id").last()
    # when
    text = page_text(parcel_label(api, parcel.tracking_number, HTTP_ACCEPT_LANGUAGE="zh-hant").content)
    # then: the second parcel, ambient and sturdy, on a cash order
    assert "Parcel 2 of 2" in text and "Cash on pickup: NT$1,250" in text and "Size M, 2.5 kg" in text
    assert "Chilled" not in text and "Fragile" not in text
    assert STORE_NAME in text


def test_the_order_label_has_a_page_per_parcel(api, order):
    # when
    response = api.get(reverse("api:order-label", args=[order.public_id]), HTTP_ACCEPT="application/pdf")
    # then
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert page_count(data) == 2
    for index, parcel in enumerate(order.parcels.order_by("id")):
        assert page_size_mm(data, index) == (100.0, 150.0)
        assert f"第 {index + 1} 件，共 2 件" in page_text(data, index)
        assert printed_codes(data, index)["Code128"] == parcel.tracking_number


def test_a_prepaid_ambient_parcel_says_prepaid_and_carries_no_marks(api, merchant, store):
    parcel = ParcelFactory(order__merchant=merchant, order__pickup_store=store)
    text = page_text(parcel_label(api, parcel.tracking_number).content)
    assert "已付款" in text and "冷藏" not in text and "冷凍" not in text and "易碎" not in text


def test_a_planned_parcel_is_sorted_to_its_route_and_stop(planned_run, merchant):
    # given: a parcel the batch put on a route
    entry = planned_run.parcels.filter(kind="deliver", stop__isnull=False).select_related("stop__route").first()
    stop = entry.stop
    # when
    text = page_text(parcel_label(client_for(merchant), entry.parcel.tracking_number).content)
    # then
    region = entry.parcel.order.pickup_store.region
    assert f"{region.dc.code} {region.code} R{stop.route.number}-{stop.position:02d}" in text


def test_another_merchants_parcel_and_order_are_not_found(order, rival_api):
    parcel = order.parcels.first()
    for url in (
        reverse("api:parcel-label", args=[parcel.tracking_number]),
        reverse("api:order-label", args=[order.public_id]),
    ):
        response = rival_api.get(url, HTTP_ACCEPT="application/pdf")
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json" and "detail" in response.json()


def test_an_unknown_tracking_number_is_not_found_and_no_key_is_401(api, client, order):
    assert parcel_label(api, "000000000000").status_code == 404
    assert client.get(reverse("api:parcel-label", args=[order.parcels.first().tracking_number])).status_code == 401


def test_the_schema_documents_the_labels_as_pdf(client, db):
    schema = client.get("/api/v1/schema/?format=json").json()
    for path in ("/api/v1/parcels/{tracking_number}/label/", "/api/v1/orders/{order_id}/label/"):
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        assert list(content) == ["application/pdf"]
        assert content["application/pdf"]["schema"] == {"type": "string", "format": "binary"}


def test_the_order_label_reads_the_same_few_rows_however_many_parcels(api, order):
    # given
    url = reverse("api:order-label", args=[order.public_id])
    api.get(url)  # the key's first use of the minute is recorded once
    with CaptureQueriesContext(connection) as two:
        api.get(url)
    for _ in range(4):
        ParcelFactory(order=order)
    # when
    with CaptureQueriesContext(connection) as six:
        response = api.get(url)
    # then
    assert page_count(response.content) == 6
    assert len(six) == len(two)

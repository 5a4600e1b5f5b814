"""The driver's PDF manifest speaks the reader's language and prints Chinese store names as glyphs."""

import pytest
from django.urls import reverse

from orders.models import Parcel
from tests.conftest import PLAN_DAY
from tests.pdfs import embedded_fonts, page_text

STORE_NAME = "全家信義松仁店"


@pytest.fixture
def route(planned_run):
    route = planned_run.region_plans.get(region__code="W").routes.first()
    stop = route.stops.order_by("position").first()
    stop.store.name = STORE_NAME
    stop.store.save(update_fields=["name"])
    Parcel.objects.filter(plan_entries__stop=stop).update(fragile=True)
    return route


def manifest(client, planner, route, language):
    client.force_login(planner)
    url = reverse("routing:route_manifest_pdf", args=["DC1", PLAN_DAY.isoformat(), "W", route.number])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_a_chinese_reader_gets_the_manifest_in_chinese_with_the_store_name_drawn(client, planner, route):
    # when
    text = page_text(manifest(client, planner, route, "zh-hant"))
    # then
    assert f"司機貨單：路線 {route.number}" in text
    assert STORE_NAME in text
    assert "卸下" in text and "易碎" in text
    assert "Driver manifest" not in text


def test_an_english_reader_gets_it_in_english_in_the_same_embedded_font(client, planner, route):
    # when
    data = manifest(client, planner, route, "en")
    text = page_text(data)
    # then
    assert f"Driver manifest: route {route.number}" in text and "Fragile" in text
    assert STORE_NAME in text
    assert [name for name in embedded_fonts(data) if name.startswith("WenQuanYiMicroHei")]

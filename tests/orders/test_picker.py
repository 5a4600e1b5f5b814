"""The checkout store picker page and its search endpoint."""

import re

from stores.locator import pickup_day_choices
from stores.models import SizeClass
from tests.factories import StoreFactory


def _url(merchant, origin="https://shop.example", **extra):
    params = {"merchant": merchant.code, "origin": origin, **extra}
    return "/stores/picker/?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_picker_renders_for_a_registered_origin_and_may_be_framed_only_by_it(client, merchant):
    response = client.get(_url(merchant, size="M", weight="1200"))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        'data-origin="https://shop.example"' in html and 'data-size="M"' in html and "vendor/leaflet/leaflet.js" in html
    )
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == "frame-ancestors 'self' https://shop.example"


def test_the_search_form_submitted_before_the_script_runs_reloads_the_picker_with_its_context(client, merchant):
    # A shopper (or a test) pressing Enter before the script has loaded submits the form itself.
    html = client.get(_url(merchant, size="M", weight="1200")).content.decode()
    start = html.index('<form id="picker-search"')
    form = html[start : html.index("</form>", start)]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    day = pickup_day_choices()[2].isoformat()
    response = client.get("/stores/picker/", {**fields, "q": "Da'an", "open_now": "on", "pickup_day": day})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-origin="https://shop.example"' in html and 'data-size="M"' in html and 'data-weight="1200"' in html
    assert 'value="Da&#x27;an"' in html and 'id="picker-open-now" checked' in html
    assert f'<option value="{day}" selected>' in html


def test_picker_refuses_an_unregistered_origin(client, merchant):
    response = client.get(_url(merchant, origin="https://evil.example"))
    assert response.status_code == 400
    assert "not registered" in response.content.decode() and "data-origin" not in response.content.decode()
    assert response["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_picker_refuses_an_unknown_merchant(client, db):
    response = client.get("/stores/picker/?merchant=NOPE&origin=https://shop.example")
    assert response.status_code == 400


def test_picker_in_chinese(client, merchant):
    response = client.get(_url(merchant), HTTP_ACCEPT_LANGUAGE="zh-hant")
    assert "選擇取貨門市" in response.content.decode()


def test_picker_search_returns_stores_with_reasons(client, region):
    StoreFactory(region=region, code="SMALL", max_size_class=SizeClass.S)
    body = client.get("/stores/picker/search/", {"q": "Da'an", "size_class": "M"}).json()
    assert body["results"][0]["code"] == "SMALL" and not body["results"][0]["selectable"]


def test_picker_search_errors_are_400(client, db):
    response = client.get("/stores/picker/search/", {"q": "Atlantis"})
    assert response.status_code == 400 and "q" in response.json()["fields"]


def test_store_result_keys_match_the_documented_fields(region):
    from stores.locator import stores_nearest
    from stores.serializers import StoreMatchSerializer

    StoreFactory(region=region)
    match = stores_nearest(latitude=25.0264, longitude=121.5434)[0]
    serializer = StoreMatchSerializer()
    assert set(serializer.to_representation(match)) == set(serializer.fields)

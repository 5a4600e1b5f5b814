"""The merchant API's store search."""

from rest_framework.test import APIClient

from stores.models import SizeClass
from tests.factories import StoreFactory
from tests.orders.api_fixtures import api  # noqa: F401

URL = "/api/v1/stores/"


def _stores(region):
    near = StoreFactory(region=region, code="NEAR", latitude="25.026400", longitude="121.543400", max_size_class=SizeClass.M)
    far = StoreFactory(region=region, code="FAR", latitude="25.033000", longitude="121.565400", postal_code="110")
    return near, far


def test_search_by_point_nearest_first_with_fit(api, region):
    _stores(region)
    response = api.get(URL, {"lat": 25.0264, "lng": 121.5434, "size_class": "L"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["code"] for r in results] == ["NEAR", "FAR"]
    assert results[0]["distance_m"] == 0 and not results[0]["selectable"] and "size M" in results[0]["reason"]
    assert results[1]["selectable"] and results[1]["free_capacity"] == 10 and results[1]["is_24h"] and results[1]["open_now"]


def test_search_by_district_and_postal_code(api, region):
    _stores(region)
    by_district = api.get(URL, {"q": "信義區"}).json()
    assert by_district["origin"]["label"].startswith("110") and by_district["results"][0]["code"] == "FAR"
    assert api.get(URL, {"postal_code": "106"}).json()["results"][0]["code"] == "NEAR"


def test_search_errors_name_the_field(api, db):
    assert api.get(URL).json()["fields"]["q"]
    assert api.get(URL, {"q": "Atlantis"}).json()["fields"]["q"][0].startswith("We could not find")
    assert "lng" in api.get(URL, {"lat": 25}).json()["fields"]
    assert "lat" in api.get(URL, {"lat": 95, "lng": 121}).json()["fields"]
    assert api.get(URL, {"q": "106", "limit": 500}).status_code == 400


def test_search_needs_a_key(db):
    assert APIClient().get(URL, {"q": "106"}).status_code == 401

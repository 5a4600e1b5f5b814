"""The merchant API's store search."""

from datetime import time, timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import Parcel
from stores.models import OpeningHours, SizeClass
from tests.factories import StoreFactory

URL = "/api/v1/stores/"


def _stores(region):
    near = StoreFactory(
        region=region, code="NEAR", latitude="25.026400", longitude="121.543400", max_size_class=SizeClass.M
    )
    far = StoreFactory(region=region, code="FAR", latitude="25.033000", longitude="121.565400", postal_code="110")
    return near, far


def test_search_by_point_nearest_first_with_fit(api, region):
    _stores(region)
    response = api.get(URL, {"lat": 25.0264, "lng": 121.5434, "size_class": "L"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["code"] for r in results] == ["NEAR", "FAR"]
    assert results[0]["distance_m"] == 0 and not results[0]["selectable"] and "size M" in results[0]["reason"]
    assert (
        results[1]["selectable"]
        and results[1]["free_capacity"] == 10
        and results[1]["is_24h"]
        and results[1]["open_now"]
    )


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


def test_search_reads_hours_shelf_and_trucks_in_four_queries(
    api, store, region, make_parcel, django_assert_max_num_queries
):
    # given a 24-hour store with a parcel on its shelf, one whose hold ends before tomorrow's delivery
    # and one on a truck, and a store next door open every day by its hours, entered out of order
    kept, leaving = make_parcel("at_store"), make_parcel("at_store")
    Parcel.objects.filter(pk=kept.pk).update(shelf_store=store, hold_deadline=timezone.now() + timedelta(days=5))
    Parcel.objects.filter(pk=leaving.pk).update(shelf_store=store, hold_deadline=timezone.now() - timedelta(hours=1))
    make_parcel("in_transit")
    hours = StoreFactory(region=region, code="HOURS", latitude="25.026500", longitude="121.543400", is_24h=False)
    for weekday in reversed(range(7)):
        OpeningHours.objects.create(store=hours, weekday=weekday, opens=time(0), closes=time(0))
    query = {"lat": 25.0264, "lng": 121.5434, "size_class": "S", "limit": 2}  # all there are: no widening
    api.get(URL, query)  # the key's first use of the minute notes it
    # when
    with django_assert_max_num_queries(4):  # the key, the box, the stores with their hours, the forecast
        results = api.get(URL, query).json()["results"]
    # then
    assert [r["code"] for r in results] == ["A001", "HOURS"]
    assert results[0]["free_capacity"] == 10 - 1 - 1 and results[0]["opening_hours"] == [] and results[0]["open_now"]
    assert results[1]["opening_hours"] == [{"weekday": d, "opens": "00:00", "closes": "00:00"} for d in range(7)]
    assert results[1]["open_now"] and not results[1]["is_24h"] and results[1]["free_capacity"] == 10

"""The store locator: nearest first, exact across the widening search, with hours, capacity and fit."""

import random
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from orders.capacity import store_free_capacity
from stores.geocoding import GazetteerGeocoder, Place
from stores.locator import (
    expected_arrival_day,
    free_capacity,
    haversine_m,
    locate,
    register_capacity_estimator,
    stores_nearest,
)
from stores.models import OpeningHours, SizeClass
from tests.factories import StoreFactory

TPE = ZoneInfo("Asia/Taipei")
NOON = datetime(2025, 5, 6, 12, 0, tzinfo=TPE)  # a Tuesday
MIDNIGHT = datetime(2025, 5, 6, 23, 30, tzinfo=TPE)
DAAN = (25.0264, 121.5434)


def _store_at(region, lat, lon, **fields):
    return StoreFactory(region=region, latitude=f"{lat:.6f}", longitude=f"{lon:.6f}", **fields)


def test_results_are_the_true_nearest_in_order_across_sparse_and_dense_areas(region):
    # given a dense cluster and stores scattered up to ~150 km away, so the search must widen
    rng = random.Random(3)
    stores = [_store_at(region, DAAN[0] + rng.gauss(0, 0.01), DAAN[1] + rng.gauss(0, 0.01)) for _ in range(40)]
    stores += [_store_at(region, 23.8 + rng.uniform(0, 1.5), 120.3 + rng.uniform(0, 1.2)) for _ in range(40)]
    for point in [DAAN, (24.5, 120.9), (23.0, 120.2)]:
        # when
        found = stores_nearest(latitude=point[0], longitude=point[1], limit=7, at=NOON)
        # then the same as measuring every store
        expected = sorted(stores, key=lambda s: haversine_m(point[0], point[1], float(s.latitude), float(s.longitude)))[
            :7
        ]
        assert [m.store.code for m in found] == [s.code for s in expected]
        assert [m.distance_m for m in found] == sorted(m.distance_m for m in found)


def test_inactive_stores_are_never_found(region):
    _store_at(region, *DAAN, active=False, code="GONE")
    near = _store_at(region, DAAN[0] + 0.01, DAAN[1], code="HERE")
    assert [m.store for m in stores_nearest(latitude=DAAN[0], longitude=DAAN[1], at=NOON)] == [near]


def test_open_now_and_24h_filters(region):
    # given a 24h store, a store open 07–23 and one open 07–22, all near
    always = _store_at(region, *DAAN, code="ALWAYS", is_24h=True)
    late = _store_at(region, DAAN[0] + 0.001, DAAN[1], code="LATE", is_24h=False)
    early = _store_at(region, DAAN[0] + 0.002, DAAN[1], code="EARLY", is_24h=False)
    for weekday in range(7):
        OpeningHours.objects.create(store=late, weekday=weekday, opens=time(7), closes=time(23, 45))
        OpeningHours.objects.create(store=early, weekday=weekday, opens=time(7), closes=time(22))
    # when / then
    at_night = stores_nearest(latitude=DAAN[0], longitude=DAAN[1], at=MIDNIGHT, open_now=True)
    assert [m.store.code for m in at_night] == ["ALWAYS", "LATE"]
    assert [m.open_now for m in stores_nearest(latitude=DAAN[0], longitude=DAAN[1], at=MIDNIGHT)] == [True, True, False]
    assert [m.store.code for m in stores_nearest(latitude=DAAN[0], longitude=DAAN[1], at=NOON, only_24h=True)] == [
        always.code
    ]


def test_open_now_keeps_looking_past_closed_stores(region):
    # given ten closed stores nearest, and an open one further away
    for n in range(10):
        closed = _store_at(region, DAAN[0] + 0.0005 * n, DAAN[1], is_24h=False)
        OpeningHours.objects.create(store=closed, weekday=1, opens=time(7), closes=time(8))
    far_open = _store_at(region, DAAN[0] + 0.2, DAAN[1], code="FAR")
    assert [m.store for m in stores_nearest(latitude=DAAN[0], longitude=DAAN[1], at=NOON, open_now=True, limit=3)] == [
        far_open
    ]


def test_stores_that_cannot_take_the_parcel_are_listed_with_the_reason(region, make_parcel):
    # given
    small = _store_at(region, *DAAN, code="SMALL", max_size_class=SizeClass.S)
    light = _store_at(region, DAAN[0] + 0.001, DAAN[1], code="LIGHT", max_weight_g=1000)
    full = _store_at(region, DAAN[0] + 0.002, DAAN[1], code="FULL", slot_capacity=1)
    fine = _store_at(region, DAAN[0] + 0.003, DAAN[1], code="FINE")
    make_parcel("in_transit", pickup_store=full)
    # when
    found = {
        m.store.code: m
        for m in stores_nearest(latitude=DAAN[0], longitude=DAAN[1], size_class="M", weight_g=2000, at=NOON)
    }
    # then
    assert "size S" in found["SMALL"].reason and not found["SMALL"].selectable
    assert "1 kg" in found["LIGHT"].reason
    assert found["FULL"].free_capacity == 0 and "Full" in found["FULL"].reason
    assert found["FINE"].selectable and found["FINE"].reason == "" and found["FINE"].free_capacity == fine.slot_capacity
    assert small and light


def test_query_count_does_not_grow_with_results(region, django_assert_max_num_queries):
    for n in range(30):
        store = _store_at(region, DAAN[0] + 0.0003 * n, DAAN[1], is_24h=n % 2 == 0)
        OpeningHours.objects.create(store=store, weekday=1, opens=time(7), closes=time(23))
    # The box scan, the stores with their hours, the forecast.
    with django_assert_max_num_queries(3):
        assert len(stores_nearest(latitude=DAAN[0], longitude=DAAN[1], limit=20, at=NOON)) == 20


@pytest.mark.parametrize(
    "query,postal",
    [
        ("Da'an", "106"),
        ("daan district", "106"),
        ("大安區", "106"),
        ("110", "110"),
        ("No. 5, Songren Rd, Xinyi Dist., Taipei", "110"),
    ],
)
def test_gazetteer_geocoder_resolves_districts_postal_codes_and_addresses(query, postal):
    place = GazetteerGeocoder().geocode(query)
    assert place is not None and place.label.startswith(postal)


def test_unknown_place_is_none_and_a_postal_code_only_stores_know_falls_back_to_them(region):
    assert locate("Atlantis") is None
    _store_at(region, 22.6, 120.3, postal_code="800")
    _store_at(region, 22.62, 120.32, postal_code="800")
    place = locate("800")
    assert place == Place(pytest.approx(22.61), pytest.approx(120.31), "800")


def test_geocoder_is_pluggable(settings, region):
    settings.PICKUP_GEOCODER = "tests.stores.test_locator.FixedGeocoder"
    assert locate("anything") == Place(1.0, 2.0, "fixed")


class FixedGeocoder:
    def geocode(self, query):
        return Place(1.0, 2.0, "fixed")


@pytest.fixture
def stand_in_forecast():
    """A forecast registered for one test in place of the one `orders` registers at start-up."""
    calls = []

    def forecast(*, stores, day):
        calls.append(day)
        return {store.pk: 42 for store in stores}

    register_capacity_estimator(forecast)
    yield calls
    register_capacity_estimator(store_free_capacity)


def test_orders_registers_its_forecast_at_start_up(region, make_parcel):
    # given a one-slot store with a parcel on its way
    full = _store_at(region, *DAAN, code="FULL", slot_capacity=1)
    make_parcel("in_transit", pickup_store=full)

    # then the locator counts it, with no setting naming the forecast
    assert free_capacity(stores=[full], day=expected_arrival_day()) == {full.pk: 0}


def test_a_registered_estimator_replaces_the_forecast(region, stand_in_forecast):
    store = _store_at(region, *DAAN)

    found = stores_nearest(latitude=DAAN[0], longitude=DAAN[1], at=NOON)

    assert [(m.store, m.free_capacity) for m in found] == [(store, 42)] and stand_in_forecast

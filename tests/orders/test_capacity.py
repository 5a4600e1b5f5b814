"""The free-capacity forecast: shelf, parcels on their way and expected handovers, per store, in one query."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from orders.capacity import store_free_capacity
from orders.models import Parcel, ParcelEvent
from stores.models import TemperatureClass
from tests.factories import OrderFactory, ParcelFactory, StoreFactory

S = Parcel.Status
TPE = ZoneInfo("Asia/Taipei")
DAY = date(2025, 5, 7)
AT = datetime(2025, 5, 6, 12, 0, tzinfo=TPE)  # the day before, at noon


def _parcel(store, status, *, on_shelf=False, deadline=None, temperature_class=TemperatureClass.AMBIENT) -> Parcel:
    parcel = ParcelFactory(order=OrderFactory(pickup_store=store), temperature_class=temperature_class)
    # Placed directly: the forecast reads rows, whatever path they took through the lifecycle.
    Parcel.objects.filter(pk=parcel.pk).update(
        status=status, shelf_store=store if on_shelf else None, hold_deadline=deadline
    )
    return parcel


def _handovers(store, count, *, days_ago, to_status=S.PICKED_UP):
    parcel = ParcelFactory(order=OrderFactory(pickup_store=store))
    ParcelEvent.objects.bulk_create(
        ParcelEvent(
            parcel=parcel,
            seq=10 + n,
            from_status=S.AT_STORE,
            to_status=to_status,
            store=store,
            created_at=AT - timedelta(days=days_ago),
        )
        for n in range(count)
    )


def test_each_store_is_forecast_at_its_own_arrival_time_from_one_query(region, settings, django_assert_num_queries):
    # given store A receiving from 08:00 and store B from 10:30, with 10 slots each, a 10-day history
    settings.PICKUP_FORECAST_HISTORY_DAYS = 10
    a = StoreFactory(region=region, code="A", slot_capacity=10, receiving_start=time(8, 0))
    b = StoreFactory(region=region, code="B", slot_capacity=10, receiving_start=time(10, 30))
    at_nine = datetime.combine(DAY, time(9, 0), tzinfo=TPE)
    # A: one parcel staying past its 08:00 arrival; one whose hold ends before it; one expired; one chilled
    _parcel(a, S.AT_STORE, on_shelf=True, deadline=at_nine)
    _parcel(a, S.AT_STORE, on_shelf=True, deadline=at_nine - timedelta(hours=2))
    _parcel(a, S.EXPIRED, on_shelf=True, deadline=AT)
    _parcel(a, S.AT_STORE, on_shelf=True, deadline=at_nine, temperature_class=TemperatureClass.CHILLED)
    # A: two ambient parcels on their way; a chilled one on its way and one still at the DC do not count
    _parcel(a, S.PLANNED)
    _parcel(a, S.IN_TRANSIT)
    _parcel(a, S.IN_TRANSIT, temperature_class=TemperatureClass.CHILLED)
    _parcel(a, S.AT_DC)
    # A: 5 handovers in 10 days, half a parcel a day: none expected in the 20 hours before 08:00
    _handovers(a, 5, days_ago=3)
    # B: the same 09:00 hold ends before its 10:30 arrival; one parcel stays until 11:00
    _parcel(b, S.AT_STORE, on_shelf=True, deadline=at_nine)
    _parcel(b, S.AT_STORE, on_shelf=True, deadline=at_nine + timedelta(hours=2))
    # B: 20 handovers in the window, two a day: one expected in the 22.5 hours before 10:30, and
    # at most the one parcel staying; older handovers and expiries are no history of pickups
    _handovers(b, 20, days_ago=2)
    _handovers(b, 30, days_ago=11)
    _handovers(b, 30, days_ago=1, to_status=S.EXPIRED)
    # when
    with django_assert_num_queries(1):
        free = store_free_capacity(stores=[a, b], day=DAY, at=AT)
    # then A: 10 − 1 staying − 2 on the way; B: 10 − 1 staying + 1 handover
    assert free == {a.pk: 7, b.pk: 10}


def test_a_store_with_nothing_on_its_shelf_or_on_the_way_is_free_to_its_slots(region, django_assert_num_queries):
    empty = StoreFactory(region=region, slot_capacity=30)
    assert store_free_capacity(stores=[empty], day=DAY, at=AT) == {empty.pk: 30}
    with django_assert_num_queries(0):
        assert store_free_capacity(stores=[], day=DAY, at=AT) == {}


def test_many_stores_are_asked_about_in_statements_of_a_bounded_size(region, monkeypatch, django_assert_num_queries):
    # given five stores, two of them with parcels, and statements of two stores at most
    stores = [StoreFactory(region=region, code=f"M{n}", slot_capacity=10) for n in range(5)]
    _parcel(stores[0], S.AT_STORE, on_shelf=True, deadline=AT + timedelta(days=3))
    _parcel(stores[4], S.IN_TRANSIT)
    expected = store_free_capacity(stores=stores, day=DAY, at=AT)
    monkeypatch.setattr("orders.capacity.STORES_PER_STATEMENT", 2)
    # when
    with django_assert_num_queries(3):
        free = store_free_capacity(stores=stores, day=DAY, at=AT)
    # then the forecast is the one a single statement gives
    assert free == expected == {stores[0].pk: 9, stores[1].pk: 10, stores[2].pk: 10, stores[3].pk: 10, stores[4].pk: 9}

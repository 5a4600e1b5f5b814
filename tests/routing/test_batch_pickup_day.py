"""The daily batch plans each parcel for its pickup day, within the stores' forecast free slots and
the fleet's space, and records what it holds back with the reason."""

from datetime import datetime, time, timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from orders.capacity import store_free_capacity
from orders.models import Order, Parcel, ParcelEvent
from routing.models import BatchRun, HeldParcel, PlanParcel
from routing.services.batch import batch_run_start
from stores.locator import stores_nearest
from tests.conftest import PLAN_DAY, fast_solve, solve_all, walk
from tests.factories import OrderFactory, ParcelFactory, RegionFactory, StoreFactory, VehicleFactory

S = Parcel.Status
Reason = HeldParcel.Reason


@pytest.fixture
def area(dc, merchant):
    region = RegionFactory(dc=dc, code="W")
    stores = [
        StoreFactory(region=region, code="W001", latitude="25.0116", longitude="121.4637", slot_capacity=20),
        StoreFactory(region=region, code="W002", latitude="25.0150", longitude="121.4590", slot_capacity=20),
    ]
    return {"dc": dc, "region": region, "stores": stores, "merchant": merchant}


def _at_dc(area, store, pickup_day=None, volume_units=2, **fields):
    order = OrderFactory(pickup_store=store, merchant=area["merchant"], preferred_pickup_day=pickup_day)
    return walk(ParcelFactory(order=order, volume_units=volume_units, weight_g=1000, **fields), S.AT_DC)


def _on_shelf(area, store, count) -> list[Parcel]:
    """Parcels scanned in on slots 1..count (as the counter would place them)."""
    parcels = [
        walk(ParcelFactory(order=OrderFactory(pickup_store=store, merchant=area["merchant"])), S.AT_STORE)
        for _ in range(count)
    ]
    for slot, parcel in enumerate(parcels, start=1):
        Parcel.objects.filter(pk=parcel.pk).update(shelf_store=store, shelf_slot=slot)
    return parcels


def _run(area, day=PLAN_DAY) -> BatchRun:
    run, _created = batch_run_start(
        dc=area["dc"], day=day, trigger=BatchRun.Trigger.COMMAND, enqueue=False, time_limit_s=10
    )
    return run


def _planned_ids(run) -> set[int]:
    return set(PlanParcel.objects.filter(run=run, kind=PlanParcel.Kind.DELIVER).values_list("parcel_id", flat=True))


def test_a_parcel_waiting_for_its_pickup_day_stays_out_of_todays_plan_and_enters_on_its_day(area):
    # given one parcel for the plan day and one the shopper wants two days later
    VehicleFactory(dc=area["dc"], volume_capacity=100)
    due = _at_dc(area, area["stores"][0], pickup_day=PLAN_DAY)
    later = _at_dc(area, area["stores"][1], pickup_day=PLAN_DAY + timedelta(days=2))
    # when the plan day's batch runs
    today = _run(area)
    # then only the due parcel is in it; the other waits with the reason
    assert _planned_ids(today) == {due.pk}
    assert HeldParcel.objects.get(run=today, parcel=later).reason == Reason.WAITING_FOR_PICKUP_DAY
    assert not later.events.filter(type=ParcelEvent.Type.DEFERRED).exists()
    # and the next day's batch still keeps it waiting, the day after plans it
    assert later.pk not in _planned_ids(_run(area, PLAN_DAY + timedelta(days=1)))
    on_the_day = _run(area, PLAN_DAY + timedelta(days=2))
    assert later.pk in _planned_ids(on_the_day)
    assert not HeldParcel.objects.filter(run=on_the_day, parcel=later).exists()


def test_a_short_fleet_defers_the_latest_pickup_days_first_and_tells_planner_and_shopper(
    area, client, django_user_model
):
    # given room for three parcels of 4 units, and four due parcels
    VehicleFactory(dc=area["dc"], volume_capacity=12)
    w1, w2 = area["stores"]
    overdue = _at_dc(area, w1, pickup_day=PLAN_DAY - timedelta(days=2), volume_units=4)
    today_first = _at_dc(area, w2, pickup_day=PLAN_DAY, volume_units=4)
    yesterday = _at_dc(area, w2, pickup_day=PLAN_DAY - timedelta(days=1), volume_units=4)
    today_last = _at_dc(area, w1, pickup_day=PLAN_DAY, volume_units=4)
    # when
    run = _run(area)
    # then the newest of the latest pickup day is deferred, the rest planned
    assert _planned_ids(run) == {overdue.pk, yesterday.pk, today_first.pk}
    held = HeldParcel.objects.get(run=run, parcel=today_last)
    assert held.reason == Reason.FLEET_FULL and held.pickup_day == PLAN_DAY
    event = today_last.events.get(type=ParcelEvent.Type.DEFERRED)
    assert event.details["reason"] == Reason.FLEET_FULL and event.details["plan_date"] == PLAN_DAY.isoformat()
    assert solve_all(run, fast_solve) == ["planned"]
    # and the shopper's tracking page says so
    session = client.session
    session["tracked_parcels"] = [today_last.tracking_number]
    session.save()
    assert "today's trucks were full" in client.get(f"/track/{today_last.tracking_number}/").content.decode()


def test_as_soon_as_possible_counts_from_the_first_day_the_order_could_arrive(area):
    # given room for one parcel: one chosen for the plan day, one "as soon as possible" ordered 3 days ago
    VehicleFactory(dc=area["dc"], volume_capacity=4)
    chosen = _at_dc(area, area["stores"][0], pickup_day=PLAN_DAY, volume_units=4)
    asap = _at_dc(area, area["stores"][1], volume_units=4)
    Order.objects.filter(pk=asap.order_id).update(created_at=F("created_at") - timedelta(days=3))
    # when
    run = _run(area)
    # then the as-soon-as-possible parcel is overdue and goes; the chosen day is later and waits
    assert _planned_ids(run) == {asap.pk}
    assert HeldParcel.objects.get(run=run, reason=Reason.FLEET_FULL).parcel_id == chosen.pk


def test_no_store_is_planned_above_its_forecast_free_slots(area):
    # given a store with 4 slots, 2 of them taken by parcels still inside their hold, and 5 due parcels
    VehicleFactory(dc=area["dc"], volume_capacity=100)
    store = area["stores"][0]
    store.slot_capacity = 4
    store.save()
    _on_shelf(area, store, 2)
    due = [_at_dc(area, store, pickup_day=PLAN_DAY - timedelta(days=n)) for n in range(5)]
    forecast = store_free_capacity(stores=[store], day=PLAN_DAY)[store.pk]
    # when
    run = _run(area)
    # then exactly the forecast's free slots are planned, the earliest pickup days first
    planned = _planned_ids(run)
    assert forecast == 2 and len(planned) == forecast
    assert planned == {due[4].pk, due[3].pk}
    assert set(HeldParcel.objects.filter(run=run, reason=Reason.STORE_FULL).values_list("parcel_id", flat=True)) == {
        p.pk for p in due[:3]
    }


def test_the_forecast_counts_expected_handovers_and_returns_and_the_locator_uses_it(area):
    # given a store that hands over one parcel a day, with 6 of its 8 slots taken: one of them expires
    # before the day asked about
    store = area["stores"][0]
    store.slot_capacity = 8
    store.save()
    now = datetime.combine(PLAN_DAY - timedelta(days=1), time(12), tzinfo=store.tz)
    for _ in range(28):
        walk(ParcelFactory(order=OrderFactory(pickup_store=store, merchant=area["merchant"])), S.PICKED_UP, store=store)
    ParcelEvent.objects.filter(to_status=S.PICKED_UP).update(created_at=now - timedelta(days=1))
    shelf = _on_shelf(area, store, 6)
    Parcel.objects.filter(pk=shelf[0].pk).update(hold_deadline=datetime.combine(PLAN_DAY, time(0), tzinfo=store.tz))
    day = PLAN_DAY + timedelta(days=2)
    # when
    free = store_free_capacity(stores=[store], day=day, at=now)[store.pk]
    # then 8 − 5 staying + 2 handovers expected in the 2.8 days before the 08:00 arrival
    assert free == 8 - 5 + 2
    # and the locator shows the same forecast for the day
    match = next(
        m for m in stores_nearest(latitude=25.0116, longitude=121.4637, arrival_day=day) if m.store.pk == store.pk
    )
    assert match.free_capacity == store_free_capacity(stores=[store], day=day)[store.pk] >= 8 - 5


def test_fragile_parcels_are_flagged_on_the_manifest_and_held_parcels_shown_to_the_planner(area, client, planner):
    # given a fragile parcel planned today and one waiting for its day
    VehicleFactory(dc=area["dc"], volume_capacity=100)
    fragile = _at_dc(area, area["stores"][0], pickup_day=PLAN_DAY, fragile=True)
    _at_dc(area, area["stores"][1], pickup_day=PLAN_DAY + timedelta(days=3))
    run = _run(area)
    assert solve_all(run, fast_solve) == ["planned"]
    route = run.region_plans.get().routes.get()
    client.force_login(planner)
    # when
    manifest = client.get(
        reverse("routing:route_manifest", args=["DC1", PLAN_DAY.isoformat(), "W", route.number])
    ).content.decode()
    region_page = client.get(reverse("routing:region", args=["DC1", PLAN_DAY.isoformat(), "W"])).content.decode()
    day_page = client.get(reverse("routing:day", args=["DC1", PLAN_DAY.isoformat()])).content.decode()
    # then
    assert fragile.tracking_number in manifest and "Fragile" in manifest
    assert "waiting for pickup day: 1" in region_page and "waiting for pickup day: 1" in day_page


def test_a_parcel_wanted_as_soon_as_possible_goes_in_todays_run(area):
    # given a parcel ordered just now, without a chosen day, at the DC before a run started by hand today
    VehicleFactory(dc=area["dc"], volume_capacity=100)
    asap = _at_dc(area, area["stores"][0])
    today = timezone.now().astimezone(area["dc"].tz).date()
    # when
    run = _run(area, today)
    # then it is planned, though its first possible arrival day was tomorrow
    assert _planned_ids(run) == {asap.pk}

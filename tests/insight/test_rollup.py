"""The daily roll-up from the event history, against figures worked out by hand (see conftest)."""

from collections import Counter
from datetime import timedelta

from django.core.management import call_command

from insight.models import MerchantDay, RegionDay, Rollup, StoreDay
from insight.rollup import last_whole_day, on_time, rollup_day, rollup_due
from insight.totals import Totals, median_of_histogram
from routing.services.driver import stop_arrive, stop_not_served
from tests.factories import ParcelFactory, RegionFactory
from tests.insight.conftest import DAY, arrive, at, leave


def test_a_day_of_parcels_rolls_up_to_the_hand_computed_figures(dc, store, merchant, other_merchant, day_of_parcels):
    # when
    rollup_day(dc=dc, day=DAY)
    # then
    row = StoreDay.objects.get(day=DAY, store=store)
    assert (row.delivered, row.picked_up, row.picked_up_in_hold, row.expired) == (2, 3, 3, 1)
    assert row.dwell_minutes == {"90": 1, "1440": 1, "2880": 1}
    assert (row.peak_on_shelf, row.on_shelf_at_end, row.slots) == (4, 2, store.slot_capacity)
    totals = Totals().add(StoreDay.objects.values().get(pk=row.pk))
    assert totals.pickup_rate == 0.75
    assert totals.expiry_rate == 0.25
    assert totals.median_dwell_hours == 24
    region = RegionDay.objects.get(day=DAY, region=store.region)
    assert (region.delivered, region.picked_up, region.expired) == (2, 3, 1)
    mine = MerchantDay.objects.get(day=DAY, merchant=merchant)
    theirs = MerchantDay.objects.get(day=DAY, merchant=other_merchant)
    assert (mine.delivered, mine.picked_up, mine.expired) == (1, 3, 1)
    assert (theirs.delivered, theirs.picked_up, theirs.expired) == (1, 0, 0)


def test_a_pickup_after_the_hold_ended_is_not_within_the_hold(dc, store):
    # given: arrived DAY-7 09:00, so the hold ended at the end of DAY; picked up just after midnight
    parcel = arrive(ParcelFactory(order__pickup_store=store), store, at(store, -7, 9))
    leave(parcel, "picked_up", at(store, 1, 0, 10))
    # when
    rollup_day(dc=dc, day=DAY + timedelta(days=1))
    # then
    row = StoreDay.objects.get(store=store)
    assert (row.picked_up, row.picked_up_in_hold) == (1, 0)
    assert Totals().add(StoreDay.objects.values().get(pk=row.pk)).pickup_rate == 0


def _snapshot():
    return [list(model.objects.order_by("pk").values()) for model in (StoreDay, RegionDay, MerchantDay)]


def test_running_twice_leaves_the_same_rows(dc, day_of_parcels):
    rollup_day(dc=dc, day=DAY)
    first = _snapshot()
    rollup_day(dc=dc, day=DAY)
    assert _snapshot() == first
    assert Rollup.objects.filter(dc=dc, day=DAY).count() == 1


def test_a_rerun_moves_rows_when_the_network_changed(dc, store, day_of_parcels):
    # given: DAY rolled up, then the store moved to a new region in the admin
    rollup_day(dc=dc, day=DAY)
    old_region = store.region
    store.region = RegionFactory(dc=dc, code="R2")
    store.save()
    # when
    rollup_day(dc=dc, day=DAY)
    # then: the day's figures now belong to the new region only
    assert not RegionDay.objects.filter(region=old_region).exists()
    assert RegionDay.objects.get(day=DAY, region=store.region).delivered == 2
    assert StoreDay.objects.get(day=DAY, store=store).region == store.region


def test_the_hourly_check_catches_up_missed_days_once(dc, day_of_parcels):
    # given: it is DAY+2 in the afternoon and nothing was rolled up
    now = at(dc, 2, 15)
    # when
    first = rollup_due(now=now)
    again = rollup_due(now=now)
    # then: the last 7 whole days, oldest first, and nothing the second time
    assert [r.day for r in first] == [DAY + timedelta(days=n) for n in range(-5, 2)]
    assert again == []
    assert StoreDay.objects.get(day=DAY).delivered == 2


def test_the_shelf_level_carried_from_the_day_before_matches_the_history(dc, store, day_of_parcels):
    # given: DAY rolled up from the whole history
    rollup_day(dc=dc, day=DAY)
    from_history = StoreDay.objects.get(day=DAY, store=store).peak_on_shelf
    # when: the day before is rolled up first, so DAY starts from its closing level
    StoreDay.objects.all().delete()
    Rollup.objects.all().delete()
    call_command("rollup_figures", dc=dc.code, first=str(DAY - timedelta(days=1)), last=str(DAY), stdout=None)
    # then
    before = StoreDay.objects.get(day=DAY - timedelta(days=1), store=store)
    assert before.on_shelf_at_end == 3
    assert StoreDay.objects.get(day=DAY, store=store).peak_on_shelf == from_history == 4


def test_median_of_a_histogram():
    assert median_of_histogram(Counter()) is None
    assert median_of_histogram(Counter({90: 1, 1440: 1, 2880: 1})) == 1440
    assert median_of_histogram(Counter({10: 2, 30: 2})) == 20
    assert median_of_histogram(Counter({5: 3, 100: 1})) == 5


def test_on_time_needs_the_planned_time_and_the_receiving_window(store):
    planned = at(store, 0, 10)
    assert on_time(store, planned, planned + timedelta(minutes=15))
    assert not on_time(store, planned, planned + timedelta(minutes=16))
    # early is on time, but not before the store receives (08:00 by default)
    assert on_time(store, planned, at(store, 0, 8))
    assert not on_time(store, at(store, 0, 7, 30), at(store, 0, 7, 30))


def test_routes_give_km_load_on_time_and_unserved_stops(dc, dispatched_route):
    # given: the driver reached the first stop 5 minutes late and could not serve the second
    run = dispatched_route.region_plan.run
    first, second = list(dispatched_route.stops.order_by("position")[:2])
    stop_arrive(stop=first, at=run.at(first.arrival_s) + timedelta(minutes=5))
    stop_not_served(stop=second, reason="closed", actor_label="test")
    # when
    rollup_day(dc=dc, day=run.plan_date)
    # then
    region = RegionDay.objects.get(day=run.plan_date, region=dispatched_route.region_plan.region)
    stops = list(dispatched_route.stops.all())
    assert region.routes == 1
    assert region.distance_m == dispatched_route.distance_m
    assert region.parcels_carried == sum(s.delivered_parcels + s.collected_parcels for s in stops)
    assert region.volume_capacity == dispatched_route.vehicle.volume_capacity
    assert region.peak_load_volume == dispatched_route.peak_load_volume
    assert (region.stops_arrived, region.stops_on_time, region.unserved_stops) == (1, 1, 1)
    assert StoreDay.objects.get(day=run.plan_date, store=first.store).stops_on_time == 1
    assert StoreDay.objects.get(day=run.plan_date, store=second.store).unserved_stops == 1


def test_a_day_is_due_once_midnight_has_passed_at_every_store(dc, store, other_store):
    # given a store of the DC that keeps Bangkok time, an hour behind Taipei
    other_store.time_zone = "Asia/Bangkok"
    other_store.save()
    # when it is 23:30 in Bangkok (00:30 on DAY+1 in Taipei)
    now = at(other_store, 0, 23, 30)
    # then DAY is not yet a whole day everywhere; half an hour later it is
    assert last_whole_day(dc, now) == DAY - timedelta(days=1)
    assert last_whole_day(dc, now + timedelta(minutes=31)) == DAY

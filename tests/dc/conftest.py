"""Fixtures of the DC floor: dock staff and drivers (and those of another DC), a small approved plan built
by hand, and the batch tests' small network planned with a route of region W on the road."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.lifecycle import parcel_transition
from routing.models import BatchRun, PlannedRoute, PlannedStop, PlanParcel, RegionPlan
from stores.models import StaffMembership
from tests.factories import (
    DistributionCenterFactory,
    RegionFactory,
    StoreFactory,
    UserFactory,
    VehicleFactory,
)


def make_dock(dc, username: str = "dock"):
    user = UserFactory(username=username)
    StaffMembership.objects.create(user=user, role=StaffMembership.Role.DOCK, dc=dc)
    return user


@pytest.fixture
def dock(dc):
    return make_dock(dc, "dock_a")


@pytest.fixture
def other_dc(db):
    return DistributionCenterFactory(code="DC9", name="Other DC")


@pytest.fixture
def other_dock(other_dc):
    return make_dock(other_dc, "dock_b")


@pytest.fixture
def foreign_parcel(other_dc, make_parcel):
    """A parcel for a store of another DC's region."""
    store = StoreFactory(region=RegionFactory(dc=other_dc, code="R9", name="Far"), code="Z001")
    return make_parcel("created", pickup_store=store)


@pytest.fixture
def approved_plan(dc, region, store, other_store, make_parcel):
    """An approved plan of today with two routes: route 1 drops 2 parcels at `store` (stop 1) and 1 at
    `other_store` (stop 2); route 2 drops 1 parcel at `other_store`. Returns (route1, route2, parcels)."""
    today = timezone.localdate()
    now = timezone.now()
    run = BatchRun.objects.create(
        dc=dc, plan_date=today, trigger=BatchRun.Trigger.MANUAL, cutoff=now, time_limit_s=1, started_at=now
    )
    rp = RegionPlan.objects.create(run=run, region=region, status=RegionPlan.Status.APPROVED, approved_at=now)
    routes, stops = [], {}
    for number in (1, 2):
        route = PlannedRoute.objects.create(
            region_plan=rp,
            vehicle=VehicleFactory(dc=dc),
            number=number,
            start_s=9 * 3600,
            end_s=12 * 3600,
            distance_m=1000,
            start_load_volume=3,
            start_load_kg=3,
            peak_load_volume=3,
        )
        routes.append(route)
    layout = [(routes[0], 1, store), (routes[0], 2, other_store), (routes[1], 1, other_store)]
    for route, position, where in layout:
        stops[(route.number, position)] = PlannedStop.objects.create(
            route=route,
            store=where,
            position=position,
            arrival_s=10 * 3600 + position,
            service_start_s=10 * 3600 + position,
            departure_s=10 * 3600 + position + 60,
            load_volume=1,
            load_kg=1,
            delivered_parcels=1,
            collected_parcels=0,
        )
    parcels = {}
    for key, where, count in (((1, 1), store, 2), ((1, 2), other_store, 1), ((2, 1), other_store, 1)):
        parcels[key] = []
        for _ in range(count):
            parcel = make_parcel("at_dc", pickup_store=where)
            parcel_transition(parcel=parcel, to="planned", actor_label="test", at=now - timedelta(minutes=1))
            PlanParcel.objects.create(
                run=run,
                region_plan=rp,
                parcel=parcel,
                store=where,
                kind=PlanParcel.Kind.DELIVER,
                stop=stops[key],
                volume_units=1,
                weight_g=parcel.weight_g,
            )
            parcels[key].append(parcel)
    return routes[0], routes[1], parcels


@pytest.fixture(autouse=True)
def forget_started_runs():
    """Each process remembers the batch runs it saw started; a test's rolled-back run must not linger."""
    from dc.services import intake

    intake._STARTED_RUNS.clear()
    yield
    intake._STARTED_RUNS.clear()

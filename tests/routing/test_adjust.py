"""Planner adjustments: conditions change ETAs, moves are checked before saving, locks hold."""

import pytest

from core.errors import ConflictError, DomainError
from orders.models import Parcel
from routing.models import Condition, PlannedRoute, PlanParcel, RegionPlan
from routing.services.adjust import (
    region_plan_set_conditions,
    region_plan_set_vehicles,
    route_set_locked,
    run_set_conditions,
    stop_move,
    stop_move_preview,
)
from routing.services.batch import region_plan_requeue, region_plan_solve
from routing.services.dispatch import region_plan_approve
from tests.conftest import fast_solve, make_parcel_at, solve_all, start_run


def resolve(region_plan, monkeypatch):
    monkeypatch.setattr("routing.services.batch.region_plans_enqueue", lambda ids: None)
    region_plan_requeue(region_plan=region_plan)
    assert region_plan_solve(region_plan_id=region_plan.pk, worker="w", solve=fast_solve) == "planned"
    region_plan.refresh_from_db()


def etas(region_plan):
    return dict(
        Parcel.objects.filter(plan_entries__region_plan=region_plan, status="planned").values_list(
            "pk", "expected_arrival"
        )
    )


def test_snow_makes_every_eta_later_after_re_optimising(planned_run, monkeypatch):
    # given
    region = planned_run.region_plans.get(region__code="W")
    before, duration = etas(region), region.duration_s
    # when
    region_plan_set_conditions(region_plan=region, condition=Condition.SNOW, factor=None)
    resolve(region, monkeypatch)
    # then
    after = etas(region)
    assert region.effective_condition_factor == 1.6 and region.planned_condition_factor == 1.6
    assert after.keys() == before.keys() and all(after[pk] > before[pk] for pk in before)
    assert region.duration_s > duration


def test_the_days_conditions_apply_where_a_region_has_none_and_the_planner_may_edit_the_factor(planned_run):
    # when
    run = run_set_conditions(run=planned_run, condition=Condition.HEAVY_TRAFFIC, factor=1.45)
    # then
    assert run.condition_factor == 1.45
    assert {rp.effective_condition_factor for rp in run.region_plans.all()} == {1.45}
    with pytest.raises(DomainError, match="between 0.5 and 4.0"):
        run_set_conditions(run=planned_run, condition=Condition.RAIN, factor=9)


@pytest.fixture
def heavy_run(network, parcels):
    """W001 gets two bulky parcels: its drop (38 of a van's 40 volume) needs a van of its own."""
    for _ in range(2):
        make_parcel_at(network, network["stores"]["W001"], "at_dc", volume_units=17)
    run = start_run(network)
    solve_all(run)
    return run.region_plans.get(region__code="W")


def route_of(region, store_code):
    return PlannedRoute.objects.get(region_plan=region, stops__store__code=store_code)


def test_a_move_that_breaks_capacity_is_refused_with_the_reason(heavy_run):
    # given
    full = route_of(heavy_run, "W001")
    stop = route_of(heavy_run, "W002").stops.get(store__code="W002")
    # when
    preview = stop_move_preview(stop=stop, target=full, position=2)
    # then
    assert not preview.feasible
    said = f"Route {full.number} – {full.vehicle.name} cannot be driven in this order: it is over capacity before W001"
    assert said in preview.refusal
    with pytest.raises(ConflictError, match="not saved: .*over capacity"):
        stop_move(stop=stop, target=full, position=2)
    assert route_of(heavy_run, "W002").pk != full.pk


def test_a_feasible_move_shows_new_totals_and_saves_them(planned_run):
    # given: move the last stop of the region's first route to the front of that route
    region = planned_run.region_plans.get(region__code="N")
    route = region.routes.first()
    last = route.stops.order_by("-position").first()
    store_code = last.store.code
    # when
    preview = stop_move_preview(stop=last, target=route, position=1)
    assert preview.feasible and preview.routes[route.pk].visits[0].stop_id == str(last.store_id)
    stop_move(stop=last, target=route, position=1)
    # then
    route.refresh_from_db()
    region.refresh_from_db()
    assert route.stops.get(position=1).store.code == store_code
    assert route.distance_m == preview.routes[route.pk].distance_m
    assert region.distance_m == sum(r.distance_m for r in region.routes.all())
    moved = PlanParcel.objects.filter(stop__route=route, stop__position=1, kind="deliver").select_related("parcel")
    eta = planned_run.at(route.stops.get(position=1).service_start_s)
    assert {e.parcel.expected_arrival for e in moved} == {eta}


def test_a_locked_route_is_kept_when_the_region_is_re_optimised(heavy_run, monkeypatch):
    # given
    route = route_of(heavy_run, "W002")
    order = list(route.stops.values_list("store__code", flat=True))
    route_set_locked(route=route, locked=True)
    region_plan_set_conditions(region_plan=heavy_run, condition=Condition.RAIN, factor=None)
    # when
    resolve(heavy_run, monkeypatch)
    # then
    kept = PlannedRoute.objects.get(region_plan=heavy_run, vehicle=route.vehicle)
    assert kept.locked and list(kept.stops.values_list("store__code", flat=True)) == order


def test_vehicles_serve_one_region_a_day(planned_run):
    # given
    west, north = planned_run.region_plans.get(region__code="W"), planned_run.region_plans.get(region__code="N")
    theirs = list(north.vehicles.all())
    # when / then
    with pytest.raises(DomainError, match="Already serving another region today"):
        region_plan_set_vehicles(region_plan=west, vehicles=[*west.vehicles.all(), theirs[0]])
    region_plan_set_vehicles(region_plan=north, vehicles=theirs[:1])
    assert list(north.vehicles.all()) == theirs[:1]


def test_an_approved_plan_is_frozen(planned_run, planner):
    # given
    region = planned_run.region_plans.get(region__code="N")
    region_plan_approve(region_plan=region, user=planner)
    route = region.routes.first()
    # when / then
    with pytest.raises(ConflictError, match="only a planned, not yet approved region can be changed"):
        stop_move_preview(stop=route.stops.first(), target=route, position=3)
    with pytest.raises(ConflictError):
        region_plan_requeue(region_plan=region)
    assert RegionPlan.objects.get(pk=region.pk).status == RegionPlan.Status.APPROVED

"""The planner never reaches a dead end: a region that fails on a moved (locked) route says which route
and store in the page's words, and offers unlock, conditions, vehicles and a re-run on its own page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from core.errors import ConflictError
from routing.models import BatchRun, Condition, PlannedRoute, RegionPlan
from routing.services import wording
from routing.services.adjust import (
    region_plan_set_conditions,
    region_plan_set_vehicles,
    route_set_locked,
    stop_move,
    stop_move_preview,
)
from routing.services.batch import region_plan_requeue, region_plan_solve
from tests.conftest import PLAN_DAY, fast_solve, tighten_window_for_a_move

DAY = PLAN_DAY.isoformat()


def solve_again(region_plan, monkeypatch) -> str:
    monkeypatch.setattr("routing.services.batch.region_plans_enqueue", lambda ids: None)
    region_plan_requeue(region_plan=region_plan)
    outcome = region_plan_solve(region_plan_id=region_plan.pk, worker="w", solve=fast_solve)
    region_plan.refresh_from_db()
    return outcome


def move_last_stop_first_with_a_tight_store(region_plan):
    route, last, store = tighten_window_for_a_move(region_plan)
    stop_move(stop=last, target=route, position=1)
    assert route.stops.order_by("-position").first().store == store
    return PlannedRoute.objects.get(pk=route.pk), store


def test_rain_on_a_moved_route_fails_in_page_words_and_unlocking_lets_it_plan(planned_run, monkeypatch):
    # given: a moved stop locked route 1, whose last store receives until just after its planned time
    rp = planned_run.region_plans.get(region__code="N")
    route, store = move_last_stop_first_with_a_tight_store(rp)
    assert route.locked
    label = f"Route 1 – {route.vehicle.name}"
    # when: rain, then re-optimise
    region_plan_set_conditions(region_plan=rp, condition=Condition.RAIN, factor=None)
    outcome = solve_again(rp, monkeypatch)
    # then: failed, said with the route and the store as the page shows them
    assert outcome == "failed" and rp.status == RegionPlan.Status.FAILED
    said = wording.failure_text(rp)
    assert said.startswith(f"The region cannot be planned: {label} is locked and cannot be driven as it is: ")
    assert f"it arrives at {store.code} {store.name} at " in said and "after the store stops receiving at" in said
    assert "vehicle " not in said and "stop " not in said, said
    assert wording.locked_vehicle(rp) == route.vehicle_id
    with translation.override("zh-hant"):
        assert f"路線 1 – {route.vehicle.name}" in wording.failure_text(rp)
    # and: the failed region takes conditions, vehicles and an unlock, but not a hand move
    region_plan_set_conditions(region_plan=rp, condition=Condition.RAIN, factor=1.1)
    region_plan_set_vehicles(region_plan=rp, vehicles=list(rp.vehicles.all()))
    with pytest.raises(ConflictError, match="only a planned, not yet approved region"):
        stop_move_preview(stop=route.stops.first(), target=route, position=2)
    route_set_locked(route=route, locked=False)
    # when: run again
    assert solve_again(rp, monkeypatch) == "planned"
    # then
    assert rp.status == RegionPlan.Status.PLANNED and rp.planned_condition_factor == 1.1


def test_a_solving_region_cannot_be_adjusted(planned_run):
    rp = planned_run.region_plans.get(region__code="N")
    RegionPlan.objects.filter(pk=rp.pk).update(status=RegionPlan.Status.RUNNING)
    with pytest.raises(ConflictError, match="only a planned or failed region can be changed"):
        region_plan_set_conditions(region_plan=rp, condition=Condition.RAIN, factor=None)


@pytest.fixture
def planner_client(client, planner):
    client.force_login(planner)
    return client


def test_the_failed_regions_page_offers_unlock_conditions_vehicles_and_a_re_run(
    planned_run, planner_client, monkeypatch
):
    # given
    rp = planned_run.region_plans.get(region__code="N")
    route, store = move_last_stop_first_with_a_tight_store(rp)
    region_plan_set_conditions(region_plan=rp, condition=Condition.RAIN, factor=None)
    assert solve_again(rp, monkeypatch) == "failed"
    label = f"Route 1 – {route.vehicle.name}"
    # when
    page = planner_client.get(reverse("routing:region", args=["DC1", DAY, "N"])).content.decode()
    # then
    assert "This region could not be planned" in page
    assert f"{label} is locked and cannot be driven as it is" in page and store.code in page
    assert f'aria-label="Unlock {label}"' in page and "stops the plan" in page
    assert reverse("routing:region_conditions", args=["DC1", DAY, "N"]) in page
    assert reverse("routing:region_vehicles", args=["DC1", DAY, "N"]) in page
    assert reverse("routing:region_solve", args=["DC1", DAY, "N"]) in page and "Run this region again" in page
    assert "Check the move" not in page
    # and the day page says it the same way
    day = planner_client.get(reverse("routing:day", args=["DC1", DAY])).content.decode()
    assert f"{label} is locked" in day
    # and in zh-Hant
    chinese = planner_client.get(
        reverse("routing:region", args=["DC1", DAY, "N"]), HTTP_ACCEPT_LANGUAGE="zh-hant"
    ).content.decode()
    assert "此區域無法規劃" in chinese and f"路線 1 – {route.vehicle.name} 已鎖定，無法照原樣行駛" in chinese
    assert f'aria-label="解除鎖定路線 1 – {route.vehicle.name}"' in chinese and "重新執行此區域" in chinese
    # when: unlocking from the page
    unlocked = planner_client.post(
        reverse("routing:route_lock", args=["DC1", DAY, "N", 1]), {"locked": "0"}, follow=True
    ).content.decode()
    assert f"{label} unlocked" in unlocked and not PlannedRoute.objects.get(pk=route.pk).locked


def test_a_saved_move_says_it_locked_the_route_and_offers_the_unlock(planned_run, planner_client):
    rp = planned_run.region_plans.get(region__code="N")
    route = rp.routes.get(number=1)
    last = route.stops.order_by("-position").first()
    page = planner_client.post(
        reverse("routing:region_move", args=["DC1", DAY, "N"]),
        {"stop": last.pk, "route": 1, "position": 1},
        follow=True,
    ).content.decode()
    label = f"Route 1 – {route.vehicle.name}"
    assert f"The stop was moved. {label} is now locked" in page
    assert 'data-testid="lock-notice"' in page and f'aria-label="Unlock {label}"' in page
    assert "Saving a move locks the routes it touches" in page


@pytest.mark.parametrize(
    ("post", "saved"),
    [
        ({"condition": "heavy_traffic", "factor": "1.0", "shown_condition": "clear", "shown_factor": "1.0"}, 1.35),
        ({"condition": "heavy_traffic", "factor": "", "shown_condition": "clear", "shown_factor": "1.0"}, 1.35),
        ({"condition": "heavy_traffic", "factor": "1.5", "shown_condition": "clear", "shown_factor": "1.0"}, 1.5),
        ({"condition": "rain", "factor": "1.3", "shown_condition": "rain", "shown_factor": "1.2"}, 1.3),
        ({"condition": "snow", "factor": "1.2"}, 1.2),
    ],
)
def test_each_condition_starts_from_its_usual_factor(planned_run, planner_client, post, saved):
    # when
    response = planner_client.post(reverse("routing:run_conditions", args=["DC1", DAY]), post, follow=True)
    # then
    planned_run.refresh_from_db()
    assert planned_run.condition == post["condition"] and planned_run.condition_factor == saved
    assert f"× {saved}" in response.content.decode()


def test_the_conditions_forms_carry_the_usual_factors_for_the_page_script(planned_run, planner_client):
    page = planner_client.get(reverse("routing:day", args=["DC1", DAY])).content.decode()
    assert "data-usual-factors=" in page and "&quot;heavy_traffic&quot;: 1.35" in page
    assert 'name="shown_factor" value="1.0"' in page and "routing/conditions.js" in page
    region = planner_client.get(reverse("routing:region", args=["DC1", DAY, "N"])).content.decode()
    assert "data-usual-factors=" in region and "routing/conditions.js" in region


def test_a_region_following_the_days_conditions_keeps_no_factor(planned_run, planner_client):
    rp = planned_run.region_plans.get(region__code="W")
    planner_client.post(
        reverse("routing:region_conditions", args=["DC1", DAY, "W"]),
        {"condition": "", "factor": "1.0", "shown_condition": "rain", "shown_factor": "1.0"},
    )
    rp.refresh_from_db()
    assert rp.condition == "" and rp.condition_factor is None


def test_the_day_and_runs_pages_show_the_runs_real_solving_time(planned_run, planner_client):
    # given: the run started 464 s before it (last) finished, its regions solved for 21 s of it
    finished = planned_run.finished_at
    BatchRun.objects.filter(pk=planned_run.pk).update(started_at=finished - timedelta(seconds=464))
    planned_run.region_plans.update(solve_started_at=finished - timedelta(seconds=21), solve_finished_at=finished)
    # when
    day = planner_client.get(reverse("routing:day", args=["DC1", DAY])).content.decode()
    runs = planner_client.get(reverse("routing:runs", args=["DC1"])).content.decode()
    # then
    assert "(21 s of solving)" in day and "464 s" not in day
    assert "<td>21</td>" in runs


def test_a_route_locked_by_a_move_takes_further_moves_by_hand(planned_run):
    # given: a first move locked route 1
    route = planned_run.region_plans.get(region__code="W").routes.get(number=1)
    stop_move(stop=route.stops.order_by("-position").first(), target=route, position=1)
    route.refresh_from_db()
    assert route.locked
    # when: a second stop moves on the same, now locked, route
    second = route.stops.get(position=3)
    stop_move(stop=second, target=route, position=2)
    # then: saved, and the route stays locked
    route.refresh_from_db()
    assert route.locked and route.stops.get(position=2).store_id == second.store_id

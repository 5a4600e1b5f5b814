"""A region that fails is marked failed with the reason and can be re-run alone."""

import pytest

from core.errors import ConflictError
from orders.models import Parcel
from routing.engine import ProblemError
from routing.models import BatchRun, PlannedRoute, RegionPlan
from routing.services.batch import region_plan_requeue, region_plan_solve
from tests.routing.conftest import fast_solve, start_run


def solve_failing_in(region_code, region_ids):
    def solve(problem, params):
        # The region is known by its stores: fail only the solve of the chosen region.
        if {s.id for s in problem.stops} <= region_ids[region_code]:
            raise ProblemError("locked route of vehicle 7 cannot be driven: over capacity")
        return fast_solve(problem, params)

    return solve


def test_a_failing_region_is_marked_failed_and_rerun_alone(
    network, parcels, django_capture_on_commit_callbacks, monkeypatch
):
    # given
    run = start_run(network)
    region_ids = {code: {str(s.pk) for s in region.stores.all()} for code, region in network["regions"].items()}
    broken = solve_failing_in("W", region_ids)
    outcomes = [
        region_plan_solve(region_plan_id=rp.pk, worker="w", solve=broken)
        for rp in run.region_plans.order_by("region__code")
    ]
    # then the other region is planned and kept, the run says some regions failed
    assert outcomes == ["planned", "failed"]
    run.refresh_from_db()
    failed = run.region_plans.get(region__code="W")
    kept = run.region_plans.get(region__code="N")
    assert run.status == BatchRun.Status.FAILED and run.finished_at
    assert failed.status == RegionPlan.Status.FAILED
    assert "cannot be planned as set up" in failed.error and "over capacity" in failed.error
    assert not failed.routes.exists()
    assert all(
        p.status == Parcel.Status.AT_DC
        for p in Parcel.objects.filter(plan_entries__region_plan=failed, plan_entries__kind="deliver")
    )
    kept_routes = list(PlannedRoute.objects.filter(region_plan=kept).values_list("pk", "distance_m"))

    # when the planner re-runs the failed region alone
    sent = []
    monkeypatch.setattr("routing.services.batch.region_plans_enqueue", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        region_plan_requeue(region_plan=failed)
    assert sent == [[failed.pk]]
    run.refresh_from_db()
    assert run.status == BatchRun.Status.RUNNING
    assert region_plan_solve(region_plan_id=failed.pk, worker="w", solve=fast_solve) == "planned"

    # then
    run.refresh_from_db()
    failed.refresh_from_db()
    assert run.status == BatchRun.Status.DONE
    assert failed.status == RegionPlan.Status.PLANNED and failed.error == ""
    assert list(PlannedRoute.objects.filter(region_plan=kept).values_list("pk", "distance_m")) == kept_routes
    assert Parcel.objects.filter(plan_entries__region_plan=failed, status=Parcel.Status.PLANNED).count() == 6


def test_a_solver_crash_is_a_failure_with_its_reason(network, parcels):
    # given
    from routing.engine import SolverCrashed

    def crash(problem, params):
        raise SolverCrashed("solver process died with exit code -11")

    run = start_run(network)
    # when
    for rp in run.region_plans.all():
        region_plan_solve(region_plan_id=rp.pk, worker="w", solve=crash)
    # then
    assert set(run.region_plans.values_list("error", flat=True)) == {
        "The solver process crashed: solver process died with exit code -11"
    }


def test_a_region_being_solved_cannot_be_queued_again(network, parcels):
    # given
    run = start_run(network)
    region = run.region_plans.first()
    # when / then
    with pytest.raises(ConflictError, match="is Waiting and cannot be solved again"):
        region_plan_requeue(region_plan=region)


def test_a_search_that_finds_no_plan_fails_the_region_instead_of_leaving_every_stop_unserved(network, parcels):
    # given
    from routing.engine import REASON_NO_SOLUTION, Solution, Unserved

    def nothing_found(problem, params):
        return Solution(
            routes=(),
            unserved=tuple(Unserved(s.id, REASON_NO_SOLUTION) for s in problem.stops),
            objective=0,
            search_seconds=params.time_limit_s,
        )

    run = start_run(network)
    west = run.region_plans.get(region__code="W")
    # when
    outcome = region_plan_solve(region_plan_id=west.pk, worker="w", solve=nothing_found)
    # then
    west.refresh_from_db()
    assert outcome == "failed" and west.status == RegionPlan.Status.FAILED
    assert west.error == "The search found no plan within 10 s; run the region again, perhaps with more time."
    assert not Parcel.objects.filter(plan_entries__region_plan=west, status=Parcel.Status.PLANNED).exists()

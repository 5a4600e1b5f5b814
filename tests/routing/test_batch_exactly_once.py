"""The daily batch plans each parcel once per day, however often and however it is triggered."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import Parcel, ParcelEvent
from routing.engine import SearchParams
from routing.models import BatchRun, PlannedRoute, PlanParcel, RegionPlan
from routing.problem_builder import build_region_problem
from routing.services.batch import batch_run_start, region_plan_claim, region_plan_record, region_plan_solve
from routing.services.plans import ACTOR
from tests.routing.conftest import PLAN_DAY, fast_solve, start_run


def planned_events():
    return ParcelEvent.objects.filter(to_status=Parcel.Status.PLANNED, actor_label=ACTOR)


def test_a_run_takes_ready_deliveries_and_expired_parcels_grouped_by_region(network, parcels):
    # when
    run = start_run(network)
    # then
    assert run.status == BatchRun.Status.RUNNING
    assert sorted(run.region_plans.values_list("region__code", flat=True)) == ["N", "W"]
    taken = set(PlanParcel.objects.filter(run=run).values_list("parcel_id", "kind"))
    expected = {(p.pk, "deliver") for p in parcels["deliver"]} | {(p.pk, "collect") for p in parcels["collect"]}
    assert taken == expected
    assert all(rp.vehicles.count() == 2 for rp in run.region_plans.all())


def test_a_second_trigger_finds_the_first_run(network, parcels):
    # given
    first = start_run(network)
    # when
    second, created = batch_run_start(dc=network["dc"], day=PLAN_DAY, trigger=BatchRun.Trigger.MANUAL, enqueue=False)
    # then
    assert not created and second.pk == first.pk
    assert BatchRun.objects.count() == 1 and RegionPlan.objects.count() == 2
    assert PlanParcel.objects.count() == len(parcels["deliver"]) + len(parcels["collect"])


def test_solving_plans_every_delivery_once_with_its_eta_and_finishes_the_run(planned_run, parcels):
    # then
    assert planned_run.status == BatchRun.Status.DONE and planned_run.finished_at
    for parcel in parcels["deliver"]:
        parcel.refresh_from_db()
        assert parcel.status == Parcel.Status.PLANNED
        assert parcel.expected_arrival.date() == PLAN_DAY
    assert planned_events().count() == len(parcels["deliver"])
    for parcel in parcels["collect"] + parcels["other"]:
        status = parcel.status
        parcel.refresh_from_db()
        assert parcel.status == status  # collects move when the clerk scans them out; others never
    region = planned_run.region_plans.get(region__code="W")
    assert region.stops == 3 and region.parcels_out == 6 and region.parcels_back == 3
    assert region.distance_m > 0 and region.vehicles_used >= 1 and 0 < region.load_factor <= 1


def test_a_redelivered_region_task_does_nothing_twice(planned_run, parcels):
    # given
    region = planned_run.region_plans.get(region__code="N")
    routes = list(PlannedRoute.objects.filter(region_plan=region).values_list("pk", flat=True))
    events = ParcelEvent.objects.count()
    # when
    outcome = region_plan_solve(region_plan_id=region.pk, worker="late-worker", solve=fast_solve)
    # then
    assert outcome == "skipped"
    assert list(PlannedRoute.objects.filter(region_plan=region).values_list("pk", flat=True)) == routes
    assert ParcelEvent.objects.count() == events
    region.refresh_from_db()
    assert region.attempts == 1


def test_a_region_running_under_a_live_lease_is_left_alone(network, parcels):
    # given
    run = start_run(network)
    region = run.region_plans.get(region__code="W")
    assert region_plan_claim(region_plan_id=region.pk, worker="first") is not None
    # when
    again = region_plan_claim(region_plan_id=region.pk, worker="second")
    # then
    assert again is None
    region.refresh_from_db()
    assert (
        region.status == RegionPlan.Status.RUNNING and region.attempts == 1 and region.claimed_by.startswith("first/")
    )


def test_a_claim_holds_for_one_lease_unless_renewed(network, parcels, settings):
    # given
    settings.PICKUP_ROUTING_LEASE_S = 90
    run = start_run(network)
    now = timezone.now()
    # when
    claimed, _token = region_plan_claim(
        region_plan_id=run.region_plans.get(region__code="W").pk, worker="first", now=now
    )
    # then: a lease, not the task's time limit of minutes, is what a dead worker leaves behind
    assert claimed.lease_until == now + timedelta(seconds=90)


@pytest.mark.django_db(transaction=True)
def test_a_solve_that_outlasts_its_lease_keeps_the_region(network, parcels, settings):
    # given a lease of 1.5 s, and a search that takes 3 s
    settings.PICKUP_ROUTING_LEASE_S = 1.5
    run = start_run(network)
    region = run.region_plans.get(region__code="W")
    rivals = []

    def slow_solve(problem, params):
        time.sleep(3)
        rivals.append(region_plan_claim(region_plan_id=region.pk, worker="rival"))
        return fast_solve(problem, params)

    # when
    outcome = region_plan_solve(region_plan_id=region.pk, worker="slow", solve=slow_solve)
    # then the live worker renewed its claim: the rival found it taken, and the plan is the first claim's
    assert outcome == "planned" and rivals == [None]
    region.refresh_from_db()
    assert region.status == RegionPlan.Status.PLANNED and region.attempts == 1 and region.claimed_by.startswith("slow/")


def test_a_stale_lease_is_reclaimed_and_the_dead_workers_late_result_is_refused(network, parcels):
    # given: the first worker claimed the region, built its problem and then went silent
    run = start_run(network)
    region = run.region_plans.get(region__code="W")
    claimed, dead_token = region_plan_claim(region_plan_id=region.pk, worker="dead")
    dead_problem = build_region_problem(claimed)
    RegionPlan.objects.filter(pk=region.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    # when: a redelivered task reclaims it and plans it
    assert region_plan_solve(region_plan_id=region.pk, worker="alive", solve=fast_solve) == "planned"
    # and the first worker wakes up and tries to record its own plan
    late = region_plan_record(
        region_plan=claimed,
        token=dead_token,
        region_problem=dead_problem,
        solution=fast_solve(dead_problem.problem, SearchParams()),
    )
    # then
    assert late is False
    region.refresh_from_db()
    assert region.status == RegionPlan.Status.PLANNED and region.attempts == 2
    assert planned_events().count() == 6
    assert PlanParcel.objects.filter(region_plan=region, kind="deliver", parcel__status="planned").count() == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_triggers_at_the_same_moment_make_one_run(network, parcels):
    """Real threads on PostgreSQL: both insert the (dc, day) row, the unique index makes one wait and
    fail. SQLite serialises whole transactions, so it cannot show the race."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writing transaction at a time")
    # given
    barrier = threading.Barrier(2)
    results = []

    def trigger(kind):
        barrier.wait()
        try:
            results.append(batch_run_start(dc=network["dc"], day=PLAN_DAY, trigger=kind, enqueue=False, time_limit_s=5))
        finally:
            connection.close()

    # when
    threads = [
        threading.Thread(target=trigger, args=(kind,)) for kind in (BatchRun.Trigger.BEAT, BatchRun.Trigger.CATCH_UP)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(created for _run, created in results) == [False, True]
    assert {run.pk for run, _created in results} == set(BatchRun.objects.values_list("pk", flat=True))
    assert RegionPlan.objects.count() == 2
    assert PlanParcel.objects.count() == len(parcels["deliver"]) + len(parcels["collect"])

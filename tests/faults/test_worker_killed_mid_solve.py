"""A worker killed with -9 in the middle of a route solve, with real worker processes on a private
Redis: nothing of the dead worker runs on, and the day's batch still completes once, with one plan
per region."""

import json
import os
import signal
from datetime import time, timedelta

import pytest
import redis
from django.db.models import Count, F
from django.utils import timezone

from orders.models import Parcel
from routing.models import BatchRun, PlannedStop, PlanParcel, RegionPlan, UnservedStop
from tests.conftest import make_parcel_at
from tests.factories import StoreFactory, VehicleFactory
from tests.faults.conftest import descendants, process_running, wait_until
from tests.routing.test_batch_real_worker import planned_once

BATCH_ENV = {
    "PICKUP_DAILY_BATCH_TIME": "00:00",  # the worker's start-up catch-up begins today's run
    "PICKUP_ROUTING_TIME_LIMIT_S": "20",
    "PICKUP_ROUTING_LEASE_S": "6",  # renewed every 2 s while a worker lives
}
PLANNED, RUNNING = RegionPlan.Status.PLANNED, RegionPlan.Status.RUNNING


@pytest.fixture
def crowded_west(network, parcels):
    """A hundred more stores in region W with a parcel each, and vans enough to visit them all. With
    over 100 stops W's search runs ruin-and-recreate up to its time limit (a small region's search
    stops once it stops improving), so a kill seen to land in it has 20 s to spare; N stays small."""
    west = network["regions"]["W"]
    for row in range(10):
        for col in range(10):
            store = StoreFactory(
                region=west,
                code=f"X{row}{col}",
                latitude=f"{25.000 + 0.002 * row:.6f}",
                longitude=f"{121.450 + 0.002 * col:.6f}",
            )
            parcels["deliver"].append(make_parcel_at(network, store, "at_dc", volume_units=1))
    for n in range(6):
        VehicleFactory(
            dc=network["dc"],
            name=f"TRUCK-{n}",
            volume_capacity=100,
            kg_capacity=1000,
            shift_start=time(9, 30),
            shift_end=time(18, 30),
        )
    # Ready since yesterday, before today's cutoff.
    Parcel.objects.update(status_changed_at=timezone.now() - timedelta(days=1))
    return parcels


def statuses() -> dict[str, str]:
    return dict(RegionPlan.objects.values_list("region__code", "status"))


def solving_process(pid: int) -> bool:
    """A `solve_isolated` child: a spawned process leading its own process group."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            spawned = b"spawn_main" in f.read()
        return spawned and os.getpgid(pid) == pid
    except OSError:
        return False


def region_solve_results(broker: redis.Redis) -> list[str]:
    """The outcomes of region tasks in the result backend, one per task id (a redelivered task
    overwrites its first outcome)."""
    results = [json.loads(broker.get(key))["result"] for key in broker.scan_iter("celery-task-meta-*")]
    return sorted(r for r in results if r in ("planned", "skipped", "failed"))


def unacknowledged(broker: redis.Redis) -> int:
    """Messages handed to a worker and not acknowledged yet (kombu's Redis transport keeps them in
    this hash until the ack, or until it hands them out again)."""
    return broker.hlen("unacked")


def test_batch_completes_once_after_the_worker_dies_mid_solve(private_celery, private_redis, network, crowded_west):
    parcels = crowded_west
    broker = redis.Redis.from_url(private_redis.url())
    # given a worker whose start-up catch-up begins today's batch: N planned and its task
    # acknowledged (a kill between the two is a different story: N's message would come back too),
    # W's search under way
    doomed = private_celery.worker("doomed", **BATCH_ENV)
    wait_until(
        lambda: (
            statuses() == {"N": PLANNED, "W": RUNNING}
            and unacknowledged(broker) == 1
            and any(solving_process(pid) for pid in descendants(doomed.pid))
        ),
        timeout=120,
        what="region N to be planned and W's search to be running",
    )
    # when the worker process is killed with -9
    doomed_processes = descendants(doomed.pid)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    try:
        # then its pool processes and W's search end with it
        wait_until(
            lambda: not any(process_running(pid) for pid in doomed_processes),
            timeout=30,
            what="the dead worker's processes to end",
        )
    finally:
        for pid in filter(process_running, doomed_processes):
            os.kill(pid, signal.SIGKILL)
    run = BatchRun.objects.get()
    assert run.status == BatchRun.Status.RUNNING and statuses() == {"N": PLANNED, "W": RUNNING}
    assert not PlannedStop.objects.filter(route__region_plan__region__code="W").exists()
    # and W's lease, no longer renewed, runs out
    wait_until(
        lambda: RegionPlan.objects.filter(region__code="W", lease_until__lt=timezone.now()).exists(),
        timeout=60,
        what="W's lease to run out",
    )
    # when another worker starts (its start-up catch-up sends W again)
    private_celery.worker("rescuer", **BATCH_ENV)
    wait_until(
        lambda: BatchRun.objects.filter(status=BatchRun.Status.DONE).exists(), timeout=150, what="the batch to finish"
    )
    # and the broker hands the dead worker's unacknowledged W message out again (visibility timeout)
    wait_until(
        lambda: len(region_solve_results(broker)) == 3 and unacknowledged(broker) == 0,
        timeout=150,
        what="the dead worker's W message to come back",
        interval=1,
    )
    # then N was solved once, W twice: the killed attempt and one more; the redelivered message did nothing
    assert region_solve_results(broker) == ["planned", "planned", "skipped"]
    run = BatchRun.objects.get()
    assert sorted(run.region_plans.values_list("region__code", "status", "attempts")) == [
        ("N", PLANNED, 1),
        ("W", PLANNED, 2),
    ]
    assert planned_once(parcels)
    assert_one_plan_per_region(run)


def assert_one_plan_per_region(run: BatchRun) -> None:
    """Every store with work is a stop of exactly one route of its region's plan (none is left out
    here), and every delivery rides to its own store's stop."""
    for plan in run.region_plans.all():
        work = set(PlanParcel.objects.filter(region_plan=plan).values_list("store_id", flat=True))
        visits = PlannedStop.objects.filter(route__region_plan=plan).values("store_id").annotate(n=Count("id"))
        assert {v["store_id"]: v["n"] for v in visits} == dict.fromkeys(work, 1)
        assert not UnservedStop.objects.filter(region_plan=plan).exists()
        deliveries = PlanParcel.objects.filter(region_plan=plan, kind=PlanParcel.Kind.DELIVER)
        assert not deliveries.exclude(stop__route__region_plan=plan).exists()
        assert not deliveries.exclude(stop__store_id=F("store_id")).exists()

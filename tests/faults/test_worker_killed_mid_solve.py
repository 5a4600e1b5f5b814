"""A worker killed with -9 in the middle of a route solve: the day's batch still completes, once."""

from datetime import timedelta

from django.utils import timezone

from orders.models import Parcel
from routing.models import BatchRun, RegionPlan
from tests.faults.conftest import descendants, kill_hard, wait_until
from tests.routing.conftest import network, parcels  # noqa: F401
from tests.routing.test_batch_real_worker import planned_once

BATCH_ENV = {"PICKUP_DAILY_BATCH_TIME": "00:00", "PICKUP_ROUTING_TIME_LIMIT_S": "5"}


def solving_children(worker) -> bool:
    """Both regions claimed and their searches running in solver processes under the worker."""
    running = RegionPlan.objects.filter(status=RegionPlan.Status.RUNNING).count() == 2
    return running and len([pid for pid in descendants(worker.pid) if b"multiprocessing" in _cmdline(pid)]) >= 2


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def test_batch_completes_once_after_the_worker_dies_mid_solve(private_celery, network, parcels):
    # given parcels ready since yesterday, and a worker whose start-up catch-up begins today's batch
    Parcel.objects.update(status_changed_at=timezone.now() - timedelta(days=1))
    first = private_celery.worker("doomed", **BATCH_ENV)
    wait_until(lambda: solving_children(first), timeout=60, what="both regions to be solving")
    # when the machine dies in the middle of the searches
    kill_hard(first)
    run = BatchRun.objects.get()
    assert run.status == BatchRun.Status.RUNNING
    assert set(run.region_plans.values_list("status", flat=True)) == {RegionPlan.Status.RUNNING}
    # and, once the dead claims' leases have run out, another worker starts
    RegionPlan.objects.filter(status=RegionPlan.Status.RUNNING).update(lease_until=timezone.now() - timedelta(seconds=1))
    private_celery.worker("rescuer", **BATCH_ENV)
    wait_until(lambda: BatchRun.objects.filter(status=BatchRun.Status.DONE).exists(), timeout=120, what="the batch to finish")
    # then one run, each region planned once after one lost attempt, every parcel planned once
    run = BatchRun.objects.get()
    assert sorted(run.region_plans.values_list("region__code", "status", "attempts")) == [
        ("N", RegionPlan.Status.PLANNED, 2),
        ("W", RegionPlan.Status.PLANNED, 2),
    ]
    assert planned_once(parcels)

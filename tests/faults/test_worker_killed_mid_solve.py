"""A worker killed with -9 in the middle of a route solve: the day's batch still completes, once."""

from datetime import timedelta

from django.utils import timezone

from orders.models import Parcel
from routing.models import BatchRun, RegionPlan
from tests.faults.conftest import descendants, kill_hard, wait_until
from tests.routing.conftest import network, parcels  # noqa: F401
from tests.routing.test_batch_real_worker import planned_once

BATCH_ENV = {"PICKUP_DAILY_BATCH_TIME": "00:00", "PICKUP_ROUTING_TIME_LIMIT_S": "8"}


def solving_children(worker) -> bool:
    """A region claimed and its search running in a solver process under the worker."""
    running = RegionPlan.objects.filter(status=RegionPlan.Status.RUNNING).exists()
    return running and any(b"multiprocessing" in _cmdline(pid) for pid in descendants(worker.pid))


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
    wait_until(lambda: solving_children(first), timeout=90, what="a region to be solving")
    # when the machine dies in the middle of the search
    kill_hard(first)
    run = BatchRun.objects.get()
    assert run.status == BatchRun.Status.RUNNING
    killed = set(run.region_plans.filter(status=RegionPlan.Status.RUNNING).values_list("region__code", flat=True))
    assert killed and not run.region_plans.filter(status=RegionPlan.Status.PLANNED).exists()
    # and, once the dead claims' leases have run out, another worker starts
    RegionPlan.objects.filter(status=RegionPlan.Status.RUNNING).update(lease_until=timezone.now() - timedelta(seconds=1))
    private_celery.worker("rescuer", **BATCH_ENV)
    # (a region whose message the dead worker held unstarted comes back after the broker's visibility timeout)
    wait_until(lambda: BatchRun.objects.filter(status=BatchRun.Status.DONE).exists(), timeout=150, what="the batch to finish")
    # then one run; each region planned, a killed one on its second attempt; every parcel planned once
    run = BatchRun.objects.get()
    assert sorted(run.region_plans.values_list("region__code", "status", "attempts")) == [
        (code, RegionPlan.Status.PLANNED, 2 if code in killed else 1) for code in ("N", "W")
    ]
    assert planned_once(parcels)

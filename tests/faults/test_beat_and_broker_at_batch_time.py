"""The scheduled batch against a lost broker and a doubled beat, with real worker and beat processes
on a private Redis: the day's batch runs once, whatever the broker and the schedulers did."""

import time
from datetime import datetime, timedelta

from django.utils import timezone

from orders.models import Parcel
from routing.models import BatchRun, RegionPlan
from tests.faults.conftest import wait_until
from tests.routing.test_batch_real_worker import planned_once


def batch_time_in(dc, seconds: float, *, whole_minute: bool = False) -> datetime:
    """A batch moment `seconds` or more from now, today in the DC's zone (waits out a midnight)."""
    while True:
        moment = timezone.now().astimezone(dc.tz) + timedelta(seconds=seconds)
        if whole_minute:
            moment = (moment + timedelta(minutes=1)).replace(second=0, microsecond=0)
        if moment.date() == timezone.now().astimezone(dc.tz).date():
            return moment.replace(microsecond=0)
        time.sleep(5)


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - timezone.now()).total_seconds()))


def assert_planned_once(run: BatchRun, parcels) -> None:
    assert sorted(run.region_plans.values_list("region__code", "status", "attempts")) == [
        ("N", RegionPlan.Status.PLANNED, 1),
        ("W", RegionPlan.Status.PLANNED, 1),
    ]
    assert planned_once(parcels)


def test_broker_down_across_the_batch_time_runs_the_batch_once_when_it_is_back(
    private_celery, private_redis, network, parcels
):
    # given a worker and a running beat whose batch time is 30 s away, checking for missed days every 3 s
    Parcel.objects.update(status_changed_at=timezone.now() - timedelta(days=1))
    batch_at = batch_time_in(network["dc"], 30)
    env = {
        "PICKUP_DAILY_BATCH_TIME": batch_at.time().isoformat(),
        "PICKUP_BATCH_CATCH_UP_SECONDS": "3",
        "PICKUP_ROUTING_TIME_LIMIT_S": "1",
    }
    private_celery.worker("w1", **env)
    private_celery.beat("beat", **env)
    private_celery.wait_for_beat_to_send("beat", "routing-batch-catch-up")
    assert timezone.now() < batch_at - timedelta(seconds=2), "the worker and beat took too long to start for this test"
    # when Redis goes down before the batch time and stays down past it
    private_redis.stop()
    sleep_until(batch_at + timedelta(seconds=5))
    assert not BatchRun.objects.exists()
    private_redis.start()
    # then the day's run starts once the broker is back, and no other: started by the first catch-up
    # check, or by the daily tick itself where beat was caught publishing when the broker went down
    # (it then waits for the broker and sends what fell due meanwhile)
    wait_until(
        lambda: BatchRun.objects.filter(status=BatchRun.Status.DONE).exists(), timeout=90, what="the batch to finish"
    )
    time.sleep(10)  # three more catch-up checks
    run = BatchRun.objects.get()
    assert run.plan_date == batch_at.date()
    assert run.cutoff == batch_at  # it plans what was ready at the batch time, although it started late
    assert run.started_at > batch_at
    assert run.trigger in (BatchRun.Trigger.CATCH_UP, BatchRun.Trigger.BEAT)
    assert_planned_once(run, parcels)


def test_two_beats_sending_the_daily_batch_make_one_run(private_celery, network, parcels):
    # given two beat processes with the same schedule (a deploy that left the old one running) and
    # no catch-up check in the test's time, so only the daily ticks can start the run
    Parcel.objects.update(status_changed_at=timezone.now() - timedelta(days=1))
    batch_at = batch_time_in(network["dc"], 15, whole_minute=True)
    env = {"PICKUP_DAILY_BATCH_TIME": batch_at.strftime("%H:%M"), "PICKUP_ROUTING_TIME_LIMIT_S": "1"}
    private_celery.worker("w1", **env)
    private_celery.beat("beat-a", **env)
    private_celery.beat("beat-b", **env)
    assert not BatchRun.objects.exists()
    # when both tick at the batch time
    sleep_until(batch_at)
    wait_until(
        lambda: BatchRun.objects.filter(status=BatchRun.Status.DONE).exists(), timeout=90, what="the batch to finish"
    )
    time.sleep(3)
    # then
    run = BatchRun.objects.get()
    assert run.trigger == BatchRun.Trigger.BEAT
    assert_planned_once(run, parcels)

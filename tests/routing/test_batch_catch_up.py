"""The catch-up check runs a missed day as soon as it can, still once, and rescues lost regions."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from routing.models import BatchRun, RegionPlan
from routing.services.batch import MAX_ATTEMPTS, REQUEUE_AFTER, batch_catch_up, region_plan_claim
from tests.conftest import PLAN_DAY


def taipei(hour, minute=0):
    """A time of the plan day (tomorrow), so every parcel made now is ready by its cutoff."""
    return datetime.combine(PLAN_DAY, time(hour, minute), tzinfo=timezone.get_default_timezone())


def test_before_the_batch_time_nothing_starts(network, parcels, monkeypatch):
    monkeypatch.setattr("routing.services.batch.region_plans_enqueue", lambda ids: None)
    assert batch_catch_up(now=taipei(8, 59)) == []
    assert not BatchRun.objects.exists()


def test_a_missed_batch_starts_once_however_often_the_check_runs(
    network, parcels, monkeypatch, django_capture_on_commit_callbacks
):
    # given: 09:00 passed with the broker down, nothing ran
    sent = []
    monkeypatch.setattr("routing.services.batch.region_plans_enqueue", sent.append)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = batch_catch_up(now=taipei(9, 7))
        second = batch_catch_up(now=taipei(9, 12))
    # then
    assert [run.trigger for run in first] == [BatchRun.Trigger.CATCH_UP] and second == []
    run = BatchRun.objects.get()
    assert run.plan_date == taipei(9).date() and run.cutoff == taipei(9)
    assert sent == [sorted(run.region_plans.values_list("pk", flat=True))]


def test_lost_regions_are_sent_again_and_hopeless_ones_failed(network, parcels, monkeypatch):
    # given: one region's message was lost, the other's worker died three times
    sent = []
    monkeypatch.setattr("routing.services.batch.region_plans_enqueue", sent.append)
    now = taipei(9, 30)
    batch_catch_up(now=now)
    lost, dying = RegionPlan.objects.order_by("region__code")
    for _ in range(MAX_ATTEMPTS):
        RegionPlan.objects.filter(pk=dying.pk).update(lease_until=now - timedelta(seconds=1))
        assert region_plan_claim(region_plan_id=dying.pk, worker="doomed", now=now) is not None
    RegionPlan.objects.filter(pk=dying.pk).update(lease_until=now - timedelta(seconds=1))
    sent.clear()
    # when
    batch_catch_up(now=now + REQUEUE_AFTER + timedelta(minutes=1))
    # then
    assert sent == [[lost.pk]]
    dying.refresh_from_db()
    assert dying.status == RegionPlan.Status.FAILED and "interrupted 3 times" in dying.error


def test_a_run_started_by_hand_takes_what_is_at_the_dc_now_and_a_late_catch_up_what_09_00_would(
    network, parcels, monkeypatch
):
    # given: one delivery reached the DC at 10:00, after the batch time
    from orders.models import Parcel
    from routing.models import PlanParcel
    from routing.services.batch import batch_run_start

    monkeypatch.setattr("routing.services.batch.region_plans_enqueue", lambda ids: None)
    late = parcels["deliver"][0]
    Parcel.objects.filter(pk=late.pk).update(status_changed_at=taipei(10))
    # when: the catch-up starts the day at 11:30
    run = batch_catch_up(now=taipei(11, 30))[0]
    # then
    assert run.cutoff == taipei(9) and not PlanParcel.objects.filter(run=run, parcel=late).exists()
    # when: instead a planner starts it by hand at 11:30
    run.delete()
    run, _ = batch_run_start(
        dc=network["dc"], day=PLAN_DAY, trigger=BatchRun.Trigger.MANUAL, enqueue=False, now=taipei(11, 30)
    )
    # then
    assert run.cutoff == taipei(11, 30) and PlanParcel.objects.filter(run=run, parcel=late).exists()


def test_regions_whose_send_failed_are_sent_by_the_next_catch_up(
    network, parcels, monkeypatch, django_capture_on_commit_callbacks
):
    # given: the catch-up starts the day at 09:07 and sending its regions fails (the broker is down)
    from celery import canvas
    from kombu.exceptions import OperationalError

    from pickup.celery import app

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    app.conf.task_always_eager = False  # restored by the autouse fixture
    monkeypatch.setattr(canvas.group, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        run = batch_catch_up(now=taipei(9, 7))[0]
    assert set(run.region_plans.values_list("queued_at", flat=True)) == {None}
    # when: the broker is back and the next check runs five minutes later
    sent = []
    monkeypatch.setattr("routing.services.batch.region_plans_enqueue", sent.append)
    batch_catch_up(now=taipei(9, 12))
    # then: the regions are sent, not left to the 15-minute re-queue window
    assert [sorted(ids) for ids in sent] == [sorted(run.region_plans.values_list("pk", flat=True))]

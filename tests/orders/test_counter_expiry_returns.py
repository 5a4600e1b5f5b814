"""Hold expiry (in the store's time zone), return scan-out to the driver, and missing/damaged reports."""

import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from core.errors import DomainError
from orders.models import Parcel, ParcelEvent
from orders.services.counter import (
    CounterRefusal,
    Reason,
    parcel_report_problem,
    parcel_return_scan_out,
    parcel_scan_in,
    parcels_expire_overdue,
)
from orders.tasks_counter import expire_overdue_parcels
from tests.factories import StoreFactory, make_clerk

S = Parcel.Status
SECOND = timedelta(seconds=1)


def test_parcel_expires_just_after_the_end_of_its_last_day_in_the_stores_time_zone(in_transit, region, clerk, settings):
    # given a store in Tokyo (an hour ahead of the Taipei default)
    settings.PICKUP_HOLD_DAYS = 7
    tokyo = StoreFactory(region=region, time_zone="Asia/Tokyo")
    tokyo_clerk = make_clerk(tokyo, "tokyo_clerk")
    parcel = in_transit(pickup_store=tokyo)
    parcel_scan_in(code=parcel.tracking_number, store=tokyo, clerk=tokyo_clerk)
    parcel.refresh_from_db()
    deadline = parcel.hold_deadline
    local = deadline.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.hour, local.minute, local.second) == (23, 59, 59)
    assert local.date() == parcel.arrived_at.astimezone(ZoneInfo("Asia/Tokyo")).date() + timedelta(days=7)
    # when the job runs at the deadline, then a second after
    assert parcels_expire_overdue(now=deadline) == 0
    parcel.refresh_from_db()
    assert parcel.status == S.AT_STORE
    assert parcels_expire_overdue(now=deadline + SECOND) == 1
    # then
    parcel.refresh_from_db()
    assert parcel.status == S.EXPIRED and parcel.shelf_slot == 1
    event = parcel.events.order_by("-seq").first()
    assert (event.to_status, event.actor_label, event.store) == (S.EXPIRED, "system", tokyo)


def test_each_store_expires_at_the_end_of_its_own_local_day(in_transit, store, clerk, region):
    # given parcels arriving together in Taipei (store) and Tokyo
    tokyo = StoreFactory(region=region, time_zone="Asia/Tokyo")
    taipei_parcel, tokyo_parcel = in_transit(), in_transit(pickup_store=tokyo)
    parcel_scan_in(code=taipei_parcel.tracking_number, store=store, clerk=clerk)
    parcel_scan_in(code=tokyo_parcel.tracking_number, store=tokyo, clerk=make_clerk(tokyo, "tokyo_clerk"))
    parcels = sorted(Parcel.objects.filter(pk__in=[taipei_parcel.pk, tokyo_parcel.pk]), key=lambda p: p.hold_deadline)
    for parcel in parcels:
        local = parcel.hold_deadline.astimezone(parcel.shelf_store.tz)
        assert local.time().isoformat() == "23:59:59"
    first, second = parcels
    assert first.hold_deadline != second.hold_deadline
    # when the job runs between the two deadlines
    assert parcels_expire_overdue(now=first.hold_deadline + SECOND) == 1
    # then only the parcel whose local day ended first has expired
    assert Parcel.objects.get(pk=first.pk).status == S.EXPIRED
    assert Parcel.objects.get(pk=second.pk).status == S.AT_STORE


def test_expiry_job_is_safe_to_run_twice_and_is_scheduled_hourly(on_shelf):
    parcel, _ = on_shelf()
    Parcel.objects.filter(pk=parcel.pk).update(hold_deadline=datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC")))
    assert expire_overdue_parcels() == 1
    assert expire_overdue_parcels() == 0
    assert parcel.events.filter(to_status=S.EXPIRED).count() == 1
    entry = settings.CELERY_BEAT_SCHEDULE["expire-overdue-parcels"]
    assert entry["task"] == expire_overdue_parcels.name
    assert entry["schedule"].minute == {0} and len(entry["schedule"].hour) == 24


def test_a_fresh_worker_process_finds_the_expiry_task_by_name():
    # A worker imports only what autodiscovery and CELERY_IMPORTS name, not what this test process imported.
    probe = "from pickup.celery import app; app.loader.import_default_modules(); print(sorted(app.tasks))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    ).stdout
    assert "'orders.expire_overdue_parcels'" in out


@pytest.fixture
def expired(on_shelf):
    def _make(**order_fields):
        parcel, _ = on_shelf(**order_fields)
        Parcel.objects.filter(pk=parcel.pk).update(hold_deadline=datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC")))
        parcels_expire_overdue()
        parcel.refresh_from_db()
        return parcel

    return _make


def test_return_scan_out_hands_an_expired_parcel_to_the_driver_and_frees_its_slot(expired, in_transit, store, clerk):
    # given
    parcel = expired()
    # when
    result = parcel_return_scan_out(code=parcel.tracking_number, store=store, clerk=clerk)
    # then
    parcel.refresh_from_db()
    assert result.slot == 1 and (parcel.status, parcel.shelf_slot, parcel.shelf_store) == (
        S.RETURN_IN_TRANSIT,
        None,
        None,
    )
    event = parcel.events.order_by("-seq").first()
    assert (event.to_status, event.actor, event.details) == (S.RETURN_IN_TRANSIT, clerk, {"slot": 1})
    assert parcel_scan_in(code=in_transit().tracking_number, store=store, clerk=clerk).slot == 1
    with pytest.raises(CounterRefusal) as again:
        parcel_return_scan_out(code=parcel.tracking_number, store=store, clerk=clerk)
    assert again.value.code == Reason.ALREADY_SCANNED_OUT


def test_return_scan_refusals(on_shelf, in_transit, other_store, expired, store, clerk, outsider_clerk):
    held, _ = on_shelf()
    cases = [
        ("000000000000", store, clerk, Reason.UNKNOWN),
        (held.tracking_number, store, clerk, Reason.NOT_EXPIRED),
        (in_transit().tracking_number, store, clerk, Reason.NOT_ON_SHELF),
        (expired().tracking_number, other_store, outsider_clerk, Reason.OTHER_STORE),
    ]
    for code, where, who, reason in cases:
        with pytest.raises(CounterRefusal) as refused:
            parcel_return_scan_out(code=code, store=where, clerk=who)
        assert refused.value.code == reason, code
    held.refresh_from_db()
    assert held.status == S.AT_STORE and held.shelf_slot == 1


def test_clerk_reports_a_missing_parcel_and_a_damaged_one(in_transit, on_shelf, store, clerk):
    missing = in_transit()
    damaged, _ = on_shelf()
    event = parcel_report_problem(
        parcel=missing, store=store, clerk=clerk, kind=ParcelEvent.Type.REPORTED_MISSING, note=" not on the truck "
    )
    assert (event.type, event.actor, event.store, event.details) == (
        ParcelEvent.Type.REPORTED_MISSING,
        clerk,
        store,
        {"note": "not on the truck"},
    )
    assert (
        parcel_report_problem(parcel=damaged, store=store, clerk=clerk, kind=ParcelEvent.Type.REPORTED_DAMAGED).type
        == ParcelEvent.Type.REPORTED_DAMAGED
    )


def test_report_refusals(on_shelf, in_transit, other_store, store, clerk):
    arrived, _ = on_shelf()
    with pytest.raises(CounterRefusal) as not_missing:
        parcel_report_problem(parcel=arrived, store=store, clerk=clerk, kind=ParcelEvent.Type.REPORTED_MISSING)
    assert not_missing.value.code == "not_reportable"
    with pytest.raises(CounterRefusal) as elsewhere:
        parcel_report_problem(
            parcel=in_transit(pickup_store=other_store),
            store=store,
            clerk=clerk,
            kind=ParcelEvent.Type.REPORTED_DAMAGED,
        )
    assert elsewhere.value.code == Reason.OTHER_STORE
    with pytest.raises(DomainError) as bad_kind:
        parcel_report_problem(parcel=arrived, store=store, clerk=clerk, kind="stolen")
    assert bad_kind.value.field == "kind"

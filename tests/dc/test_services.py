"""The DC floor's services: intake, loading, returns home and the exceptions queue."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from dc.models import DockException, ReturnConsignment
from dc.services.exceptions import exception_resolve, exceptions_sweep
from dc.services.intake import batch_cutoff, parcel_intake
from dc.services.loading import parcel_load, route_load_list
from dc.services.returns import consignment_hand_over, parcel_return_intake
from dc.services.scanning import DockRefusal, Reason
from orders.models import Parcel, ParcelEvent, WebhookDelivery
from orders.services.counter import parcel_report_problem
from routing.models import BatchRun

S = Parcel.Status


def events_of(parcel):
    return list(parcel.events.order_by("seq").values_list("type", "to_status"))


# --- intake -------------------------------------------------------------------------------------------


def test_intake_moves_a_created_parcel_to_the_dc_and_names_its_batch(dc, dock, make_parcel):
    parcel = make_parcel("created")
    result = parcel_intake(parcel_code=f" {parcel.tracking_number} ", dc=dc, user=dock)
    parcel.refresh_from_db()
    assert parcel.status == S.AT_DC and result.outcome == "received"
    assert "batch" in result.message and result.batch is not None
    assert parcel.events.get(to_status=S.AT_DC).actor == dock


def test_batch_cutoff_is_today_before_the_batch_time_and_tomorrow_after(dc, settings):
    morning = datetime(2026, 3, 2, 8, 30, tzinfo=dc.tz)
    before = batch_cutoff(dc=dc, now=morning)
    after = batch_cutoff(dc=dc, now=morning + timedelta(hours=1))
    assert before.today and before.seconds_left == 30 * 60 and before.day == morning.date()
    assert not after.today and after.day == morning.date() + timedelta(days=1)


def test_an_intake_after_a_batch_started_by_hand_goes_with_tomorrows(dc, dock, make_parcel):
    morning = datetime(2026, 3, 2, 7, 0, tzinfo=dc.tz)
    before = parcel_intake(parcel_code=make_parcel("created").tracking_number, dc=dc, user=dock, now=morning)
    BatchRun.objects.create(
        dc=dc,
        plan_date=morning.date(),
        trigger=BatchRun.Trigger.MANUAL,
        cutoff=morning,
        time_limit_s=1,
        started_at=morning,
    )
    after = parcel_intake(parcel_code=make_parcel("created").tracking_number, dc=dc, user=dock, now=morning)
    assert before.batch.today and before.batch.day == morning.date()
    assert not after.batch.today and after.batch.day == morning.date() + timedelta(days=1)


def test_a_second_intake_scan_is_a_409_saying_when_and_by_whom(dc, dock, make_parcel):
    parcel = make_parcel("created")
    parcel_intake(parcel_code=parcel.tracking_number, dc=dc, user=dock)
    with pytest.raises(DockRefusal) as refused:
        parcel_intake(parcel_code=parcel.tracking_number, dc=dc, user=dock)
    assert refused.value.status_code == 409 and refused.value.code == Reason.ALREADY_RECEIVED
    assert "by dock_a" in refused.value.message
    assert parcel.events.filter(to_status=S.AT_DC).count() == 1


@pytest.mark.parametrize(
    "code, reason, status_code",
    [("999999999999", Reason.UNKNOWN, 404), ("", "empty", 400), ("x" * 500, Reason.UNKNOWN, 404)],
)
def test_bad_codes_are_refused_and_change_nothing(dc, dock, code, reason, status_code):
    with pytest.raises(Exception) as refused:
        parcel_intake(parcel_code=code, dc=dc, user=dock)
    assert refused.value.code == reason
    assert getattr(refused.value, "status_code", 400) == status_code
    assert not ParcelEvent.objects.exists()


def test_another_dcs_parcel_is_refused_as_not_ours(dc, dock, foreign_parcel):
    with pytest.raises(DockRefusal) as refused:
        parcel_intake(parcel_code=foreign_parcel.tracking_number, dc=dc, user=dock)
    assert refused.value.code == Reason.OTHER_DC and refused.value.status_code == 404
    foreign_parcel.refresh_from_db()
    assert foreign_parcel.status == S.CREATED


def test_a_cancelled_parcel_is_set_aside_for_return(dc, dock, make_parcel):
    parcel = make_parcel("cancelled")
    with pytest.raises(DockRefusal, match="Cancelled by the merchant: set it aside for return"):
        parcel_intake(parcel_code=parcel.tracking_number, dc=dc, user=dock)


@pytest.mark.parametrize("weight, size", [("heavy", None), ("-5", None), ("0", None), ("1000000", None), (None, "XXL")])
def test_garbage_measures_are_refused_and_change_nothing(dc, dock, make_parcel, weight, size):
    parcel = make_parcel("created")
    with pytest.raises(DockRefusal) as refused:
        parcel_intake(parcel_code=parcel.tracking_number, dc=dc, user=dock, weight_g=weight, size_class=size)
    assert refused.value.code == Reason.BAD_MEASURE and refused.value.status_code == 400
    parcel.refresh_from_db()
    assert parcel.status == S.CREATED and parcel.events.count() == 1


def test_a_bigger_parcel_the_store_still_takes_is_reclassed(dc, dock, make_parcel):
    parcel = make_parcel("created")  # declared S by the factory; the store takes up to L
    assert parcel.size_class == "S"
    result = parcel_intake(parcel_code=parcel.tracking_number, dc=dc, user=dock, size_class="M", weight_g="1500")
    parcel.refresh_from_db()
    assert result.outcome == "reclassed" and parcel.status == S.AT_DC
    assert (parcel.size_class, parcel.weight_g) == ("M", 1500) and parcel.volume_units >= 3
    assert parcel.events.get(to_status=S.AT_DC).details["declared"]["size_class"] == "S"


def test_a_parcel_too_big_for_its_store_is_held_and_the_merchant_told_what_to_do(
    dc, dock, store, merchant, make_parcel
):
    # given a store that takes only S, and a merchant that takes webhooks
    store.max_size_class = "S"
    store.save()
    merchant.webhook_url = "https://shop.example/hook"
    merchant.save()
    parcel = make_parcel("created")
    # when measured M
    result = parcel_intake(parcel_code=parcel.tracking_number, dc=dc, user=dock, size_class="M")
    # then
    parcel.refresh_from_db()
    assert result.outcome == "held" and parcel.status == S.CREATED and parcel.size_class == "M"
    row = DockException.objects.get(parcel=parcel)
    assert row.kind == DockException.Kind.OVERSIZE and row.is_open
    delivery = WebhookDelivery.objects.get(event__type=ParcelEvent.Type.DC_EXCEPTION)
    assert delivery.payload["type"] == "parcel.exception"
    assert "pickup-store" in delivery.payload["data"]["details"]["text"]
    # a second scan says it is held, and nothing changes
    with pytest.raises(DockRefusal, match="Held in the exceptions queue"):
        parcel_intake(parcel_code=parcel.tracking_number, dc=dc, user=dock)
    # once the store takes M, the dock takes it in from the queue
    store.max_size_class = "L"
    store.save()
    exception_resolve(exception=row, action="take_in", user=dock)
    parcel.refresh_from_db()
    assert parcel.status == S.AT_DC


# --- loading ------------------------------------------------------------------------------------------


def test_load_list_puts_the_last_stop_first(approved_plan):
    route1, _route2, parcels = approved_plan
    order = [line.stop.position for line in route_load_list(route=route1)]
    assert order == [2, 1, 1]


def test_loading_scan_counts_refuses_another_routes_parcel_and_a_repeat(dc, dock, approved_plan):
    route1, route2, parcels = approved_plan
    first = parcels[(1, 1)][0]
    result = parcel_load(parcel_code=first.tracking_number, route=route1, dc=dc, user=dock)
    assert (result.loaded, result.total) == (1, 3) and "1 of 3 loaded" in result.message
    with pytest.raises(DockRefusal) as other:
        parcel_load(parcel_code=parcels[(2, 1)][0].tracking_number, route=route1, dc=dc, user=dock)
    assert other.value.code == Reason.OTHER_ROUTE and "route 2" in other.value.message
    with pytest.raises(DockRefusal) as again:
        parcel_load(parcel_code=first.tracking_number, route=route1, dc=dc, user=dock)
    assert again.value.code == Reason.ALREADY_LOADED and "by dock_a" in again.value.message
    assert first.events.filter(type=ParcelEvent.Type.LOADED).count() == 1


# --- returns home -------------------------------------------------------------------------------------


def test_a_return_is_scanned_back_grouped_and_handed_over_with_the_returned_webhook(dc, dock, merchant, make_parcel):
    merchant.webhook_url = "https://shop.example/hook"
    merchant.save()
    parcels = [make_parcel("return_in_transit") for _ in range(2)]
    scans = [parcel_return_intake(parcel_code=p.tracking_number, dc=dc, user=dock) for p in parcels]
    assert scans[0].consignment == scans[1].consignment
    with pytest.raises(DockRefusal) as again:
        parcel_return_intake(parcel_code=parcels[0].tracking_number, dc=dc, user=dock)
    assert again.value.code == Reason.ALREADY_BACK
    consignment = scans[0].consignment
    with pytest.raises(Exception, match="Name the person"):
        consignment_hand_over(consignment=consignment, handed_to="  ", user=dock)
    events = consignment_hand_over(consignment=consignment, handed_to="Courier Lin", user=dock)
    assert len(events) == 2
    assert set(Parcel.objects.filter(pk__in=[p.pk for p in parcels]).values_list("status", flat=True)) == {S.RETURNED}
    consignment.refresh_from_db()
    assert consignment.handed_to == "Courier Lin" and consignment.handed_over_at
    assert WebhookDelivery.objects.filter(event__to_status=S.RETURNED).count() == 2
    # the next return opens a new consignment
    later = make_parcel("return_in_transit")
    assert parcel_return_intake(parcel_code=later.tracking_number, dc=dc, user=dock).consignment != consignment
    assert ReturnConsignment.objects.filter(handed_over_at__isnull=True).count() == 1


# --- exceptions ---------------------------------------------------------------------------------------


def test_sweep_opens_rows_for_store_reports_and_overdue_transit_once(dc, dock, store, clerk, make_parcel, settings):
    reported = make_parcel("in_transit")
    parcel_report_problem(parcel=reported, store=store, clerk=clerk, kind=ParcelEvent.Type.REPORTED_MISSING)
    stale = make_parcel("in_transit")
    Parcel.objects.filter(pk=stale.pk).update(status_changed_at=timezone.now() - timedelta(hours=30))
    first = exceptions_sweep()
    again = exceptions_sweep()
    assert first.opened == 2 and again.opened == 0  # the report and the stale transit, each once
    kinds = set(DockException.objects.values_list("parcel_id", "kind"))
    assert (reported.pk, DockException.Kind.MISSING) in kinds and (stale.pk, DockException.Kind.OVERDUE) in kinds


def test_missing_past_the_setting_becomes_lost_and_found_again_reenters(dc, dock, store, clerk, make_parcel, settings):
    settings.PICKUP_LOST_AFTER_DAYS = 2
    parcel = make_parcel("in_transit")
    parcel_report_problem(parcel=parcel, store=store, clerk=clerk, kind=ParcelEvent.Type.REPORTED_MISSING)
    exceptions_sweep()
    assert exceptions_sweep(now=timezone.now() + timedelta(days=3)).lost == 1
    parcel.refresh_from_db()
    assert parcel.status == S.LOST
    assert DockException.objects.get(parcel=parcel, kind="missing").resolution == "lost"
    # found at the dock: back in the delivery flow
    result = parcel_intake(parcel_code=parcel.tracking_number, dc=dc, user=dock)
    parcel.refresh_from_db()
    assert result.outcome == "found" and parcel.status == S.AT_DC


def test_store_scan_in_closes_the_missing_row(dc, store, clerk, make_parcel):
    from orders.services.counter import parcel_scan_in

    parcel = make_parcel("in_transit")
    parcel_report_problem(parcel=parcel, store=store, clerk=clerk, kind=ParcelEvent.Type.REPORTED_MISSING)
    exceptions_sweep()
    parcel_scan_in(code=parcel.tracking_number, store=store, clerk=clerk)
    assert exceptions_sweep().closed == 1
    assert DockException.objects.get(parcel=parcel, kind="missing").resolution == "delivered"


@pytest.mark.parametrize(
    "measures, reason",
    [({"size_class": "over"}, "over_legal_maximum"), ({"weight_g": "9000"}, "too_heavy_for_store")],
)
def test_over_the_maximum_or_too_heavy_is_held_with_the_reason(dc, dock, make_parcel, measures, reason):
    parcel = make_parcel("created")
    result = parcel_intake(parcel_code=parcel.tracking_number, dc=dc, user=dock, **measures)
    parcel.refresh_from_db()
    assert result.outcome == "held" and result.details["reason"] == reason and parcel.status == S.CREATED
    assert DockException.objects.get(parcel=parcel).details["reason"] == reason

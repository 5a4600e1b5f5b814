"""A stop the driver cannot serve sends its parcels still on board back to the DC, through the gate,
with the reason on each event; the next day's batch plans them again."""

from datetime import timedelta

import pytest
from django.db.models import Q
from django.urls import reverse

from core.errors import ConflictError, DomainError
from orders.models import Parcel, ParcelEvent
from orders.services.counter import parcel_scan_in
from routing.models import PlannedStop, PlanParcel
from routing.services.driver import stop_arrive, stop_leave, stop_not_served
from routing.services.intake import deliveries_at_dc
from tests.factories import make_clerk

JSON = {"HTTP_ACCEPT": "application/json"}


def stop_with_drops(route) -> PlannedStop:
    stop = route.stops.select_related("store").filter(parcels__kind="deliver").order_by("position").first()
    assert stop is not None
    return stop


def drops_of(stop) -> list[Parcel]:
    return [e.parcel for e in PlanParcel.objects.filter(stop=stop, kind="deliver").select_related("parcel")]


def test_not_served_sends_the_parcels_in_transit_back_with_an_event(dispatched_route, driver):
    # given
    stop = stop_with_drops(dispatched_route)
    drops = drops_of(stop)
    assert {p.status for p in drops} == {Parcel.Status.IN_TRANSIT}
    # when
    tap = stop_not_served(stop=stop, reason="Store closed", actor=driver)
    # then
    assert tap.recorded and sorted(tap.sent_back) == sorted(p.tracking_number for p in drops)
    for parcel in drops:
        parcel.refresh_from_db()
        assert parcel.status == Parcel.Status.AT_DC and parcel.expected_arrival is None
        event = parcel.events.order_by("-seq").first()
        assert (event.from_status, event.to_status, event.actor) == ("in_transit", "at_dc", driver)
        assert event.details["reason"] == "stop_not_served" and event.details["note"] == "Store closed"
    stop.refresh_from_db()
    assert stop.not_served_reason == "Store closed" and stop.not_served_at is not None


def test_parcels_the_store_scanned_in_stay_at_the_store(dispatched_route, driver):
    stop = stop_with_drops(dispatched_route)
    first, *rest = drops_of(stop)
    parcel_scan_in(code=first.tracking_number, store=stop.store, clerk=make_clerk(stop.store, "clerk_w"))
    tap = stop_not_served(stop=stop, reason="Store refused the delivery", actor=driver)
    assert first.tracking_number not in tap.sent_back and len(tap.sent_back) == len(rest)
    first.refresh_from_db()
    assert first.status == Parcel.Status.AT_STORE


def test_a_second_report_changes_nothing(dispatched_route, driver):
    stop = stop_with_drops(dispatched_route)
    first = stop_not_served(stop=stop, reason="Store closed", actor=driver)
    events = ParcelEvent.objects.count()
    again = stop_not_served(stop=stop, reason="Something else", actor=driver)
    assert not again.recorded and again.sent_back == ()
    assert again.stop.not_served_at == first.stop.not_served_at and again.stop.not_served_reason == "Store closed"
    assert ParcelEvent.objects.count() == events


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201])
def test_a_reason_is_required_and_bounded(dispatched_route, reason):
    stop = stop_with_drops(dispatched_route)
    with pytest.raises(DomainError):
        stop_not_served(stop=stop, reason=reason)
    assert not Parcel.objects.filter(status=Parcel.Status.AT_DC, pk__in=[p.pk for p in drops_of(stop)]).exists()
    assert PlannedStop.objects.get(pk=stop.pk).not_served_at is None


def test_after_leaving_a_stop_it_counts_as_served(dispatched_route):
    stop = stop_with_drops(dispatched_route)
    stop_arrive(stop=stop)
    stop_leave(stop=stop)
    with pytest.raises(ConflictError, match="left this stop already"):
        stop_not_served(stop=stop, reason="Store closed")
    assert {p.status for p in drops_of(stop)} == {Parcel.Status.IN_TRANSIT}


def test_the_parcels_sent_back_are_planned_again_the_next_day(dispatched_route):
    stop = stop_with_drops(dispatched_route)
    stop_not_served(stop=stop, reason="Store closed")
    run = dispatched_route.region_plan.run
    next_day = type(run)(dc=run.dc, plan_date=run.plan_date + timedelta(days=1))
    taken = {d.parcel_id for d in deliveries_at_dc(next_day, ready=Q())}
    assert {p.pk for p in drops_of(stop)} <= taken


def test_the_page_form_needs_a_reason_and_reports(client, driver, dispatched_route):
    # given
    client.force_login(driver)
    stop = stop_with_drops(dispatched_route)
    url = reverse("dc:driver:route_tap", args=[dispatched_route.pk, stop.pk, "not-served"])
    # when: no reason, then "other" without words, then closed
    missing = client.post(url, {}, **JSON)
    other = client.post(url, {"reason": "other", "note": " "}, **JSON)
    done = client.post(url, {"reason": "closed", "note": "shutter down"}, **JSON)
    # then
    assert missing.status_code == 400 and "Say why" in missing.json()["message"]
    assert other.status_code == 400 and "Say what happened" in other.json()["message"]
    assert done.status_code == 200 and done.json()["recorded"] is True
    assert PlannedStop.objects.get(pk=stop.pk).not_served_reason == "Store closed: shutter down"
    assert done.json()["stop"]["proof"].endswith("sent back to the DC")
    page = client.get(reverse("dc:driver:route", args=[dispatched_route.pk])).content.decode()
    assert "Not served: Store closed: shutter down" in page

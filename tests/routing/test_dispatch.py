"""Dispatching a route moves every parcel it drops to in transit, and nothing else."""

import pytest
from django.utils import timezone

from core.errors import ConflictError
from orders.lifecycle import parcel_transition
from orders.models import Parcel, WebhookDelivery
from routing.models import PlanParcel, RegionPlan
from routing.services.dispatch import region_plan_approve, route_dispatch


def statuses(**filters):
    return dict(Parcel.objects.filter(**filters).values_list("pk", "status"))


def load_all(route, user):
    """The dock's loading scans, written directly: dispatch sends only loaded parcels."""
    PlanParcel.objects.filter(stop__route=route, kind="deliver").update(loaded_at=timezone.now(), loaded_by=user)


def test_dispatch_moves_every_parcel_of_the_route_and_nothing_else(planned_run, parcels, planner):
    # given
    region = planned_run.region_plans.get(region__code="W")
    region_plan_approve(region_plan=region, user=planner)
    route = region.routes.first()
    mine = set(PlanParcel.objects.filter(stop__route=route, kind="deliver").values_list("parcel_id", flat=True))
    everything_else = statuses(pk__in=[p.pk for group in parcels.values() for p in group if p.pk not in mine])
    load_all(route, planner)
    # when
    result = route_dispatch(route=route, user=planner)
    # then
    assert len(result.moved) == len(mine) > 0 and result.left == []
    assert set(statuses(pk__in=mine).values()) == {Parcel.Status.IN_TRANSIT}
    assert statuses(pk__in=everything_else.keys()) == everything_else
    route.refresh_from_db()
    assert route.dispatched_at and route.dispatched_by == planner
    with pytest.raises(ConflictError, match="dispatched already"):
        route_dispatch(route=route, user=planner)


def test_only_an_approved_plan_is_dispatched(planned_run, planner):
    region = planned_run.region_plans.get(region__code="N")
    with pytest.raises(ConflictError, match="Approve the region's plan"):
        route_dispatch(route=region.routes.first(), user=planner)
    assert not Parcel.objects.filter(status=Parcel.Status.IN_TRANSIT).exists()


def test_a_parcel_cancelled_after_planning_stays_behind(planned_run, planner):
    # given
    region = planned_run.region_plans.get(region__code="N")
    region_plan_approve(region_plan=region, user=planner)
    route = region.routes.first()
    cancelled = PlanParcel.objects.filter(stop__route=route, kind="deliver").first().parcel
    parcel_transition(parcel=cancelled, to=Parcel.Status.CANCELLED, actor_label="merchant")
    load_all(route, planner)
    # when
    result = route_dispatch(route=route, user=planner)
    # then
    assert result.left == [cancelled.tracking_number] and cancelled.tracking_number not in result.moved
    cancelled.refresh_from_db()
    assert cancelled.status == Parcel.Status.CANCELLED
    assert RegionPlan.objects.get(pk=region.pk).status == RegionPlan.Status.APPROVED


def test_dispatch_reads_no_row_per_parcel_for_the_merchants_webhooks(
    planned_run, planner, network, django_assert_num_queries
):
    # given a merchant that takes webhooks, whose parcels ride on the route
    network["merchant"].webhook_url = "https://shop.example/hook"
    network["merchant"].save()
    region = planned_run.region_plans.get(region__code="W")
    region_plan_approve(region_plan=region, user=planner)
    route = region.routes.first()
    moving = PlanParcel.objects.filter(stop__route=route, kind="deliver").count()
    assert moving > 1
    load_all(route, planner)
    # when / then: per parcel only the gate's own statements (savepoint, update, sequence, event,
    # delivery, release), no read of its order, merchant or store
    with django_assert_num_queries(6 * moving + 6, exact=False):
        route_dispatch(route=route, user=planner)
    assert WebhookDelivery.objects.filter(event__to_status=Parcel.Status.IN_TRANSIT).count() == moving


def test_parcels_not_loaded_stop_the_dispatch_until_confirmed_then_go_back_to_the_dc(planned_run, planner):
    # given a route of which one parcel was not scanned onto the truck
    region = planned_run.region_plans.get(region__code="W")
    region_plan_approve(region_plan=region, user=planner)
    route = region.routes.first()
    entries = PlanParcel.objects.filter(stop__route=route, kind="deliver").order_by("pk")
    left_behind = entries.first().parcel
    entries.exclude(parcel=left_behind).update(loaded_at=timezone.now(), loaded_by=planner)
    # when dispatched without confirming, then nothing moves and the planner is told how many
    with pytest.raises(ConflictError, match="1 of .* not loaded") as refused:
        route_dispatch(route=route, user=planner)
    assert refused.value.code == "not_loaded"
    route.refresh_from_db()
    assert route.dispatched_at is None
    assert not Parcel.objects.filter(status=Parcel.Status.IN_TRANSIT).exists()
    # when confirmed
    result = route_dispatch(route=route, user=planner, confirm_not_loaded=True)
    # then the parcel left behind is back at the DC with the reason, the others are on their way
    assert result.not_loaded == [left_behind.tracking_number] and left_behind.tracking_number not in result.moved
    left_behind.refresh_from_db()
    assert left_behind.status == Parcel.Status.AT_DC and left_behind.expected_arrival is None
    event = left_behind.events.order_by("-seq").first()
    assert event.details["reason"] == "not_loaded" and event.details["route"] == route.number
    assert len(result.moved) == entries.count() - 1

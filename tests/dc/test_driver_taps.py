"""“Arrived” and “Left” record the actual times once: a second tap answers with the first time."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ConflictError
from routing.models import PlannedStop
from routing.services.driver import stop_arrive, stop_leave, stop_minutes_late

JSON = {"HTTP_ACCEPT": "application/json"}


def first_stop(route) -> PlannedStop:
    return route.stops.select_related("store").order_by("position").first()


def test_arrived_is_recorded_once(dispatched_route):
    # given
    stop = first_stop(dispatched_route)
    first_time = timezone.now() - timedelta(minutes=5)
    # when
    first = stop_arrive(stop=stop, at=first_time)
    again = stop_arrive(stop=stop)
    # then
    assert first.recorded and not again.recorded
    assert again.stop.arrived_at == first_time == PlannedStop.objects.get(pk=stop.pk).arrived_at


def test_left_needs_arrived_first_then_is_recorded_once(dispatched_route):
    stop = first_stop(dispatched_route)
    with pytest.raises(ConflictError, match="Arrived"):
        stop_leave(stop=stop)
    assert PlannedStop.objects.get(pk=stop.pk).left_at is None
    stop_arrive(stop=stop)
    left = stop_leave(stop=stop)
    again = stop_leave(stop=stop)
    assert left.recorded and not again.recorded and again.stop.left_at == left.stop.left_at


def test_taps_on_a_route_not_dispatched_are_refused(planned_run):
    stop = planned_run.region_plans.get(region__code="N").routes.first().stops.first()
    with pytest.raises(ConflictError, match="has not left the DC"):
        stop_arrive(stop=stop)
    assert PlannedStop.objects.get(pk=stop.pk).arrived_at is None


def test_minutes_late_compares_the_tap_with_the_plan(dispatched_route):
    stop = first_stop(dispatched_route)
    run = dispatched_route.region_plan.run
    tapped = stop_arrive(stop=stop, at=run.at(stop.arrival_s) + timedelta(minutes=12)).stop
    assert stop_minutes_late(tapped, run) == 12


def test_the_page_tap_twice_shows_the_first_time(client, driver, dispatched_route):
    # given
    client.force_login(driver)
    stop = first_stop(dispatched_route)
    url = reverse("dc:driver:route_tap", args=[dispatched_route.pk, stop.pk, "arrive"])
    # when
    first = client.post(url, **JSON).json()
    second = client.post(url, **JSON).json()
    # then
    recorded = PlannedStop.objects.get(pk=stop.pk).arrived_at
    clock = timezone.localtime(recorded, stop.store.tz).strftime("%H:%M")
    assert first["recorded"] is True and second["recorded"] is False
    assert first["stop"]["arrived_at"] == second["stop"]["arrived_at"] == clock
    assert f"recorded at {clock} already" in second["message"]
    planned = dispatched_route.region_plan.run.at(stop.arrival_s)
    assert first["stop"]["minutes_late"] == round((recorded - planned).total_seconds() / 60)


def test_the_form_tap_redirects_to_the_stop_and_says_when(client, driver, dispatched_route):
    client.force_login(driver)
    stop = first_stop(dispatched_route)
    url = reverse("dc:driver:route_tap", args=[dispatched_route.pk, stop.pk, "arrive"])
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"#stop-{stop.position}")
    body = response.content.decode()
    assert f"Arrived at {stop.store.code}" in body and "Arrived " in body
    leave = reverse("dc:driver:route_tap", args=[dispatched_route.pk, stop.pk, "leave"])
    assert f'action="{leave}"' in body


def test_left_before_arrived_is_a_409_with_a_message(client, driver, dispatched_route):
    client.force_login(driver)
    stop = first_stop(dispatched_route)
    response = client.post(reverse("dc:driver:route_tap", args=[dispatched_route.pk, stop.pk, "leave"]), **JSON)
    assert response.status_code == 409 and response.json()["reason"] == "not_arrived"

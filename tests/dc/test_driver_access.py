"""Who opens a driver's page: a driver of the route's DC, or whoever holds the manifest's signed link
for the route's day. Everyone else is refused, and nothing is tapped."""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from routing.models import PlannedStop
from routing.services.driver import LINK_SALT, LinkRefused, route_for_token, route_link_token

JSON = {"HTTP_ACCEPT": "application/json"}


def page(route):
    return reverse("dc:driver:route", args=[route.pk])


def tap_url(route, stop, action="arrive"):
    return reverse("dc:driver:route_tap", args=[route.pk, stop.pk, action])


def test_a_driver_of_the_dc_opens_the_route(client, driver, dispatched_route):
    client.force_login(driver)
    response = client.get(page(dispatched_route))
    assert response.status_code == 200
    assert f"Route {dispatched_route.number}" in response.content.decode()


def test_a_driver_of_another_dc_is_refused_and_taps_nothing(client, other_dc_driver, dispatched_route):
    # given
    client.force_login(other_dc_driver)
    stop = dispatched_route.stops.first()
    # when
    seen = client.get(page(dispatched_route))
    tapped = client.post(tap_url(dispatched_route, stop), **JSON)
    # then
    assert seen.status_code == 403 and "Only drivers of this distribution centre" in seen.content.decode()
    assert tapped.status_code == 403 and tapped.json()["reason"] == "not_a_driver"
    assert PlannedStop.objects.get(pk=stop.pk).arrived_at is None


def test_a_clerk_or_planner_is_no_driver(client, planner, dispatched_route):
    client.force_login(planner)
    assert client.get(page(dispatched_route)).status_code == 403


def test_anonymous_is_sent_to_sign_in_and_json_gets_401(client, dispatched_route):
    response = client.get(page(dispatched_route))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    stop = dispatched_route.stops.first()
    assert client.post(tap_url(dispatched_route, stop), **JSON).status_code == 401
    assert PlannedStop.objects.get(pk=stop.pk).arrived_at is None


def test_the_signed_link_opens_the_route_and_taps_without_an_account(client, dispatched_route):
    token = route_link_token(route=dispatched_route)
    stop = dispatched_route.stops.order_by("position").first()
    response = client.get(reverse("dc:driver:link", args=[token]))
    assert response.status_code == 200 and stop.store.code in response.content.decode()
    answer = client.post(reverse("dc:driver:link_tap", args=[token, stop.pk, "arrive"]), **JSON)
    assert answer.status_code == 200 and answer.json()["recorded"] is True
    assert PlannedStop.objects.get(pk=stop.pk).arrived_at is not None


def _tampered(text: str) -> str:
    """The text with its last character changed: always another character, so the change is real."""
    return text[:-1] + ("A" if text[-1] != "A" else "B")


def test_a_tampered_link_is_refused(client, dispatched_route):
    token = route_link_token(route=dispatched_route)
    payload, _, signature = token.partition(":")
    other = signing.dumps({"route": dispatched_route.pk + 1, "until": 2**40}, salt=LINK_SALT).partition(":")[0]
    for bad in (payload + ":" + _tampered(signature), other + ":" + signature, "garbage"):
        response = client.get(reverse("dc:driver:link", args=[bad]))
        assert response.status_code == 403
        assert "This link is not valid" in response.content.decode()
    stop = dispatched_route.stops.first()
    answer = client.post(reverse("dc:driver:link_tap", args=[_tampered(token), stop.pk, "arrive"]), **JSON)
    assert answer.status_code == 403 and answer.json()["reason"] == "bad_link"
    assert PlannedStop.objects.get(pk=stop.pk).arrived_at is None


def test_a_link_signed_with_another_purpose_is_refused(dispatched_route):
    forged = signing.dumps({"route": dispatched_route.pk, "until": 2**40}, salt="something.else")
    with pytest.raises(LinkRefused, match="This link is not valid"):
        route_for_token(forged)


def test_the_link_expires_after_the_routes_day(client, dispatched_route, monkeypatch):
    # given: a link made today, opened the day after the route's plan day
    token = route_link_token(route=dispatched_route)
    run = dispatched_route.region_plan.run
    day_after = run.at(max(86_400, dispatched_route.end_s)) + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: day_after)
    # when
    response = client.get(reverse("dc:driver:link", args=[token]))
    # then
    assert response.status_code == 403 and "This link has expired" in response.content.decode()
    stop = dispatched_route.stops.first()
    answer = client.post(reverse("dc:driver:link_tap", args=[token, stop.pk, "arrive"]), **JSON)
    assert answer.status_code == 403 and answer.json()["reason"] == "link_expired"
    assert PlannedStop.objects.get(pk=stop.pk).arrived_at is None


def test_the_link_still_opens_late_on_the_routes_day(dispatched_route):
    run = dispatched_route.region_plan.run
    late = run.at(max(86_400, dispatched_route.end_s)) - timedelta(minutes=1)
    assert route_for_token(route_link_token(route=dispatched_route), now=late) == dispatched_route


def test_a_route_not_dispatched_yet_is_not_open(client, driver, planned_run):
    route = planned_run.region_plans.get(region__code="N").routes.first()
    client.force_login(driver)
    response = client.get(page(route))
    assert response.status_code == 404 and "has not been dispatched yet" in response.content.decode()


def test_a_stop_of_another_route_is_404(client, driver, dispatched_route, planned_run):
    client.force_login(driver)
    elsewhere = PlannedStop.objects.exclude(route=dispatched_route).first()
    assert client.post(tap_url(dispatched_route, elsewhere), **JSON).status_code == 404
    assert client.post(page(dispatched_route) + f"stops/{elsewhere.pk}/explode/").status_code == 404

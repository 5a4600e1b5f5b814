"""A planner opens a region's map, sees every route drawn, moves a stop, approves, opens a manifest."""

import re

from playwright.sync_api import expect

from routing.models import PlannedRoute
from tests.conftest import PLAN_DAY
from tests.e2e.conftest import sign_in

DAY = PLAN_DAY.isoformat()


def test_planner_reviews_moves_approves_and_prints(page, planner, planned_run):
    # given
    region = planned_run.region_plans.get(region__code="N")
    routes = list(region.routes.order_by("number"))
    first = routes[0]
    last_stop = first.stops.order_by("-position").first()
    sign_in(page, "planner")
    # when: the planner opens the day, then the region
    page.get_by_role("link", name="Planner console").click()
    page.goto(f"/planner/DC1/{DAY}/")
    expect(page.get_by_text("2 of 2 regions done")).to_be_visible()
    page.get_by_role("link", name="N", exact=True).click()
    # then: the map draws every route, on a plain background
    expect(page.locator("#region-map")).to_have_attribute("data-routes-drawn", str(len(routes)))
    expect(page.locator("path.route-line")).to_have_count(len(routes))
    expect(page.locator(".stop-label")).to_have_count(sum(r.stops.count() for r in routes))

    # when: the last stop of route 1 moves to the front, checked first, then saved
    page.get_by_label("Stop", exact=True).select_option(str(last_stop.pk))
    page.get_by_label("To route").select_option(str(first.number))
    page.get_by_label("At position").fill("1")
    page.get_by_role("button", name="Check the move").click()
    expect(page.get_by_text("Feasible", exact=True)).to_be_visible()
    page.get_by_role("button", name="Save the move").click()
    expect(page.get_by_text("The stop was moved.")).to_be_visible()
    assert PlannedRoute.objects.get(pk=first.pk).stops.get(position=1).store_id == last_stop.store_id

    # when: approving, then opening the manifest of route 1
    page.get_by_role("button", name="Approve the plan").click()
    expect(page.get_by_text("The plan is approved and frozen")).to_be_visible()
    expect(page.get_by_role("button", name=f"Dispatch route {first.number}")).to_be_visible()
    page.locator(f"#route-{first.number}").get_by_role("link", name="Manifest", exact=True).click()
    # then
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(rf"Driver manifest: route {first.number}"))
    parcels_on_route = sum(s.delivered_parcels + s.collected_parcels for s in first.stops.all())
    expect(page.locator(".barcodes svg")).to_have_count(parcels_on_route)


def test_region_page_fits_a_phone_screen(phone_page, planner, planned_run):
    sign_in(phone_page, "planner")
    phone_page.goto(f"/planner/DC1/{DAY}/W/")
    expect(phone_page.locator("path.route-line").first).to_be_attached()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    phone_page.goto(f"/planner/DC1/{DAY}/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375

"""A planner moves a stop (which locks its route), sets rain, re-optimises and the region fails; the
failed region's page names the route as the page does and offers unlock, conditions, vehicles and a
re-run; unlocking and running again plans the region."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from routing.models import BatchRun
from tests.conftest import PLAN_DAY, tighten_window_for_a_move
from tests.e2e.conftest import sign_in

DAY = PLAN_DAY.isoformat()
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"planner-dead-end-{name}.png"), full_page=True)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= innerWidth")


@pytest.fixture
def tight_region(planned_run):
    """Region N, whose route 1's last stop will be moved to the front; the store then last receives
    until a minute after its new time, so rain makes the moved (locked) route late there."""
    # A tiny region needs a second of search, not the fixture's ten.
    BatchRun.objects.filter(pk=planned_run.pk).update(time_limit_s=1)
    region = planned_run.region_plans.get(region__code="N")
    route, last, store = tighten_window_for_a_move(region)
    return {"region": region, "route": route, "last": last, "store": store, "label": f"Route 1 – {route.vehicle.name}"}


def test_the_planner_gets_out_of_a_failed_region(page, browser, live_server, planner, tight_region):
    label, store = tight_region["label"], tight_region["store"]
    sign_in(page, "planner")
    page.goto(f"/planner/DC1/{DAY}/N/")
    # the move section says beforehand that a move locks
    expect(page.get_by_test_id("move-locks")).to_contain_text("Saving a move locks the routes it touches")

    # when: the last stop of route 1 moves to the front
    page.get_by_label("Stop", exact=True).select_option(str(tight_region["last"].pk))
    page.get_by_label("To route").select_option("1")
    page.get_by_label("At position").fill("1")
    page.get_by_role("button", name="Check the move").click()
    page.get_by_role("button", name="Save the move").click()
    # then: the page says the route is now locked, with its unlock right there
    expect(page.get_by_text(f"The stop was moved. {label} is now locked")).to_be_visible()
    notice = page.get_by_test_id("lock-notice")
    expect(notice).to_be_visible()
    expect(notice.get_by_role("button", name=f"Unlock {label}")).to_be_visible()
    shot(page, "1-moved-and-locked")

    # when: rain for the region; choosing it fills in its usual factor
    conditions = page.locator("#id_condition")
    factor = page.locator("#id_factor")
    conditions.select_option("rain")
    expect(factor).to_have_value("1.2")
    conditions.select_option("heavy_traffic")
    expect(factor).to_have_value("1.35")
    conditions.select_option("rain")
    page.get_by_role("button", name="Save conditions").click()
    expect(page.get_by_text("Conditions saved: Rain × 1.2")).to_be_visible()

    # when: re-optimising (the tasks run in the request here)
    page.get_by_role("button", name="Re-optimise").click()
    # then: the region failed, and says why in the page's words
    panel = page.get_by_test_id("failure-panel")
    expect(panel.get_by_role("heading", name="This region could not be planned")).to_be_visible()
    reason = panel.get_by_role("alert")
    expect(reason).to_contain_text(f"{label} is locked and cannot be driven as it is: it arrives at {store.code}")
    expect(reason).not_to_contain_text(re.compile(r"vehicle \d|stop \d"))
    # and offers unlock, conditions, vehicles and a re-run right there
    unlock = panel.get_by_role("button", name=f"Unlock {label}")
    expect(unlock).to_be_visible()
    expect(panel.get_by_role("link", name="Change the conditions")).to_be_visible()
    expect(panel.get_by_role("link", name="Add or take out vehicles")).to_be_visible()
    expect(panel.get_by_role("button", name="Run this region again")).to_be_visible()
    expect(page.get_by_role("button", name="Save conditions")).to_be_visible()
    expect(page.get_by_role("button", name="Save vehicles")).to_be_visible()
    assert no_sideways_scroll(page)
    shot(page, "2-failed-1280")

    # the same failed page on a phone
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    phone_page = phone.new_page()
    sign_in(phone_page, "planner")
    phone_page.goto(f"/planner/DC1/{DAY}/N/")
    phone_panel = phone_page.get_by_test_id("failure-panel")
    expect(phone_panel.get_by_role("alert")).to_contain_text(f"{label} is locked")
    for name in (f"Unlock {label}", "Run this region again"):
        button = phone_panel.get_by_role("button", name=name)
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375, (name, box)
    assert no_sideways_scroll(phone_page)
    shot(phone_page, "3-failed-375")
    phone.close()

    # when: unlocking the route, then running the region again
    unlock.click()
    expect(page.get_by_text(f"{label} unlocked")).to_be_visible()
    page.get_by_test_id("failure-panel").get_by_role("button", name="Run this region again").click()
    # then: planned, with rain
    expect(page.get_by_role("heading", level=1)).to_contain_text("Planned")
    expect(page.get_by_test_id("failure-panel")).to_have_count(0)
    expect(page.locator(".totals")).to_contain_text("Rain × 1.2")
    shot(page, "4-planned-again")

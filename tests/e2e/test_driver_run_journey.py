"""A driver's run on a 375 px phone: open the route, tap arrived and left with the keyboard, see the
store's scan-in arrive without reloading, and send back a stop that cannot be served."""

import re
from pathlib import Path

from playwright.sync_api import expect

from orders.models import Parcel
from orders.services.counter import parcel_scan_in
from routing.models import PlannedStop, PlanParcel
from tests.e2e.conftest import sign_in
from tests.factories import make_clerk

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_driver_taps_through_a_stop_and_sends_another_back(phone_page, driver, dispatched_route):
    page = phone_page
    stops = list(dispatched_route.stops.select_related("store").order_by("position"))
    first = stops[0]
    # given the driver signed in on the phone
    sign_in(page, "driver")
    page.goto(f"/dc/driver/routes/{dispatched_route.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Route {dispatched_route.number}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    stop_card = page.locator(f"#stop-{first.position}")
    expect(stop_card.get_by_role("link", name="Navigate")).to_have_attribute("href", re.compile("destination="))
    arrived = stop_card.get_by_role("button", name="Arrived")
    box = arrived.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 120, "a thumb-sized tap target"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "driver-run-phone.png"), full_page=True)

    # when the driver taps "Arrived" from the keyboard
    arrived.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # then the time shows, and the tap became "Left"
    expect(page.locator(".message")).to_contain_text(f"Arrived at {first.store.code}")
    expect(stop_card.locator(".driver-done")).to_contain_text(re.compile(r"Arrived \d\d:\d\d"))
    expect(stop_card.get_by_role("button", name="Arrived")).to_have_count(0)

    # when the store scans a parcel in, the page shows it without a reload
    drops = list(PlanParcel.objects.filter(stop=first, kind="deliver").select_related("parcel"))
    if drops:
        page.evaluate("document.getElementById('driver-stops').dataset.pollSeconds = '1'")
        parcel_scan_in(code=drops[0].parcel.tracking_number, store=first.store, clerk=make_clerk(first.store, "c1"))
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
        expect(stop_card.locator('[data-field="proof"]')).to_have_text(f"1 of {len(drops)} scanned in by the store")

    with page.expect_navigation():
        stop_card.get_by_role("button", name="Left").click()
    expect(stop_card.locator(".driver-done").nth(1)).to_contain_text(re.compile(r"Left \d\d:\d\d"))
    assert PlannedStop.objects.get(pk=first.pk).left_at is not None

    # when a later stop cannot be served, a reason is required, then its parcels go back
    last = next((s for s in reversed(stops) if s.pk != first.pk and s.delivered_parcels), None)
    if last is None:
        return
    card = page.locator(f"#stop-{last.position}")
    card.get_by_text("Cannot serve this stop?").click()
    card.get_by_label("Store closed").check()
    with page.expect_navigation():
        card.get_by_role("button", name="Send this stop's parcels back").click()
    expect(page.locator(".message")).to_contain_text("not served (Store closed)")
    expect(card.locator('[data-field="proof"]')).to_contain_text("sent back to the DC")
    expect(card.locator('[data-field="proof"]')).to_have_css("color", "rgb(179, 38, 30)")
    page.screenshot(path=str(SCREENSHOTS / "driver-run-not-served.png"), full_page=True)
    back = Parcel.objects.filter(plan_entries__stop=last, plan_entries__kind="deliver")
    assert set(back.values_list("status", flat=True)) == {Parcel.Status.AT_DC}

"""A clerk's day in Chromium: scan in from the truck, hand over against the pickup code, watch the overview."""

import re

from playwright.sync_api import expect

from orders.models import Parcel
from orders.pickup_codes import pickup_code_for
from tests.conftest import walk
from tests.e2e.conftest import sign_in

S = Parcel.Status


def stat(page, name: str):
    return page.locator(f'[data-stat="{name}"]')


def test_clerk_scans_in_hands_over_and_sees_the_overview_change(page, clerk, make_parcel):
    # given two parcels of one order on the way to the clerk's store
    first = make_parcel(S.IN_TRANSIT)
    second = Parcel.objects.create(order=first.order, size_class="S", weight_g=300, volume_units=1)
    walk(second, S.IN_TRANSIT)
    code = pickup_code_for(first.order)

    # when the clerk signs in, they land on the counter overview
    sign_in(page, "clerk_a")
    expect(page.get_by_role("heading", level=1)).to_have_text("Counter overview")
    expect(stat(page, "on-hand")).to_have_text("0 / 10")

    # and scan both parcels in with the keyboard alone (a USB scanner types and presses Enter), once
    # the page has loaded: an Enter before its script runs posts the form natively, which is a
    # fallback, and keeps that scan out of the script's list of recent scans
    with page.expect_navigation():
        page.get_by_role("link", name="Scan in", exact=True).click()
    scan_field = page.get_by_label("Scan or type the tracking number, then Enter")
    expect(scan_field).to_be_focused()
    page.keyboard.type(first.tracking_number)
    page.keyboard.press("Enter")
    expect(page.locator("#scan-result")).to_have_class(re.compile("tone-ok"))
    expect(page.locator("#scan-result .scan-slot")).to_have_text("Slot 1")
    expect(scan_field).to_be_focused()
    page.keyboard.type(first.tracking_number)
    page.keyboard.press("Enter")
    expect(page.locator("#scan-result")).to_have_class(re.compile("tone-warn"))
    expect(page.locator("#scan-result .scan-message")).to_contain_text("Already scanned in")

    # a scan still pending when the page reloads is sent once the page is back
    page.evaluate(
        "code => sessionStorage.setItem('counter-pending:/counter/scan-in/', JSON.stringify([code]))",
        second.tracking_number,
    )
    page.reload()
    expect(page.locator("#scan-result .scan-slot")).to_have_text("Slot 2")
    assert page.evaluate("sessionStorage.getItem('counter-pending:/counter/scan-in/')") == "[]"
    expect(page.locator("#recent-scans li")).to_have_count(3)

    # then the shopper shows the code; the clerk scans both parcels from the shelf and confirms
    page.get_by_role("link", name="Handover").click()
    expect(page.get_by_label("Scan or type the shopper's pickup code")).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Shopper: Lin Mei-Ling")).to_be_visible()
    for parcel in (first, second):
        expect(page.get_by_label("Scan each parcel from the shelf")).to_be_focused()
        page.keyboard.type(parcel.tracking_number)
        page.keyboard.press("Enter")
    confirm = page.get_by_role("button", name="Confirm handover")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Handed over 2 parcel(s) to Lin Mei-Ling.")).to_be_visible()

    # and the overview shows today's work
    page.get_by_role("link", name="Overview").click()
    expect(stat(page, "on-hand")).to_have_text("0 / 10")
    expect(stat(page, "in")).to_have_text("2")
    expect(stat(page, "out")).to_have_text("2")
    assert Parcel.objects.filter(order=first.order, status=S.PICKED_UP).count() == 2


def test_counter_pages_fit_a_phone_screen(phone_page, clerk):
    sign_in(phone_page, "clerk_a")
    for path in (
        "/counter/",
        "/counter/scan-in/",
        "/counter/expected/",
        "/counter/handover/",
        "/counter/returns/",
        "/counter/report/",
    ):
        phone_page.goto(path)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375, path

"""The dock's scan screens in Chromium: keyboard only, a measured weight sent with its scan, phone width."""

import re

from playwright.sync_api import expect

from orders.models import Parcel
from tests.dc.conftest import make_dock
from tests.e2e.conftest import sign_in

S = Parcel.Status


def test_intake_by_keyboard_with_a_measured_weight(page, dc, make_parcel):
    # given two parcels of a merchant's consignment at the dock, and a dock hand
    make_dock(dc, "dock_a")
    first, second = make_parcel(S.CREATED), make_parcel(S.CREATED)
    sign_in(page, "dock_a")
    with page.expect_navigation():
        page.goto(f"/dc/{dc.code}/intake/")
    scan_field = page.get_by_label("Scan or type the tracking number, then Enter")
    expect(scan_field).to_be_focused()
    # when the first is scanned as it is, the second after typing a heavier measured weight
    page.keyboard.type(first.tracking_number)
    page.keyboard.press("Enter")
    expect(page.locator("#scan-result")).to_have_class(re.compile("tone-ok"))
    expect(page.locator("#scan-result")).to_contain_text("batch")
    page.get_by_text("Measured weight and size (optional)").click()
    page.get_by_label("Measured weight (g)").fill("2400")
    scan_field.focus()
    page.keyboard.type(second.tracking_number)
    page.keyboard.press("Enter")
    # then the second is re-classed by weight, and both are in the recent scans
    expect(page.locator("#scan-result")).to_contain_text("re-classed")
    expect(page.locator("#recent-scans li")).to_have_count(2)
    second.refresh_from_db()
    assert second.status == S.AT_DC and second.weight_g == 2400
    # and a repeat is amber, saying by whom
    page.keyboard.type(first.tracking_number)
    page.keyboard.press("Enter")
    expect(page.locator("#scan-result")).to_have_class(re.compile("tone-warn"))
    expect(page.locator("#scan-result")).to_contain_text("by dock_a")


def test_dock_pages_fit_a_phone_screen(phone_page, dc):
    make_dock(dc, "dock_a")
    sign_in(phone_page, "dock_a")
    for path in ("", "intake/", "consignments/", "load/", "returns/", "exceptions/"):
        phone_page.goto(f"/dc/{dc.code}/{path}")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375, path

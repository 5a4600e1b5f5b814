"""A parcel's whole journey, as the people who move it see it, in real Chromium plus the merchant API.

Nothing is written by hand after the network and the accounts exist: every status comes from a
person's screen (the dock, the planner, the driver, the clerk, the shopper's tracking page) or from
the jobs operators run. Two orders ride together: the first is collected by its shopper, who then
returns it from the tracking page and drops it off at the store; the second is never collected and
expires. Both ride back on a later route and are handed to the merchant, whose `returned` webhooks
arrive at a small receiver on 127.0.0.1 and pass the signature check.
"""

import json
import re
from datetime import time, timedelta
from pathlib import Path
from urllib.request import Request, urlopen

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Parcel
from orders.services.api_keys import api_key_issue
from orders.tasks_counter import expire_overdue_parcels
from orders.webhooks import SIGNATURE_HEADER, webhook_verify
from stores.models import StaffMembership
from tests.e2e.conftest import sign_in
from tests.factories import (
    MerchantFactory,
    RegionFactory,
    StoreFactory,
    UserFactory,
    VehicleFactory,
    make_clerk,
    make_driver,
    make_planner,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
GREEN = "rgb(27, 122, 53)"  # --ok: an accepted scan


@pytest.fixture
def world(db, settings, receiver):
    """The network and the people; nothing else. One store a short drive from the DC, one van."""
    # Tiny regions need no more than a second of search; the default 30 s is for real days.
    settings.PICKUP_ROUTING_TIME_LIMIT_S = 1.0
    region = RegionFactory(code="W", name="West")
    dc = region.dc
    store = StoreFactory(region=region, code="W001", name="Banqiao Station", latitude="25.0116", longitude="121.4637")
    VehicleFactory(
        dc=dc, name="VAN-1", volume_capacity=40, kg_capacity=300, shift_start=time(9, 30), shift_end=time(18, 30)
    )
    merchant = MerchantFactory(code="BOOKNOOK", name="Book Nook", webhook_url=receiver.url)
    _key, api_key = api_key_issue(merchant=merchant, name="journey")
    dock = UserFactory(username="dock")
    StaffMembership.objects.create(user=dock, role=StaffMembership.Role.DOCK, dc=dc)
    return {
        "dc": dc,
        "store": store,
        "merchant": merchant,
        "api_key": api_key,
        "planner": make_planner(dc, "planner"),
        "driver": make_driver(dc, "driver"),
        "clerk": make_clerk(store, "clerk"),
    }


def api_create_order(live_server, api_key: str, reference: str, shopper: str, phone: str) -> dict:
    body = {
        "reference": reference,
        "shopper_name": shopper,
        "shopper_phone": phone,
        "pickup_store": "W001",
        "parcels": [{"size_class": "S", "weight_g": 800}],
    }
    request = Request(
        f"{live_server.url}/api/v1/orders/",
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {api_key}",
            "Content-Type": "application/json",
            "Idempotency-Key": reference,
        },
        method="POST",
    )
    with urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.loads(response.read())


def shot(page, name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"journey-{name}.png"), full_page=True)


def new_page(browser, live_server, *, phone: bool = False):
    if phone:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
        )
    else:
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    return context.new_page()


def run_batch_and_approve(planner, day: str) -> None:
    """The planner runs the day's batch from the console, approves the region and dispatches its route."""
    planner.goto(f"/planner/DC1/{day}/")
    with planner.expect_navigation():
        planner.get_by_role("button", name="Run the batch now").click()
    expect(planner.get_by_text("1 of 1 regions done")).to_be_visible()
    planner.get_by_role("link", name="W", exact=True).click()
    with planner.expect_navigation():
        planner.get_by_role("button", name="Approve the plan").click()
    expect(planner.get_by_text("The plan is approved and frozen")).to_be_visible()


def test_a_parcel_from_the_merchants_api_to_the_shopper_and_a_return_to_the_merchant(
    browser, live_server, world, receiver, monkeypatch
):
    merchant = world["merchant"]
    # the merchant places two orders over the API, as its shop's checkout would
    kept = api_create_order(live_server, world["api_key"], "BN-1001", "Lin Mei-Ling", "0912345678")
    unclaimed = api_create_order(live_server, world["api_key"], "BN-1002", "Chen Wei", "0987654321")
    kept_tn = kept["parcels"][0]["tracking_number"]
    back_tn = unclaimed["parcels"][0]["tracking_number"]
    receiver.wait_for("created", kept_tn)

    dock = new_page(browser, live_server)
    planner = new_page(browser, live_server)
    driver = new_page(browser, live_server, phone=True)
    clerk = new_page(browser, live_server)
    shopper = new_page(browser, live_server, phone=True)
    sign_in(dock, "dock")
    sign_in(planner, "planner")
    sign_in(driver, "driver")
    sign_in(clerk, "clerk")

    # --- the dock scans both parcels in as the merchant's van unloads
    dock_intake(dock, [kept_tn, back_tn])
    shot(dock, "1-dock-intake")

    # --- the planner runs today's batch, approves the region; the dock loads the truck; dispatch
    today = timezone.localdate(timezone=world["dc"].tz).isoformat()
    run_batch_and_approve(planner, today)
    dock_load(dock, [kept_tn, back_tn])
    dispatch_route(planner, number=1, parcels=2)
    shot(planner, "2-dispatched")

    # --- the driver opens the route on the phone, arrives at the store
    driver.goto("/dc/driver/")
    driver.get_by_role("link", name=re.compile("route 1")).click()
    stop = driver.locator("#stop-1")
    expect(stop).to_contain_text("W001 Banqiao Station")
    expect(stop.locator('[data-field="proof"]')).to_have_text("0 of 2 scanned in by the store")
    with driver.expect_navigation():
        stop.get_by_role("button", name="Arrived").click()
    expect(stop.locator(".driver-done")).to_contain_text(re.compile(r"Arrived \d\d:\d\d"))

    # --- the clerk scans both in at the counter: the proof of delivery, seen on the driver's phone
    clerk.goto("/counter/scan-in/")
    scan = clerk.get_by_label("Scan or type the tracking number, then Enter")
    for number, slot in ((kept_tn, "Slot 1"), (back_tn, "Slot 2")):
        expect(scan).to_be_focused()
        clerk.keyboard.type(number)
        clerk.keyboard.press("Enter")
        expect(clerk.locator("#scan-result .scan-slot")).to_have_text(slot)
        expect(clerk.locator("#scan-result")).to_have_css("color", GREEN)
    shot(clerk, "3-counter-scan-in")
    driver.reload()
    expect(stop.locator('[data-field="proof"]')).to_have_text("2 of 2 scanned in by the store")
    expect(stop.locator('[data-field="proof"]')).to_have_css("color", GREEN)
    with driver.expect_navigation():
        stop.get_by_role("button", name="Left").click()
    expect(driver.locator("#stop-1 .driver-done").nth(1)).to_contain_text(re.compile(r"Left \d\d:\d\d"))
    shot(driver, "4-driver-run")

    # --- the shopper's tracking page shows the pickup code
    shopper.goto(f"/track/?number={kept_tn}")
    shopper.get_by_label("Last 4 digits of your phone").fill("5678")
    shopper.get_by_role("button", name="Track").click()
    expect(shopper.get_by_test_id("status")).to_have_text("Ready for pickup")
    code = shopper.get_by_test_id("pickup-code").inner_text()
    expect(shopper.get_by_test_id("pickup-code")).to_have_css("font-size", "28.8px")  # 1.8rem: legible at the counter
    assert re.fullmatch(r"\d{6,}", code.replace(" ", ""))
    shot(shopper, "5-tracking-pickup-code")

    # --- handover at the counter against that code
    clerk.get_by_role("link", name="Handover").click()
    expect(clerk.get_by_label("Scan or type the shopper's pickup code")).to_be_focused()
    clerk.keyboard.type(code)
    clerk.keyboard.press("Enter")
    expect(clerk.get_by_text("Shopper: Lin Mei-Ling")).to_be_visible()
    clerk.keyboard.type(kept_tn)
    clerk.keyboard.press("Enter")
    expect(clerk.get_by_role("button", name="Confirm handover")).to_be_focused()
    clerk.keyboard.press("Enter")
    expect(clerk.get_by_text("Handed over 1 parcel(s) to Lin Mei-Ling.")).to_be_visible()
    receiver.wait_for("picked_up", kept_tn)

    # --- the shopper returns the collected parcel: started on the tracking page within the return window,
    # a store chosen from the list, the return code shown; the clerk's drop-off scan gives it a slot
    shopper.goto(f"/track/{kept_tn}/")
    shopper.get_by_test_id("start-return").click()
    shopper.get_by_role("radio", name=re.compile("Banqiao Station")).check()
    shopper.get_by_label("Reason (optional)").fill("Wrong size")
    shopper.get_by_role("button", name="Start the return").click()
    expect(shopper.get_by_test_id("status")).to_have_text("Return requested")
    expect(shopper.get_by_test_id("return-store")).to_contain_text("Banqiao Station")
    return_code = shopper.get_by_test_id("return-code").inner_text()
    receiver.wait_for("return_requested", kept_tn)
    shot(shopper, "5a-tracking-return-code")
    clerk.get_by_role("link", name="Return drop-off").click()
    expect(clerk.get_by_label("Scan or type the return code, then Enter")).to_be_focused()
    clerk.keyboard.type(return_code)
    clerk.keyboard.press("Enter")
    expect(clerk.locator("#scan-result")).to_have_css("color", GREEN)
    expect(clerk.locator("#scan-result .scan-slot")).to_have_text("Slot 1")
    clerk.get_by_role("link", name="Print the return label").click()
    expect(clerk.get_by_test_id("return-label")).to_contain_text(kept_tn)
    shot(clerk, "5b-counter-return-label")
    receiver.wait_for("return_at_store", kept_tn)
    shopper.reload()
    expect(shopper.get_by_test_id("return-status")).to_contain_text("Dropped off at Banqiao Station")

    # --- the return path. The hourly expiry job (Celery beat's `orders.expire_overdue_parcels`) runs
    # through its public entry, `.delay()`, as beat would send it. To make it due, the clock of this
    # process (which is also the live server's: it runs in a thread here) is moved past the unclaimed
    # parcel's hold deadline by patching django.utils.timezone.now, and stays moved for the rest of
    # the return: the next day's batch, the scan-out, the ride back and the hand-over happen then.
    deadline = Parcel.objects.get(tracking_number=back_tn).hold_deadline  # read only, to know how far
    real_now = timezone.now
    offset = deadline + timedelta(hours=9, minutes=1) - real_now()  # 09:00 the day after: the morning batch
    monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)
    assert expire_overdue_parcels.delay().get() == 1
    receiver.wait_for("expired", back_tn)

    # the planner runs that day's batch: the expired parcel and the return are collects at W001
    day2 = timezone.localdate(timezone=world["dc"].tz).isoformat()
    run_batch_and_approve(planner, day2)
    dispatch_route(planner, number=1, parcels=0)

    # the driver arrives; the clerk scans the parcel out to the driver; the driver's page shows it
    driver.goto("/dc/driver/")
    driver.get_by_role("link", name=re.compile(f"{day2} · route 1")).click()
    stop = driver.locator("#stop-1")
    expect(stop).to_contain_text("(0 of 2 handed to you)")
    with driver.expect_navigation():
        stop.get_by_role("button", name="Arrived").click()
    clerk.goto("/counter/returns/")
    clerk.get_by_label("Scan an expired parcel as you give it to the driver").focus()
    for number in (back_tn, kept_tn):
        clerk.keyboard.type(number)
        clerk.keyboard.press("Enter")
        expect(clerk.locator("#scan-result .scan-code")).to_have_text(number)
        expect(clerk.locator("#scan-result")).to_have_css("color", GREEN)
    receiver.wait_for("return_in_transit", kept_tn)
    driver.reload()
    expect(stop).to_contain_text("(2 of 2 handed to you)")
    with driver.expect_navigation():
        stop.get_by_role("button", name="Left").click()

    # the dock scans the return in and hands the merchant its consignment: the `returned` webhook
    dock_return(dock, [back_tn, kept_tn], "Book Nook")
    shot(dock, "6-return-handed-over")
    receiver.wait_for("at_dc_return", kept_tn)
    receiver.wait_for("returned", kept_tn)
    headers, body = receiver.wait_for("returned", back_tn)
    # The merchant checks it on receipt, on its own clock: in this journey the moved one (the signature
    # carries the sender's time, and a stale one is refused as a replay).
    signature, received_at = headers[SIGNATURE_HEADER], timezone.now().timestamp()
    assert webhook_verify(secret=merchant.webhook_secret, header=signature, body=body, now=received_at)
    assert not webhook_verify(secret=merchant.webhook_secret, header=signature, body=body + b" ", now=received_at)
    assert not webhook_verify(secret="not-the-secret", header=signature, body=body, now=received_at)

    # and the shopper's page tells the story in the end
    shopper.goto(f"/track/?number={back_tn}")
    shopper.get_by_label("Last 4 digits of your phone").fill("4321")
    shopper.get_by_role("button", name="Track").click()
    expect(shopper.get_by_test_id("status")).to_have_text("Returned to the merchant")
    shopper.goto(f"/track/{kept_tn}/")
    expect(shopper.get_by_test_id("status")).to_have_text("Returned to the merchant")
    expect(shopper.get_by_test_id("return-status")).to_have_text("Handed back to the shop.")


def dispatch_route(planner, *, number: int, parcels: int) -> None:
    with planner.expect_navigation():
        planner.get_by_role("button", name=f"Dispatch route {number}").click()
    # the message names the route as the page does: "Route 1 – VAN-1 dispatched: …"
    said = re.compile(rf"Route {number} – \S+ dispatched: {parcels} parcels in transit\.")
    expect(planner.get_by_text(said)).to_be_visible()


def dock_scan(dock, label: str, number: str):
    """Type a code into the dock's scan field as a USB scanner does (keys, then Enter) and wait for the answer."""
    field = dock.get_by_label(label)
    expect(field).to_be_focused()
    dock.keyboard.type(number)
    dock.keyboard.press("Enter")
    expect(dock.locator("#scan-result .scan-code")).to_have_text(number)


def dock_intake(dock, numbers):
    """The dock's intake: each label scanned, each answered green with the batch it makes."""
    dock.goto("/dc/")
    dock.get_by_role("link", name="Intake", exact=True).click()
    expect(dock.get_by_role("heading", level=1)).to_have_text("Intake at the dock")
    for number in numbers:
        dock_scan(dock, "Scan or type the tracking number, then Enter", number)
        expect(dock.locator("#scan-result .scan-message")).to_have_text(
            re.compile(r"^Received\. (Makes today's|Goes with tomorrow's) \d\d:\d\d batch")
        )
        expect(dock.locator("#scan-result")).to_have_css("color", GREEN)
    # a second scan of the same label changes nothing and says when it was received
    dock_scan(dock, "Scan or type the tracking number, then Enter", numbers[0])
    expect(dock.locator("#scan-result .scan-message")).to_contain_text("Already received at")


def dock_load(dock, numbers):
    """Sort and load: route 1's load list, each parcel scanned onto the truck."""
    dock.goto("/dc/")
    dock.get_by_role("link", name="Sort and load").click()
    dock.get_by_role("link", name="Route 1", exact=True).click()
    expect(dock.locator(".load-progress")).to_contain_text(f"0 of {len(numbers)} loaded")
    for number in numbers:
        dock_scan(dock, "Scan each parcel as it goes onto the truck, then Enter", number)
        expect(dock.locator("#scan-result")).to_have_css("color", GREEN)
    dock.reload()
    expect(dock.locator(".load-progress")).to_contain_text(f"{len(numbers)} of {len(numbers)} loaded")


def dock_return(dock, numbers: list[str], merchant_name: str):
    """Returns home: the parcels scanned in off the truck, then their merchant's consignment handed over."""
    dock.goto("/dc/")
    dock.get_by_role("link", name="Returns", exact=True).click()
    for number in numbers:
        dock_scan(dock, "Scan each returning parcel, then Enter", number)
        expect(dock.locator("#scan-result")).to_have_css("color", GREEN)
    dock.reload()
    dock.get_by_role("link", name=re.compile(f"^{merchant_name}: {len(numbers)} parcels")).click()
    for number in numbers:
        expect(dock.get_by_role("cell", name=number)).to_be_visible()
    dock.get_by_label("Handed to (name)").fill("Wang Hsiao-Ming (Book Nook)")
    with dock.expect_navigation():
        dock.get_by_role("button", name="Hand over to the merchant").click()
    expect(
        dock.get_by_text(f"Handed {len(numbers)} parcels to Wang Hsiao-Ming (Book Nook); the merchant is told.")
    ).to_be_visible()

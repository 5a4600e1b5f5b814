"""What a person sees on every page they use, at 1280 and at 375 px: the geometry that matters, measured.

The other browser tests check that things exist; these look. A map is a box at least 250 px tall with its
markers and route lines drawn as visible SVG, the pickup code reads at arm's length and its barcode
scans, the checkout's picker dialog fills a phone, nothing scrolls sideways on a phone and no text
spills out of its box. A screenshot of each page goes to var/screenshots/ (CI keeps it as an artifact).

The states are built with the services (these are page looks, not journeys), except where a person
reaches a state on the page itself: the tracking look-up, the picker's search, the counter's handover.
"""

import base64
import re
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import expect

from routing.models import PlannedRoute
from routing.selectors import route_colour
from stores.models import OpeningHours, SizeClass
from tests.conftest import PLAN_DAY
from tests.e2e.conftest import sign_in
from tests.factories import MerchantFactory, StoreFactory, make_dock

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (375, 740)}
DAY = PLAN_DAY.isoformat()

# Boxes whose text must stay inside them: headings, buttons and links styled as buttons, table cells,
# labels, badges, the counter's big answers. An inline element has no box of its own to overflow.
TEXT_BOXES = "h1, h2, h3, button, .button, th, td, label, .badge, .scan-slot, .stat-value, summary, .code-digits"
OVERFLOWING = """(selector) => Array.from(document.querySelectorAll(selector)).filter((el) => {
  const style = getComputedStyle(el);
  if (style.display === 'inline' || style.display === 'none') return false;
  if (el.closest('.leaflet-container, .visually-hidden')) return false;
  const box = el.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return false;
  return el.scrollWidth > el.clientWidth + 1;
}).map((el) => el.tagName.toLowerCase() + ' “' + el.textContent.trim().slice(0, 40) + '” '
  + el.scrollWidth + ' > ' + el.clientWidth)"""
# A scrolling box hides what is past its edge: at phone width, nothing a clerk must reach may hide there.
HIDDEN_SIDEWAYS = """(selector) => Array.from(document.querySelectorAll(selector))
  .filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.scrollWidth + ' > ' + el.clientWidth)"""
# The drawn shapes of a Leaflet map that a person can actually see: SVG paths with a non-empty box
# inside the map's own box.
VISIBLE_SHAPES = """([map, selector]) => {
  const frame = document.querySelector(map).getBoundingClientRect();
  return Array.from(document.querySelectorAll(map + ' ' + selector)).filter((el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width + box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none'
      && box.right > frame.left && box.left < frame.right && box.bottom > frame.top && box.top < frame.bottom;
  }).map((el) => el.getAttribute('stroke') || el.getAttribute('fill') || el.textContent);
}"""


class Look:
    """One browser page at one width, and the measurements every page gets."""

    def __init__(self, page, name: str, width: int):
        self.page, self.name, self.width = page, name, width

    def check(self, slug: str, *, boxes: str = TEXT_BOXES, no_hidden_columns: bool = False):
        page = self.page
        page.wait_for_load_state("load")
        # Web fonts, images and the map's first frame: what a person sees a moment after the page opens.
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(SCREENSHOTS / f"{slug}-{self.width}.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= page.viewport_size["width"], f"{slug}: the page scrolls sideways ({scroll_width} px)"
        assert page.evaluate(OVERFLOWING, boxes) == [], f"{slug}: text spills out of its box"
        if no_hidden_columns and self.width < 600:
            assert page.evaluate(HIDDEN_SIDEWAYS, ".table-wrap") == [], f"{slug}: a table hides columns sideways"

    def map_drawn(self, slug: str, map_selector: str, *, markers: int = 0, routes: dict[str, int] | None = None):
        """The map is a real box with `markers` visible SVG markers and each route's colour drawn as lines."""
        page = self.page
        box = page.locator(map_selector).bounding_box()
        assert box and box["height"] >= 250, f"{slug}: the map is {box and box['height']} px tall"
        assert box["width"] >= min(300, self.width - 40), f"{slug}: the map is {box['width']} px wide"
        if markers:
            expect(page.locator(f"{map_selector} path.leaflet-interactive").first).to_be_attached()
            drawn = page.evaluate(VISIBLE_SHAPES, [map_selector, "path.leaflet-interactive"])
            assert len(drawn) >= markers, f"{slug}: {len(drawn)} of {markers} markers visible"
        if routes:
            expect(page.locator(f"{map_selector} path.route-line")).to_have_count(sum(routes.values()))
            lines = page.evaluate(VISIBLE_SHAPES, [map_selector, "path.route-line"])
            assert sorted(lines) == sorted(c for colour, n in routes.items() for c in [colour] * n), slug
            labels = page.evaluate(VISIBLE_SHAPES, [map_selector, ".dc-label span"])
            assert len(labels) == 1, f"{slug}: the DC is not on the map"


@pytest.fixture
def world(live_server, settings, dispatched_route, planner, driver, on_shelf, in_transit, store):
    """Everything the pages show: a planned day (one route dispatched), parcels at and on their way to a
    store, the demo shop's merchant, stores to pick from with a week of opening hours."""
    shop = MerchantFactory(code=settings.PICKUP_DEMO_SHOP_MERCHANT, name="Book Nook", allowed_origins=live_server.url)
    StoreFactory(
        region=store.region,
        code="NEAR",
        name="Da'an Heping",
        latitude="25.026400",
        longitude="121.543400",
        max_size_class=SizeClass.S,
    )
    night = StoreFactory(
        region=store.region,
        code="NIGHT",
        name="Da'an Night Owl",
        latitude="25.0275",
        longitude="121.5440",
        is_24h=False,
    )
    for weekday in range(6):
        OpeningHours.objects.create(store=night, weekday=weekday, opens="07:00", closes="23:00")
    StoreFactory(region=store.region, code="XINYI", name="Xinyi Songren", latitude="25.033000", longitude="121.565400")
    parcel, code = on_shelf(cash_on_pickup=350)
    make_dock(dispatched_route.region_plan.run.dc, "dock")
    in_transit()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return {"shop": shop, "parcel": parcel, "code": code, "route": dispatched_route, "dc": store.region.dc}


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def look(request, browser, live_server):
    width, height = WIDTHS[request.param]
    phone = width < 600
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone
    )
    context.set_default_timeout(10_000)
    yield Look(context.new_page(), request.param, width)
    context.close()


def test_every_page_a_person_uses_looks_right(look, world, live_server):
    page, phone = look.page, look.width < 600
    dc, route = world["dc"], world["route"]

    # a visitor: the home page leads on
    page.goto("/")
    for name in ("Track a parcel", "Open the demo shop", "Read the API docs"):
        expect(page.locator("main").get_by_role("link", name=name)).to_be_visible()
    look.check("home")

    # a shopper looks the parcel up, then sees the pickup code
    parcel = world["parcel"]
    page.get_by_role("link", name="Track a parcel").click()
    look.check("tracking-lookup")
    page.get_by_label("Tracking number").fill(parcel.tracking_number)
    page.get_by_label("Last 4 digits of your phone").fill("5678")
    page.get_by_role("button", name="Track").click()
    digits = page.get_by_test_id("pickup-code")
    expect(digits).to_have_text(world["code"])
    font_size = float(digits.evaluate("el => getComputedStyle(el).fontSize").removesuffix("px"))
    assert font_size >= 24, f"the pickup code's digits are {font_size} px"
    barcode = page.locator(".pickup-code img.barcode")
    expect(barcode).to_be_visible()
    assert barcode.bounding_box()["width"] >= 240
    assert barcode.evaluate("el => el.complete && el.naturalWidth > 0"), "the barcode image did not load"
    look.check("tracking-parcel")

    # a shopper at the demo shop's checkout opens the store picker
    page.goto("/demo-shop/")
    page.get_by_role("button", name="Choose a pickup store").click()
    dialog = page.locator("#picker-dialog")
    expect(dialog).to_be_visible()
    picker = page.frame_locator("#picker-frame")
    picker.get_by_label("District, postal code or address").fill("Da'an")
    picker.get_by_label("District, postal code or address").press("Enter")
    expect(picker.locator(".store-item").first).to_be_visible()
    box = dialog.bounding_box()
    frame_box = page.locator("#picker-frame").bounding_box()
    viewport = page.viewport_size
    if phone:
        assert box["width"] >= 0.95 * viewport["width"] and box["height"] >= 0.9 * viewport["height"], box
    else:
        assert box["width"] >= 900 and box["height"] >= 0.85 * viewport["height"], box
    assert frame_box["height"] >= box["height"] - 80, "the picker fills the dialog"
    inner_map = picker.locator("#picker-map").bounding_box()
    assert inner_map["height"] >= 250, f"the picker's map in the dialog is {inner_map['height']} px tall"
    page.screenshot(path=str(SCREENSHOTS / f"checkout-picker-dialog-{look.width}.png"))
    picker.get_by_role("button", name="Choose Da'an Heping").click()
    expect(dialog).to_be_hidden()
    look.check("checkout")

    # the picker opened by itself: the list with today's hours and the week on demand, and the map
    page.goto(f"/stores/picker/?merchant={world['shop'].code}&origin={live_server.url}&q=Da'an")
    expect(page.locator(".store-item").first).to_be_visible()
    listed = page.locator(".store-item").count()
    assert listed >= 4
    night = page.locator("#store-NIGHT")
    expect(night.locator(".hours-today")).to_have_text(re.compile(r"^Today (07:00–23:00|closed)$"))
    night.get_by_text("Hours this week").click()
    expect(night.locator(".hours tr")).to_have_count(7)
    look.map_drawn("picker", "#picker-map", markers=listed)
    look.check("picker")

    # the clerk's counter screens
    sign_in(page, "clerk_a")
    expect(page).to_have_url(re.compile("/counter/$"))
    look.check("counter-overview")
    for slug, path in (("counter-scan-in", "scan-in/"), ("counter-returns", "returns/"), ("counter-report", "report/")):
        page.goto(f"/counter/{path}")
        look.check(slug)
    page.goto("/counter/expected/")
    expect(page.get_by_role("button", name="Report").first).to_be_visible()
    look.check("counter-expected", no_hidden_columns=True)
    report = page.get_by_role("button", name="Report").first.bounding_box()
    assert report["x"] + report["width"] <= look.width, "the Report button is past the screen's edge"
    page.goto(f"/counter/parcels/{parcel.tracking_number}/")
    look.check("counter-parcel")
    page.goto("/counter/handover/")
    page.get_by_label("Scan or type the shopper's pickup code").fill(world["code"])
    page.get_by_role("button", name="Find the parcels").click()
    expect(page.locator(".cash-due")).to_contain_text("NT$350")
    look.check("counter-handover")

    # the planner: the day with every region's routes on one map, then a region
    page.context.clear_cookies()
    sign_in(page, "planner")
    expect(page).to_have_url(re.compile("/planner/"))
    run = route.region_plan.run
    page.goto(f"/planner/{dc.code}/{DAY}/")
    # the day's map colours its routes one after another, so that two regions' route 1 differ
    day_colours = dict(
        Counter(route_colour(n) for n in range(1, PlannedRoute.objects.filter(region_plan__run=run).count() + 1))
    )
    look.map_drawn("planner-day", "#region-map", routes=day_colours)
    look.check("planner-day")
    for rp in run.region_plans.order_by("region__code"):
        page.goto(f"/planner/{dc.code}/{DAY}/{rp.region.code}/")
        look.map_drawn(f"planner-region-{rp.region.code}", "#region-map", routes=_route_colours(rp.routes.all()))
        stop_cells = page.locator(".route tbody td:nth-child(2)")
        for i in range(stop_cells.count()):
            assert stop_cells.nth(i).bounding_box()["width"] >= 120, "the store column of a stop table is cramped"
        look.check(f"planner-region-{rp.region.code}")

    # the dock: the DC floor and intake
    page.context.clear_cookies()
    sign_in(page, "dock")
    expect(page).to_have_url(re.compile(f"/dc/{dc.code}/$"))
    look.check("dc-floor")
    page.goto(f"/dc/{dc.code}/intake/")
    look.check("dc-intake")

    # the driver: their routes, then the run
    page.context.clear_cookies()
    sign_in(page, "driver")
    expect(page).to_have_url(re.compile("/dc/driver/"))
    look.check("driver-home")
    page.goto(f"/dc/driver/routes/{route.pk}/")
    expect(page.get_by_role("button", name="Arrived").first).to_be_visible()
    look.check("driver-run")


def _route_colours(routes) -> dict[str, int]:
    """How many route lines of each colour the map must draw."""
    return dict(Counter(route_colour(route.number) for route in routes))


# A 1×1 light-grey PNG: what the stand-in tile server answers for every tile.
TILE = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGN49uwZAAVoArMCxcTLAAAAAElFTkSuQmCC")


@pytest.mark.parametrize("tiles", ["served", "unreachable"])
def test_maps_draw_over_a_tile_server_and_without_one(page, settings, live_server, planned_run, planner, tiles):
    """With PICKUP_MAP_TILE_URL set the maps lay their tiles under the markers and lines; when the tile
    server does not answer they stay drawn on the plain background."""
    settings.PICKUP_MAP_TILE_URL = "http://tiles.test/{z}/{x}/{y}.png"
    if tiles == "served":
        page.route("http://tiles.test/**", lambda route: route.fulfill(status=200, content_type="image/png", body=TILE))
    else:
        page.route("http://tiles.test/**", lambda route: route.abort())
    merchant = MerchantFactory(code="TILES", allowed_origins=live_server.url)
    look = Look(page, "desktop", 1280)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"/stores/picker/?merchant={merchant.code}&origin={live_server.url}&q=Banqiao")
    expect(page.locator(".store-item").first).to_be_visible()
    listed = page.locator(".store-item").count()
    look.map_drawn("picker", "#picker-map", markers=listed)
    if tiles == "served":
        expect(page.locator("#picker-map img.leaflet-tile-loaded").first).to_be_visible()
    else:
        expect(page.locator("#picker")).to_have_class(re.compile("no-tiles"))
    page.screenshot(path=str(SCREENSHOTS / f"picker-tiles-{tiles}-1280.png"))

    sign_in(page, "planner")
    region = planned_run.region_plans.get(region__code="W")
    page.goto(f"/planner/{planned_run.dc.code}/{DAY}/W/")
    look.map_drawn("planner-region", "#region-map", routes=_route_colours(region.routes.all()))
    if tiles == "served":
        expect(page.locator("#region-map img.leaflet-tile-loaded").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"planner-region-tiles-{tiles}-1280.png"))


def test_the_measurements_see_what_is_wrong(phone_page):
    """The checks above can fail: text spilling out of a button and a table hiding a column are seen."""
    phone_page.set_content(
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<button style="width: 80px; white-space: nowrap">Report a problem</button>'
        '<h1 style="width: 120px; overflow: hidden; white-space: nowrap">A heading cut off</h1>'
        '<div class="table-wrap" style="overflow-x: auto"><table style="width: 600px"><tr><td>x</td></tr></table></div>'
    )
    assert len(phone_page.evaluate(OVERFLOWING, TEXT_BOXES)) == 2
    assert len(phone_page.evaluate(HIDDEN_SIDEWAYS, ".table-wrap")) == 1

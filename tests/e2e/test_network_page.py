"""A planner plans the network in the browser: the map shows the chosen sites, the tables fit a phone."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import StoreFactory

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def stores(region):
    return [
        StoreFactory(region=region, latitude="25.026400", longitude="121.543400"),
        StoreFactory(region=region, latitude="25.060000", longitude="121.520000"),
    ]


@pytest.mark.parametrize("width", [1280, 375])
def test_the_chosen_sites_show_on_a_map_that_fits_the_screen(browser, live_server, planner, dc, stores, width):
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, "planner")

    # when: the planner asks for five sites from the sample files
    page.goto(f"/insight/{dc.code}/network/")
    page.get_by_label("Sites to add").fill("5")
    page.get_by_role("button", name="Choose sites").click()

    # then: the map is drawn, tall enough to read, with the five sites numbered on it
    expect(page.get_by_role("heading", name="Chosen sites")).to_be_visible()
    box = page.locator("#network-map").bounding_box()
    assert box["height"] >= 250 and box["width"] >= width * 0.8
    assert page.locator("#network-map").get_attribute("data-sites-drawn") == "5"
    labels = page.locator("#network-map .chosen-label")
    expect(labels).to_have_count(5)
    assert all(labels.nth(k).bounding_box()["width"] > 0 for k in range(5))
    # and nothing pushes the page sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"network-plan-{width}.png"), full_page=True)
    context.close()

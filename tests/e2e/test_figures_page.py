"""The figures page as a planner sees it: readable charts at desk and phone width, no sideways scroll."""

from pathlib import Path

import pytest
from django.urls import reverse

from insight.rollup import rollup_day
from tests.e2e.conftest import sign_in
from tests.insight.conftest import DAY, day_of_parcels, other_merchant  # noqa: F401  (fixtures shared with tests/insight)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PERIOD = "?start=2026-11-01&end=2026-11-28"


@pytest.fixture
def figures_path(dc, planner, day_of_parcels):  # noqa: F811  (the imported fixture, requested)
    rollup_day(dc=dc, day=DAY)
    return reverse("insight:figures", args=[dc.code]) + PERIOD


@pytest.mark.parametrize("width", [1280, 375])
def test_charts_are_tall_enough_and_the_page_fits(browser, live_server, figures_path, width):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}, is_mobile=width < 600
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, "planner")
    page.goto(figures_path)
    page.wait_for_function("() => Chart.getChart('chart-parcels') !== undefined")
    for chart in ("chart-parcels", "chart-rates", "chart-routes", "chart-dwell"):
        box = page.locator(f"#{chart}").bounding_box()
        assert box is not None and box["height"] >= 200 and box["width"] >= 250, (chart, box)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.get_by_role("heading", name="By store").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"insight-figures-{width}.png"), full_page=True)
    context.close()

"""The figures pages: who gets in, what they read (the roll-up only, in a pinned number of queries)."""

import csv
import io

import pytest
from django.urls import reverse

from insight.rollup import rollup_day
from tests.factories import DistributionCenterFactory, RegionFactory, StoreFactory, make_planner
from tests.insight.conftest import DAY

PERIOD = {"start": "2026-11-01", "end": "2026-11-28"}


def figures_url(dc):
    return reverse("insight:figures", args=[dc.code])


def csv_rows(response) -> list[dict]:
    """The rows of a streamed CSV export."""
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def rolled_up(dc, day_of_parcels):
    rollup_day(dc=dc, day=DAY)
    return dc


def test_anonymous_is_sent_to_sign_in(client, dc):
    response = client.get(figures_url(dc))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_clerk_cannot_see_the_figures(client, clerk, dc):
    client.force_login(clerk)
    assert client.get(figures_url(dc)).status_code == 403
    assert client.get(reverse("insight:home")).status_code == 403
    assert client.get(reverse("insight:figures_csv", args=[dc.code])).status_code == 403


def test_a_planner_sees_only_their_dc(client, planner, rolled_up):
    other = DistributionCenterFactory(code="DC9", name="Elsewhere")
    client.force_login(planner)
    assert client.get(figures_url(other)).status_code == 403
    assert client.get(reverse("insight:figures_csv", args=[other.code])).status_code == 403
    # the overview takes a planner of one DC straight to it
    assert client.get(reverse("insight:home"))["Location"] == figures_url(rolled_up)
    response = client.get(figures_url(rolled_up), PERIOD)
    assert response.status_code == 200
    assert response.context["period"].totals.delivered == 2


def test_an_operator_chooses_among_all_dcs(client, operator, dc):
    DistributionCenterFactory(code="DC9", name="Elsewhere")
    client.force_login(operator)
    response = client.get(reverse("insight:home"))
    assert response.status_code == 200
    assert figures_url(dc) in response.content.decode()


def test_the_page_reads_the_roll_up_in_a_fixed_number_of_queries(client, planner, rolled_up, django_assert_num_queries):
    # given: a second region and store with a day of its own, so more rows must not mean more queries
    store = StoreFactory(region=RegionFactory(dc=rolled_up, code="R2"), code="C001")
    make_planner(rolled_up, "planner2")
    client.force_login(planner)
    client.get(figures_url(rolled_up), PERIOD)
    # session, user, DC, planner check, then the roll-up: the days rolled up, the days' sums and fullest
    # shelves, the regions' sums and day histograms, and for each of the store and merchant tables its
    # count, its page of sums and the page's histograms
    with django_assert_num_queries(15):
        response = client.get(figures_url(rolled_up), PERIOD)
    assert response.status_code == 200
    assert store.code not in response.content.decode()  # nothing happened there: no row, no line


def test_the_page_shows_charts_and_tables(client, planner, rolled_up):
    client.force_login(planner)
    body = client.get(figures_url(rolled_up), PERIOD).content.decode()
    assert 'id="chart-parcels"' in body and "vendor/chartjs/chart.umd.js" in body
    assert "75.0%" in body  # the pickup rate
    assert "24.0" in body  # the median dwell, in hours


def test_empty_state_when_nothing_was_rolled_up(client, planner, dc):
    client.force_login(planner)
    body = client.get(figures_url(dc), PERIOD).content.decode()
    assert "No figures for this period yet" in body
    assert "chart.umd.js" not in body


@pytest.mark.parametrize(
    ("query", "field", "text"),
    [
        ({"start": "2026-11-20", "end": "2026-11-01"}, "start", "must not be after the last day"),
        ({"start": "2026-11-31", "end": "2026-11-30"}, "start", "Enter a valid date"),
        ({"start": "2024-01-01", "end": "2026-11-30"}, "start", "at most 366 days"),
        ({"start": "2026-11-01", "end": "2099-01-01"}, "end", "up to yesterday"),
    ],
)
def test_a_bad_period_is_named_and_the_default_shown(client, planner, dc, query, field, text):
    client.force_login(planner)
    response = client.get(figures_url(dc), query)
    assert response.status_code == 200
    assert text in str(response.context["form"].errors[field])
    assert f'id="id_{field}-error"' in response.content.decode()


def test_csv_by_store_and_merchant(client, planner, rolled_up, store, merchant):
    client.force_login(planner)
    url = reverse("insight:figures_csv", args=[rolled_up.code])
    response = client.get(url, {**PERIOD, "by": "store"})
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert [(r["store"], r["delivered"], r["pickup_rate_pct"], r["median_dwell_h"]) for r in rows] == [
        (store.code, "2", "75.0", "24.0")
    ]
    by_merchant = csv_rows(client.get(url, {**PERIOD, "by": "merchant"}))
    assert {r["merchant"] for r in by_merchant} == {merchant.code, "OTHER"}
    by_day = csv_rows(client.get(url, {**PERIOD, "by": "day"}))
    assert client.get(url, {**PERIOD, "by": "week"}).status_code == 400
    assert len(by_day) == 28 and [r["delivered"] for r in by_day if r["day"] == DAY.isoformat()] == ["2"]


def test_csv_cells_cannot_become_formulas(client, planner, rolled_up, store):
    store.name = '=HYPERLINK("http://evil.example")'
    store.save()
    client.force_login(planner)
    response = client.get(reverse("insight:figures_csv", args=[rolled_up.code]), {**PERIOD, "by": "store"})
    row = csv_rows(response)[0]
    assert row["name"] == "'" + store.name


def test_the_admin_lists_the_roll_up_read_only(client, operator, rolled_up):
    client.force_login(operator)
    assert client.get(reverse("admin:insight_storeday_changelist")).status_code == 200
    assert client.get(reverse("admin:insight_storeday_add")).status_code == 403


def test_the_page_speaks_traditional_chinese(client, planner, rolled_up):
    client.force_login(planner)
    body = client.get(figures_url(rolled_up), PERIOD, HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert "網路數據" in body and "保管期內取件率" in body and "下載 CSV" in body
    assert "排序：" in body and "逾期率最高" in body


def test_the_header_links_the_figures_for_planners_only(client, planner, clerk, dc):
    link = f'href="{reverse("insight:home")}"'
    client.force_login(planner)
    assert link in client.get(figures_url(dc)).content.decode()
    client.force_login(clerk)
    assert link not in client.get(reverse("counter:home"), follow=True).content.decode()

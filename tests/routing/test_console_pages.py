"""The planner console renders for planners of the DC, and only for them."""

import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Parcel
from routing.models import BatchRun, PlanParcel, RegionPlan
from routing.selectors import ROUTE_COLOURS
from tests.conftest import PLAN_DAY
from tests.factories import DistributionCenterFactory, make_planner

DAY = PLAN_DAY.isoformat()


def url(name, *args):
    return reverse(f"routing:{name}", args=args)


@pytest.fixture
def planner_client(client, planner):
    client.force_login(planner)
    return client


def test_the_day_overview_shows_each_region_and_the_run(planned_run, planner_client, django_assert_max_num_queries):
    # when
    with django_assert_max_num_queries(14):
        response = planner_client.get(url("day", "DC1", DAY))
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 of 2 regions done" in page and "Done" in page
    for rp in planned_run.region_plans.all():
        assert url("region", "DC1", DAY, rp.region.code) in page


def test_a_day_without_a_run_offers_the_button(network, planner_client):
    response = planner_client.get(url("day", "DC1", DAY))
    assert response.status_code == 200 and "Run the batch now" in response.content.decode()


def test_the_region_view_lists_routes_and_draws_them(planned_run, planner_client, django_assert_max_num_queries):
    # given
    rp = planned_run.region_plans.get(region__code="W")
    # when
    with django_assert_max_num_queries(20):
        response = planner_client.get(url("region", "DC1", DAY, "W"))
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="region-map-data"' in page and "vendor/leaflet/leaflet.js" in page
    for route in rp.routes.all():
        assert f"Route {route.number} – {route.vehicle.name}" in page
    for code in ("W001", "W002", "W003"):
        assert code in page


def test_a_move_preview_refused_shows_the_reason(planned_run, planner_client):
    # given
    rp = planned_run.region_plans.get(region__code="N")
    route = rp.routes.first()
    stop = route.stops.first()
    # when: asking for an impossible position is clamped to the end of the route, which is feasible
    response = planner_client.get(
        url("region", "DC1", DAY, "N"), {"stop": stop.pk, "route": route.number, "position": 99}
    )
    # then
    assert response.status_code == 200
    assert "Feasible" in response.content.decode() and "Save the move" in response.content.decode()


def test_a_move_is_saved_from_the_console(planned_run, planner_client):
    rp = planned_run.region_plans.get(region__code="N")
    route = rp.routes.first()
    last = route.stops.order_by("-position").first()
    response = planner_client.post(
        url("region_move", "DC1", DAY, "N"), {"stop": last.pk, "route": route.number, "position": 1}, follow=True
    )
    assert "The stop was moved." in response.content.decode()
    assert route.stops.get(position=1).store_id == last.store_id


def test_approve_dispatch_and_manifests(planned_run, planner_client, planner):
    # given
    rp = planned_run.region_plans.get(region__code="W")
    planner_client.post(url("region_approve", "DC1", DAY, "W"))
    route = rp.routes.first()
    PlanParcel.objects.filter(stop__route=route, kind="deliver").update(loaded_at=timezone.now())  # the dock loaded it
    # when
    response = planner_client.post(url("route_dispatch", "DC1", DAY, "W", route.number), follow=True)
    # then
    assert f"Route {route.number} – {route.vehicle.name} dispatched" in response.content.decode()
    assert Parcel.objects.filter(status=Parcel.Status.IN_TRANSIT).exists()
    manifest = planner_client.get(url("route_manifest", "DC1", DAY, "W", route.number))
    page = manifest.content.decode()
    assert manifest.status_code == 200 and "<svg" in page
    for entry in route.stops.first().parcels.all():
        assert entry.parcel.tracking_number in page
    pdf = planner_client.get(url("route_manifest_pdf", "DC1", DAY, "W", route.number))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_csv_export_has_one_row_per_parcel_in_driving_order(planned_run, planner_client, parcels):
    response = planner_client.get(url("run_csv", "DC1", DAY))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == len(parcels["deliver"]) + len(parcels["collect"])
    assert {r["action"] for r in rows} == {"drop", "collect"}
    assert {r["region"] for r in rows} == {"N", "W"}


def test_conditions_form_refuses_a_bad_factor_with_the_field(planned_run, planner_client):
    response = planner_client.post(
        url("region_conditions", "DC1", DAY, "W"), {"condition": "rain", "factor": "12"}, follow=True
    )
    assert (
        "Travel-time factor" in response.content.decode() and "less than or equal to 4.0" in response.content.decode()
    )
    assert RegionPlan.objects.get(run=planned_run, region__code="W").condition == ""


def test_run_button_starts_the_day_once(
    network, parcels, planner_client, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr("routing.services.batch.region_plans_enqueue", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        planner_client.post(url("run_start", "DC1", DAY))
        again = planner_client.post(url("run_start", "DC1", DAY), follow=True)
    assert "has run already" in again.content.decode()
    assert BatchRun.objects.get().trigger == BatchRun.Trigger.MANUAL and len(sent) == 1


def test_run_history_paginates(planner_client, network, django_assert_max_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    for n in range(25):
        BatchRun.objects.create(
            dc=network["dc"],
            plan_date=PLAN_DAY - timedelta(days=n),
            trigger="beat",
            cutoff=timezone.now(),
            time_limit_s=1,
            started_at=timezone.now(),
        )
    with django_assert_max_num_queries(8):
        first = planner_client.get(url("runs", "DC1"))
    assert "Page 1 of 2" in first.content.decode()
    assert planner_client.get(url("runs", "DC1"), {"page": 2}).status_code == 200


def test_run_history_empty_state(planner_client, network):
    assert "No batch has run yet." in planner_client.get(url("runs", "DC1")).content.decode()


@pytest.mark.parametrize("who", ["clerk", "other_planner", "operator"])
def test_only_planners_of_the_dc_reach_the_console(planned_run, client, request, who):
    if who == "other_planner":
        user = make_planner(DistributionCenterFactory(code="DC2", name="Other"), "other")
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    for path in (url("day", "DC1", DAY), url("region", "DC1", DAY, "W"), url("runs", "DC1")):
        assert client.get(path).status_code == 403
    assert client.post(url("region_approve", "DC1", DAY, "W")).status_code == 403
    assert RegionPlan.objects.filter(status="approved").count() == 0


def test_an_anonymous_visitor_is_sent_to_sign_in(planned_run, client):
    response = client.get(url("day", "DC1", DAY))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_console_entry_goes_to_todays_page_of_the_planners_dc(planner_client, network):
    response = planner_client.get(url("console"))
    assert response.status_code == 302 and response["Location"] == url("today", "DC1")


def test_the_day_map_draws_every_regions_routes_in_colours_of_their_own(planned_run, planner_client):
    page = planner_client.get(url("day", "DC1", DAY)).content.decode()
    data = json.loads(page.split('<script id="region-map-data" type="application/json">')[1].split("</script>")[0])
    routes = [r for rp in planned_run.region_plans.order_by("region__code") for r in rp.routes.order_by("number")]
    expected = [(route.region_plan.region.code, route.number) for route in routes]
    assert [(r["region"], r["number"]) for r in data["routes"]] == expected
    assert [r["colour"] for r in data["routes"]] == ROUTE_COLOURS[: len(routes)]
    assert sum(len(r["stops"]) for r in data["routes"]) == 6  # three stores in each region
    assert data["dc"]["label"] == "DC1" and "routing/region_map.js" in page

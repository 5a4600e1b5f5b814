"""The DC floor's screens: each renders, scans answer JSON, and a dock of another DC gets nothing."""

import pytest
from django.urls import reverse

from dc.models import DockException, ReturnConsignment
from dc.services.returns import parcel_return_intake
from orders.models import Parcel, WebhookDelivery

S = Parcel.Status
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def dock_client(client, dock):
    client.force_login(dock)
    return client


def url(name, dc, *args):
    return reverse(f"dc:{name}", args=[dc.code, *args])


def route_args(route):
    return [route.region_plan.run.plan_date.isoformat(), route.region_plan.region.code, route.number]


def test_every_screen_renders_for_the_dock(dock_client, dc, dock, approved_plan, make_parcel):
    route1, _route2, _parcels = approved_plan
    consignment = parcel_return_intake(
        parcel_code=make_parcel("return_in_transit").tracking_number, dc=dc, user=dock
    ).consignment
    pages = [
        url("floor", dc),
        url("intake", dc),
        url("consignments", dc),
        url("loading", dc),
        url("load_route", dc, *route_args(route1)),
        url("load_sheet", dc, *route_args(route1)),
        url("returns", dc),
        url("return_consignment", dc, consignment.pk),
        url("exceptions", dc),
        url("exceptions", dc) + "?resolved=1",
    ]
    for page in pages:
        response = dock_client.get(page)
        assert response.status_code == 200, page
        assert 'name="viewport"' in response.content.decode()
    intake_page = dock_client.get(url("intake", dc)).content.decode()
    assert "autofocus" in intake_page and "batch" in intake_page
    load_page = dock_client.get(url("load_route", dc, *route_args(route1))).content.decode()
    assert "0 of 3 loaded" in load_page


def test_home_sends_a_dock_to_its_dc(dock_client, dc):
    assert dock_client.get(reverse("dc:home")).url == url("floor", dc)


def test_intake_scan_answers_json(dock_client, dc, make_parcel):
    parcel = make_parcel("created")
    response = dock_client.post(url("intake", dc), {"code": parcel.tracking_number, "weight_g": "800"}, **JSON)
    body = response.json()
    assert response.status_code == 200 and body["ok"] and body["tone"] == "ok" and "batch" in body
    again = dock_client.post(url("intake", dc), {"code": parcel.tracking_number}, **JSON)
    assert again.status_code == 409 and again.json()["reason"] == "already_received" and again.json()["tone"] == "warn"
    garbage = dock_client.post(url("intake", dc), {"code": make_parcel().tracking_number, "weight_g": "lots"}, **JSON)
    assert garbage.status_code == 400 and "Weight" in garbage.json()["message"]
    assert garbage.json()["field"] == "weight_g"
    unknown = dock_client.post(url("intake", dc), {"code": "000000000000"}, **JSON)
    assert unknown.status_code == 404 and unknown.json()["tone"] == "bad"
    broken = dock_client.post(url("intake", dc), data="[1]", content_type="application/json", **JSON)
    assert broken.status_code == 400


def test_an_intake_scan_takes_eight_statements(dock_client, dc, merchant, make_parcel, django_assert_num_queries):
    """The dock's rate rests on this count (bench/dc_intake.py): the user, the DC and its membership, the
    parcel with its open-exception and batch-started checks, the compare-and-swap, the event and the
    merchant's webhook row; the other two are the savepoint of the lifecycle gate inside the test's transaction."""
    merchant.webhook_url = "http://127.0.0.1:9/hook"
    merchant.save()
    parcel = make_parcel("created")
    with django_assert_num_queries(8):
        response = dock_client.post(url("intake", dc), {"code": parcel.tracking_number}, **JSON)
    assert response.status_code == 200 and response.json()["reason"] == "received"
    parcel.refresh_from_db()
    assert parcel.status == S.AT_DC
    assert WebhookDelivery.objects.filter(merchant=merchant, event__parcel=parcel, event__to_status=S.AT_DC).exists()


def test_intake_without_script_posts_and_shows_the_answer(dock_client, dc, make_parcel):
    parcel = make_parcel("created")
    response = dock_client.post(url("intake", dc), {"code": parcel.tracking_number}, follow=True)
    assert response.status_code == 200 and "Received." in response.content.decode()


def test_loading_scan_answers_the_count(dock_client, dc, approved_plan):
    route1, _route2, parcels = approved_plan
    response = dock_client.post(
        url("load_route", dc, *route_args(route1)), {"code": parcels[(1, 2)][0].tracking_number}, **JSON
    )
    assert response.json()["big"] == "1 / 3"


def test_hand_over_form_returns_the_consignment(dock_client, dc, dock, make_parcel):
    parcel = make_parcel("return_in_transit")
    consignment = parcel_return_intake(parcel_code=parcel.tracking_number, dc=dc, user=dock).consignment
    empty = dock_client.post(url("return_consignment", dc, consignment.pk), {"handed_to": ""})
    assert empty.status_code == 400
    response = dock_client.post(
        url("return_consignment", dc, consignment.pk), {"handed_to": "Courier Lin"}, follow=True
    )
    assert "Courier Lin" in response.content.decode()
    parcel.refresh_from_db()
    assert parcel.status == S.RETURNED


def test_exception_actions_resolve_from_the_queue(dock_client, dc, dock, store, make_parcel):
    store.max_size_class = "S"
    store.save()
    parcel = make_parcel("created")
    dock_client.post(url("intake", dc), {"code": parcel.tracking_number, "size_class": "L"}, **JSON)
    row = DockException.objects.get(parcel=parcel)
    page = dock_client.get(url("exceptions", dc)).content.decode()
    assert parcel.tracking_number in page and "Take in" in page
    refused = dock_client.post(url("exception_resolve", dc, row.pk), {"action": "take_in"}, follow=True)
    assert "still cannot take it" in refused.content.decode()
    row.refresh_from_db()
    assert row.is_open


def test_a_dock_of_another_dc_gets_nothing(client, dc, other_dock, approved_plan, make_parcel, dock):
    client.force_login(other_dock)
    route1, _route2, _parcels = approved_plan
    consignment = parcel_return_intake(
        parcel_code=make_parcel("return_in_transit").tracking_number, dc=dc, user=dock
    ).consignment
    for page in (
        url("floor", dc),
        url("intake", dc),
        url("consignments", dc),
        url("load_route", dc, *route_args(route1)),
        url("load_sheet", dc, *route_args(route1)),
        url("return_consignment", dc, consignment.pk),
        url("exceptions", dc),
    ):
        assert client.get(page).status_code == 403, page
    parcel = make_parcel("created")
    response = client.post(url("intake", dc), {"code": parcel.tracking_number}, **JSON)
    assert response.status_code == 403
    parcel.refresh_from_db()
    assert parcel.status == S.CREATED
    assert ReturnConsignment.objects.get().handed_over_at is None


def test_a_clerk_and_a_stranger_are_kept_out(client, dc, clerk):
    assert client.get(url("intake", dc)).status_code == 302  # to sign in
    assert client.post(url("intake", dc), {"code": "1"}, **JSON).status_code == 401
    client.force_login(clerk)
    assert client.get(url("intake", dc)).status_code == 403
    assert client.get(reverse("dc:home")).status_code == 403


def test_a_planner_may_do_the_docks_work(client, dc, planner, make_parcel):
    client.force_login(planner)
    parcel = make_parcel("created")
    assert client.post(url("intake", dc), {"code": parcel.tracking_number}, **JSON).status_code == 200

"""The driver's page: stops in order with ETA, address, navigation, drops and collects, and the store's
scan-in (the proof of delivery) as it happens; the manifest carries the link as a QR code."""

import base64
import re
import zlib

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from orders.models import Parcel
from orders.services.counter import parcel_scan_in
from routing.models import PlanParcel
from tests.factories import make_clerk

JSON = {"HTTP_ACCEPT": "application/json"}


def test_the_page_lists_the_stops_in_order_with_eta_address_and_navigation(client, driver, dispatched_route):
    # given
    client.force_login(driver)
    run = dispatched_route.region_plan.run
    stops = list(dispatched_route.stops.select_related("store").order_by("position"))
    # when
    body = client.get(reverse("dc:driver:route", args=[dispatched_route.pk])).content.decode()
    # then
    positions = [body.index(f"{s.position}. {s.store.code} {s.store.name}") for s in stops]
    assert positions == sorted(positions)
    for stop in stops:
        eta = timezone.localtime(run.at(stop.service_start_s), stop.store.tz).strftime("%H:%M")
        assert f"<strong>{eta}</strong>" in body and escape(stop.store.address) in body
        assert f"destination={stop.store.latitude},{stop.store.longitude}" in body
        assert f'href="geo:{stop.store.latitude},{stop.store.longitude}' in body
    drops = PlanParcel.objects.filter(stop__route=dispatched_route, kind="deliver").count()
    assert f"0 of {drops} parcels scanned in by the stores" in body


def test_collects_are_shown_with_what_the_clerk_handed_over(client, driver, dispatched_route):
    client.force_login(driver)
    collect = PlanParcel.objects.filter(stop__route=dispatched_route, kind="collect").select_related("parcel").first()
    assert collect is not None, "region W has expired parcels to collect"
    data = client.get(reverse("dc:driver:route", args=[dispatched_route.pk]), **JSON).json()
    row = next(s for s in data["stops"] if s["id"] == collect.stop_id)
    assert row["collects"] >= 1 and row["handed_over"] == 0


def test_the_store_scan_in_shows_on_the_drivers_page(client, driver, dispatched_route, django_assert_max_num_queries):
    # given
    client.force_login(driver)
    entry = (
        PlanParcel.objects.filter(stop__route=dispatched_route, kind="deliver").select_related("stop__store").first()
    )
    stop = entry.stop
    status_url = reverse("dc:driver:route_status", args=[dispatched_route.pk])
    n = PlanParcel.objects.filter(stop=stop, kind="deliver").count()
    before = next(s for s in client.get(status_url).json()["stops"] if s["id"] == stop.pk)
    # when: the store's clerk scans one parcel in
    parcel_scan_in(code=entry.parcel.tracking_number, store=stop.store, clerk=make_clerk(stop.store, "clerk_w"))
    # then: the polling answer says so, in a fixed number of queries
    with django_assert_max_num_queries(8):
        after = client.get(status_url).json()
    row = next(s for s in after["stops"] if s["id"] == stop.pk)
    assert before["scanned_in"] == 0 and row["scanned_in"] == 1
    assert row["proof"] == f"1 of {n} scanned in by the store"
    page = client.get(reverse("dc:driver:route", args=[dispatched_route.pk])).content.decode()
    assert f"1 of {n} scanned in by the store" in page


def test_the_page_is_json_to_a_json_client(client, driver, dispatched_route):
    client.force_login(driver)
    response = client.get(reverse("dc:driver:route", args=[dispatched_route.pk]), **JSON)
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["route"] == dispatched_route.number
    assert [s["position"] for s in data["stops"]] == sorted(s["position"] for s in data["stops"])
    assert all(s["state"] == "ahead" for s in data["stops"])


def test_the_drivers_home_lists_dispatched_routes_from_today_on(
    client, driver, dispatched_route, planned_run, monkeypatch
):
    client.force_login(driver)
    run = dispatched_route.region_plan.run
    monkeypatch.setattr(timezone, "now", lambda: run.at(12 * 3600))
    body = client.get(reverse("dc:driver:home")).content.decode()
    assert reverse("dc:driver:route", args=[dispatched_route.pk]) in body
    undispatched = planned_run.region_plans.get(region__code="N").routes.first()
    assert reverse("dc:driver:route", args=[undispatched.pk]) not in body
    monkeypatch.setattr(timezone, "now", lambda: run.at(86_400 + 12 * 3600))  # the day after: done
    assert (
        reverse("dc:driver:route", args=[dispatched_route.pk])
        not in client.get(reverse("dc:driver:home")).content.decode()
    )


def test_signing_in_as_a_driver_leads_to_the_routes(client, driver):
    client.force_login(driver)
    assert client.get(reverse("staff_landing"))["Location"] == reverse("dc:driver:home")


def test_the_manifest_prints_the_drivers_link_as_a_qr_code(client, planner, dispatched_route):
    client.force_login(planner)
    rp = dispatched_route.region_plan
    args = [rp.run.dc.code, rp.run.plan_date.isoformat(), rp.region.code, dispatched_route.number]
    page = client.get(reverse("routing:route_manifest", args=args)).content.decode()
    link = re.search(r"<title>(http://testserver/dc/driver/link/[^<]+/)</title>", page)
    assert link, "the QR code's SVG names the link it encodes"
    assert client.get(link.group(1)).status_code == 200  # the printed link opens the route without an account
    pdf = client.get(reverse("routing:route_manifest_pdf", args=args))
    assert pdf.status_code == 200 and "Driver: scan to open the route" in pdf_text(pdf.content)


def pdf_text(content: bytes) -> str:
    """The page streams of a ReportLab PDF (ASCII85 over Flate), decoded."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", content, re.S)
    out = []
    for raw in streams:
        try:
            out.append(zlib.decompress(base64.a85decode(raw.strip().removesuffix(b"~>"))).decode("latin-1"))
        except (ValueError, zlib.error):
            continue  # not a page stream (an image, a font)
    return "\n".join(out)


def test_sent_back_parcels_are_not_counted_as_on_the_way(client, driver, dispatched_route):
    client.force_login(driver)
    stop = dispatched_route.stops.filter(parcels__kind="deliver").order_by("position").first()
    client.post(
        reverse("dc:driver:route_tap", args=[dispatched_route.pk, stop.pk, "not-served"]), {"reason": "refused"}
    )
    row = next(
        s
        for s in client.get(reverse("dc:driver:route_status", args=[dispatched_route.pk])).json()["stops"]
        if s["id"] == stop.pk
    )
    assert row["state"] == "not_served" and row["sent_back"] == row["drops"] > 0
    assert not Parcel.objects.filter(plan_entries__stop=stop, status=Parcel.Status.IN_TRANSIT).exists()


def test_the_page_speaks_chinese_to_a_chinese_phone(client, driver, dispatched_route):
    client.force_login(driver)
    body = client.get(reverse("dc:driver:route", args=[dispatched_route.pk]), HTTP_ACCEPT_LANGUAGE="zh-hant")
    text = body.content.decode()
    assert "已抵達" in text and "導航" in text and "無法配送這一站？" in text

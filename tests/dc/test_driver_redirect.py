"""A full or closed store at the drop: the driver's page offers the nearest later store of the route with
room within PICKUP_REDIRECT_MAX_KM; the parcels go there, its clerk scans them in as redirected with the
same pickup code, the shopper is told the new store and its hours, the merchant gets a webhook."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from core.errors import DomainError
from orders.capacity import cold_slots_free
from orders.models import Notification, Order, Parcel, ParcelEvent, WebhookDelivery
from orders.notifications import notification_text
from orders.pickup_codes import pickup_code_for
from orders.services.counter import handover_confirm, parcel_scan_in
from orders.services.ordering import OrderRejected, ParcelSpec, order_create
from routing.models import PlannedStop, PlanParcel
from routing.services import redirect
from routing.services.driver import stop_arrive
from routing.services.redirect import stop_redirect, stop_redirect_options
from stores.models import OpeningHours, TemperatureClass
from tests.factories import make_clerk

S = Parcel.Status


def drops_of(stop) -> list[Parcel]:
    return [e.parcel for e in PlanParcel.objects.filter(stop=stop, kind="deliver").select_related("parcel")]


@pytest.fixture
def at_full_store(dispatched_route):
    """The driver at the route's first stop with drops; the later stops of the route."""
    stops = list(dispatched_route.stops.select_related("store").order_by("position"))
    here = next(s for s in stops if PlanParcel.objects.filter(stop=s, kind="deliver").exists())
    later = [s for s in stops if s.pk != here.pk]
    assert later, "the W route serves several stores"
    stop_arrive(stop=here)
    here.refresh_from_db()
    return here, later


def _nearest(here, later):
    return min(later, key=lambda s: abs(float(s.store.latitude) - float(here.store.latitude)))


def test_the_nearest_later_store_with_room_is_offered(at_full_store):
    here, later = at_full_store
    options = stop_redirect_options(stop=here)
    assert {o.stop.pk for o in options} == {s.pk for s in later}
    assert [o.km for o in options] == sorted(o.km for o in options) and options[0].km < 2


def test_redirect_sends_the_parcels_to_the_new_store_with_an_event_webhook_and_message(
    at_full_store, hooked_merchant, driver
):
    # given
    here, later = at_full_store
    target = stop_redirect_options(stop=here)[0].stop
    target.store.is_24h = False
    target.store.save()
    for weekday in range(7):
        OpeningHours.objects.create(store=target.store, weekday=weekday, opens="00:00", closes="23:59")
    drops = drops_of(here)
    codes = {p.pk: pickup_code_for(p.order) for p in drops}
    # when
    result = stop_redirect(stop=here, to_stop_id=target.pk, actor=driver)
    # then
    assert result.to_stop == target and result.parcels == sorted(p.tracking_number for p in drops)
    for parcel in drops:
        parcel.refresh_from_db()
        assert parcel.status == S.IN_TRANSIT and parcel.redirected_from == here.store
        assert Order.objects.get(pk=parcel.order_id).pickup_store == target.store
        event = ParcelEvent.objects.get(parcel=parcel, type=ParcelEvent.Type.REDIRECTED)
        assert event.details["from"] == here.store.code and event.details["to"] == target.store.code
        assert event.store == target.store and event.actor == driver
        payload = WebhookDelivery.objects.get(event=event).payload
        assert payload["type"] == "parcel.redirected" and payload["data"]["pickup_store"] == target.store.code
        sms = Notification.objects.get(parcel=parcel, kind=Notification.Kind.REDIRECTED, channel="sms")
        _subject, body = notification_text([sms])
        assert target.store.name in body and target.store.address in body and "Monday–Sunday 00:00–23:59" in body
    assert {e.stop_id for e in PlanParcel.objects.filter(parcel__in=drops, kind="deliver")} == {target.pk}

    # when the new store's clerk scans them in: redirected, and the same code hands them over
    clerk = make_clerk(target.store, "clerk_b")
    for parcel in drops:
        scan = parcel_scan_in(code=parcel.tracking_number, store=target.store, clerk=clerk)
        assert scan.event.details["redirected_from"] == here.store.code
    parcel = drops[0]
    parcel.refresh_from_db()
    order_parcels = [p.tracking_number for p in drops if p.order_id == parcel.order_id]
    handed = handover_confirm(
        code=codes[parcel.pk], store=target.store, clerk=clerk, tracking_numbers=order_parcels, cash_received=False
    )
    assert {e.parcel.status for e in handed if e.type == "status"} == {S.PICKED_UP}


def test_a_store_not_on_the_route_is_refused_and_nothing_changes(at_full_store, network):
    here, later = at_full_store
    elsewhere = PlannedStop.objects.exclude(route=here.route).first()
    bad = [elsewhere.pk if elsewhere else 999_999, "abc", ""]
    for to_stop in bad:
        with pytest.raises(DomainError) as refused:
            stop_redirect(stop=here, to_stop_id=to_stop)
        assert refused.value.field == "to_stop" and refused.value.message == "Choose a store of this route."
    assert not ParcelEvent.objects.filter(type=ParcelEvent.Type.REDIRECTED).exists()


def test_a_store_farther_than_the_setting_is_refused(at_full_store, settings):
    here, later = at_full_store
    settings.PICKUP_REDIRECT_MAX_KM = 0.1
    assert stop_redirect_options(stop=here) == []
    with pytest.raises(DomainError) as refused:
        stop_redirect(stop=here, to_stop_id=later[0].pk)
    assert refused.value.field == "to_stop" and "farther than 0.1 km" in refused.value.message
    assert {p.order.pickup_store_id for p in drops_of(here)} == {here.store_id}


def test_a_full_store_is_refused(at_full_store):
    here, later = at_full_store
    target = later[0]
    target.store.slot_capacity = 1
    target.store.save()
    with pytest.raises(DomainError) as refused:
        stop_redirect(stop=here, to_stop_id=target.pk)
    assert refused.value.message == f"{target.store.code} has no room for these parcels."
    assert target.pk not in {o.stop.pk for o in stop_redirect_options(stop=here)}
    assert not ParcelEvent.objects.filter(type=ParcelEvent.Type.REDIRECTED).exists()


def test_a_closed_store_is_refused(at_full_store):
    here, later = at_full_store
    target = later[0]
    target.store.is_24h = False  # and no opening hours: closed
    target.store.save()
    with pytest.raises(DomainError, match="is closed now"):
        stop_redirect(stop=here, to_stop_id=target.pk)


def test_a_stop_already_left_cannot_take_them(at_full_store):
    here, later = at_full_store
    target = later[0]
    stop_arrive(stop=target)
    PlannedStop.objects.filter(pk=target.pk).update(left_at=target.route.dispatched_at)
    with pytest.raises(DomainError, match="not a later stop of this route"):
        stop_redirect(stop=here, to_stop_id=target.pk)


def test_with_no_store_with_room_the_page_says_to_send_them_back(client, driver, at_full_store, settings):
    here, _later = at_full_store
    settings.PICKUP_REDIRECT_MAX_KM = 0.1
    client.force_login(driver)
    page = client.get(reverse("dc:driver:route", args=[here.route.pk])).content.decode()
    assert "No store on this route within 0.1 km has room: send the parcels back to the DC below." in page


def test_the_driver_page_offers_and_makes_the_redirect(client, driver, at_full_store):
    # given
    here, _later = at_full_store
    target = stop_redirect_options(stop=here)[0].stop
    client.force_login(driver)
    url = reverse("dc:driver:route", args=[here.route.pk])
    # when
    page = client.get(url).content.decode()
    # then
    assert "Store full or closed?" in page
    assert f"Nearest store on this route with room: <strong>{target.store.code} {target.store.name}</strong>" in page
    # when a bad post comes first, it says why and changes nothing
    tap = reverse("dc:driver:route_tap", args=[here.route.pk, here.pk, "redirect"])
    refused = client.post(tap, {"to_stop": "nope"}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400
    assert refused.json()["field"] == "to_stop" and refused.json()["message"] == "Choose a store of this route."
    # when the driver takes the offer
    n = len(drops_of(here))
    done = client.post(tap, {"to_stop": target.pk}, follow=True).content.decode()
    # then the parcels are listed at the new stop
    assert f"{n} parcels of {here.store.code} {here.store.name} go to stop {target.position}" in done
    assert len([p for p in drops_of(target) if p.redirected_from_id == here.store_id]) == n


def test_the_driver_page_in_chinese(client, driver, at_full_store):
    here, _later = at_full_store
    client.force_login(driver)
    page = client.get(reverse("dc:driver:route", args=[here.route.pk]), HTTP_ACCEPT_LANGUAGE="zh-hant")
    html = page.content.decode()
    assert "門市已滿或未營業？" in html and "本路線上最近且有空位的門市" in html


def test_the_new_stores_counter_and_the_shoppers_page_say_it_was_redirected(client, at_full_store):
    # given
    here, _later = at_full_store
    target = stop_redirect_options(stop=here)[0].stop
    stop_redirect(stop=here, to_stop_id=target.pk)
    parcel = drops_of(target)[0]
    # when the shopper opens the parcel
    client.post(reverse("tracking:lookup"), {"number": parcel.tracking_number, "phone_last4": "5678"})
    page = client.get(reverse("tracking:parcel", args=[parcel.tracking_number])).content.decode()
    # then the new store and why show
    assert target.store.name in page and escape(target.store.address) in page and "Open 24 hours" in page
    assert "The store it was addressed to could not take it" in page
    assert f"Redirected to store {target.store.code}: store {here.store.code} could not take it" in page
    # when the new store's clerk scans it in
    client.force_login(make_clerk(target.store, "clerk_b"))
    scan = client.post(
        reverse("counter:scan_in"),
        {"code": parcel.tracking_number},
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )
    # then the scan says where it came from
    assert scan.status_code == 200
    assert scan.json()["message"].endswith(f"Redirected here from store {here.store.code}.")


# A redirect against an order placed at the same store while it runs, the rival injected at a named
# point: right after the redirect has checked the target store's room (`_refusal`).


def inject_after_room_checked(monkeypatch, rival):
    """Run `rival()` once, right after the redirect has checked the target store's room."""
    check = redirect._refusal
    done = []

    def check_then_rival(*args, **kwargs):
        refusal = check(*args, **kwargs)
        if not done:
            done.append(True)
            rival()
        return refusal

    monkeypatch.setattr(redirect, "_refusal", check_then_rival)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the rival commits from its own connection")
def test_an_order_placed_while_a_redirect_checks_room_waits_and_is_refused(
    at_full_store,
    merchant,
    driver,
    monkeypatch,
):
    # given chilled drops on board and a later store of the route with exactly their room left
    here, _later = at_full_store
    target = stop_redirect_options(stop=here)[0].stop
    drops = drops_of(here)
    Parcel.objects.filter(pk__in=[p.pk for p in drops]).update(temperature_class=TemperatureClass.CHILLED)
    store = target.store
    store.chilled_slots = 10
    store.save(update_fields=["chilled_slots"])
    store.chilled_slots += len(drops) - cold_slots_free(store=store, temperature_class=TemperatureClass.CHILLED)
    store.save(update_fields=["chilled_slots"])
    # and a merchant's order for a chilled parcel at that store, placed from another connection just
    # after the redirect found the room
    outcome = []

    def place_order():
        try:
            order_create(
                merchant=merchant,
                reference="RACE-1",
                shopper_name="Lin",
                shopper_phone="0912345678",
                pickup_store=store,
                parcels=[ParcelSpec("S", 500, temperature_class=TemperatureClass.CHILLED)],
            )
            outcome.append("placed")
        except OrderRejected as rejected:
            outcome.append(rejected.fields)
        finally:
            connection.close()

    rival = threading.Thread(target=place_order)

    def start_rival():
        rival.start()
        # Long enough for the rival to commit if nothing holds it back.
        rival.join(3)

    inject_after_room_checked(monkeypatch, start_rival)
    # when
    result = stop_redirect(stop=here, to_stop_id=target.pk, actor=driver)
    rival.join(30)
    # then the redirect went through and the order waited for it, then was refused as the store is full
    assert result.parcels == sorted(p.tracking_number for p in drops)
    assert len(outcome) == 1 and outcome[0] != "placed"
    assert "pickup_store" in outcome[0]
    assert cold_slots_free(store=store, temperature_class=TemperatureClass.CHILLED) == 0

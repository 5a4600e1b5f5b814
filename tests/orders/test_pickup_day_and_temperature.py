"""Checkout choices that drive delivery: the shopper's pickup day and the goods' temperature class."""

from datetime import timedelta

import pytest
from django.test import override_settings

from orders.lifecycle import parcel_transition
from orders.models import Parcel, ParcelEvent, WebhookDelivery
from orders.services.ordering import OrderRejected, ParcelSpec, order_create, order_set_pickup_day
from stores.locator import pickup_day_choices
from tests.conftest import walk
from tests.factories import OrderFactory, ParcelFactory, StoreFactory
from tests.orders.conftest import order_body

S = Parcel.Status
ORDERS = "/api/v1/orders/"


def test_api_refuses_a_store_that_cannot_hold_a_frozen_parcel_with_the_reason(api, region):
    # given a store with no freezer
    store = StoreFactory(region=region, code="WARM", frozen_slots=0)
    # when
    response = api.post(
        ORDERS,
        order_body(store, parcels=[{"size_class": "S", "weight_g": 800, "temperature_class": "frozen"}]),
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json()["fields"]["parcels"]["0"]["temperature_class"] == [
        "Store WARM cannot hold frozen parcels (it has no frozen slots)."
    ]
    assert not Parcel.objects.exists()


def test_api_takes_a_frozen_fragile_parcel_at_a_store_with_frozen_slots_and_a_pickup_day(api, region):
    # given
    store = StoreFactory(region=region, frozen_slots=2)
    day = pickup_day_choices()[2]
    # when
    response = api.post(
        ORDERS,
        order_body(
            store,
            preferred_pickup_day=day.isoformat(),
            parcels=[{"size_class": "S", "weight_g": 800, "temperature_class": "frozen", "fragile": True}],
        ),
        format="json",
    )
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["preferred_pickup_day"] == day.isoformat()
    assert body["parcels"][0]["temperature_class"] == "frozen" and body["parcels"][0]["fragile"] is True
    assert body["pickup_day_choices"] == [d.isoformat() for d in pickup_day_choices()]


def test_api_refuses_a_pickup_day_outside_the_choices(api, region):
    store = StoreFactory(region=region)
    too_late = pickup_day_choices()[-1] + timedelta(days=1)
    response = api.post(ORDERS, order_body(store, preferred_pickup_day=too_late.isoformat()), format="json")
    assert response.status_code == 400
    assert "preferred_pickup_day" in response.json()["fields"]


def test_picker_search_marks_a_store_without_frozen_slots_unselectable_with_the_reason(client, region):
    # given
    StoreFactory(region=region, code="WARM", frozen_slots=0)
    # when
    body = client.get("/stores/picker/search/", {"q": "Da'an", "temperature_class": "frozen"}).json()
    # then
    result = body["results"][0]
    assert result["code"] == "WARM" and not result["selectable"] and result["reason"] == "Cannot hold frozen parcels."


def test_picker_page_offers_the_pickup_days_and_passes_the_temperature_class(client, merchant):
    response = client.get(f"/stores/picker/?merchant={merchant.code}&origin=https://shop.example&temperature=frozen")
    html = response.content.decode()
    assert 'data-temperature="frozen"' in html
    assert all(f'value="{day.isoformat()}"' in html for day in pickup_day_choices())


def test_moving_the_pickup_day_later_takes_a_planned_parcel_back_to_the_dc(region):
    # given a parcel planned for tomorrow
    order = OrderFactory(pickup_store=StoreFactory(region=region))
    parcel = ParcelFactory(order=order)
    walk(parcel, S.AT_DC)
    tomorrow = pickup_day_choices()[0]
    parcel_transition(parcel=parcel, to=S.PLANNED, changes={"expected_arrival": _noon(tomorrow, order.pickup_store)})
    # when
    order_set_pickup_day(order=order, day=pickup_day_choices()[3], actor_label="shopper")
    # then
    parcel.refresh_from_db()
    order.refresh_from_db()
    assert parcel.status == S.AT_DC and parcel.expected_arrival is None
    assert order.preferred_pickup_day == pickup_day_choices()[3]
    assert parcel.events.filter(type=ParcelEvent.Type.PICKUP_DAY_CHANGED).exists()


def test_the_pickup_day_cannot_move_after_dispatch(region):
    order = OrderFactory(pickup_store=StoreFactory(region=region))
    walk(ParcelFactory(order=order), S.IN_TRANSIT)
    with pytest.raises(Exception, match="only before dispatch"):
        order_set_pickup_day(order=order, day=pickup_day_choices()[1])


@override_settings(PICKUP_HOLD_DAYS_BY_CLASS={"ambient": 7, "chilled": 7, "frozen": 3})
def test_a_frozen_parcel_is_held_for_its_class_days(region):
    # given
    store = StoreFactory(region=region, frozen_slots=1)
    frozen = ParcelFactory(order=OrderFactory(pickup_store=store), temperature_class="frozen")
    ambient = ParcelFactory(order=OrderFactory(pickup_store=store))
    # when
    walk(frozen, S.AT_STORE)
    walk(ambient, S.AT_STORE)
    # then
    assert (ambient.hold_deadline - frozen.hold_deadline).days == 4


def test_order_create_refuses_chilled_at_a_store_whose_chilled_slots_are_taken(merchant, region):
    # given the store's one chilled slot is promised to a parcel on its way
    store = StoreFactory(region=region, chilled_slots=1)
    walk(ParcelFactory(order=OrderFactory(pickup_store=store), temperature_class="chilled"), S.IN_TRANSIT)
    spec = ParcelSpec("S", 500, temperature_class="chilled")
    # when / then
    with pytest.raises(OrderRejected) as refused:
        order_create(
            merchant=merchant,
            reference="C2",
            shopper_name="A",
            shopper_phone="0912345678",
            pickup_store=store,
            parcels=[spec],
        )
    assert "full" in refused.value.fields["pickup_store"][0]


def _noon(day, store):
    from datetime import datetime, time

    return datetime.combine(day, time(12), tzinfo=store.tz)


def test_moving_the_pickup_day_over_the_api_tells_the_merchant_by_webhook(
    api, merchant, region, django_capture_on_commit_callbacks
):
    # given
    merchant.webhook_url = "https://shop.example/hooks"
    merchant.save()
    order = OrderFactory(merchant=merchant, pickup_store=StoreFactory(region=region))
    ParcelFactory(order=order)
    day = pickup_day_choices()[1]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"{ORDERS}{order.public_id}/pickup-day/", {"preferred_pickup_day": day.isoformat()}, format="json"
        )
    # then
    assert response.status_code == 200 and response.json()["preferred_pickup_day"] == day.isoformat()
    delivery = WebhookDelivery.objects.get(event__type=ParcelEvent.Type.PICKUP_DAY_CHANGED)
    assert (
        delivery.payload["type"] == "parcel.pickup_day_changed"
        and delivery.payload["data"]["preferred_pickup_day"] == day.isoformat()
    )


def test_the_tracking_page_refuses_a_move_after_dispatch_with_the_reason(client, region):
    # given a parcel that left the DC, remembered in the shopper's session
    parcel = walk(ParcelFactory(order=OrderFactory(pickup_store=StoreFactory(region=region))), S.IN_TRANSIT)
    session = client.session
    session["tracked_parcels"] = [parcel.tracking_number]
    session.save()
    assert "Move my pickup day" not in client.get(f"/track/{parcel.tracking_number}/").content.decode()
    # when
    response = client.post(f"/track/{parcel.tracking_number}/", {"pickup_day": pickup_day_choices()[1].isoformat()})
    # then
    assert response.status_code == 400 and "only before dispatch" in response.content.decode()

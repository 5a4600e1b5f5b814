"""The ids the merchant API shows reveal nothing of the platform's volume, and reach only the merchant's own rows."""

import json
import re

from orders.lifecycle import parcel_transition
from orders.models import Order, ParcelEvent, WebhookDelivery
from orders.webhooks import event_public_details
from tests.factories import OrderFactory
from tests.orders.conftest import order_body

ORDERS = "/api/v1/orders/"
ORDER_ID = re.compile(r"^ord_[A-Za-z0-9]{20}$")


def _shared_prefix(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def test_order_ids_are_not_numbers_and_consecutive_orders_share_no_order(api, store):
    # given two orders created one after the other
    first = api.post(ORDERS, order_body(store, reference="A-1"), format="json").json()["id"]
    second = api.post(ORDERS, order_body(store, reference="A-2"), format="json").json()["id"]
    # then each id is an opaque string, not a number nor the row's key
    for public_id, order in ((first, Order.objects.get(reference="A-1")), (second, Order.objects.get(reference="A-2"))):
        assert ORDER_ID.match(public_id), public_id
        assert not public_id.removeprefix("ord_").isdigit() and str(order.pk) != public_id.removeprefix("ord_")
    # and the second says nothing about the first: no common stem after the prefix
    assert _shared_prefix(first, second) < len("ord_") + 6


def test_creation_order_cannot_be_read_from_the_ids(merchant, store):
    # given twenty consecutive orders
    ids = [OrderFactory(merchant=merchant, pickup_store=store).public_id for _ in range(20)]
    # then sorting the ids does not give their creation order (by chance: 1 in 20!)
    assert sorted(ids) != ids and sorted(ids, reverse=True) != ids
    assert len(set(ids)) == 20


def test_a_merchant_cannot_reach_another_merchants_order_by_its_public_id(api, rival_api, store):
    # given an order of the merchant
    order_id = api.post(ORDERS, order_body(store), format="json").json()["id"]
    # when the rival uses its public id on every order route / then 404, and nothing changed
    assert rival_api.get(f"{ORDERS}{order_id}/").status_code == 404
    assert rival_api.post(f"{ORDERS}{order_id}/cancel/").status_code == 404
    assert (
        rival_api.post(f"{ORDERS}{order_id}/pickup-store/", {"pickup_store": store.code}, format="json").status_code
        == 404
    )
    assert (
        rival_api.post(f"{ORDERS}{order_id}/pickup-day/", {"preferred_pickup_day": None}, format="json").status_code
        == 404
    )
    assert api.get(f"{ORDERS}{order_id}/").json()["parcels"][0]["status"] == "created"


def test_the_integer_key_no_longer_reaches_an_order(api, store):
    api.post(ORDERS, order_body(store), format="json")
    assert api.get(f"{ORDERS}{Order.objects.get().pk}/").status_code == 404


def test_webhooks_and_events_name_orders_events_and_deliveries_by_public_id(
    api, hooked_merchant, receiver, make_parcel, commit
):
    # given a parcel whose change was delivered
    with commit():
        parcel = make_parcel("at_dc", merchant=hooked_merchant)
    # then every payload and header uses the public ids
    events = list(ParcelEvent.objects.filter(parcel=parcel).order_by("seq"))
    deliveries = {d.event_id: d for d in WebhookDelivery.objects.all()}
    assert len(receiver.received) == len(events) == 2
    for (headers, body), event in zip(receiver.received, events, strict=True):
        payload = json.loads(body)
        assert payload["id"] == event.public_id and re.match(r"^evt_[A-Za-z0-9]{20}$", payload["id"])
        assert payload["data"]["order_id"] == parcel.order.public_id
        assert headers["Pickup-Delivery"] == deliveries[event.pk].public_id
        assert re.match(r"^dlv_[A-Za-z0-9]{20}$", headers["Pickup-Delivery"])
    # and the API shows the same ids
    history = api.get(f"/api/v1/parcels/{parcel.tracking_number}/events/").json()
    assert [e["id"] for e in history] == [e.public_id for e in events]
    listed = api.get("/api/v1/webhook-deliveries/").json()["results"]
    assert {d["id"] for d in listed} == {d.public_id for d in deliveries.values()}
    assert {d["payload"]["data"]["order_id"] for d in listed} == {parcel.order.public_id}


def test_the_events_api_shows_an_events_details_as_its_webhook_does_without_internal_ids(api, merchant, make_parcel):
    # given a parcel planned onto a route: the gate recorded the run, region plan, stop and vehicle ids
    parcel = make_parcel("at_dc", merchant=merchant)
    parcel_transition(
        parcel=parcel,
        to="planned",
        actor_label="batch",
        details={"run": 7, "region_plan": 12, "stop": 40, "vehicle": 2, "plan_date": "2026-12-06"},
    )

    # when the merchant reads the history
    history = api.get(f"/api/v1/parcels/{parcel.tracking_number}/events/").json()

    # then the planned event keeps only what a merchant may see, as in its webhook payload
    planned = history[-1]
    assert planned["to_status"] == "planned"
    assert planned["details"] == event_public_details(ParcelEvent.objects.get(parcel=parcel, to_status="planned"))
    assert not {"run", "region_plan", "stop", "vehicle"} & set(planned["details"])
    assert planned["details"]["plan_date"] == "2026-12-06"

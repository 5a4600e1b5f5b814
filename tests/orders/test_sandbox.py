"""The sandbox: test keys (pk_test_…), their orders apart from live data, and the advance call that moves
a test parcel through the real lifecycle gate, so the real webhooks fire."""

import json

import pytest
from django.urls import reverse

from dc.services.scanning import DockRefusal, dock_parcel
from orders.counter_selectors import counter_expected_today
from orders.models import Notification, Parcel
from orders.services.api_keys import api_key_authenticate, api_key_issue
from orders.services.counter import CounterRefusal, parcel_scan_in
from orders.webhooks import SIGNATURE_HEADER, webhook_verify
from routing.models import HeldParcel, PlanParcel
from tests.conftest import make_parcel_at, start_run
from tests.orders.conftest import client_for, order_body

ORDERS = reverse("api:orders")


def advance_url(tracking_number: str) -> str:
    return reverse("api:sandbox-advance", args=[tracking_number])


def test_a_test_key_reads_pk_test_and_only_in_its_own_mode(merchant):
    # given a test key
    key, raw = api_key_issue(merchant=merchant, name="sandbox", livemode=False)
    # then its text says so, and it authenticates only as what it is
    assert raw.startswith("pk_test_") and not key.livemode
    assert api_key_authenticate(raw) == key
    assert api_key_authenticate(raw.replace("pk_test_", "pk_", 1)) is None
    live, live_raw = api_key_issue(merchant=merchant, name="live")
    assert api_key_authenticate(live_raw.replace("pk_", "pk_test_", 1)) is None
    assert api_key_authenticate(live_raw) == live and "pk_test_" in str(key)


def test_test_orders_and_live_orders_never_see_each_other(api, sandbox_api, store):
    # when the same reference is used in both modes
    made = sandbox_api.post(ORDERS, order_body(store), format="json")
    live = api.post(ORDERS, order_body(store), format="json")
    # then both exist, each visible only to its own mode
    assert made.status_code == 201 and live.status_code == 201
    test_id, live_id = made.json()["id"], live.json()["id"]
    assert [o["id"] for o in sandbox_api.get(ORDERS).json()["results"]] == [test_id]
    assert [o["id"] for o in api.get(ORDERS).json()["results"]] == [live_id]
    assert api.get(reverse("api:order", args=[test_id])).status_code == 404
    assert sandbox_api.get(reverse("api:order", args=[live_id])).status_code == 404
    test_tracking = made.json()["parcels"][0]["tracking_number"]
    assert api.get(reverse("api:parcel-events", args=[test_tracking])).status_code == 404
    assert sandbox_api.get(reverse("api:parcel-events", args=[test_tracking])).status_code == 200
    # and a second test order with the reference is refused in the sandbox as it would be live
    again = sandbox_api.post(ORDERS, order_body(store), format="json")
    assert again.status_code == 400 and "reference" in again.json()["fields"]


def test_an_idempotency_key_used_in_the_sandbox_is_no_replay_in_live_mode(api, sandbox_api, store):
    headers = {"HTTP_IDEMPOTENCY_KEY": "same-key"}
    assert sandbox_api.post(ORDERS, order_body(store), format="json", **headers).status_code == 201
    live = api.post(ORDERS, order_body(store), format="json", **headers)
    assert live.status_code == 409 and live.json()["code"] == "idempotency_key_reused"


def test_advance_walks_a_test_parcel_through_its_life_and_every_webhook_fires(
    sandbox_api, hooked_merchant, receiver, store, django_capture_on_commit_callbacks
):
    # given a test order with cash on pickup
    with django_capture_on_commit_callbacks(execute=True):
        made = sandbox_api.post(ORDERS, order_body(store, cash_on_pickup=250), format="json")
    tracking = made.json()["parcels"][0]["tracking_number"]
    # when the merchant advances it five times
    statuses = []
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            answer = sandbox_api.post(advance_url(tracking), {}, format="json")
        assert answer.status_code == 200, answer.content
        statuses.append(answer.json()["status"])
    # then it went the usual way, and the merchant's URL got each change, signed, marked as a test
    assert statuses == ["at_dc", "planned", "in_transit", "at_store", "picked_up"]
    payloads = [json.loads(body) for _headers, body in receiver.received]
    assert [(p["type"], p["data"]["status"]) for p in payloads] == [
        ("parcel.status_changed", "created"),
        ("parcel.status_changed", "at_dc"),
        ("parcel.status_changed", "planned"),
        ("parcel.status_changed", "in_transit"),
        ("parcel.status_changed", "at_store"),
        ("parcel.status_changed", "picked_up"),
        ("parcel.cash_collected", "picked_up"),
    ]
    assert all(p["livemode"] is False for p in payloads)
    assert payloads[-1]["data"]["details"] == {"amount": 250, "currency": "TWD"}
    for headers, body in receiver.received:
        assert webhook_verify(secret=hooked_merchant.webhook_secret, header=headers[SIGNATURE_HEADER], body=body)
    # the planned event names the delivery day, not the planner's internals
    planned = payloads[2]["data"]
    assert planned["expected_arrival"].endswith("+08:00")
    assert planned["details"] == {"delivery_day": planned["expected_arrival"][:10]}
    # and the made-up shopper was told nothing
    assert not Notification.objects.exists()
    # the parcel's life is over: a further advance says so
    over = sandbox_api.post(advance_url(tracking), {}, format="json")
    assert over.status_code == 409 and over.json()["code"] == "final_status"


def test_advance_takes_a_side_road_by_name_and_the_gate_refuses_an_illegal_one(sandbox_api, store):
    tracking = sandbox_api.post(ORDERS, order_body(store), format="json").json()["parcels"][0]["tracking_number"]
    illegal = sandbox_api.post(advance_url(tracking), {"to": "picked_up"}, format="json")
    assert illegal.status_code == 409 and illegal.json()["code"] == "illegal_transition"
    unknown = sandbox_api.post(advance_url(tracking), {"to": "teleported"}, format="json")
    assert unknown.status_code == 400 and "to" in unknown.json()["fields"]
    cancelled = sandbox_api.post(advance_url(tracking), {"to": "cancelled"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_advance_is_for_test_keys_and_test_parcels_only(api, sandbox_api, rival_merchant, store):
    live_tracking = api.post(ORDERS, order_body(store), format="json").json()["parcels"][0]["tracking_number"]
    test_tracking = sandbox_api.post(ORDERS, order_body(store), format="json").json()["parcels"][0]["tracking_number"]
    # a live key may not drive the sandbox, not even its own merchant's test parcel
    refused = api.post(advance_url(test_tracking), {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "test_key_required"
    # a test key cannot move a live parcel, nor another merchant's test parcel
    assert sandbox_api.post(advance_url(live_tracking), {}, format="json").status_code == 404
    rival_sandbox = client_for(rival_merchant, livemode=False)
    assert rival_sandbox.post(advance_url(test_tracking), {}, format="json").status_code == 404
    assert Parcel.objects.get(tracking_number=live_tracking).status == "created"


def test_test_parcels_never_reach_a_counter_or_a_dock(sandbox_api, store, clerk, dc, operator):
    tracking = sandbox_api.post(ORDERS, order_body(store), format="json").json()["parcels"][0]["tracking_number"]
    with pytest.raises(DockRefusal) as at_dock:
        dock_parcel(tracking, dc=dc, user=operator, action="intake")
    assert at_dock.value.code == "unknown_code"
    for _ in range(3):  # at_dc, planned, in_transit: on its way to the clerk's store, as far as the gate knows
        assert sandbox_api.post(advance_url(tracking), {}, format="json").status_code == 200
    assert Parcel.objects.get(tracking_number=tracking).status == "in_transit"
    assert not counter_expected_today(store=store).exists()
    with pytest.raises(CounterRefusal) as at_counter:
        parcel_scan_in(code=tracking, store=store, clerk=clerk)
    assert at_counter.value.code == "unknown_code"


def test_the_daily_batch_leaves_test_orders_out(network, parcels):
    # given test parcels at the DC and expired at a store, beside the live ones the batch plans
    store = network["stores"]["W001"]
    test_parcels = [
        make_parcel_at(network, store, "at_dc", order__livemode=False),
        make_parcel_at(network, store, "expired", order__livemode=False),
    ]
    # when the batch takes its parcels
    run = start_run(network)
    # then it took the live ones and none of the test ones, not even as held back
    taken = set(PlanParcel.objects.filter(run=run).values_list("parcel_id", flat=True))
    assert {p.pk for p in parcels["deliver"] + parcels["collect"]} <= taken
    assert not taken & {p.pk for p in test_parcels}
    assert not HeldParcel.objects.filter(run=run, parcel__in=test_parcels).exists()

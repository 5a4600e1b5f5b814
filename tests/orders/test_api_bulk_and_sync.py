"""Bulk creation, finding and syncing orders (reference, updated_since, updated_at), and what every answer
carries (X-Request-ID, X-RateLimit-*, one error body, JSON 404s under /api/, the bearer scheme in any case)."""

import logging
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from orders.lifecycle import parcel_transition
from orders.models import Order, Parcel
from orders.services.api_keys import api_key_issue
from orders.webhooks import webhook_payload
from tests.orders.conftest import order_body

ORDERS = "/api/v1/orders/"
BULK = "/api/v1/orders/bulk/"


def test_bulk_creates_each_order_or_says_why_not(api, merchant, store):
    # given three orders, the second with a reference already taken
    api.post(ORDERS, order_body(store, reference="TAKEN"), format="json")
    orders = [
        order_body(store, reference="B-1"),
        order_body(store, reference="TAKEN"),
        order_body(store, reference="B-3"),
    ]
    # when
    response = api.post(BULK, {"orders": orders}, format="json")
    # then a result per order, in order, and only the refused one missing
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["refused"]) == (2, 1)
    assert [(r["index"], r["status"]) for r in body["results"]] == [(0, 201), (1, 400), (2, 201)]
    assert body["results"][0]["order"]["reference"] == "B-1"
    assert "reference" in body["results"][1]["error"]["fields"]
    assert set(Order.objects.filter(merchant=merchant).values_list("reference", flat=True)) == {"TAKEN", "B-1", "B-3"}


def test_bulk_with_a_malformed_order_creates_nothing_and_names_it(api, merchant, store):
    orders = [order_body(store, reference="B-1"), order_body(store, reference="B-2", shopper_phone="call me")]
    response = api.post(BULK, {"orders": orders}, format="json")
    assert response.status_code == 400
    assert "shopper_phone" in response.json()["fields"]["orders"]["1"]
    assert not Order.objects.filter(merchant=merchant).exists()


def test_bulk_takes_at_most_100_orders(api, store):
    response = api.post(BULK, {"orders": [order_body(store, reference=f"B-{n}") for n in range(101)]}, format="json")
    assert response.status_code == 400 and "orders" in response.json()["fields"]


def test_bulk_is_idempotent_as_a_whole(api, merchant, store):
    # given a batch sent with a key
    batch = {"orders": [order_body(store, reference="B-1"), order_body(store, reference="B-2")]}
    first = api.post(BULK, batch, format="json", headers={"Idempotency-Key": "batch-7"})
    # when it is sent again (the answer was lost)
    again = api.post(BULK, batch, format="json", headers={"Idempotency-Key": "batch-7"})
    # then the same answer, and no order twice
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Order.objects.filter(merchant=merchant).count() == 2
    changed = {"orders": [order_body(store, reference="B-9")]}
    assert api.post(BULK, changed, format="json", headers={"Idempotency-Key": "batch-7"}).status_code == 409


def test_unknown_fields_are_refused_by_name(api, store):
    response = api.post(ORDERS, order_body(store, shoper_email="typo@example.com"), format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"shoper_email": ["Unknown field."]}


def test_find_an_order_by_reference(api, store):
    api.post(ORDERS, order_body(store, reference="A-1"), format="json")
    api.post(ORDERS, order_body(store, reference="A-2"), format="json")
    assert [o["reference"] for o in api.get(ORDERS, {"reference": "A-2"}).json()["results"]] == ["A-2"]
    assert api.get(ORDERS, {"reference": "nope"}).json()["results"] == []


def test_a_parcel_change_moves_the_orders_updated_at(api, make_parcel):
    # given an order last changed two days ago
    parcel = make_parcel("created")
    two_days_ago = timezone.now() - timedelta(days=2)
    Order.objects.filter(pk=parcel.order_id).update(updated_at=two_days_ago)
    Parcel.objects.filter(pk=parcel.pk).update(updated_at=two_days_ago)
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    assert api.get(ORDERS, {"updated_since": since}).json()["results"] == []
    # when its parcel moves through the lifecycle gate
    parcel.refresh_from_db()
    parcel_transition(parcel=parcel, to="at_dc", actor_label="dock")
    # then the order is among those updated since, with the parcel's time
    results = api.get(ORDERS, {"updated_since": since}).json()["results"]
    assert [o["id"] for o in results] == [parcel.order.public_id]
    assert results[0]["updated_at"] == results[0]["parcels"][0]["updated_at"]
    assert results[0]["updated_at"].endswith("+08:00")


def test_updated_since_needs_its_offset(api):
    response = api.get(ORDERS, {"updated_since": "2026-05-02T10:14:03"})
    assert response.status_code == 400 and "updated_since" in response.json()["fields"]
    assert api.get(ORDERS, {"updated_since": "2026-05-02T02:14:03Z"}).status_code == 200


def test_a_query_parameter_given_twice_is_refused(api):
    response = api.get(f"{ORDERS}?status=created&status=lost")
    assert response.status_code == 400 and response.json()["fields"] == {"status": ["Give this parameter once."]}


def test_the_bearer_scheme_is_case_insensitive(merchant):
    _key, raw = api_key_issue(merchant=merchant, name="lower")
    for scheme in ("bearer", "BEARER", "Bearer"):
        assert Client().get(ORDERS, headers={"Authorization": f"{scheme} {raw}"}).status_code == 200


def test_every_answer_has_a_request_id_echoed_or_made(api, caplog):
    # a sane id sent is echoed, in the header, the error body and the log line of the refusal
    with caplog.at_level(logging.WARNING):
        response = api.get("/api/v1/orders/ord_xxxxxxxxxxxxxxxxxxxx/", headers={"X-Request-ID": "shop-42.a:b"})
    assert response.headers["X-Request-ID"] == "shop-42.a:b"
    assert response.json() == {
        "code": "not_found",
        "detail": "No such object among yours.",
        "request_id": "shop-42.a:b",
    }
    assert any(getattr(record, "request_id", None) == "shop-42.a:b" for record in caplog.records)
    # an unusable one is replaced, and a request without one gets one too (pages as well)
    made = api.get(ORDERS, headers={"X-Request-ID": "has spaces\nand a newline"}).headers["X-Request-ID"]
    assert len(made) == 32 and made.isalnum()
    assert Client().get("/healthz").headers["X-Request-ID"]


def test_rate_limit_headers_count_down(api, settings):
    settings.PICKUP_API_RATE = "3/minute"
    first, second = api.get(ORDERS), api.get(ORDERS)
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == ("3", "2")
    assert second.headers["X-RateLimit-Remaining"] == "1"
    assert 0 < int(second.headers["X-RateLimit-Reset"]) <= 60
    api.get(ORDERS)
    refused = api.get(ORDERS)
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Remaining"] == "0" and refused.headers["Retry-After"]
    assert refused.json()["code"] == "throttled"


def test_unknown_api_paths_answer_json_404(api):
    for path in ("/api/v1/nothing/", "/api/v2/orders/", "/api/", "/api/v1/orders", "/api/v1/orders/123/"):
        response = api.post(path) if path.endswith("123/") else api.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_found" and response.json()["request_id"]


def test_webhook_times_carry_the_platforms_offset(make_parcel):
    parcel = make_parcel("at_store")
    payload = webhook_payload(parcel.events.order_by("-seq").first())
    assert payload["created_at"].endswith("+08:00")
    assert payload["data"]["hold_deadline"].endswith("+08:00")

"""The merchant API's order endpoints: auth, ownership, validation, idempotency, cancel and store change."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import IdempotencyRecord, Order, Parcel, ParcelEvent
from orders.services.api_keys import api_key_issue, api_key_revoke
from stores.models import SizeClass
from tests.factories import OrderFactory, ParcelFactory, StoreFactory
from tests.orders.conftest import client_for, order_body

S = Parcel.Status
ORDERS = "/api/v1/orders/"


# --- authentication -------------------------------------------------------------------------------


def test_no_key_is_401(db):
    response = APIClient().get(ORDERS)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_unknown_key_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer pk_000000000000_not-a-real-secret")
    assert client.get(ORDERS).status_code == 401


def test_right_prefix_wrong_secret_is_401(merchant):
    _key, raw = api_key_issue(merchant=merchant, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw[:-3]}xyz")
    assert client.get(ORDERS).status_code == 401


def test_revoked_key_is_401_and_another_key_still_works(merchant):
    # given two keys, as during a rotation
    old, old_raw = api_key_issue(merchant=merchant, name="old")
    new_client = client_for(merchant)
    old_client = APIClient()
    old_client.credentials(HTTP_AUTHORIZATION=f"Bearer {old_raw}")
    assert old_client.get(ORDERS).status_code == 200
    # when
    api_key_revoke(key=old)
    # then
    assert old_client.get(ORDERS).status_code == 401
    assert new_client.get(ORDERS).status_code == 200


def test_key_of_an_inactive_merchant_is_401(merchant, api):
    merchant.active = False
    merchant.save()
    assert api.get(ORDERS).status_code == 401


def test_only_a_hash_of_the_key_is_stored(merchant):
    key, raw = api_key_issue(merchant=merchant, name="test")
    key.refresh_from_db()
    assert raw.split("_", 2)[2] not in (key.secret_hash, key.lookup)


# --- create ---------------------------------------------------------------------------------------


def test_create_order_with_two_parcels(api, store, merchant):
    # when
    body = order_body(
        store, parcels=[{"size_class": "S", "weight_g": 800}, {"size_class": "M", "weight_g": 2500, "volume_units": 4}]
    )
    response = api.post(ORDERS, body, format="json")
    # then
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["reference"] == "A-1001" and data["pickup_store"]["code"] == store.code
    assert [p["size_class"] for p in data["parcels"]] == ["S", "M"]
    assert [p["volume_units"] for p in data["parcels"]] == [1, 4]
    assert all(p["status"] == "created" and p["tracking_url"].endswith(p["tracking_number"]) for p in data["parcels"])
    order = Order.objects.get(public_id=data["id"])
    assert order.merchant == merchant
    assert list(ParcelEvent.objects.filter(parcel__order=order).values_list("seq", "to_status", "actor_label")) == [
        (1, "created", "merchant:SHOP"),
        (1, "created", "merchant:SHOP"),
    ]


@pytest.mark.parametrize(
    "change,field_path",
    [
        ({"parcels": [{"size_class": "L", "weight_g": 800}]}, ("parcels", "0", "size_class")),
        ({"parcels": [{"size_class": "S", "weight_g": 9000}]}, ("parcels", "0", "weight_g")),
        ({"cash_on_pickup": 50_000}, ("cash_on_pickup",)),
    ],
)
def test_store_limits_are_400_naming_the_field(api, region, change, field_path):
    # given a store that takes up to M and 5 kg
    small = StoreFactory(region=region, max_size_class=SizeClass.M, max_weight_g=5000, max_cash_on_pickup=20000)
    # when
    response = api.post(ORDERS, order_body(small, **change), format="json")
    # then
    assert response.status_code == 400
    errors = response.json()["fields"]
    for step in field_path:
        errors = errors[step]
    assert small.code in errors[0]
    assert not Order.objects.exists()


def test_inactive_store_is_refused(api, store):
    store.active = False
    store.save()
    response = api.post(ORDERS, order_body(store), format="json")
    assert response.status_code == 400
    assert "not taking parcels" in response.json()["fields"]["pickup_store"][0]


def test_full_store_is_refused(api, store, make_parcel):
    # given a store whose slots are all taken by parcels on the shelf or on their way
    store.slot_capacity = 2
    store.save()
    on_shelf = make_parcel("at_store")
    Parcel.objects.filter(pk=on_shelf.pk).update(shelf_store=store, shelf_slot=1)  # as the counter's scan-in puts it
    make_parcel("in_transit")
    # when
    response = api.post(ORDERS, order_body(store), format="json")
    # then
    assert response.status_code == 400
    assert "full" in response.json()["fields"]["pickup_store"][0]


def test_unknown_store_and_missing_fields_are_listed_field_by_field(api):
    response = api.post(ORDERS, {"reference": "", "pickup_store": "NOPE", "parcels": []}, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) >= {"reference", "shopper_name", "shopper_phone", "pickup_store", "parcels"}


def test_bad_phone_and_size_class_are_400(api, store):
    response = api.post(
        ORDERS, order_body(store, shopper_phone="call me", parcels=[{"size_class": "XL", "weight_g": 1}]), format="json"
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert "shopper_phone" in fields and "size_class" in fields["parcels"]["0"]


def test_duplicate_reference_is_400(api, store):
    assert api.post(ORDERS, order_body(store), format="json").status_code == 201
    response = api.post(ORDERS, order_body(store), format="json")
    assert response.status_code == 400
    assert "A-1001" in response.json()["fields"]["reference"][0]


# --- idempotency ----------------------------------------------------------------------------------


def test_same_idempotency_key_and_body_replays_the_first_response(api, store):
    # given
    first = api.post(ORDERS, order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    # when
    again = api.post(ORDERS, order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    # then
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_409(api, store):
    api.post(ORDERS, order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    response = api.post(ORDERS, order_body(store, reference="A-2002"), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_a_refused_request_is_not_remembered_so_it_can_be_corrected(api, store):
    bad = api.post(
        ORDERS,
        order_body(store, parcels=[{"size_class": "S", "weight_g": 90_000}]),
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert bad.status_code == 400
    good = api.post(ORDERS, order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert good.status_code == 201


def test_idempotency_keys_are_per_merchant(api, rival_api, store):
    assert api.post(ORDERS, order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    assert (
        rival_api.post(
            ORDERS, order_body(store, reference="R-1"), format="json", HTTP_IDEMPOTENCY_KEY="shared"
        ).status_code
        == 201
    )
    assert IdempotencyRecord.objects.count() == 2


def test_overlong_idempotency_key_is_400(api, store):
    response = api.post(ORDERS, order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["fields"]


# --- read -----------------------------------------------------------------------------------------


def test_get_own_order_and_404_for_another_merchants(api, rival_api, store):
    order_id = api.post(ORDERS, order_body(store), format="json").json()["id"]
    assert api.get(f"{ORDERS}{order_id}/").json()["id"] == order_id
    assert rival_api.get(f"{ORDERS}{order_id}/").status_code == 404
    assert rival_api.post(f"{ORDERS}{order_id}/cancel/").status_code == 404
    assert rival_api.get(f"/api/v1/parcels/{Parcel.objects.get().tracking_number}/events/").status_code == 404


def test_expected_arrival_shows_once_planned(api, store, merchant):
    parcel = ParcelFactory(order__merchant=merchant, order__pickup_store=store)
    assert api.get(f"{ORDERS}{parcel.order.public_id}/").json()["parcels"][0]["expected_arrival"] is None
    eta = timezone.now() + timedelta(days=1)
    Parcel.objects.filter(pk=parcel.pk).update(expected_arrival=eta)
    assert api.get(f"{ORDERS}{parcel.order.public_id}/").json()["parcels"][0]["expected_arrival"] is not None


def test_list_is_paginated_newest_first_and_only_own(
    api, merchant, rival_merchant, store, django_assert_max_num_queries
):
    # given
    for n in range(30):
        ParcelFactory(order__merchant=merchant, order__pickup_store=store, order__reference=f"O-{n:02d}")
    ParcelFactory(order__merchant=rival_merchant, order__pickup_store=store)
    # when
    with django_assert_max_num_queries(6):
        first = api.get(ORDERS).json()
    # then
    assert len(first["results"]) == 25 and first["next"] and first["previous"] is None
    assert first["results"][0]["reference"] == "O-29"
    # an order created between two pages does not shift the next one (page numbers would repeat O-05)
    ParcelFactory(order__merchant=merchant, order__pickup_store=store, order__reference="O-NEW")
    second = api.get(first["next"]).json()
    assert [o["reference"] for o in second["results"]] == ["O-04", "O-03", "O-02", "O-01", "O-00"]
    assert second["next"] is None


def test_list_filters_by_status_and_date(api, merchant, store, make_parcel):
    # given
    at_store = make_parcel("at_store", merchant=merchant)
    make_parcel("created", merchant=merchant)
    old = make_parcel("created", merchant=merchant)
    Order.objects.filter(pk=old.order_id).update(created_at=timezone.now() - timedelta(days=10))
    today = timezone.localdate()
    # when / then
    by_status = api.get(ORDERS, {"status": "at_store"}).json()
    assert [o["id"] for o in by_status["results"]] == [at_store.order.public_id]
    recent = api.get(ORDERS, {"created_from": str(today - timedelta(days=1))}).json()
    assert old.order.public_id not in [o["id"] for o in recent["results"]] and len(recent["results"]) == 2
    assert api.get(ORDERS, {"status": "misplaced"}).status_code == 400
    # a range that ends before it starts holds no order (the schema cannot say "to after from")
    assert (
        api.get(ORDERS, {"created_from": str(today), "created_to": str(today - timedelta(days=2))}).json()["results"]
        == []
    )


def test_list_empty(api):
    assert api.get(ORDERS).json() == {"next": None, "previous": None, "results": []}


def test_parcel_history(api, merchant, make_parcel):
    parcel = make_parcel("at_store", merchant=merchant)
    events = api.get(f"/api/v1/parcels/{parcel.tracking_number}/events/").json()
    assert [(e["seq"], e["to_status"]) for e in events] == [
        (1, "created"),
        (2, "at_dc"),
        (3, "planned"),
        (4, "in_transit"),
        (5, "at_store"),
    ]


# --- cancel ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["created", "at_dc", "planned"])
def test_cancel_before_dispatch(api, merchant, make_parcel, status):
    parcel = make_parcel(status, merchant=merchant)
    response = api.post(f"{ORDERS}{parcel.order.public_id}/cancel/")
    assert response.status_code == 200
    assert response.json()["parcels"][0]["status"] == "cancelled"
    # cancelling twice is harmless
    assert api.post(f"{ORDERS}{parcel.order.public_id}/cancel/").status_code == 200


@pytest.mark.parametrize("status", ["in_transit", "at_store", "picked_up"])
def test_cancel_after_dispatch_is_409_and_changes_nothing(api, merchant, make_parcel, store, status):
    # given an order with one parcel still at the DC and one already dispatched
    dispatched = make_parcel(status, merchant=merchant)
    waiting = ParcelFactory(order=dispatched.order)
    # when
    response = api.post(f"{ORDERS}{dispatched.order.public_id}/cancel/")
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "dispatched" and dispatched.tracking_number in response.json()["detail"]
    waiting.refresh_from_db()
    assert waiting.status == S.CREATED


# --- change pickup store --------------------------------------------------------------------------


def test_change_pickup_store_before_dispatch_takes_a_planned_parcel_back_to_the_dc(
    api, merchant, make_parcel, other_store
):
    # given
    parcel = make_parcel("planned", merchant=merchant)
    Parcel.objects.filter(pk=parcel.pk).update(expected_arrival=timezone.now())
    # when
    response = api.post(
        f"{ORDERS}{parcel.order.public_id}/pickup-store/", {"pickup_store": other_store.code}, format="json"
    )
    # then
    assert response.status_code == 200, response.json()
    assert response.json()["pickup_store"]["code"] == other_store.code
    parcel.refresh_from_db()
    assert parcel.status == S.AT_DC and parcel.expected_arrival is None
    last = parcel.events.order_by("-seq").first()
    assert last.type == ParcelEvent.Type.STORE_CHANGED and last.details == {"from": "A001", "to": other_store.code}


def test_change_pickup_store_after_dispatch_is_409(api, merchant, make_parcel, other_store):
    parcel = make_parcel("in_transit", merchant=merchant)
    response = api.post(
        f"{ORDERS}{parcel.order.public_id}/pickup-store/", {"pickup_store": other_store.code}, format="json"
    )
    assert response.status_code == 409
    assert Order.objects.get(pk=parcel.order_id).pickup_store.code == "A001"


def test_change_to_a_store_that_cannot_take_the_parcel_is_400(api, merchant, region, store):
    order = OrderFactory(merchant=merchant, pickup_store=store)
    ParcelFactory(order=order, size_class=SizeClass.L)
    small = StoreFactory(region=region, max_size_class=SizeClass.S)
    response = api.post(f"{ORDERS}{order.public_id}/pickup-store/", {"pickup_store": small.code}, format="json")
    assert response.status_code == 400
    assert "size_class" in response.json()["fields"]["parcels"]["0"]


def test_change_store_of_a_cancelled_order_is_409(api, merchant, make_parcel, other_store):
    parcel = make_parcel("cancelled", merchant=merchant)
    response = api.post(
        f"{ORDERS}{parcel.order.public_id}/pickup-store/", {"pickup_store": other_store.code}, format="json"
    )
    assert response.status_code == 409


# --- rate limit and docs --------------------------------------------------------------------------


def test_rate_limit_per_key_is_429_with_retry_after(api, merchant, settings):
    settings.PICKUP_API_RATE = "3/min"
    other_key_client = client_for(merchant)
    for _ in range(3):
        assert api.get(ORDERS).status_code == 200
    response = api.get(ORDERS)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0 and response.json()["code"] == "throttled"
    assert other_key_client.get(ORDERS).status_code == 200


def test_openapi_schema_and_docs_render(client, db):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "Pickup-Signature" in text and "/api/v1/orders/{order_id}/cancel/" in text and "One small parcel" in text
    assert client.get("/api/v1/docs/").status_code == 200
    assert client.get("/api/v1/redoc/").status_code == 200


@pytest.mark.parametrize("field", ["created_from", "created_to"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_list_takes_any_calendar_day_as_a_bound(api, make_parcel, field, day):
    # given an order (no order is older than 2000 or younger than 9998: a bound beyond selects the same)
    parcel = make_parcel("created")
    # when
    response = api.get(ORDERS, {field: day})
    # then a day the schema calls valid is answered, never a 400 or a 500 from a shifted instant
    assert response.status_code == 200
    expected = (
        [parcel.order.public_id]
        if (field, day) in {("created_from", "0001-01-01"), ("created_to", "9999-12-31")}
        else []
    )
    assert [o["id"] for o in response.json()["results"]] == expected

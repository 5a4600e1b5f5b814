"""POST /api/v1/returns/: a merchant starts a shopper's return and gets the return code to pass on."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Parcel, ReturnRequest, WebhookDelivery
from orders.pickup_codes import return_code_for

URL = reverse("api:returns")
S = Parcel.Status


@pytest.fixture
def picked_up(make_parcel):
    return make_parcel("picked_up")


def test_a_merchant_starts_a_return_and_gets_the_code(api, picked_up, other_store, hooked_merchant):
    # when
    response = api.post(
        URL,
        {"tracking_number": picked_up.tracking_number, "store": other_store.code, "reason": "Too small"},
        format="json",
    )
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    return_request = ReturnRequest.objects.get()
    assert body["return_code"] == return_code_for(return_request)
    assert (body["status"], body["store"], body["reason"]) == ("return_requested", other_store.code, "Too small")
    assert body["order_id"] == picked_up.order.public_id
    assert return_request.source == ReturnRequest.Source.MERCHANT
    event = picked_up.events.get(to_status=S.RETURN_REQUESTED)
    assert event.actor_label == "merchant:SHOP"
    assert WebhookDelivery.objects.filter(event=event).exists()


def test_the_store_is_optional(api, picked_up):
    response = api.post(URL, {"tracking_number": picked_up.tracking_number}, format="json")
    assert response.status_code == 201 and response.json()["store"] is None


def test_another_merchants_parcel_is_404(rival_api, picked_up):
    response = rival_api.post(URL, {"tracking_number": picked_up.tracking_number}, format="json")
    assert response.status_code == 404
    assert Parcel.objects.get(pk=picked_up.pk).status == S.PICKED_UP


def test_outside_the_window_is_409_naming_the_window(api, picked_up):
    Parcel.objects.filter(pk=picked_up.pk).update(status_changed_at=timezone.now() - timedelta(days=8))
    response = api.post(URL, {"tracking_number": picked_up.tracking_number}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "outside_return_window"
    assert "7 days after pickup" in response.json()["detail"]
    assert not ReturnRequest.objects.exists()


def test_twice_is_409(api, picked_up):
    api.post(URL, {"tracking_number": picked_up.tracking_number}, format="json")
    response = api.post(URL, {"tracking_number": picked_up.tracking_number}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "return_exists"


def test_an_unknown_store_and_a_missing_number_name_the_field(api, picked_up):
    response = api.post(URL, {"store": "NOPE"}, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields["store"] == ["No store has the code NOPE."] and "tracking_number" in fields


def test_a_store_too_small_names_the_store_field(api, picked_up, other_store):
    Parcel.objects.filter(pk=picked_up.pk).update(size_class="M")
    other_store.max_size_class = "S"
    other_store.save()
    response = api.post(URL, {"tracking_number": picked_up.tracking_number, "store": other_store.code}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"store": ["Store B001 takes parcels up to size S; this one is M."]}
    assert Parcel.objects.get(pk=picked_up.pk).status == S.PICKED_UP


def test_a_retry_with_the_same_idempotency_key_replays_the_first_answer(api, picked_up):
    body = {"tracking_number": picked_up.tracking_number}
    first = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="ret-1")
    again = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="ret-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ReturnRequest.objects.count() == 1


def test_the_schema_lists_the_endpoint(api):
    schema = api.get(reverse("api:schema") + "?format=json").json()
    assert "post" in schema["paths"]["/api/v1/returns/"]

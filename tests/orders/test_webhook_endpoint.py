"""The merchant's own webhook endpoint: URL and event types, secret rotation with a grace period, a test
event, deliveries filtered by status and time, bulk replay of the failed ones since a time."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.lifecycle import parcel_transition
from orders.models import WebhookDelivery
from orders.webhooks import EVENT_TYPES, SIGNATURE_HEADER, webhook_payload, webhook_verify

ENDPOINT = reverse("api:webhook-endpoint")
ROTATE = reverse("api:webhook-endpoint-rotate-secret")
TEST = reverse("api:webhook-endpoint-test")
DELIVERIES = reverse("api:webhook-deliveries")
REPLAY = reverse("api:webhook-deliveries-replay")
D = WebhookDelivery.Status


def test_a_new_endpoint_has_no_url_and_takes_every_event(api):
    assert api.get(ENDPOINT).json() == {"url": "", "event_types": ["*"], "previous_secret_valid_until": None}


def test_the_merchant_sets_its_url_and_event_types(api, merchant):
    body = {"url": "https://shop.example/hooks", "event_types": ["parcel.cash_collected", "parcel.status_changed"]}
    answer = api.put(ENDPOINT, body, format="json")
    assert answer.status_code == 200 and answer.json()["url"] == "https://shop.example/hooks"
    merchant.refresh_from_db()
    assert merchant.webhook_url == "https://shop.example/hooks"
    assert merchant.webhook_events == ["parcel.cash_collected", "parcel.status_changed"]
    assert api.get(ENDPOINT).json()["event_types"] == ["parcel.cash_collected", "parcel.status_changed"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://shop.example/hooks"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "http://localhost:8000/hooks"}, "url"),
        ({"url": "http://10.1.2.3/hooks"}, "url"),
        ({"url": "http://169.254.169.254/latest"}, "url"),
        ({"url": "https://shop.example/hooks", "event_types": ["parcel.teleported"]}, "event_types"),
        ({"url": "https://shop.example/hooks", "event_types": []}, "event_types"),
        ({"event_types": ["*"]}, "url"),
    ],
)
def test_a_bad_url_or_event_type_is_refused_naming_the_field(api, merchant, body, field):
    answer = api.put(ENDPOINT, body, format="json")
    assert answer.status_code == 400 and answer.json()["code"] == "invalid"
    assert list(answer.json()["fields"]) == [field]
    merchant.refresh_from_db()
    assert merchant.webhook_url == ""


def test_only_the_subscribed_event_types_are_delivered(hooked_merchant, receiver, make_parcel, commit):
    hooked_merchant.webhook_events = ["parcel.pickup_store_changed"]
    hooked_merchant.save()
    with commit():
        make_parcel("at_dc", merchant=hooked_merchant)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_rotation_signs_with_both_secrets_for_the_grace_period_then_only_the_new(
    api, hooked_merchant, receiver, make_parcel, commit, clock, settings
):
    settings.PICKUP_WEBHOOK_SECRET_GRACE_HOURS = 24
    old = hooked_merchant.webhook_secret
    # when the merchant rotates its secret
    answer = api.post(ROTATE, HTTP_IDEMPOTENCY_KEY="rotate-1")
    assert answer.status_code == 200
    new = answer.json()["secret"]
    assert new != old and len(new) == 64
    # then the secret is shown once: the endpoint does not show it again, a retry with the key does
    assert "secret" not in api.get(ENDPOINT).json()
    assert api.get(ENDPOINT).json()["previous_secret_valid_until"] is not None
    assert api.post(ROTATE, HTTP_IDEMPOTENCY_KEY="rotate-1").json()["secret"] == new
    # a delivery within the grace period verifies with either secret; its header holds two signatures
    with commit():
        make_parcel("created", merchant=hooked_merchant)
    headers, body = receiver.received[-1]
    assert headers[SIGNATURE_HEADER].count("v1=") == 2
    assert webhook_verify(secret=new, header=headers[SIGNATURE_HEADER], body=body, now=clock.now.timestamp())
    assert webhook_verify(secret=old, header=headers[SIGNATURE_HEADER], body=body, now=clock.now.timestamp())
    # after the grace period only the new one signs
    clock.advance(hours=24, seconds=1)
    with commit():
        make_parcel("created", merchant=hooked_merchant, reference="after-grace")
    headers, body = receiver.received[-1]
    assert headers[SIGNATURE_HEADER].count("v1=") == 1
    assert webhook_verify(secret=new, header=headers[SIGNATURE_HEADER], body=body, now=clock.now.timestamp())
    assert not webhook_verify(secret=old, header=headers[SIGNATURE_HEADER], body=body, now=clock.now.timestamp())


def test_a_test_event_is_sent_signed_and_the_answer_reported(api, hooked_merchant, receiver):
    receiver.statuses = [418]
    answer = api.post(TEST)
    assert answer.status_code == 200
    result = answer.json()
    assert result["delivered"] is False and result["response_status"] == 418
    headers, body = receiver.received[0]
    assert json.loads(body)["type"] == "webhook.test" and json.loads(body)["livemode"] is True
    assert webhook_verify(secret=hooked_merchant.webhook_secret, header=headers[SIGNATURE_HEADER], body=body)
    again = api.post(TEST).json()
    assert again["delivered"] is True and again["event"]["created_at"].endswith("+08:00")
    # nothing is stored
    assert not WebhookDelivery.objects.exists()


def test_a_test_event_needs_a_url(api):
    answer = api.post(TEST)
    assert answer.status_code == 409 and answer.json()["code"] == "no_webhook_url"


def _delivery(merchant, make_parcel, *, status, created_at, **order_fields):
    parcel = make_parcel("created", merchant=merchant, **order_fields)
    delivery = WebhookDelivery.objects.get(event__parcel=parcel)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status, created_at=created_at, attempt_count=8, give_up_after=8, next_attempt_at=None
    )
    return delivery


def test_deliveries_filter_by_status_and_time(api, merchant, make_parcel):
    merchant.webhook_url = "https://shop.example/hooks"
    merchant.save()
    now = timezone.now()
    old_failed = _delivery(merchant, make_parcel, status=D.FAILED, created_at=now - timedelta(days=2))
    new_failed = _delivery(merchant, make_parcel, status=D.FAILED, created_at=now - timedelta(hours=1))
    _delivery(merchant, make_parcel, status=D.SUCCEEDED, created_at=now - timedelta(hours=1))
    since = (now - timedelta(days=1)).isoformat()

    def ids(**params):
        answer = api.get(DELIVERIES, params)
        assert answer.status_code == 200, answer.content
        return {d["id"] for d in answer.json()["results"]}

    assert ids(status="failed") == {old_failed.public_id, new_failed.public_id}
    assert ids(status="failed", since=since) == {new_failed.public_id}
    assert ids(status="failed", until=since) == {old_failed.public_id}
    bad = api.get(DELIVERIES, {"status": "lost"})
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["status"]
    # a window that ends where it starts holds nothing (the schema cannot say "until after since")
    assert api.get(DELIVERIES, {"since": since, "until": since}).json()["results"] == []


def test_bulk_replay_sends_again_the_failed_deliveries_since_a_time_and_nothing_else(
    api, hooked_merchant, receiver, make_parcel, rival_merchant, django_capture_on_commit_callbacks
):
    now = timezone.now()
    # given failed deliveries before and after the outage began, a delivered one, and a rival's failure
    before = _delivery(hooked_merchant, make_parcel, status=D.FAILED, created_at=now - timedelta(days=2))
    during = [
        _delivery(hooked_merchant, make_parcel, status=D.FAILED, created_at=now - timedelta(hours=h)) for h in (3, 2)
    ]
    _delivery(hooked_merchant, make_parcel, status=D.SUCCEEDED, created_at=now - timedelta(hours=1))
    rival_merchant.webhook_url = receiver.url
    rival_merchant.save()
    rivals = _delivery(rival_merchant, make_parcel, status=D.FAILED, created_at=now - timedelta(hours=1))
    receiver.received.clear()
    # when the merchant replays the failures since the outage
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(REPLAY, {"since": (now - timedelta(days=1)).isoformat()}, format="json")
    # then exactly those went out again, oldest first, and were delivered
    assert answer.status_code == 202
    assert answer.json() == {"replayed": [d.public_id for d in during], "count": 2, "more": False}
    sent = [headers["Pickup-Delivery"] for headers, _body in receiver.received]
    assert sent == [d.public_id for d in during]
    statuses = dict(WebhookDelivery.objects.values_list("public_id", "status"))
    assert [statuses[d.public_id] for d in during] == [D.SUCCEEDED, D.SUCCEEDED]
    assert statuses[before.public_id] == D.FAILED and statuses[rivals.public_id] == D.FAILED


def test_bulk_replay_needs_a_since(api):
    answer = api.post(REPLAY, {}, format="json")
    assert answer.status_code == 400 and list(answer.json()["fields"]) == ["since"]


def test_payloads_carry_no_internal_ids_and_times_with_the_api_offset(hooked_merchant, make_parcel, commit):
    # given a parcel planned by the batch, whose event records the planner's run, region, vehicle and stop
    parcel = make_parcel("at_dc", merchant=hooked_merchant)
    arrival = timezone.now() + timedelta(days=1)
    event = parcel_transition(
        parcel=parcel,
        to="planned",
        actor_label="batch",
        changes={"expected_arrival": arrival},
        details={"run": 17, "region": 4, "vehicle": 9, "stop": 3},
    )
    payload = webhook_payload(event)
    # then the merchant sees the delivery day, not our internals, and times in +08:00
    assert payload["data"]["details"] == {"delivery_day": timezone.localtime(arrival).date().isoformat()}
    assert payload["created_at"].endswith("+08:00") and payload["data"]["expected_arrival"].endswith("+08:00")


def test_the_served_schema_lists_every_event_type_with_its_payload(client, db):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    put = schema["paths"]["/api/v1/webhook-endpoint/"]["put"]
    assert set(put["callbacks"]) == {*EVENT_TYPES, "webhook.test"}
    for event_type in EVENT_TYPES:
        operation = put["callbacks"][event_type]["{$request.body#/url}"]["post"]
        assert operation["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/WebhookEvent"
        }
    event = schema["components"]["schemas"]["WebhookEvent"]["properties"]
    assert {"id", "type", "livemode", "sequence", "created_at", "data"} <= set(event)
    for path in ("webhook-endpoint/rotate-secret/", "webhook-endpoint/test/", "webhook-deliveries/replay/"):
        assert "post" in schema["paths"][f"/api/v1/{path}"]
    assert "get" in schema["paths"]["/api/v1/settlements/"]
    assert "post" in schema["paths"]["/api/v1/test/parcels/{tracking_number}/advance/"]


def test_a_live_key_never_lists_or_replays_sandbox_deliveries(api, sandbox_api, merchant, make_parcel):
    merchant.webhook_url = "https://shop.example/hooks"
    merchant.save()
    now = timezone.now()
    live = _delivery(merchant, make_parcel, status=D.FAILED, created_at=now - timedelta(hours=1))
    test = _delivery(merchant, make_parcel, status=D.FAILED, created_at=now - timedelta(hours=1), livemode=False)
    assert [d["id"] for d in api.get(DELIVERIES).json()["results"]] == [live.public_id]
    assert [d["id"] for d in sandbox_api.get(DELIVERIES).json()["results"]] == [test.public_id]
    since = {"since": (now - timedelta(days=1)).isoformat()}
    assert api.post(REPLAY, since, format="json").json()["replayed"] == [live.public_id]
    assert sandbox_api.post(REPLAY, since, format="json").json()["replayed"] == [test.public_id]

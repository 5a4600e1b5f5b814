"""Signed webhooks: created after commit for each status change, delivered, verified, retried, replayed."""

import json
import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from orders import tasks
from orders.lifecycle import parcel_transition
from orders.models import ParcelEvent, WebhookAttempt, WebhookDelivery
from orders.webhooks import (
    SIGNATURE_HEADER,
    retry_delay,
    webhook_deliver,
    webhook_replay,
    webhook_sign,
    webhook_sweep,
    webhook_verify,
)
from tests.conftest import PROJECT_ROOT

D = WebhookDelivery.Status


def test_each_status_change_is_delivered_signed_with_its_sequence(hooked_merchant, receiver, make_parcel, commit):
    # when a parcel moves on (tasks run in-process after commit)
    with commit():
        parcel = make_parcel("at_dc", merchant=hooked_merchant)
    # then created and at_dc were both delivered, in order, and verify with the merchant's secret
    payloads = [json.loads(body) for _, body in receiver.received]
    assert [(p["sequence"], p["data"]["status"]) for p in payloads] == [(1, "created"), (2, "at_dc")]
    assert (
        payloads[1]["data"]["tracking_number"] == parcel.tracking_number
        and payloads[1]["data"]["from_status"] == "created"
    )
    for headers, body in receiver.received:
        assert webhook_verify(secret=hooked_merchant.webhook_secret, header=headers[SIGNATURE_HEADER], body=body)
    assert list(WebhookDelivery.objects.values_list("status", "attempt_count")) == [(D.SUCCEEDED, 1), (D.SUCCEEDED, 1)]


def test_nothing_is_sent_for_a_rolled_back_change(hooked_merchant, receiver, make_parcel, commit):
    with commit():
        parcel = make_parcel("created", merchant=hooked_merchant)
    with commit(), pytest.raises(RuntimeError), transaction.atomic():
        parcel_transition(parcel=parcel, to="at_dc", actor_label="test")
        raise RuntimeError("rolled back")
    assert len(receiver.received) == 1 and WebhookDelivery.objects.count() == 1


def test_merchants_without_a_url_get_nothing(merchant, make_parcel, commit):
    with commit():
        make_parcel("at_store", merchant=merchant)
    assert not WebhookDelivery.objects.exists()


def test_signature_verification_rejects_tampering_other_secrets_and_stale_timestamps():
    body = b'{"id":"evt_1"}'
    header = webhook_sign(secret="s3cret", timestamp=1_700_000_000, body=body)
    assert webhook_verify(secret="s3cret", header=header, body=body, now=1_700_000_100)
    assert not webhook_verify(secret="s3cret", header=header, body=body + b" ", now=1_700_000_100)
    assert not webhook_verify(secret="other", header=header, body=body, now=1_700_000_100)
    assert not webhook_verify(secret="s3cret", header=header, body=body, now=1_700_000_000 + 301)
    assert not webhook_verify(secret="s3cret", header="garbage", body=body, now=1_700_000_000)


def test_failed_attempts_are_logged_and_retried_with_backoff_until_delivered(
    hooked_merchant, receiver, make_parcel, commit
):
    # given the endpoint fails twice
    receiver.statuses = [500, 503]
    with mock.patch.object(tasks.deliver_webhook, "apply_async") as scheduled, commit():
        make_parcel("created", merchant=hooked_merchant)
    delivery = WebhookDelivery.objects.get()
    # when the first attempt runs
    first_delay = webhook_deliver(delivery_id=delivery.pk)
    # then it is logged and the next one is due later
    delivery.refresh_from_db()
    assert scheduled.called and 24 <= first_delay <= 36
    assert delivery.status == D.PENDING and delivery.attempt_count == 1 and delivery.next_attempt_at > timezone.now()
    after_first = delivery.updated_at
    assert after_first > delivery.created_at
    # a duplicate task before it is due does nothing
    assert webhook_deliver(delivery_id=delivery.pk) is None and len(receiver.received) == 1
    # when the retries come due
    for _ in range(2):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        webhook_deliver(delivery_id=delivery.pk)
    # then
    delivery.refresh_from_db()
    assert delivery.status == D.SUCCEEDED and delivery.delivered_at
    # and its updated_at moved with every attempt, to the success (what a merchant polling deliveries reads)
    assert delivery.updated_at == delivery.delivered_at > after_first
    assert list(delivery.attempts.values_list("number", "response_status", "succeeded")) == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    # and a finished delivery is left alone when its task runs again
    assert webhook_deliver(delivery_id=delivery.pk) is None and len(receiver.received) == 3


def test_the_task_schedules_the_retry_with_the_backoff(hooked_merchant, make_parcel, commit):
    with mock.patch.object(tasks.deliver_webhook, "apply_async"), commit():
        make_parcel("created", merchant=hooked_merchant)
    delivery = WebhookDelivery.objects.get()
    with (
        mock.patch("orders.tasks.webhook_deliver", return_value=60) as deliver,
        mock.patch.object(tasks.deliver_webhook, "apply_async") as again,
    ):
        tasks.deliver_webhook.run(delivery.pk)
    deliver.assert_called_once_with(delivery_id=delivery.pk)
    again.assert_called_once_with((delivery.pk,), countdown=60)


def test_backoff_grows_exponentially_to_an_hour():
    with mock.patch("orders.webhooks.random.uniform", return_value=1.0):
        assert [retry_delay(n) for n in (1, 2, 3, 4, 10)] == [30, 60, 120, 240, 3600]


def test_unreachable_endpoint_gives_up_after_the_last_attempt_and_can_be_replayed(
    hooked_merchant, receiver, make_parcel, settings, commit
):
    # given a merchant whose endpoint is down
    settings.PICKUP_WEBHOOK_MAX_ATTEMPTS = 2
    hooked_merchant.webhook_url = "http://127.0.0.1:9/unreachable"
    hooked_merchant.save()
    with mock.patch.object(tasks.deliver_webhook, "apply_async"), commit():
        make_parcel("created", merchant=hooked_merchant)
    delivery = WebhookDelivery.objects.get()
    for _ in range(2):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == D.FAILED
    assert all(a.error and a.response_status is None for a in delivery.attempts.all())
    # when the endpoint is back and the delivery is replayed
    WebhookDelivery.objects.filter(pk=delivery.pk).update(url=receiver.url)
    with commit():
        webhook_replay(delivery=delivery)
    # then one more attempt went out and succeeded
    delivery.refresh_from_db()
    assert delivery.status == D.SUCCEEDED and delivery.attempt_count == 3 and len(receiver.received) == 1


def test_sweeper_requeues_overdue_deliveries(hooked_merchant, make_parcel, commit):
    with mock.patch.object(tasks.deliver_webhook, "apply_async"), commit():
        make_parcel("created", merchant=hooked_merchant)
    delivery = WebhookDelivery.objects.get()
    assert webhook_sweep() == []
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    with mock.patch.object(tasks.deliver_webhook, "apply_async") as queued, commit():
        assert webhook_sweep() == [delivery.pk]
    queued.assert_called_once()


def test_merchant_sees_its_deliveries_with_attempts_and_can_replay_them(
    api, hooked_merchant, receiver, make_parcel, rival_api, django_assert_max_num_queries, commit
):
    # given
    receiver.statuses = [500]
    with mock.patch.object(tasks.deliver_webhook, "apply_async"), commit():
        make_parcel("at_dc", merchant=hooked_merchant)
    for delivery in WebhookDelivery.objects.all():
        webhook_deliver(delivery_id=delivery.pk)
    # when
    with django_assert_max_num_queries(6):
        listed = api.get("/api/v1/webhook-deliveries/").json()
    # then
    assert len(listed["results"]) == 2
    # (the parcel's second event waits for its first, so only the first was attempted)
    failed = next(d for d in listed["results"] if d["attempts"] and d["attempts"][0]["response_status"] == 500)
    assert rival_api.post(f"/api/v1/webhook-deliveries/{failed['id']}/replay/").status_code == 404
    with commit():
        replayed = api.post(f"/api/v1/webhook-deliveries/{failed['id']}/replay/")
    assert replayed.status_code == 202
    assert WebhookDelivery.objects.get(public_id=failed["id"]).status == D.SUCCEEDED
    assert WebhookAttempt.objects.filter(delivery__public_id=failed["id"]).count() == 2
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {D.SUCCEEDED}


def test_store_change_is_sent_too(api, hooked_merchant, receiver, make_parcel, other_store, commit):
    with commit():
        parcel = make_parcel("at_dc", merchant=hooked_merchant)
        api.post(
            f"/api/v1/orders/{parcel.order.public_id}/pickup-store/", {"pickup_store": other_store.code}, format="json"
        )
    last = json.loads(receiver.received[-1][1])
    assert (
        last["type"] == "parcel.pickup_store_changed"
        and last["sequence"] == 3
        and last["data"]["pickup_store"] == other_store.code
    )
    assert ParcelEvent.objects.filter(parcel=parcel).count() == 3


def test_a_failing_endpoint_gets_each_parcels_events_once_and_in_sequence(
    hooked_merchant, receiver, make_parcel, commit
):
    # given an endpoint failing three times, and two parcels moving on meanwhile
    receiver.statuses = [500, 502, 503]
    with mock.patch.object(tasks.deliver_webhook, "apply_async"), commit():
        first, second = (
            make_parcel("at_dc", merchant=hooked_merchant),
            make_parcel("in_transit", merchant=hooked_merchant),
        )
    # when every delivery's task runs, out of order, each time a retry is due (as workers would)
    deliveries = list(WebhookDelivery.objects.order_by("-pk").values_list("pk", flat=True))
    for _ in range(12):
        WebhookDelivery.objects.filter(status=D.PENDING).update(next_attempt_at=timezone.now())
        for pk in deliveries:
            webhook_deliver(delivery_id=pk)
    # then (the first three requests were answered with errors) each event arrived once, signed, and
    # each parcel's events in their sequence
    delivered = [(headers, body, json.loads(body)) for headers, body in receiver.received[3:]]
    assert sorted(p["id"] for _, _, p in delivered) == sorted(ParcelEvent.objects.values_list("public_id", flat=True))
    for parcel in (first, second):
        sequences = [p["sequence"] for _, _, p in delivered if p["data"]["tracking_number"] == parcel.tracking_number]
        assert sequences == list(range(1, parcel.events.count() + 1))
    assert all(
        webhook_verify(secret=hooked_merchant.webhook_secret, header=h[SIGNATURE_HEADER], body=body)
        for h, body, _ in delivered
    )
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {D.SUCCEEDED}


def _documented_verify():
    """The verification example merchants copy from the API description, run as written."""
    text = (PROJECT_ROOT / "orders" / "api" / "description.md").read_text(encoding="utf-8")
    source = re.search(r"```python\n(.*?def verify\(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(source, "description.md", "exec"), namespace)
    return lambda *, secret, header, body: namespace["verify"](secret, header, body)


@pytest.mark.parametrize("implementation", ["server", "documented"])
@pytest.mark.parametrize(
    "header",
    [
        "",
        None,
        "garbage",
        ",,,",
        "=",
        "sha256=abc",
        "v1=" + "0" * 64,
        "t=,v1=" + "0" * 64,
        "t=abc,v1=" + "0" * 64,
        "t=1e3,v1=" + "0" * 64,
        "t=\u00b2,v1=" + "0" * 64,
        "t={now}",
        "t={now},v1=",
        "t={now},v1=\u00e9\u00e9",
        "t={now},v0={mac}",
        "t={stale},v1={mac_stale}",
        "t=99999999999999999999999999999999,v1=" + "0" * 64,
    ],
    ids=lambda header: repr(header)[:40],
)
def test_verification_answers_false_for_empty_malformed_or_stale_headers(implementation, header):
    # given a body, a secret and a header that is empty, garbage, another scheme, timeless or stale
    verify = webhook_verify if implementation == "server" else _documented_verify()
    body, now = b'{"id":"evt_1"}', int(time.time())
    mac = webhook_sign(secret="s3cret", timestamp=now, body=body).split("v1=")[1]
    mac_stale = webhook_sign(secret="s3cret", timestamp=now - 301, body=body).split("v1=")[1]
    if header is not None:
        header = header.format(now=now, stale=now - 301, mac=mac, mac_stale=mac_stale)
    # when the receiver verifies it / then the answer is False, not an exception
    assert verify(secret="s3cret", header=header, body=body) is False
    # and a good header for the same body still verifies
    assert verify(secret="s3cret", header=f"t={now},v1={mac}", body=body) is True

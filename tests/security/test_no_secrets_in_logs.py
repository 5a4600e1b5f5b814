"""No pickup code, API key or full phone number in any log record, webhook payload or stored message.

A whole journey runs with every logger captured at DEBUG: an order over the API with a key, the
webhook deliveries to a loopback endpoint, scan-in at the counter, a wrong code then the handover with
the right one, the shopper's tracking look-ups (a wrong and a right one), and the notifications.
"""

import logging
from datetime import time, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import Notification, Parcel, WebhookDelivery
from orders.pickup_codes import pickup_code_for
from orders.redaction import mask_phone
from orders.services.api_keys import api_key_issue
from tests.conftest import walk
from tests.orders.conftest import order_body

PHONE = "0912 345 678"


class Everything(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        if record.name.startswith("factory"):
            return  # the test's own factories echo what they build
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name} {text}")


@pytest.fixture
def all_logs():
    handler = Everything()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(previous)


def _secrets_in(text: str, secrets: list[str]) -> list[str]:
    compact = text.replace(" ", "").replace("-", "")
    return [secret for secret in secrets if secret.replace(" ", "") in compact]


def test_a_full_journey_logs_no_code_key_or_phone(
    all_logs, hooked_merchant, receiver, store, clerk, commit, send_due, settings
):
    # given a merchant with a key and a webhook endpoint
    _key, raw_key = api_key_issue(merchant=hooked_merchant, name="journey")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    counter = Client()
    counter.force_login(clerk)
    shopper = Client()
    # when the order is created over the API, shipped, scanned in, handed over and tracked
    with commit():
        response = api.post(
            "/api/v1/orders/", order_body(store, shopper_phone=PHONE), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
    assert response.status_code == 201, response.content
    parcel = Parcel.objects.get(order__public_id=response.json()["id"])
    code = pickup_code_for(parcel.order)
    with commit():
        walk(parcel, "in_transit")
    with commit():
        assert (
            counter.post(
                "/counter/scan-in/", {"code": parcel.tracking_number}, HTTP_ACCEPT="application/json"
            ).status_code
            == 200
        )
    send_due(timezone.now() + timedelta(minutes=settings.PICKUP_MESSAGE_GATHER_MINUTES))
    with commit():
        wrong = str((int(code) + 1) % 10**10).zfill(10)
        assert (
            counter.post("/counter/handover/", {"code": wrong, "tracking_number": parcel.tracking_number}).status_code
            == 409
        )
        assert shopper.post("/track/", {"number": parcel.tracking_number, "phone_last4": "0000"}).status_code == 400
        assert shopper.post("/track/", {"number": parcel.tracking_number, "phone_last4": "5678"}).status_code == 302
        assert shopper.get(f"/track/{parcel.tracking_number}/").status_code == 200
        response = counter.post(
            "/counter/handover/", {"code": code, "scanned": parcel.tracking_number, "action": "confirm"}
        )
    parcel.refresh_from_db()
    assert parcel.status == Parcel.Status.PICKED_UP, response.content.decode()[:2000]
    assert api.get(f"/api/v1/parcels/{parcel.tracking_number}/events/").status_code == 200
    # then the journey did log, webhooks and notifications went out...
    assert (
        all_logs
        and receiver.received
        and Notification.objects.filter(parcel=parcel, status=Notification.Status.SENT).exists()
    )
    secrets = [code, raw_key, PHONE, "0912345678"]
    # ...and no log line, webhook payload or stored message holds a secret
    leaks = [line for line in all_logs if _secrets_in(line, secrets)]
    assert leaks == []
    for _headers, body in receiver.received:
        assert _secrets_in(body.decode(), secrets) == []
    for payload in WebhookDelivery.objects.values_list("payload", flat=True):
        assert _secrets_in(str(payload), secrets) == []
    for body, note in Notification.objects.values_list("body", "note"):
        assert _secrets_in(body + note, secrets) == [], body


def test_a_failing_sms_provider_is_logged_with_the_phone_masked(all_logs, make_parcel, settings, commit):
    # given an SMS provider whose errors quote the recipient, no quiet hours and no gathering (the SMS
    # goes at once, whatever the hour the suite runs at)
    settings.SMS_BACKEND = "tests.security.test_no_secrets_in_logs.ChattyFailingSms"
    settings.SMS_QUIET_START = settings.SMS_QUIET_END = time(0)
    settings.PICKUP_MESSAGE_GATHER_MINUTES = 0
    parcel = make_parcel("in_transit", shopper_phone=PHONE)
    # when the arrival SMS fails
    with commit():
        walk(parcel, "at_store")
    # then the log and the stored note name the failure with the phone masked to its last 4 digits
    assert any("provider refused" in line for line in all_logs)
    assert [line for line in all_logs if _secrets_in(line, [PHONE, "0912345678"])] == []
    notes = list(
        Notification.objects.filter(parcel=parcel, channel=Notification.Channel.SMS).values_list("note", flat=True)
    )
    assert notes and all(mask_phone(PHONE) in note and "0912345678" not in note.replace(" ", "") for note in notes)


def test_mask_phone_keeps_the_last_four_digits():
    assert mask_phone("0912 345 678") == "•••• 5678"
    assert mask_phone("+886-912-345-678") == "•••• 5678"
    assert mask_phone("12") == "••••"


class ChattyFailingSms:
    def send_messages(self, messages):
        raise ConnectionError(f"provider refused message to {messages[0].to}")

"""Signed webhooks: every parcel status change, delivered to the merchant's URL by a Celery task.

A delivery row is written in the transaction that records the event; `deliver_webhook` makes one attempt at a time,
logs it as a WebhookAttempt and schedules the next with exponential backoff. The attempt number is
claimed with a compare-and-swap before the request goes out, so two workers running the same task
never send the same attempt twice, and a finished delivery is left alone.

Per parcel, events go out in sequence order: a delivery whose parcel has an earlier delivery still
pending waits for it (without spending an attempt), and the earlier one, once it succeeds or gives
up, sends the next at once. A merchant whose endpoint fails for a while gets the backlog in order.

Signature (header `Pickup-Signature: t=<unix time>,v1=<hex>[,v1=<hex>]`): HMAC-SHA256 with the merchant's
webhook secret over `<t>.<raw body>`. For a grace period after the merchant rotates its secret the header
carries two `v1` entries, one per secret (new first), so a receiver still holding the old secret keeps
verifying; a receiver accepts the delivery when any `v1` matches. See `webhook_verify`, and the API docs.

Payloads speak the API's language: public ids, times with their offset in the API's time zone, and of an
event's details only what the merchant can use (internal run, region, vehicle and stop ids stay home).
"""

import hashlib
import hmac
import json
import math
import random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.models import Merchant, Parcel, ParcelEvent, WebhookAttempt, WebhookDelivery

SIGNATURE_HEADER = "Pickup-Signature"
TOLERANCE_SECONDS = 300
# Long enough that a worker still posting is not overtaken by the sweeper, which resends stragglers.
ATTEMPT_LEASE = timedelta(minutes=5)
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 60 * 60
SENT_TYPES = {
    ParcelEvent.Type.STATUS: "parcel.status_changed",
    ParcelEvent.Type.STORE_CHANGED: "parcel.pickup_store_changed",
    ParcelEvent.Type.PICKUP_DAY_CHANGED: "parcel.pickup_day_changed",
    ParcelEvent.Type.DEFERRED: "parcel.delivery_deferred",
    # Held at the DC for a person to decide (over-size, damaged): `details` name the reason and what the
    # merchant can do about it.
    ParcelEvent.Type.DC_EXCEPTION: "parcel.exception",
    # `details` carry the old and new deadline (`from`, `to`).
    ParcelEvent.Type.HOLD_EXTENDED: "parcel.hold_extended",
    # `details` name the store it was addressed to (`from`) and the one it goes to (`to`, the new pickup store).
    ParcelEvent.Type.REDIRECTED: "parcel.redirected",
    # Cash on pickup taken at the counter: `details` carry the amount and currency, `event_store` the store.
    ParcelEvent.Type.CASH_COLLECTED: "parcel.cash_collected",
}
ALL_EVENTS = "*"
EVENT_TYPES = sorted(SENT_TYPES.values())
TEST_EVENT_TYPE = "webhook.test"
# What of an event's details a merchant sees; anything else (internal ids, staff notes) stays out.
PUBLIC_DETAILS = frozenset(
    {"reason", "text", "plan_date", "dc", "kind", "measured", "declared", "amount", "currency", "from", "to"}
    # Who collected at the handover, how long a hold was extended, where a redirected parcel came from.
    | {"collected_by", "collector", "days", "redirected_from"}
)
D = WebhookDelivery.Status


def webhook_sign(*, secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def webhook_signature_header(*, merchant: Merchant, timestamp: int, body: bytes, now: datetime) -> str:
    """The header for a delivery: signed with the current secret and, during a rotation's grace period,
    also with the previous one."""
    header = webhook_sign(secret=merchant.webhook_secret, timestamp=timestamp, body=body)
    until = merchant.webhook_previous_secret_until
    if merchant.webhook_previous_secret and until is not None and now < until:
        old = webhook_sign(secret=merchant.webhook_previous_secret, timestamp=timestamp, body=body)
        header += "," + old.partition(",")[2]
    return header


def webhook_verify(
    *, secret: str, header: str, body: bytes, now: float | None = None, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """What a merchant runs on receipt: one of the signatures matches the raw body and it is recent (no replays).

    Any header that is not `t=<digits>,v1=<hex>[,v1=<hex>…]` (empty, garbage, another scheme) is False, never an
    exception: a receiver that crashes on a forged header answers 500 and invites retries.
    """
    pairs = [item.strip().partition("=")[::2] for item in (header or "").split(",")]
    timestamp = next((value for name, value in pairs if name == "t"), "")
    signatures = [value for name, value in pairs if name == "v1" and value]
    if not (timestamp.isascii() and timestamp.isdigit() and signatures):
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > tolerance:
        return False
    expected = webhook_sign(secret=secret, timestamp=int(timestamp), body=body).encode()
    # Bytes: compare_digest refuses str with non-ASCII characters by raising.
    return any(hmac.compare_digest(expected, f"t={int(timestamp)},v1={sig}".encode()) for sig in signatures)


def _local(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def event_public_details(event: ParcelEvent) -> dict:
    """What a merchant sees of an event's details, in webhooks and the events API alike."""
    details = {key: value for key, value in (event.details or {}).items() if key in PUBLIC_DETAILS}
    if event.to_status == Parcel.Status.PLANNED and event.parcel.expected_arrival:
        # What a route plan means to the merchant: the day the parcel reaches the store.
        details["delivery_day"] = timezone.localtime(event.parcel.expected_arrival).date().isoformat()
    return details


def webhook_payload(event: ParcelEvent) -> dict:
    parcel = event.parcel
    order = parcel.order
    return {
        "id": event.public_id,
        "type": SENT_TYPES[event.type],
        # False for an order made with a test key (the sandbox).
        "livemode": order.livemode,
        # Per parcel and increasing: apply an event only if its sequence is above the last one seen.
        "sequence": event.seq,
        "created_at": _local(event.created_at),
        "data": {
            "order_id": order.public_id,
            "order_reference": order.reference,
            "tracking_number": parcel.tracking_number,
            "from_status": event.from_status,
            "status": event.to_status or parcel.status,
            "pickup_store": order.pickup_store.code,
            "event_store": event.store.code if event.store_id else None,
            "hold_deadline": _local(parcel.hold_deadline),
            "expected_arrival": _local(parcel.expected_arrival),
            "preferred_pickup_day": order.preferred_pickup_day.isoformat() if order.preferred_pickup_day else None,
            "details": event_public_details(event),
        },
    }


def webhook_create_for_event(*, event: ParcelEvent) -> WebhookDelivery | None:
    """The delivery of a newly recorded event to its merchant, if the merchant takes webhooks.

    Runs in the transaction that records the event, so the delivery row commits (or not) with it.
    """
    if event.type not in SENT_TYPES:
        return None
    order = event.parcel.order
    merchant: Merchant = order.merchant
    if not merchant.active or not merchant.webhook_url or not webhook_subscribed(merchant, SENT_TYPES[event.type]):
        return None
    delivery = WebhookDelivery.objects.create(
        event=event,
        merchant=merchant,
        livemode=order.livemode,
        url=merchant.webhook_url,
        payload=webhook_payload(event),
        give_up_after=settings.PICKUP_WEBHOOK_MAX_ATTEMPTS,
        next_attempt_at=timezone.now(),
    )
    _enqueue_on_commit(delivery.pk)
    return delivery


def webhook_subscribed(merchant: Merchant, event_type: str) -> bool:
    return ALL_EVENTS in merchant.webhook_events or event_type in merchant.webhook_events


def _enqueue_on_commit(delivery_id: int, countdown: int | None = None) -> None:
    from orders.tasks import deliver_webhook  # tasks import this module

    # Robust: if the broker is down the row stays due and the sweeper sends it later.
    transaction.on_commit(partial(deliver_webhook.apply_async, (delivery_id,), countdown=countdown), robust=True)


def retry_delay(attempt_number: int) -> int:
    """Seconds before the attempt after `attempt_number`: 30 s, 1 min, 2 min… up to an hour, with jitter."""
    base = min(FIRST_RETRY_SECONDS * 2 ** (attempt_number - 1), MAX_RETRY_SECONDS)
    return int(base * random.uniform(0.8, 1.2))


def webhook_deliver(*, delivery_id: int) -> int | None:
    """Make the next attempt of a pending delivery; the seconds until a retry is due, or None when done."""
    started = timezone.now()
    # Only when due: a duplicate or early task finds the attempt leased or not yet due and leaves it.
    delivery = (
        WebhookDelivery.objects.select_related("merchant", "event")
        .filter(pk=delivery_id, status=D.PENDING, next_attempt_at__lte=started)
        .first()
    )
    if delivery is None:
        return None
    earlier = _earlier_pending(delivery)
    if earlier is not None:
        return _wait_for(delivery, earlier, now=started)
    number = delivery.attempt_count + 1
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=D.PENDING, attempt_count=delivery.attempt_count, next_attempt_at__lte=started
    ).update(attempt_count=number, next_attempt_at=started + ATTEMPT_LEASE, updated_at=started)
    if not claimed:
        return None
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "parcel-pickup-webhooks/1",
        "Pickup-Delivery": delivery.public_id,
        "Pickup-Event": delivery.payload["id"],
        SIGNATURE_HEADER: webhook_signature_header(
            merchant=delivery.merchant, timestamp=int(started.timestamp()), body=body, now=started
        ),
    }
    clock = time.monotonic()
    status, text, error = _post(delivery.url, body, headers)
    succeeded = status is not None and 200 <= status < 300
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        started_at=started,
        duration_ms=round((time.monotonic() - clock) * 1000),
        response_status=status,
        response_body=text,
        error=error,
        succeeded=succeeded,
    )
    done = timezone.now()
    if succeeded:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=D.SUCCEEDED, delivered_at=done, next_attempt_at=None, updated_at=done
        )
        _send_next_of_parcel(delivery, now=done)
        return None
    if number >= delivery.give_up_after:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=D.FAILED, next_attempt_at=None, updated_at=done)
        _send_next_of_parcel(delivery, now=done)
        return None
    delay = retry_delay(number)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=done + timedelta(seconds=delay), updated_at=done
    )
    return delay


def _same_parcel_pending(delivery: WebhookDelivery):
    return WebhookDelivery.objects.filter(
        merchant_id=delivery.merchant_id, event__parcel_id=delivery.event.parcel_id, status=D.PENDING
    )


def _earlier_pending(delivery: WebhookDelivery) -> WebhookDelivery | None:
    return _same_parcel_pending(delivery).filter(event__seq__lt=delivery.event.seq).order_by("event__seq").first()


def _wait_for(delivery: WebhookDelivery, earlier: WebhookDelivery, *, now) -> int | None:
    """Due again just after the earlier delivery's next attempt; seconds until then, or None when the
    earlier one has meanwhile finished and sent this one already (its update changed our due time)."""
    due = max(earlier.next_attempt_at or now, now) + timedelta(seconds=1)
    moved = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=D.PENDING, next_attempt_at=delivery.next_attempt_at
    ).update(next_attempt_at=due, updated_at=now)
    return math.ceil((due - now).total_seconds()) if moved else None


def _send_next_of_parcel(delivery: WebhookDelivery, *, now) -> None:
    following = _same_parcel_pending(delivery).filter(event__seq__gt=delivery.event.seq).order_by("event__seq").first()
    if following is not None:
        WebhookDelivery.objects.filter(pk=following.pk, status=D.PENDING).update(next_attempt_at=now, updated_at=now)
        _enqueue_on_commit(following.pk)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: the merchant's URL must accept the POST itself."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str, str]:
    """(HTTP status or None, first 2 kB of the response, error text)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=settings.PICKUP_WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, response.read(2048).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(2048).decode("utf-8", "replace"), ""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, "", f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"[:255]


def _requeue(deliveries) -> None:
    """Pending again and due now, with a fresh round of retries; each queued, oldest first, once the caller commits."""
    ids = list(deliveries.order_by("created_at", "pk").values_list("pk", flat=True))
    now = timezone.now()
    WebhookDelivery.objects.filter(pk__in=ids).update(
        status=D.PENDING,
        next_attempt_at=now,
        updated_at=now,
        give_up_after=F("attempt_count") + settings.PICKUP_WEBHOOK_MAX_ATTEMPTS,
    )
    for delivery_id in ids:
        _enqueue_on_commit(delivery_id)


def webhook_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (after it succeeded or gave up), with a fresh round of retries."""
    with transaction.atomic():
        _requeue(WebhookDelivery.objects.filter(pk=delivery.pk))
    delivery.refresh_from_db()
    return delivery


REPLAY_BATCH = 500


@dataclass(frozen=True)
class BulkReplay:
    replayed: list[str]  # public ids, oldest first
    more: bool  # failed deliveries past the batch remain: call again


def webhook_replay_failed(*, deliveries, since: datetime, until: datetime | None = None) -> BulkReplay:
    """Send again the failed ones among `deliveries` (one merchant's, in one mode) created since `since`,
    oldest first, at most REPLAY_BATCH a call. The per-parcel order still holds: each waits for the
    parcel's earlier pending deliveries as a first delivery does."""
    failed = deliveries.filter(status=D.FAILED, created_at__gte=since)
    if until is not None:
        failed = failed.filter(created_at__lt=until)
    with transaction.atomic():
        chosen = list(failed.order_by("created_at", "pk").values_list("pk", "public_id")[: REPLAY_BATCH + 1])
        batch = chosen[:REPLAY_BATCH]
        _requeue(WebhookDelivery.objects.filter(pk__in=[pk for pk, _public in batch], status=D.FAILED))
    return BulkReplay(replayed=[public for _pk, public in batch], more=len(chosen) > REPLAY_BATCH)


def webhook_sweep(*, now=None) -> list[int]:
    """Pending deliveries whose next attempt is overdue (a lost task or an expired lease): queue them again."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(status=D.PENDING, next_attempt_at__lt=now - timedelta(minutes=1)).values_list(
            "pk", flat=True
        )[:500]
    )
    for delivery_id in due:
        _enqueue_on_commit(delivery_id)
    return due


@dataclass(frozen=True)
class TestSend:
    payload: dict
    response_status: int | None
    response_body: str
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


def webhook_send_test(*, merchant: Merchant, livemode: bool) -> TestSend:
    """POST a signed `webhook.test` event to the merchant's URL now and report the answer; nothing is stored
    or retried, so the merchant can check its receiver (URL, signature check) before real events come."""
    now = timezone.now()
    payload = {
        "id": f"evt_test_{int(now.timestamp())}",
        "type": TEST_EVENT_TYPE,
        "livemode": livemode,
        "sequence": 0,
        "created_at": _local(now),
        "data": {"merchant": merchant.code},
    }
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "parcel-pickup-webhooks/1",
        "Pickup-Event": payload["id"],
        SIGNATURE_HEADER: webhook_signature_header(
            merchant=merchant, timestamp=int(now.timestamp()), body=body, now=now
        ),
    }
    clock = time.monotonic()
    status, text, error = _post(merchant.webhook_url, body, headers)
    return TestSend(payload, status, text, error, round((time.monotonic() - clock) * 1000))

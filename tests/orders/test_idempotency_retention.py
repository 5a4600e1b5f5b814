"""Idempotency-Keys are remembered for PICKUP_IDEMPOTENCY_RETENTION_HOURS; the purge job deletes the older records."""

from datetime import timedelta
from unittest import mock

from django.utils import timezone

from orders import tasks
from orders.models import IdempotencyRecord, Order
from orders.services.idempotency import idempotency_records_purge
from tests.factories import MerchantFactory
from tests.orders.conftest import order_body

ORDERS = "/api/v1/orders/"


def _record(merchant, key: str, age: timedelta) -> IdempotencyRecord:
    record = IdempotencyRecord.objects.create(
        merchant=merchant, key=key, request_fingerprint="f" * 64, response_status=201, response_body={"key": key}
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)
    return record


def test_purge_deletes_only_the_expired_records_in_bounded_batches(settings, merchant, django_assert_num_queries):
    # given a 24-hour retention, five records just past it and two within it
    settings.PICKUP_IDEMPOTENCY_RETENTION_HOURS = 24
    other = MerchantFactory(code="OTHER")
    for n in range(5):
        _record(merchant if n % 2 else other, f"old-{n}", timedelta(hours=24, minutes=1))
    kept = {
        _record(merchant, "fresh", timedelta(hours=1)).pk,
        _record(other, "edge", timedelta(hours=23, minutes=59)).pk,
    }
    # when purged two at a time: three batches of (select ids, delete), the short last one ending it
    with django_assert_num_queries(3 * 2):
        deleted = idempotency_records_purge(batch_size=2)
    # then
    assert deleted == 5
    assert set(IdempotencyRecord.objects.values_list("pk", flat=True)) == kept


def test_purging_twice_is_safe(settings, merchant):
    settings.PICKUP_IDEMPOTENCY_RETENTION_HOURS = 48
    _record(merchant, "old", timedelta(hours=49))
    fresh = _record(merchant, "fresh", timedelta(hours=47))
    assert idempotency_records_purge() == 1
    assert idempotency_records_purge() == 0
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_the_beat_task_runs_the_purge(settings):
    assert settings.CELERY_BEAT_SCHEDULE["idempotency-purge"]["task"] == tasks.idempotency_purge.name
    with mock.patch.object(tasks, "idempotency_records_purge", return_value=3) as purge:
        assert tasks.idempotency_purge.run() == 3
    purge.assert_called_once_with()


def test_a_key_replayed_within_the_retention_replays(api, store, settings):
    settings.PICKUP_IDEMPOTENCY_RETENTION_HOURS = 24
    first = api.post(ORDERS, order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=23))
    again = api.post(ORDERS, order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()


def test_a_key_replayed_after_expiry_is_a_new_request_even_before_the_purge(api, store, settings):
    # given an order created with a key whose record has expired but not been purged
    settings.PICKUP_IDEMPOTENCY_RETENTION_HOURS = 24
    api.post(ORDERS, order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    # when the key comes again with another order
    response = api.post(ORDERS, order_body(store, reference="A-2002"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # then it is a new request: a new order, no replay, and the key remembered afresh
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Order.objects.count() == 2
    record = IdempotencyRecord.objects.get()
    assert record.response_body["reference"] == "A-2002" and record.created_at > timezone.now() - timedelta(minutes=1)


def test_an_expired_key_with_the_same_body_is_judged_afresh(api, store, settings):
    # the same body again after expiry is a new request, so the duplicate reference is refused, not replayed
    settings.PICKUP_IDEMPOTENCY_RETENTION_HOURS = 24
    api.post(ORDERS, order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    response = api.post(ORDERS, order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 400 and "reference" in response.json()["fields"]
    assert Order.objects.count() == 1

"""Retries of one request racing on PostgreSQL (two, and a burst of twenty): one order, and every
caller gets the same answer."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, connections

from orders.api import views
from orders.models import IdempotencyRecord, Order
from tests.orders.conftest import client_for, order_body


def _post_at_once(api, body: dict, *, callers: int) -> list:
    """The answers to `callers` threads posting the order with one Idempotency-Key."""
    answers = []

    def post():
        try:
            answers.append(api.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("callers", [2, 20])
def test_concurrent_requests_with_one_key_create_one_order(merchant, store, callers):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN, so the two requests cannot overlap")
    # given all requests hold until each has found no record for the key
    all_checked = threading.Barrier(callers, timeout=30)
    real_create = views.order_create

    def create_after_rival(**kwargs):
        all_checked.wait()
        return real_create(**kwargs)

    # when
    with mock.patch.object(views, "order_create", create_after_rival):
        answers = _post_at_once(client_for(merchant), order_body(store), callers=callers)
    # then
    assert [a.status_code for a in answers] == [201] * callers
    assert all(a.json() == answers[0].json() for a in answers)
    assert sum(a.get("Idempotent-Replayed") == "true" for a in answers) == callers - 1
    assert Order.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


def _wait_until_blocked_on_a_lock(sessions: int) -> None:
    """Until `sessions` other connections of this database wait on a lock (the rivals, on the record's row).

    It asks from inside the first request's transaction, where PostgreSQL keeps the first answer of
    pg_stat_activity for the whole transaction: each poll clears that snapshot to see the rivals arrive."""
    with connections["default"].cursor() as cursor:
        for _ in range(600):
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= sessions:
                return
            threading.Event().wait(0.05)
    raise AssertionError(f"{sessions} rivals never waited on the record's lock")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("callers", [2, 10])
def test_concurrent_retries_of_an_expired_key_create_one_new_order(merchant, store, callers, settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN, so the requests cannot overlap")
    # given a key whose record has expired (not yet purged)
    settings.PICKUP_IDEMPOTENCY_RETENTION_HOURS = 24
    api = client_for(merchant)
    api.post("/api/v1/orders/", order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    IdempotencyRecord.objects.update(created_at=Order.objects.get().created_at - timedelta(hours=25))
    # and the first request to drop it creates its order only once every rival waits on that record's row
    real_create = views.order_create
    first = threading.Lock()

    def create_once_rivals_wait(**kwargs):
        if first.acquire(blocking=False):
            _wait_until_blocked_on_a_lock(callers - 1)
        return real_create(**kwargs)

    # when they all send the key again at once
    with mock.patch.object(views, "order_create", create_once_rivals_wait):
        answers = _post_at_once(api, order_body(store, reference="A-2002"), callers=callers)
    # then one new order, and every rival replays its answer
    assert [a.status_code for a in answers] == [201] * callers
    assert all(a.json() == answers[0].json() and a.json()["reference"] == "A-2002" for a in answers)
    assert sum(a.get("Idempotent-Replayed") == "true" for a in answers) == callers - 1
    assert Order.objects.count() == 2 and IdempotencyRecord.objects.count() == 1

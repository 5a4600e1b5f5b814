"""Retries of one request racing on PostgreSQL (two, and a burst of twenty): one order, and every
caller gets the same answer."""

import threading
from unittest import mock

import pytest
from django.db import connection, connections

from orders.api import views
from orders.models import IdempotencyRecord, Order
from tests.orders.conftest import client_for, order_body


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

    api = client_for(merchant)
    answers = []

    def post():
        try:
            answers.append(
                api.post("/api/v1/orders/", order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
            )
        finally:
            connections.close_all()

    # when
    with mock.patch.object(views, "order_create", create_after_rival):
        threads = [threading.Thread(target=post) for _ in range(callers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    # then
    assert [a.status_code for a in answers] == [201] * callers
    assert all(a.json() == answers[0].json() for a in answers)
    assert sum(a.get("Idempotent-Replayed") == "true" for a in answers) == callers - 1
    assert Order.objects.count() == 1 and IdempotencyRecord.objects.count() == 1

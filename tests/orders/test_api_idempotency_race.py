"""Two retries of one request racing on PostgreSQL: one order, and both callers get the same answer."""

import threading
from unittest import mock

import pytest
from django.db import connection, connections

from orders.api import views
from orders.models import IdempotencyRecord, Order
from tests.orders.api_fixtures import client_for, order_body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_order(merchant, store):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN, so the two requests cannot overlap")
    # given both requests hold until each has found no record for the key
    both_checked = threading.Barrier(2, timeout=10)
    real_create = views.order_create

    def create_after_rival(**kwargs):
        both_checked.wait()
        return real_create(**kwargs)

    api = client_for(merchant)
    answers = []

    def post():
        try:
            answers.append(api.post("/api/v1/orders/", order_body(store), format="json", HTTP_IDEMPOTENCY_KEY="retry-1"))
        finally:
            connections.close_all()

    # when
    with mock.patch.object(views, "order_create", create_after_rival):
        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    # then
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Order.objects.count() == 1 and IdempotencyRecord.objects.count() == 1

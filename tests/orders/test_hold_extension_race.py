"""Two extensions of one hold at the same moment (two tabs, a double tap), on PostgreSQL: one wins.

SQLite runs one writing transaction at a time, so the race cannot happen there; here the parcel's row
lock makes the second request read the first one's extension and refuse.
"""

import threading

import pytest
from django.db import connection

from core.errors import DomainError
from orders.models import ParcelEvent
from orders.services.hold import parcel_extend_hold

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writer at a time: the race cannot happen there"
    ),
]


def test_concurrent_extensions_make_one(on_shelf):
    # given
    parcel, _code = on_shelf()
    barrier = threading.Barrier(4)
    outcomes = []

    def extend():
        try:
            barrier.wait()
            outcomes.append(parcel_extend_hold(parcel=parcel).type)
        except DomainError as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=extend) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # then
    assert sorted(outcomes) == sorted([ParcelEvent.Type.HOLD_EXTENDED] + ["hold_not_extendable"] * 3)
    assert ParcelEvent.objects.filter(parcel=parcel, type=ParcelEvent.Type.HOLD_EXTENDED).count() == 1

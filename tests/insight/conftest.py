from datetime import date, datetime, time, timedelta

import pytest

from orders.lifecycle import parcel_transition
from tests.conftest import walk
from tests.factories import MerchantFactory, ParcelFactory

DAY = date(2026, 11, 10)


def at(store, days: int, hour: int, minute: int = 0) -> datetime:
    """A moment `days` after DAY at hour:minute in the store's own zone."""
    return datetime.combine(DAY + timedelta(days=days), time(hour, minute), tzinfo=store.tz)


def arrive(parcel, store, moment):
    walk(parcel, "in_transit", at=moment - timedelta(days=1))
    parcel_transition(parcel=parcel, to="at_store", store=store, actor_label="test", at=moment)
    return parcel


def leave(parcel, to, moment):
    parcel_transition(parcel=parcel, to=to, actor_label="test", at=moment)


@pytest.fixture
def other_merchant(db):
    return MerchantFactory(code="OTHER", name="Other shop")


@pytest.fixture
def day_of_parcels(store, merchant, other_merchant):
    """The hand-computed day at store A001 (times local):

    P1 arrived DAY-1 10:00, picked up DAY 10:00 (dwell 1440 min); P2 arrived DAY 08:00, picked up 09:30
    (90 min); P3 arrived DAY-2 12:00, picked up DAY 12:00 (2880 min); P4 arrived DAY-8 09:00 and expired
    DAY 00:30 (it stays on the shelf); P5 (the other merchant's) arrived DAY 11:00.
    So on DAY: 2 delivered, 3 picked up within the hold, 1 expired: pickup rate 3/4, expiry rate 1/4,
    median dwell 1440 min. The shelf holds P1, P3, P4 at midnight, 4 after P2 arrives, 2 at the end.
    """

    def parcel(owner=merchant):
        return ParcelFactory(order__pickup_store=store, order__merchant=owner)

    p1, p2, p3, p4, p5 = parcel(), parcel(), parcel(), parcel(), parcel(other_merchant)
    arrive(p1, store, at(store, -1, 10))
    arrive(p3, store, at(store, -2, 12))
    arrive(p4, store, at(store, -8, 9))
    leave(p4, "expired", at(store, 0, 0, 30))
    arrive(p2, store, at(store, 0, 8))
    leave(p2, "picked_up", at(store, 0, 9, 30))
    leave(p1, "picked_up", at(store, 0, 10))
    arrive(p5, store, at(store, 0, 11))
    leave(p3, "picked_up", at(store, 0, 12))
    return [p1, p2, p3, p4, p5]

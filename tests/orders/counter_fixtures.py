"""Fixtures for the counter tests: parcels on their way to the clerk's store, and scanning them in."""

import pytest

from orders.pickup_codes import pickup_code_for
from orders.services.counter import parcel_scan_in


@pytest.fixture
def in_transit(make_parcel):
    def _make(**order_fields):
        return make_parcel("in_transit", **order_fields)

    return _make


@pytest.fixture
def on_shelf(in_transit, store, clerk):
    """A parcel scanned in at the clerk's store by the clerk; returns (parcel, pickup code)."""

    def _make(**order_fields):
        parcel = in_transit(**order_fields)
        parcel_scan_in(code=parcel.tracking_number, store=store, clerk=clerk)
        parcel.refresh_from_db()
        return parcel, pickup_code_for(parcel.order)

    return _make

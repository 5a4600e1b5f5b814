"""The counter puts chilled and frozen parcels in the store's chiller and freezer slots, and shows
the clerk what needs care (cold class, fragile)."""

import pytest
from django.urls import reverse

from orders.models import Parcel
from orders.services.counter import CounterRefusal, Reason, parcel_scan_in
from tests.conftest import walk
from tests.factories import OrderFactory, ParcelFactory

S = Parcel.Status


@pytest.fixture
def cold_store(store):
    # 10 ambient slots (1–10), then chilled 11–12, frozen 13
    store.slot_capacity, store.chilled_slots, store.frozen_slots = 10, 2, 1
    store.save()
    return store


def _coming(store, **fields):
    return walk(ParcelFactory(order=OrderFactory(pickup_store=store), **fields), S.IN_TRANSIT)


def test_chilled_and_frozen_parcels_get_slots_of_their_class(cold_store, clerk):
    ambient = parcel_scan_in(code=_coming(cold_store).tracking_number, store=cold_store, clerk=clerk)
    chilled = [
        parcel_scan_in(
            code=_coming(cold_store, temperature_class="chilled").tracking_number, store=cold_store, clerk=clerk
        )
        for _ in range(2)
    ]
    frozen = parcel_scan_in(
        code=_coming(cold_store, temperature_class="frozen").tracking_number, store=cold_store, clerk=clerk
    )
    assert ambient.slot == 1
    assert [r.slot for r in chilled] == [11, 12]
    assert frozen.slot == 13


def test_a_cold_parcel_is_refused_when_its_slots_are_full_even_with_ambient_room(cold_store, clerk):
    parcel_scan_in(code=_coming(cold_store, temperature_class="frozen").tracking_number, store=cold_store, clerk=clerk)
    with pytest.raises(CounterRefusal) as refused:
        parcel_scan_in(
            code=_coming(cold_store, temperature_class="frozen").tracking_number, store=cold_store, clerk=clerk
        )
    assert refused.value.code == Reason.STORE_FULL and "frozen slot" in refused.value.message


def test_the_scan_answer_and_the_parcel_page_flag_fragile_and_cold(cold_store, clerk, client):
    # given
    client.force_login(clerk)
    parcel = _coming(cold_store, temperature_class="chilled", fragile=True)
    # when
    body = client.post(
        reverse("counter:scan_in"),
        {"code": parcel.tracking_number},
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    ).json()
    # then
    assert body["slot"] == 11 and "Chilled · Fragile" in body["message"]
    page = client.get(reverse("counter:parcel", args=[parcel.tracking_number])).content.decode()
    assert "Fragile" in page and "Chilled" in page

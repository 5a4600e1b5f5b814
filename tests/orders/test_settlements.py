"""Cash on pickup reported to the merchant: a webhook at each collection, and the day's takings per store."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from orders.pickup_codes import pickup_code_for
from orders.services.counter import handover_confirm, parcel_scan_in
from tests.orders.conftest import client_for

SETTLEMENTS = reverse("api:settlements")
TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture
def noon(clock):
    clock.now = datetime(2026, 12, 4, 12, 0, tzinfo=TAIPEI)
    return clock


@pytest.fixture
def hand_over(in_transit):
    """Deliver an order with cash on pickup to `store` and hand it over there against its code."""

    def _hand_over(*, store, clerk, cash, **order_fields):
        parcel = in_transit(pickup_store=store, cash_on_pickup=cash, **order_fields)
        parcel_scan_in(code=parcel.tracking_number, store=store, clerk=clerk)
        return handover_confirm(
            code=pickup_code_for(parcel.order),
            store=store,
            clerk=clerk,
            tracking_numbers=[parcel.tracking_number],
            cash_received=True,
        )

    return _hand_over


def test_a_cash_collection_is_sent_as_a_webhook(hooked_merchant, receiver, hand_over, store, clerk, commit):
    with commit():
        hand_over(store=store, clerk=clerk, cash=480)
    payload = json.loads(receiver.received[-1][1])
    assert payload["type"] == "parcel.cash_collected"
    assert payload["data"]["details"] == {"amount": 480, "currency": "TWD"}
    assert payload["data"]["event_store"] == store.code and payload["created_at"].endswith("+08:00")


def test_settlement_lists_what_each_store_collected_for_the_merchant_that_day(
    api, noon, hand_over, store, clerk, other_store, outsider_clerk, rival_merchant, make_parcel
):
    # given two collections at one store, one at another, an order paid online, and a rival's collection
    hand_over(store=store, clerk=clerk, cash=480)
    hand_over(store=store, clerk=clerk, cash=120)
    hand_over(store=other_store, clerk=outsider_clerk, cash=990)
    hand_over(store=store, clerk=clerk, cash=0)
    hand_over(store=store, clerk=clerk, cash=700, merchant=rival_merchant)
    # when the merchant asks for the day
    answer = api.get(SETTLEMENTS, {"day": "2026-12-04"})
    # then each of its stores is listed with the count and the amount, and the total adds up
    assert answer.status_code == 200
    assert answer.json() == {
        "day": "2026-12-04",
        "currency": "TWD",
        "stores": [
            {"store_code": "A001", "store_name": "Store A", "count": 2, "amount": 600},
            {"store_code": "B001", "store_name": "Store B", "count": 1, "amount": 990},
        ],
        "count": 3,
        "total": 1590,
    }
    # the rival sees only its own, and another day is empty
    rival = client_for(rival_merchant).get(SETTLEMENTS, {"day": "2026-12-04"}).json()
    assert rival["stores"] == [{"store_code": "A001", "store_name": "Store A", "count": 1, "amount": 700}]
    assert api.get(SETTLEMENTS, {"day": "2026-12-05"}).json()["stores"] == []


def test_the_day_is_the_taipei_day(api, noon, hand_over, store, clerk):
    # given a collection at 00:30 Taipei time, still the previous day in UTC
    noon.now = datetime(2026, 12, 4, 0, 30, tzinfo=TAIPEI)
    hand_over(store=store, clerk=clerk, cash=300)
    assert api.get(SETTLEMENTS, {"day": "2026-12-04"}).json()["total"] == 300
    assert api.get(SETTLEMENTS, {"day": "2026-12-03"}).json()["total"] == 0


def test_sandbox_collections_are_settled_apart(api, sandbox_api, store, noon):
    body = {
        "reference": "T-1",
        "shopper_name": "Test",
        "shopper_phone": "0912 345 678",
        "pickup_store": store.code,
        "cash_on_pickup": 350,
        "parcels": [{"size_class": "S", "weight_g": 800}],
    }
    tracking = sandbox_api.post(reverse("api:orders"), body, format="json").json()["parcels"][0]["tracking_number"]
    for _ in range(5):
        sandbox_api.post(reverse("api:sandbox-advance", args=[tracking]), {}, format="json")
    day = {"day": noon.now.date().isoformat()}
    assert sandbox_api.get(SETTLEMENTS, day).json()["stores"] == [
        {"store_code": "A001", "store_name": "Store A", "count": 1, "amount": 350}
    ]
    assert api.get(SETTLEMENTS, day).json()["total"] == 0


@pytest.mark.parametrize("query", [{}, {"day": "yesterday"}, {"day": "2026-02-30"}])
def test_a_missing_or_bad_day_is_refused_naming_it(api, query):
    answer = api.get(SETTLEMENTS, query)
    assert answer.status_code == 400 and list(answer.json()["fields"]) == ["day"]


def test_no_key_no_settlement(client, db):
    assert client.get(SETTLEMENTS, {"day": "2026-12-04"}).status_code == 401

"""The security tests' world: a planned DC with two of its stores, a second DC, a rival merchant, and a
user (or key) for each role."""

import pytest

from orders.models import WebhookDelivery
from orders.services.api_keys import api_key_issue
from tests.conftest import PLAN_DAY, make_parcel_at
from tests.factories import (
    DistributionCenterFactory,
    MerchantFactory,
    RegionFactory,
    StoreFactory,
    UserFactory,
    make_clerk,
    make_dock,
    make_driver,
    make_planner,
)


@pytest.fixture
def world(planned_run, network, settings):
    settings.PICKUP_API_RATE = "100000/minute"
    stores = network["stores"]
    own_store, other_store = stores["W001"], stores["W002"]
    other_dc = DistributionCenterFactory(code="OTHER-DC", name="Other DC")
    StoreFactory(region=RegionFactory(dc=other_dc, code="W", name="Other W"), code="X001")
    rival = MerchantFactory(code="RIVAL", name="Rival", webhook_url="https://rival.example/hook")
    network["merchant"].webhook_url = "https://shop.example/hook"
    network["merchant"].save()
    rival_parcel = make_parcel_at({**network, "merchant": rival}, other_store, "created")
    own_parcel = make_parcel_at(network, own_store, "in_transit")
    other_parcel = make_parcel_at(network, other_store, "in_transit")
    _key, raw = api_key_issue(merchant=network["merchant"], name="matrix")
    users = {
        "clerk": make_clerk(own_store, "matrix_clerk"),
        "planner": make_planner(network["dc"], "matrix_planner"),
        "operator": UserFactory(username="matrix_operator", is_staff=True, is_superuser=True),
        # A driver of another DC: every route of this DC is another's to them.
        "driver": make_driver(other_dc, "matrix_driver"),
        "dock": make_dock(network["dc"], "matrix_dock"),
    }
    route = planned_run.region_plans.get(region__code="W").routes.order_by("number").first()
    own = {
        "tracking_number": own_parcel.tracking_number,
        "api_order_id": own_parcel.order.public_id,
        "order_id": own_parcel.order_id,
        "dc": network["dc"].code,
        "day": PLAN_DAY.isoformat(),
        "region": "W",
        "number": route.number,
        "delivery": WebhookDelivery.objects.get(event=own_parcel.events.first()).public_id,
    }
    other = {
        "tracking_number": other_parcel.tracking_number,
        "api_order_id": rival_parcel.order.public_id,
        "order_id": rival_parcel.order_id,
        "dc": other_dc.code,
        "day": PLAN_DAY.isoformat(),
        "region": "W",
        "number": route.number,
        "route_id": route.pk,
        "delivery": WebhookDelivery.objects.get(event=rival_parcel.events.first()).public_id,
        "api_tracking_number": rival_parcel.tracking_number,
    }
    return {
        "users": users,
        "key": raw,
        "own": own,
        "other": other,
        "other_parcel": other_parcel,
        "rival_parcel": rival_parcel,
    }

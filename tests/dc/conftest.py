"""The DC floor's fixtures: the batch tests' small network, planned, with a route of region W on the road."""

import pytest

from routing.services.dispatch import region_plan_approve, route_dispatch
from tests.factories import DistributionCenterFactory, make_driver
from tests.routing.conftest import network, parcels, planned_run  # noqa: F401 - fixtures


@pytest.fixture
def driver(dc):
    return make_driver(dc, "driver")


@pytest.fixture
def other_dc_driver(db):
    return make_driver(DistributionCenterFactory(code="DC2", name="Other DC"), "driver_elsewhere")


@pytest.fixture
def dispatched_route(planned_run, planner):  # noqa: F811
    """Route 1 of region W, approved and dispatched: its drops are in transit, W's expired parcels to collect."""
    region_plan = planned_run.region_plans.get(region__code="W")
    region_plan_approve(region_plan=region_plan, user=planner)
    route = region_plan.routes.order_by("number").first()
    route_dispatch(route=route, user=planner)
    route.refresh_from_db()
    return route

"""A small DC for the batch tests: two regions, three stores each, a few vans, parcels to drop and
expired parcels to collect. Solves run in-process with a solution limit: tiny and deterministic."""

from dataclasses import replace
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from routing.engine import solve
from routing.models import BatchRun
from routing.services.batch import batch_run_start, region_plan_solve
from tests.conftest import walk
from tests.factories import ParcelFactory, RegionFactory, StoreFactory, VehicleFactory

# Tomorrow: its 09:00 cutoff is still ahead, so every parcel the tests make now is ready for it.
PLAN_DAY = (timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)) + timedelta(days=1)).date()

# (code, lat, lon) around Banqiao and Sanchong, a short drive from the test DC at Wugu.
STORE_SITES = {
    "W": [("W001", "25.0116", "121.4637"), ("W002", "25.0150", "121.4590"), ("W003", "25.0080", "121.4700")],
    "N": [("N001", "25.0615", "121.4877"), ("N002", "25.0650", "121.4820"), ("N003", "25.0580", "121.4930")],
}


def fast_solve(problem, params):
    """The solver in this process, stopped after a few solutions: tiny problems need no more."""
    return solve(problem, replace(params, time_limit_s=10, solution_limit=30))


@pytest.fixture
def network(dc, merchant):
    regions = {code: RegionFactory(dc=dc, code=code, name=f"Region {code}") for code in STORE_SITES}
    stores = {
        store_code: StoreFactory(region=regions[code], code=store_code, latitude=lat, longitude=lon)
        for code, sites in STORE_SITES.items()
        for store_code, lat, lon in sites
    }
    vans = [
        VehicleFactory(
            dc=dc, name=f"VAN-{n}", volume_capacity=40, kg_capacity=300, shift_start=time(9, 30), shift_end=time(18, 30)
        )
        for n in range(1, 5)
    ]
    return {"dc": dc, "regions": regions, "stores": stores, "vans": vans, "merchant": merchant}


@pytest.fixture
def parcels(network):
    """Two deliveries per store (at the DC), one expired parcel at each W store, one cancelled and one
    still at a store: those two must never be planned."""
    made = {"deliver": [], "collect": [], "other": []}
    for code, store in network["stores"].items():
        for _ in range(2):
            made["deliver"].append(_parcel(network, store, "at_dc"))
        if code.startswith("W"):
            made["collect"].append(_parcel(network, store, "expired"))
    made["other"].append(_parcel(network, network["stores"]["W001"], "cancelled"))
    made["other"].append(_parcel(network, network["stores"]["N001"], "at_store"))
    return made


def _parcel(network, store, status, **fields):
    parcel = ParcelFactory(
        order__pickup_store=store,
        order__merchant=network["merchant"],
        volume_units=fields.pop("volume_units", 2),
        weight_g=fields.pop("weight_g", 1500),
        **fields,
    )
    return walk(parcel, status)


def make_parcel_at(network, store, status, **fields):
    return _parcel(network, store, status, **fields)


def start_run(network, **kwargs) -> BatchRun:
    kwargs.setdefault("trigger", BatchRun.Trigger.COMMAND)
    kwargs.setdefault("enqueue", False)
    kwargs.setdefault("time_limit_s", 10)
    run, _created = batch_run_start(dc=network["dc"], day=PLAN_DAY, **kwargs)
    return run


def solve_all(run: BatchRun, solve=fast_solve) -> list[str]:
    return [
        region_plan_solve(region_plan_id=rp.pk, worker="test", solve=solve)
        for rp in run.region_plans.order_by("region__code")
    ]


@pytest.fixture
def planned_run(network, parcels):
    run = start_run(network)
    assert solve_all(run) == ["planned", "planned"]
    run.refresh_from_db()
    return run

"""A shopper's return dropped off at a store is one more collection for the next route passing that store."""

from orders.models import Parcel, ReturnRequest
from orders.services.returns_dropoff import return_dropoff, return_request_start
from routing.models import PlanParcel
from tests.conftest import make_parcel_at, solve_all, start_run
from tests.factories import make_clerk


def dropped_off(network, *, picked_up_at: str, dropped_at: str) -> Parcel:
    parcel = make_parcel_at(network, network["stores"][picked_up_at], "picked_up")
    started = return_request_start(parcel=parcel, source=ReturnRequest.Source.SHOPPER, actor_label="shopper")
    store = network["stores"][dropped_at]
    return_dropoff(code=started.code, store=store, clerk=make_clerk(store, f"clerk_{dropped_at}"))
    return parcel


def test_the_batch_collects_a_drop_off_from_the_store_it_was_dropped_at(network):
    # given a parcel picked up in region W and dropped off as a return at a store of region N
    parcel = dropped_off(network, picked_up_at="W001", dropped_at="N002")
    # when the day's batch runs and its regions are solved
    run = start_run(network)
    assert solve_all(run) == ["planned"]
    # then it is a collection at N002 in region N's plan, on a stop of a route there
    entry = PlanParcel.objects.select_related("region_plan__region", "stop__store").get(parcel=parcel)
    assert (entry.kind, entry.store.code, entry.region_plan.region.code) == (PlanParcel.Kind.COLLECT, "N002", "N")
    assert entry.stop is not None and entry.stop.store.code == "N002"


def test_a_return_not_yet_dropped_off_is_not_collected(network):
    parcel = make_parcel_at(network, network["stores"]["W001"], "picked_up")
    return_request_start(parcel=parcel, source=ReturnRequest.Source.MERCHANT, actor_label="merchant:SHOP")
    start_run(network)
    assert not PlanParcel.objects.filter(parcel=parcel).exists()

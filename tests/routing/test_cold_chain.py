"""Cold goods on the road: a chilled parcel rides only in a chilled compartment and no longer than
PICKUP_COLD_MAX_ON_BOARD_MINUTES, as the independent checker confirms.

These need the solver's compartment fields (`Stop.deliver_chilled_volume`, `Vehicle.chilled_volume_capacity`,
`Problem.max_cold_ride_s`), which are being added on the solver's own branch; until it is merged the
batch keeps cold goods at the DC instead (tested in test_batch_pickup_day.py).
"""

from django.test import override_settings

from orders.models import Parcel
from routing import checker
from routing.engine import SearchParams
from routing.models import BatchRun, PlanParcel
from routing.problem_builder import build_region_problem
from routing.services.batch import batch_run_start
from tests.conftest import walk
from tests.factories import OrderFactory, ParcelFactory, RegionFactory, StoreFactory, VehicleFactory
from tests.routing.conftest import PLAN_DAY, fast_solve


@override_settings(PICKUP_COLD_MAX_ON_BOARD_MINUTES=90)
def test_a_chilled_parcel_rides_only_in_a_chilled_compartment_and_not_longer_than_allowed(dc, merchant):
    # given a van without a chiller (the larger, so the solver would prefer it) and one with
    region = RegionFactory(dc=dc, code="W")
    store = StoreFactory(region=region, code="W001", latitude="25.0116", longitude="121.4637", chilled_slots=4)
    ambient_van = VehicleFactory(dc=dc, name="DRY", volume_capacity=200)
    chilled_van = VehicleFactory(dc=dc, name="COLD", volume_capacity=20, chilled_volume_capacity=10)
    parcel = walk(
        ParcelFactory(
            order=OrderFactory(pickup_store=store, merchant=merchant, preferred_pickup_day=PLAN_DAY),
            temperature_class="chilled",
        ),
        Parcel.Status.AT_DC,
    )
    run, _ = batch_run_start(dc=dc, day=PLAN_DAY, trigger=BatchRun.Trigger.COMMAND, enqueue=False, time_limit_s=10)
    assert PlanParcel.objects.filter(run=run, parcel=parcel).exists()
    # when
    region_problem = build_region_problem(run.region_plans.get())
    solution = fast_solve(region_problem.problem, SearchParams(time_limit_s=10))
    # then
    assert region_problem.problem.max_cold_ride_s == 90 * 60
    assert checker.check(region_problem.problem, solution) == []
    (route,) = solution.routes
    assert route.vehicle_id == str(chilled_van.pk) != str(ambient_van.pk)
    assert route.visits[0].arrival - route.start <= 90 * 60

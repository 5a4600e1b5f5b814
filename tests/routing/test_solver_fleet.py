"""Mixed fleets: capacities and fixed costs per vehicle, stops no vehicle can take."""

import pytest

from routing.checker import check
from routing.engine import (
    REASON_NO_ROAD,
    REASON_NO_VEHICLE,
    REASON_OVER_CAPACITY,
    UNREACHABLE,
    Depot,
    Problem,
    ProblemError,
    SearchParams,
    Stop,
    TravelMatrix,
    Vehicle,
    solve,
)

FAST = SearchParams(time_limit_s=5, solution_limit=200)

# Each test runs with OR-Tools alone and with the portfolio (tests/routing/conftest.py).
pytestmark = pytest.mark.usefixtures("each_engine")


def square_problem(stops, vehicles):
    """All stores 5 km from the depot and from each other, 10 minutes apart."""
    size = len(stops) + 1
    distances = [[0 if a == b else 5_000 for b in range(size)] for a in range(size)]
    durations = [[0 if a == b else 600 for b in range(size)] for a in range(size)]
    return Problem(Depot("dc"), stops, vehicles, TravelMatrix(durations, distances))


def test_bulky_store_goes_to_the_truck_that_can_carry_it():
    # given
    stops = [Stop("bulky", deliver_volume=30), Stop("small", deliver_volume=2)]
    vehicles = [Vehicle("van", volume_capacity=10, kg_capacity=500), Vehicle("truck", 40, 2000)]
    problem = square_problem(stops, vehicles)

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    served_by = {v.stop_id: r.vehicle_id for r in solution.routes for v in r.visits}
    assert served_by["bulky"] == "truck"


def test_store_larger_than_every_vehicle_is_reported_not_crashed_on():
    # given: 600 kg of returns; the biggest truck takes 500 kg
    stops = [Stop("heavy", collect_kg=600, collect_volume=1), Stop("fine", deliver_kg=10)]
    problem = square_problem(stops, [Vehicle("van", 10, 200), Vehicle("truck", 40, 500)])

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    (unserved,) = solution.unserved
    assert unserved.stop_id == "heavy"
    assert unserved.reason.startswith(REASON_OVER_CAPACITY)
    assert "collects 1 volume / 600 kg" in unserved.reason


def test_store_with_no_road_from_the_depot_is_reported():
    # given: OSRM found no route to the island store
    problem = square_problem([Stop("island"), Stop("mainland")], [Vehicle("van", 10, 100)])
    problem.matrix.durations[0][1] = problem.matrix.durations[1][0] = UNREACHABLE
    problem.matrix.distances[0][1] = problem.matrix.distances[1][0] = UNREACHABLE

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    assert [(u.stop_id, u.reason) for u in solution.unserved] == [("island", REASON_NO_ROAD)]


def test_fixed_cost_prefers_one_truck_over_two():
    # given: a and b lie 5 km from the depot and 12 km from each other
    distances = [[0, 5_000, 5_000], [5_000, 0, 12_000], [5_000, 12_000, 0]]
    durations = [[d // 10 for d in row] for row in distances]
    vehicles = [Vehicle("v1", 10, 100, fixed_cost=20_000), Vehicle("v2", 10, 100, fixed_cost=20_000)]
    free = [Vehicle("v1", 10, 100), Vehicle("v2", 10, 100)]
    stops = [Stop("a", deliver_volume=1), Stop("b", deliver_volume=1)]
    costly = Problem(Depot("dc"), stops, vehicles, TravelMatrix(durations, distances))
    cheap = Problem(Depot("dc"), stops, free, TravelMatrix(durations, distances))

    # when
    with_fixed_cost = solve(costly, FAST)
    without = solve(cheap, FAST)

    # then: 22 km + one van beats 20 km + two vans; without fixed costs, two vans are shorter
    assert check(costly, with_fixed_cost) == []
    assert len(with_fixed_cost.routes) == 1
    assert with_fixed_cost.objective == 22_000 + 20_000
    assert len(without.routes) == 2
    assert without.objective == 20_000


def test_cheaper_vehicle_is_used_first():
    # given
    problem = square_problem(
        [Stop("a")], [Vehicle("dear", 10, 100, fixed_cost=9_000), Vehicle("cheap", 10, 100, fixed_cost=1_000)]
    )

    # when
    (route,) = solve(problem, FAST).routes

    # then
    assert route.vehicle_id == "cheap"


@pytest.mark.parametrize("vehicles", [[], [Vehicle("night", 10, 100, shift_start=0, shift_end=5 * 3600)]])
def test_no_usable_vehicle_leaves_every_stop_unserved_with_a_reason(vehicles):
    # given: no vehicles, or only one whose shift ends before the depot opens at 06:00
    problem = square_problem([Stop("a"), Stop("b")], vehicles)
    problem = Problem(Depot("dc", 6 * 3600, 20 * 3600), problem.stops, problem.vehicles, problem.matrix)

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    assert solution.routes == ()
    assert [(u.stop_id, u.reason) for u in solution.unserved] == [("a", REASON_NO_VEHICLE), ("b", REASON_NO_VEHICLE)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: {"stops": [*p.stops, p.stops[0]]}, "duplicate stop id"),
        (lambda p: {"vehicles": [Vehicle("v", 1, 1, shift_start=10, shift_end=5)]}, "vehicle v: shift ends"),
        (lambda p: {"stops": [Stop("a", window=(50, 10)), p.stops[1]]}, "stop a: window"),
        (lambda p: {"stops": [Stop("a", deliver_kg=-1), p.stops[1]]}, "stop a: negative load"),
        (lambda p: {"matrix": TravelMatrix([[0]], [[0]])}, "matrix.durations: must be 3x3"),
        (lambda p: {"locked_routes": {"ghost": ["a"]}}, "unknown vehicle ghost"),
        (lambda p: {"locked_routes": {"van": ["zz"]}}, "unknown stop zz"),
    ],
)
def test_malformed_problems_are_refused_with_the_field_named(change, message):
    # given
    problem = square_problem([Stop("a"), Stop("b")], [Vehicle("van", 10, 100)])
    fields = {
        "depot": problem.depot,
        "stops": problem.stops,
        "vehicles": problem.vehicles,
        "matrix": problem.matrix,
        "locked_routes": problem.locked_routes,
    }

    # when / then
    with pytest.raises(ProblemError, match=message):
        Problem(**{**fields, **change(problem)})

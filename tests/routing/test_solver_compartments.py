"""Chilled and frozen goods: only in their own compartment, and not on board longer than allowed."""

import math
import random

import pytest

from routing.checker import check
from routing.engine import (
    REASON_COLD_RIDE,
    REASON_NO_COMPARTMENT,
    Depot,
    Problem,
    ProblemError,
    SearchParams,
    Stop,
    TravelMatrix,
    Vehicle,
    solve,
)

FAST = SearchParams(time_limit_s=10, solution_limit=200)

# Each test runs with OR-Tools alone and with the portfolio (tests/routing/conftest.py).
pytestmark = pytest.mark.usefixtures("each_engine")
H = 3600


def one_way_matrix(size: int, cheap: list[tuple[int, int]]) -> TravelMatrix:
    """Every arc costs 10 km (1000 s) except the listed ones, which cost 1 km (100 s)."""
    distances = [[0 if a == b else 10_000 for b in range(size)] for a in range(size)]
    for a, b in cheap:
        distances[a][b] = 1_000
    return TravelMatrix(durations=[[d // 10 for d in row] for row in distances], distances=distances)


def uniform_matrix(size: int) -> TravelMatrix:
    distances = [[0 if a == b else 1_000 for b in range(size)] for a in range(size)]
    return TravelMatrix(durations=[[d // 10 for d in row] for row in distances], distances=distances)


def order(solution, vehicle_id):
    return [[v.stop_id for v in r.visits] for r in solution.routes if r.vehicle_id == vehicle_id]


def test_chilled_parcels_ride_only_in_a_chilled_compartment():
    # given: a free ambient van with room for everything, and a costly reefer
    stops = [
        Stop("milk", deliver_chilled_volume=2, deliver_kg=10),
        Stop("books", deliver_volume=2, deliver_kg=10),
        Stop("ice", deliver_frozen_volume=1, collect_volume=1),
        Stop("fish-return", collect_chilled_volume=1),
    ]
    vehicles = [
        Vehicle("van", volume_capacity=50, kg_capacity=500),
        Vehicle(
            "reefer",
            volume_capacity=1,
            kg_capacity=500,
            fixed_cost=50_000,
            chilled_volume_capacity=5,
            frozen_volume_capacity=5,
        ),
    ]
    problem = Problem(Depot("dc"), stops, vehicles, uniform_matrix(5))

    # when
    solution = solve(problem, FAST)

    # then: the cold goods pay for the reefer; the books may go either way
    assert check(problem, solution) == []
    assert solution.unserved == ()
    (reefer,) = [r for r in solution.routes if r.vehicle_id == "reefer"]
    assert {"milk", "ice", "fish-return"} <= {v.stop_id for v in reefer.visits}
    assert reefer.start_load_chilled_volume == 2 and reefer.start_load_frozen_volume == 1


def test_each_compartment_holds_its_own_capacity_at_every_point():
    # given: the cheap order picks up 4 chilled returns at A while B's 4 chilled deliveries are still
    # aboard: 8 in a compartment of 5. The ambient space (50) would hold them all, but may not.
    stops = [Stop("A", collect_chilled_volume=4), Stop("B", deliver_chilled_volume=4)]
    problem = Problem(
        Depot("dc"),
        stops,
        [Vehicle("reefer", volume_capacity=50, kg_capacity=100, chilled_volume_capacity=5)],
        one_way_matrix(3, cheap=[(0, 1), (1, 2), (2, 0)]),
    )

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    assert order(solution, "reefer") == [["B", "A"]]
    (route,) = solution.routes
    assert [route.start_load_chilled_volume] + [v.load_chilled_volume for v in route.visits] == [4, 0, 4]


def test_a_stop_no_compartment_can_take_is_unserved_with_the_reason():
    # given: frozen goods, and only chilled compartments in the fleet
    stops = [Stop("ice", deliver_frozen_volume=1), Stop("milk", deliver_chilled_volume=1)]
    vehicles = [Vehicle("reefer", 10, 100, chilled_volume_capacity=3)]
    problem = Problem(Depot("dc"), stops, vehicles, uniform_matrix(3))

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    assert order(solution, "reefer") == [["milk"]]
    (unserved,) = solution.unserved
    assert unserved.stop_id == "ice"
    assert unserved.reason.startswith(REASON_NO_COMPARTMENT)
    assert "frozen volume 1 (largest compartment 0)" in unserved.reason


def test_a_far_chilled_delivery_is_served_first_to_keep_its_ride_short():
    # given: the cheap loop depot > N1 > N2 > N3 > F > depot reaches F 2200 s after leaving (four
    # 100 s legs, three 600 s services); chilled goods may ride 1500 s. Only F first (1000 s) does.
    stops = [Stop(f"N{i}", deliver_volume=1, service_fixed_s=600) for i in (1, 2, 3)]
    stops.append(Stop("F", deliver_chilled_volume=1, service_fixed_s=600))
    problem = Problem(
        Depot("dc"),
        stops,
        [Vehicle("reefer", 10, 100, chilled_volume_capacity=5)],
        one_way_matrix(5, cheap=[(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]),
        max_cold_ride_s=1500,
    )

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    assert solution.unserved == ()
    ((first, *_),) = order(solution, "reefer")
    assert first == "F"


def test_a_far_chilled_delivery_goes_on_another_vehicle_when_one_route_cannot_keep_the_limit():
    # given: as above, but windows on the ambient stops (N1 09:00-09:05, N2 09:15-09:20, N3
    # 09:30-09:35) make F first cost two dear arcs (depot > F > N1, 32 km in all). A second reefer
    # for F alone (24 km for both routes) is cheaper; without the limit one loop would do (5 km).
    windows = {1: 9 * H, 2: 9 * H + 900, 3: 9 * H + 1800}
    stops = [Stop(f"N{i}", deliver_volume=1, service_fixed_s=600, window=(w, w + 300)) for i, w in windows.items()]
    stops.append(Stop("F", deliver_chilled_volume=1, service_fixed_s=600))
    problem = Problem(
        Depot("dc"),
        stops,
        [Vehicle(f"reefer{k}", 10, 100, chilled_volume_capacity=5) for k in (1, 2)],
        one_way_matrix(5, cheap=[(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]),
        max_cold_ride_s=1500,
    )

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    assert solution.unserved == ()
    assert [r.visits[0].stop_id for r in solution.routes if len(r.visits) == 1] == ["F"]
    assert sorted(len(r.visits) for r in solution.routes) == [1, 3]


def test_a_locked_route_waits_before_a_chilled_return_rather_than_after_it():
    # given: A must be served by 08:02 (so the truck cannot leave later), W not before 09:00. The
    # chilled return at R may ride 1500 s: collected on the way, it would ride through the wait
    # for W. Locked in this order, the truck must wait at R before collecting, not only at W.
    stops = [
        Stop("A", deliver_volume=1, window=(8 * H, 8 * H + 120)),
        Stop("R", collect_chilled_volume=1, service_fixed_s=300),
        Stop("W", deliver_volume=1, window=(9 * H, 10 * H)),
    ]
    problem = Problem(
        Depot("dc", opens=8 * H - 100),
        stops,
        [Vehicle("reefer", 10, 100, chilled_volume_capacity=5)],
        one_way_matrix(4, cheap=[(0, 1), (1, 2), (2, 3), (3, 0)]),
        locked_routes={"reefer": ["A", "R", "W"]},
        max_cold_ride_s=1500,
    )

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    (route,) = solution.routes
    a, r, w = route.visits
    assert r.service_start > r.arrival
    assert route.end - r.departure <= 1500


def test_a_chilled_delivery_too_far_for_the_ride_limit_is_unserved_with_the_reason():
    # given: the depot to F alone takes 1000 s; chilled goods may ride 900 s
    stops = [Stop("F", deliver_chilled_volume=1), Stop("N", deliver_volume=1)]
    problem = Problem(
        Depot("dc"),
        stops,
        [Vehicle("reefer", 10, 100, chilled_volume_capacity=5)],
        one_way_matrix(3, cheap=[(0, 2), (2, 0)]),
        max_cold_ride_s=900,
    )

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    assert order(solution, "reefer") == [["N"]]
    (unserved,) = solution.unserved
    assert unserved.reason == f"{REASON_COLD_RIDE} (15 min)"


@pytest.mark.parametrize("seed", range(3))
def test_random_cold_chains_are_always_feasible(seed):
    # given: random stores with ambient, chilled and frozen goods both ways, windows on some, a mixed
    # fleet, and a ride limit short enough to bind on the longer routes
    rng = random.Random(seed)
    places = [(0.0, 0.0)] + [(rng.uniform(-20, 20), rng.uniform(-20, 20)) for _ in range(30)]
    distances = [[round(math.dist(a, b) * 1000) for b in places] for a in places]
    durations = [[math.ceil(d / 8) for d in row] for row in distances]
    stops = [
        Stop(
            f"s{i}",
            deliver_volume=rng.randint(0, 4),
            deliver_kg=rng.randint(0, 30),
            collect_volume=rng.randint(0, 2),
            deliver_chilled_volume=rng.choice([0, 0, 1, 2]),
            deliver_frozen_volume=rng.choice([0, 0, 0, 1]),
            collect_chilled_volume=rng.choice([0, 0, 0, 1]),
            window=(9 * H, 12 * H) if rng.random() < 0.3 else None,
            service_fixed_s=300,
        )
        for i in range(1, len(places))
    ]
    vehicles = [
        Vehicle("van", 30, 300, 7 * H, 17 * H),
        Vehicle("reefer", 12, 200, 7 * H, 17 * H, chilled_volume_capacity=8, frozen_volume_capacity=3),
        Vehicle("chiller", 12, 200, 8 * H, 18 * H, fixed_cost=3_000, chilled_volume_capacity=6),
    ]
    problem = Problem(
        Depot("dc", 6 * H, 21 * H), stops, vehicles, TravelMatrix(durations, distances), max_cold_ride_s=2 * H
    )

    # when
    solution = solve(problem, SearchParams(time_limit_s=10, solution_limit=100, seed=seed))

    # then
    assert check(problem, solution) == []
    van = [r for r in solution.routes if r.vehicle_id == "van"]
    assert all(not problem.stops[int(v.stop_id[1:]) - 1].delivers_cold for r in van for v in r.visits)


def test_negative_cold_loads_and_ride_limits_are_refused():
    matrix = uniform_matrix(2)
    with pytest.raises(ProblemError, match="stop s: negative load"):
        Problem(Depot("dc"), [Stop("s", collect_frozen_volume=-1)], [Vehicle("v", 1, 1)], matrix)
    with pytest.raises(ProblemError, match="vehicle v: negative capacity"):
        Problem(Depot("dc"), [Stop("s")], [Vehicle("v", 1, 1, chilled_volume_capacity=-1)], matrix)
    with pytest.raises(ProblemError, match="max_cold_ride_s"):
        Problem(Depot("dc"), [Stop("s")], [Vehicle("v", 1, 1)], matrix, max_cold_ride_s=-60)

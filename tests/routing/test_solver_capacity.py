"""Deliveries and returns share one truck: the load must fit at every point of the route."""

import math
import random

import pytest

from routing.checker import check
from routing.engine import Depot, Problem, SearchParams, Stop, TravelMatrix, Vehicle, solve

FAST = SearchParams(time_limit_s=5, solution_limit=200)

# Each test runs with OR-Tools alone and with the portfolio (tests/routing/conftest.py).
pytestmark = pytest.mark.usefixtures("each_engine")


def one_way_matrix(size: int, cheap: list[tuple[int, int]]) -> TravelMatrix:
    """Every arc costs 10 km except the listed ones, which cost 1 km."""
    distances = [[0 if a == b else 10_000 for b in range(size)] for a in range(size)]
    for a, b in cheap:
        distances[a][b] = 1_000
    return TravelMatrix(durations=[[d // 10 for d in row] for row in distances], distances=distances)


def test_returns_collected_before_deliveries_would_overload_the_truck():
    # given: the cheap order depot -> A -> B -> depot picks up 8 returns at A while B's 8 deliveries
    # are still on board: 16 on a truck of 10. Only B first, then A, keeps the load at 8 or less.
    stops = [Stop("A", collect_volume=8), Stop("B", deliver_volume=8)]
    problem = Problem(
        Depot("dc"),
        stops,
        [Vehicle("truck", volume_capacity=10, kg_capacity=100)],
        one_way_matrix(3, cheap=[(0, 1), (1, 2), (2, 0)]),
    )

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    assert solution.unserved == ()
    (route,) = solution.routes
    assert [v.stop_id for v in route.visits] == ["B", "A"]
    assert route.start_load_volume == 8
    assert [v.load_volume for v in route.visits] == [0, 8]


def test_weight_limits_even_when_volume_fits():
    # given: two heavy, small returns; together they break the 100 kg limit of each truck
    stops = [Stop("A", collect_volume=1, collect_kg=60), Stop("B", collect_volume=1, collect_kg=60)]
    cheap = [(0, 1), (1, 2), (2, 0), (0, 2), (2, 1), (1, 0)]
    problem = Problem(
        Depot("dc"),
        stops,
        [Vehicle("t1", 10, 100), Vehicle("t2", 10, 100)],
        one_way_matrix(3, cheap=cheap),
    )

    # when
    solution = solve(problem, FAST)

    # then: one stop per truck rather than one overloaded truck
    assert check(problem, solution) == []
    assert sorted(len(r.visits) for r in solution.routes) == [1, 1]
    assert all(r.visits[-1].load_kg == 60 for r in solution.routes)


def test_fractional_loads_that_exactly_fill_the_truck_still_fit():
    # given: 0.1 + 0.2 + ... in floats is not exactly 1.0, but it is a full truck, not an overload
    stops = [Stop(f"s{i}", deliver_volume=0.1, deliver_kg=1.1) for i in range(10)]
    size = len(stops) + 1
    distances = [[0 if a == b else 1_000 for b in range(size)] for a in range(size)]
    problem = Problem(
        Depot("dc"), stops, [Vehicle("t", volume_capacity=1.0, kg_capacity=11.0)], TravelMatrix(distances, distances)
    )

    # when
    solution = solve(problem, FAST)

    # then
    assert solution.unserved == ()
    assert check(problem, solution) == []


def test_more_demand_than_the_fleet_carries_drops_stops_with_a_reason():
    # given: six stops of 4 units each; two trucks of 10 carry at most four of them
    stops = [Stop(f"s{i}", deliver_volume=4, collect_volume=2) for i in range(6)]
    size = len(stops) + 1
    distances = [[0 if a == b else 1_000 for b in range(size)] for a in range(size)]
    problem = Problem(
        Depot("dc"), stops, [Vehicle("t1", 10, 10), Vehicle("t2", 10, 10)], TravelMatrix(distances, distances)
    )

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    assert len(solution.unserved) == 2
    assert {u.reason for u in solution.unserved} == {"no capacity/time left on available vehicles"}


@pytest.mark.parametrize("seed", range(4))
def test_random_mixed_loads_are_always_feasible(seed):
    # given: random stores with deliveries and returns, windows on some, a mixed fleet
    rng = random.Random(seed)
    places = [(0.0, 0.0)] + [(rng.uniform(-15, 15), rng.uniform(-15, 15)) for _ in range(25)]
    distances = [[round(math.dist(a, b) * 1000) for b in places] for a in places]
    durations = [[math.ceil(d / 8) for d in row] for row in distances]
    stops = [
        Stop(
            f"s{i}",
            deliver_volume=rng.randint(0, 6),
            deliver_kg=round(rng.uniform(0, 40), 2),
            deliver_parcels=rng.randint(0, 6),
            collect_volume=rng.randint(0, 5),
            collect_kg=round(rng.uniform(0, 30), 2),
            collect_parcels=rng.randint(0, 3),
            window=(9 * 3600, 13 * 3600) if rng.random() < 0.3 else None,
            service_fixed_s=300,
            service_per_parcel_s=20,
        )
        for i in range(1, len(places))
    ]
    vehicles = [
        Vehicle("van", 20, 150, 8 * 3600, 16 * 3600),
        Vehicle("truck", 35, 300, 7 * 3600, 15 * 3600, fixed_cost=5_000),
        Vehicle("late-van", 20, 150, 12 * 3600, 20 * 3600),
    ]
    problem = Problem(Depot("dc", 6 * 3600, 21 * 3600), stops, vehicles, TravelMatrix(durations, distances))

    # when
    solution = solve(problem, SearchParams(time_limit_s=5, solution_limit=100, seed=seed))

    # then
    assert check(problem, solution) == []
    assert len(solution.routes) >= 2

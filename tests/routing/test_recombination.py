"""Recombining pooled routes into a cheaper plan (the set-partitioning step between rounds)."""

import time
from dataclasses import replace
from itertools import pairwise

import pytest

from routing.checker import check
from routing.engine import Depot, Problem, SearchParams, Stop, TravelMatrix, Vehicle, solve

# The route recorder runs inside OR-Tools' search; it is tested on a stand-in model, since what it
# skips cannot be seen from the pool a search returns.
from routing.engine.ortools_model import POOL_WITHIN, Outcome, SearchJob, _route_recorder, run_search
from routing.engine.recombination import PooledRoute, cheapest_partition, recombine
from routing.engine.schedule import route_cost, vehicle_classes
from routing.engine.search import portfolio_strategies
from tests.routing.problems import H, capacity_problem, city


def soon() -> float:
    return time.monotonic() + 10


@pytest.mark.parametrize("deadline", [soon, lambda: None], ids=["timed", "deterministic"])
def test_the_cheapest_exact_cover_of_the_pool_replaces_the_incumbent(deadline):
    # given: the incumbent pairs 1-2 and 3-4; the pool also holds 1-3 and 2-4, cheaper together
    routes = [
        PooledRoute(0, (1, 2), 10),
        PooledRoute(0, (3, 4), 10),
        PooledRoute(0, (1, 3), 6),
        PooledRoute(0, (2, 4), 7),
        PooledRoute(0, (4,), 4),
    ]

    # when
    chosen = cheapest_partition(routes, [1, 2, 3, 4], {0: 2}, [0, 1], deadline())

    # then
    assert sorted(chosen) == [2, 3]


def test_a_stop_is_never_visited_twice():
    # given: 1-2-3 and 3-4 are the cheapest routes, but both visit 3
    routes = [PooledRoute(0, (1, 2), 10), PooledRoute(0, (3, 4), 10), PooledRoute(0, (1, 2, 3), 1)]

    # when
    chosen = cheapest_partition(routes, [1, 2, 3, 4], {0: 2}, [0, 1], soon())

    # then: no exact cover beats the incumbent
    assert chosen is None


def test_each_class_of_vehicle_drives_no_more_routes_than_it_has_vehicles():
    # given: one route through every stop, cheap, but driven by a class with no free vehicle,
    # and three single-stop routes, cheap, for a class with only two vehicles
    routes = [
        PooledRoute(0, (1, 2), 10),
        PooledRoute(0, (3,), 10),
        PooledRoute(1, (1, 2, 3), 1),
        PooledRoute(0, (1,), 1),
        PooledRoute(0, (2,), 1),
    ]

    # when
    chosen = cheapest_partition(routes, [1, 2, 3], {0: 2, 1: 0}, [0, 1], soon())

    # then: 1 and 2 alone and 3 would need three vehicles of class 0
    assert chosen is None


def test_routes_through_stops_outside_the_plan_are_left_out():
    # given: a cheap route through stop 9, which the incumbent plan does not serve
    routes = [PooledRoute(0, (1,), 10), PooledRoute(0, (2,), 10), PooledRoute(0, (1, 2, 9), 1)]

    # when
    chosen = cheapest_partition(routes, [1, 2], {0: 2}, [0, 1], soon())

    # then
    assert chosen is None


def test_vehicles_that_differ_only_by_id_share_a_class():
    # given
    fleet = [
        Vehicle("a", 10, 100),
        Vehicle("b", 10, 100),
        Vehicle("c", 10, 100, fixed_cost=5),
        Vehicle("d", 10, 100, fixed_cost=5),
        Vehicle("e", 12, 100),
    ]

    # when
    classes = vehicle_classes(fleet)

    # then
    assert classes == [0, 0, 2, 2, 4]


def line_problem() -> Problem:
    """Four stops on a line, 1 km apart, the depot at one end; two small trucks and one big one."""
    places = [0, 1, 2, 3, 4]
    distances = [[abs(a - b) * 1000 for b in places] for a in places]
    return Problem(
        Depot("dc"),
        [Stop(f"s{i}", deliver_volume=1) for i in range(1, 5)],
        [Vehicle("small1", 2, 100), Vehicle("small2", 2, 100), Vehicle("big", 4, 100, fixed_cost=500)],
        TravelMatrix([[0] * 5 for _ in places], distances),
    )


def test_recombining_keeps_locked_routes_and_gives_each_route_a_vehicle_of_its_class():
    # given: the big truck is locked to stop 4; the small ones serve 1 and 3 (6 km), then 2 (4 km);
    # the pool holds 1 alone (2 km) and 2-3 (6 km), and a cheap route for the big truck's class
    problem = line_problem()
    fleet = list(problem.vehicles)
    classes = vehicle_classes(fleet)
    locked = {"big": [4]}
    best = Outcome({0: [1, 3], 1: [2], 2: [4]}, 0, 18500)
    pool = {(classes[0], (1, 3)), (classes[0], (2,)), (classes[0], (1,)), (classes[0], (2, 3)), (classes[2], (1, 2, 3))}

    # when
    recombined = recombine(problem, fleet, locked, best, pool, soon())

    # then: 1 and 2-3 on the small trucks; the big truck keeps its locked route
    assert recombined is not None
    assert recombined.routes[2] == [4]
    assert sorted(map(tuple, (recombined.routes[0], recombined.routes[1]))) == [(1,), (2, 3)]
    expected = sum(route_cost(problem, fleet[k], nodes) for k, nodes in recombined.routes.items())
    assert recombined.cost == expected == 2000 + 6000 + 8500


def test_a_pooling_search_pools_only_routes_it_could_drive_and_those_of_its_plan():
    # given
    problem = capacity_problem(110)
    fleet = list(problem.vehicles)
    nodes = list(range(1, 111))
    strategy = portfolio_strategies(problem, fleet, nodes)[0]

    # when
    outcome = run_search(
        SearchJob(
            problem, fleet, {}, nodes, strategy, SearchParams(solution_limit=40), "0/0/0", soon(), None, True, True
        )
    )

    # then
    assert outcome is not None and outcome.pool
    loads = [sum(problem.stops[n - 1].deliver_volume for n in route) for _, route in outcome.pool]
    assert max(loads) <= 80
    assert {(0, tuple(route)) for route in outcome.routes.values() if route} <= outcome.pool


class _Var:
    def __init__(self):
        self.value = 0

    def Value(self):
        return self.value


class _SearchState:
    """What the route recorder reads of an OR-Tools model during a search: two vehicles, starts at
    indices 0 and 4, stops at 1-3 (matrix nodes 5-7), ends at 5 and 6."""

    def __init__(self):
        self.nexts = [_Var() for _ in range(5)]
        self.cost = _Var()

    def Size(self):
        return 5

    def NextVar(self, index):
        return self.nexts[index]

    def Start(self, vehicle):
        return (0, 4)[vehicle]

    def CostVar(self):
        return self.cost

    def IndexToNode(self, index):
        return 0 if index in (0, 4) else index

    def report(self, cost, *routes):
        self.cost.value = cost
        for start, end, route in zip((0, 4), (5, 6), routes, strict=False):
            path = [start, *route, end]
            for a, b in pairwise(path):
                self.nexts[a].value = b


def test_the_route_recorder_keeps_each_route_at_its_cheapest_plan_and_skips_plans_too_costly_to_pool():
    # given
    state = _SearchState()
    fleet = [Vehicle("a", volume_capacity=10, kg_capacity=0), Vehicle("b", volume_capacity=10, kg_capacity=0)]
    seen = {}
    record = _route_recorder(state, state, fleet, {}, [0, 5, 6, 7], seen)
    over = round(1000 * (1 + 2 * POOL_WITHIN))

    # when
    for cost, routes in [(1000, ([1, 2], [3])), (over, ([2, 1], [3])), (1005, ([1], [2, 3])), (990, ([1, 2], []))]:
        state.report(cost, *routes)
        record()

    # then: the costlier plan's new route is left out, the route seen twice keeps its cheaper plan
    assert seen == {(0, (5, 6)): 990, (0, (7,)): 1000, (0, (5,)): 1005, (0, (6, 7)): 1005}


def test_a_plan_of_the_same_size_is_kept_to_the_incumbents_number_of_routes():
    # given: one route through all three stops beats the incumbent's two
    routes = [
        PooledRoute(0, (1, 2), 10),
        PooledRoute(0, (3,), 10),
        PooledRoute(0, (1, 2, 3), 12),
        PooledRoute(0, (1,), 5),
        PooledRoute(0, (2, 3), 9),
    ]

    # when
    any_size = cheapest_partition(routes, [1, 2, 3], {0: 3}, [0, 1], soon())
    same_size = cheapest_partition(routes, [1, 2, 3], {0: 3}, [0, 1], soon(), same_size=True)

    # then
    assert any_size == [2]
    assert sorted(same_size) == [3, 4]


def test_rounds_recombine_a_mixed_fleet_with_windows_and_a_locked_route_into_a_feasible_plan():
    # given: 110 stores, a quarter with morning windows, deliveries and returns; vans and bigger
    # trucks that cost a fixed amount a day; the planner's route for the first van
    problem = replace(
        city(110),
        vehicles=[Vehicle(f"van{k}", 14, 500, 8 * H, 17 * H) for k in range(14)]
        + [Vehicle(f"truck{k}", 30, 900, 7 * H, 16 * H, fixed_cost=2_000) for k in range(6)],
        locked_routes={"van0": ["s1", "s2"]},
    )

    # when
    solution = solve(problem, SearchParams(time_limit_s=60, seed=1, solution_limit=90, workers=2))

    # then
    assert check(problem, solution) == [] and not solution.unserved
    locked = next(r for r in solution.routes if r.vehicle_id == "van0")
    assert [v.stop_id for v in locked.visits] == ["s1", "s2"] and locked.locked

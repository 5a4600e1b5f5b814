"""The descent between routes the rounds end with: SWAP*, moving strings of stops, exchanging route
ends, 2-opt (routing.engine.local_search)."""

import math
import time
from dataclasses import replace

import pytest

from routing.checker import check
from routing.engine import Depot, Problem, SearchParams, Stop, TravelMatrix, Vehicle, solve

# 2-opt within a route is tested on its own: inside the descent it only ever runs after a move.
from routing.engine.local_search import Neighbourhood, _two_opt, descend, swap_star
from routing.engine.ortools_model import Outcome
from routing.engine.schedule import drive, route_cost
from tests.routing.problems import capacity_problem

# Node 0 is the depot; two stops far out east (1, 2) and two far out north (3, 4).
PLACES = [(0, 0), (100, 0), (100, 10), (0, 100), (10, 100)]
EAST, NORTH = {1, 2}, {3, 4}
ONE_EACH = [(0,), (1,), (1,), (1,), (1,)]  # a unit of load at each stop


def distances(places=PLACES) -> list[list[int]]:
    return [[round(math.dist(a, b)) for b in places] for a in places]


def length(routes: dict[int, list[int]], d=None) -> int:
    d = d or distances()
    return sum(d[a][b] for nodes in routes.values() if nodes for a, b in zip([0, *nodes], [*nodes, 0], strict=True))


def anything_goes(vehicle: int, nodes: list[int]) -> bool:
    return True


def test_two_full_routes_that_cross_exchange_stops_each_into_its_best_place():
    # given: each route carries one stop east and one north, and has no room for a third
    routes = {0: [1, 3], 1: [4, 2]}

    # when
    improved = descend(Neighbourhood(distances()), routes, ONE_EACH, {0: (2,), 1: (2,)}, anything_goes)

    # then: one route goes east, the other north
    assert {frozenset(nodes) for nodes in improved.values()} == {frozenset(EAST), frozenset(NORTH)}
    assert length(improved) < length(routes)
    assert routes == {0: [1, 3], 1: [4, 2]}  # the caller's plan is left as it was


def test_an_exchange_that_would_overload_a_route_is_not_made():
    # given: the east stops are twice as large, and no truck carries both
    routes = {0: [1, 3], 1: [4, 2]}
    loads = [(0,), (2,), (2,), (1,), (1,)]

    # when
    improved = descend(Neighbourhood(distances()), routes, loads, {0: (3,), 1: (3,)}, anything_goes)

    # then
    assert improved == routes


def test_every_kind_of_load_must_fit():
    # given: volumes fit either way, but weights do not fit stop 2 on vehicle 0
    loads = [(0, 0), (1, 1), (1, 9), (1, 1), (1, 1)]
    capacities = {0: (2, 5), 1: (2, 10)}

    # when
    improved = descend(Neighbourhood(distances()), {0: [1, 3], 1: [4, 2]}, loads, capacities, anything_goes)

    # then: the east stops go together on vehicle 1, whose payload carries stop 2
    assert set(improved[1]) == EAST and set(improved[0]) == NORTH


def test_a_route_the_check_refuses_is_never_made_and_the_next_best_move_is_taken():
    # given: vehicle 0 may not serve stop 2 (a shift, a compartment: whatever the caller knows)
    def drivable(vehicle, nodes):
        return not (vehicle == 0 and 2 in nodes)

    # when
    improved = descend(Neighbourhood(distances()), {0: [1, 3], 1: [4, 2]}, ONE_EACH, {0: (2,), 1: (2,)}, drivable)

    # then: the same split, the other way round
    assert set(improved[0]) == NORTH and set(improved[1]) == EAST


def test_a_stop_moves_to_a_route_with_room_and_the_route_is_straightened():
    # given: route 0 goes east, then north, and back; route 1 has room for one more
    routes = {0: [1, 3, 2], 1: [4]}

    # when
    improved = descend(Neighbourhood(distances()), routes, ONE_EACH, {0: (3,), 1: (3,)}, anything_goes)

    # then: stop 3 joins stop 4, and route 0 drives out to 1 and 2 without a detour
    assert set(improved[0]) == EAST and set(improved[1]) == NORTH
    assert length(improved) == length({0: [1, 2], 1: [3, 4]})


def test_full_routes_exchange_their_ends_where_no_single_stop_fits_the_other():
    # given: four small stops east (1-4) and three north (5-7), 5 twice as large; both trucks are
    # full and drive east and north. Any one stop for another leaves both routes driving both ways
    # (stops in one place are 0 apart), and only 5 for one east stop would separate them, which
    # overloads route 1
    places = [(0, 0)] + [(100, 0)] * 4 + [(0, 100)] * 3
    loads = [(0,), (1,), (1,), (1,), (1,), (2,), (1,), (1,)]
    routes = {0: [1, 2, 5], 1: [6, 7, 3, 4]}

    # when
    improved = descend(Neighbourhood(distances(places)), routes, loads, {0: (4,), 1: (4,)}, anything_goes)

    # then: route 0 keeps its east head and takes route 1's east end, and route 1 the north stop
    assert improved == {0: [1, 2, 3, 4], 1: [6, 7, 5]}
    assert length(improved, distances(places)) == 400 < length(routes, distances(places))


def test_two_stops_in_one_place_move_together_where_neither_can_move_alone():
    # given: route 0 drives north, east to two stops in one place, north again; route 1 serves one
    # stop in that eastern place, twice as large, so no exchange fits route 0. Moving one eastern
    # stop saves nothing while the other keeps route 0 driving east, and no exchange of route ends
    # is shorter either
    places = [(0, 0), (0, 100), (100, 0), (100, 0), (0, 100), (100, 0)]
    loads = [(0,), (1,), (1,), (1,), (1,), (2,)]
    routes = {0: [1, 2, 3, 4], 1: [5]}

    # when
    improved = descend(Neighbourhood(distances(places)), routes, loads, {0: (4,), 1: (4,)}, anything_goes)

    # then: both eastern stops of route 0 join route 1, which goes east anyway
    assert improved == {0: [1, 4], 1: [2, 3, 5]}
    assert length(improved, distances(places)) == 400 < length(routes, distances(places))


def test_a_string_moves_driven_the_other_way_round_where_only_that_way_can_be_driven():
    # given: stops 2 and 3 lie on route 1's way out east, in the reverse of route 0's order; vehicle
    # 1 may serve them only together and 3 first (whatever the caller knows), and route 0 has no
    # room for route 1's stops
    places = [(0, 0), (0, 100), (200, 0), (150, 0), (100, 0), (300, 0)]
    loads = [(0,)] + [(1,)] * 5
    routes = {0: [1, 2, 3], 1: [4, 5]}

    def drivable(vehicle, nodes):
        if vehicle == 1 and {2, 3} & set(nodes):
            return {2, 3} <= set(nodes) and nodes.index(3) < nodes.index(2)
        return True

    # when
    improved = descend(Neighbourhood(distances(places)), routes, loads, {0: (3,), 1: (4,)}, drivable)

    # then
    assert improved == {0: [1], 1: [4, 3, 2, 5]}
    assert length(improved, distances(places)) == 800 < length(routes, distances(places))


def test_no_route_is_emptied_nor_opened():
    # given: one truck could serve all four stops more cheaply than two; vehicle 2 stands empty
    routes = {0: [1, 2], 1: [3, 4], 2: []}

    # when
    improved = descend(Neighbourhood(distances()), routes, ONE_EACH, {0: (9,), 1: (9,), 2: (9,)}, anything_goes)

    # then
    assert improved == routes


def test_a_passed_deadline_leaves_the_plan_as_it_was():
    # given
    routes = {0: [1, 3], 1: [4, 2]}

    # when
    improved = descend(
        Neighbourhood(distances()),
        routes,
        ONE_EACH,
        {0: (2,), 1: (2,)},
        anything_goes,
        deadline=time.monotonic() - 1,
    )

    # then
    assert improved == routes


@pytest.mark.parametrize(
    "east_2, vehicle_0",
    [
        (Stop("e2", deliver_volume=1, deliver_chilled_volume=1), {}),
        (Stop("e2", deliver_volume=1, window=(0, 150)), {"shift_start": 100}),
    ],
    ids=["chilled goods, no chilled compartment", "window closed before the shift starts"],
)
def test_in_the_solver_vehicle_0_never_gets_a_stop_it_cannot_serve_and_locked_routes_stay(east_2, vehicle_0):
    # given: vehicle 0 cannot serve stop 2, vehicle 1 can; vehicle 2's route is the planner's and
    # crosses the others
    places = [*PLACES, (105, 5), (5, 105)]
    d = distances(places)
    stops = [
        Stop("e1", deliver_volume=1),
        east_2,
        Stop("n3", deliver_volume=1),
        Stop("n4", deliver_volume=1),
        Stop("e5", deliver_volume=1),
        Stop("n6", deliver_volume=1),
    ]
    truck = Vehicle("v", volume_capacity=2, kg_capacity=0, chilled_volume_capacity=2)
    fleet = [
        replace(truck, id="v0", chilled_volume_capacity=0, **vehicle_0),
        replace(truck, id="v1"),
        replace(truck, id="v2"),
    ]
    problem = Problem(Depot("dc"), stops, fleet, TravelMatrix(d, d), locked_routes={"v2": ["e5", "n6"]})
    plan = {0: [3, 1], 1: [2, 4], 2: [5, 6]}
    best = Outcome(plan, 0, sum(route_cost(problem, fleet[k], nodes) for k, nodes in plan.items()))

    # when
    improved = swap_star(problem, fleet, {"v2": [5, 6]})(best, None)

    # then
    assert set(improved.routes[0]) == NORTH and set(improved.routes[1]) == EAST
    assert improved.routes[2] == [5, 6]
    assert improved.cost < best.cost
    assert improved.cost == sum(route_cost(problem, fleet[k], nodes) for k, nodes in improved.routes.items())
    assert all(not isinstance(drive(problem, fleet[k], nodes), str) for k, nodes in improved.routes.items())


def test_a_solve_in_sector_rounds_ends_on_a_plan_the_descent_cannot_improve():
    # given: enough stops for parallel rounds in sectors, and a budget that leaves the plans rough
    problem = capacity_problem(110)

    # when
    solution = solve(problem, SearchParams(time_limit_s=60, seed=2, solution_limit=60, workers=2))

    # then
    assert check(problem, solution) == [] and not solution.unserved
    fleet = list(problem.vehicles)
    node_of = {s.id: n for n, s in enumerate(problem.stops, start=1)}
    vehicle_of = {v.id: k for k, v in enumerate(fleet)}
    plan = {vehicle_of[r.vehicle_id]: [node_of[v.stop_id] for v in r.visits] for r in solution.routes}
    final = Outcome(plan, 0, solution.objective)
    assert swap_star(problem, fleet, {})(final, None).cost == solution.objective


def test_two_opt_prices_a_reversed_segment_driven_backwards():
    # given: a one-way loop 0 -> 1 -> 2 -> 3 -> 0, cheap forwards and dear backwards; the shortcut
    # 1 -> 3 makes reversing 1-2 look cheaper to a count of the two new legs alone
    dear = 10
    d = {
        0: [0, 1, 1, dear],
        1: [dear, 0, 1, 0],
        2: [dear, dear, 0, 1],
        3: [1, dear, dear, 0],
    }

    # when / then: driving 2 -> 1 costs more than the new legs save
    assert _two_opt(d, [1, 2, 3]) == [1, 2, 3]


def test_two_opt_uncrosses_a_route():
    # given: east and north stops served out, across and back
    d = dict(enumerate(distances()))

    # when
    straightened = _two_opt(d, [1, 3, 2, 4])

    # then: out east, across, back from the north
    assert straightened == [1, 2, 4, 3]
    assert length({0: straightened}) < length({0: [1, 3, 2, 4]})

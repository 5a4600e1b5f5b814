"""A route the planner locked is driven exactly as given, and the rest is planned around it."""

import pytest

from routing.checker import check
from routing.engine import Depot, Problem, ProblemError, SearchParams, Stop, TravelMatrix, Vehicle, solve

FAST = SearchParams(time_limit_s=5, solution_limit=200)

# Each test runs with OR-Tools alone and with the portfolio (tests/routing/conftest.py).
pytestmark = pytest.mark.usefixtures("each_engine")
H = 3600


def grid_problem(locked):
    """Eight stores on a 2x4 grid of 3 km cells; two vans of 12 units."""
    cells = [(0, 0)] + [(x, y) for y in (1, 2) for x in range(4)]
    distances = [[3000 * (abs(a[0] - b[0]) + abs(a[1] - b[1])) for b in cells] for a in cells]
    durations = [[d // 10 for d in row] for row in distances]
    stops = [Stop(f"s{i}", deliver_volume=2, collect_volume=1, service_fixed_s=120) for i in range(1, 9)]
    vehicles = [Vehicle("a", 12, 100, 8 * H, 18 * H), Vehicle("b", 12, 100, 8 * H, 18 * H)]
    return Problem(Depot("dc"), stops, vehicles, TravelMatrix(durations, distances), locked)


def test_locked_route_is_kept_in_its_order_and_the_rest_planned_around_it():
    # given: a deliberately zig-zagging locked route on vehicle b
    locked = ["s8", "s1", "s6"]
    problem = grid_problem({"b": locked})

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    by_vehicle = {r.vehicle_id: r for r in solution.routes}
    assert [v.stop_id for v in by_vehicle["b"].visits] == locked
    assert by_vehicle["b"].locked and not by_vehicle["a"].locked
    assert {v.stop_id for v in by_vehicle["a"].visits} == {"s2", "s3", "s4", "s5", "s7"}
    # its times and loads are computed like any other route's
    assert by_vehicle["b"].start_load_volume == 6
    assert [v.load_volume for v in by_vehicle["b"].visits] == [5, 4, 3]
    assert by_vehicle["b"].visits[0].arrival == by_vehicle["b"].start + problem.matrix.durations[0][8]


def test_every_stop_locked_needs_no_search():
    # given
    problem = grid_problem({"a": ["s1", "s2", "s3", "s4"], "b": ["s8", "s7", "s6", "s5"]})

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    assert [[v.stop_id for v in r.visits] for r in solution.routes] == [
        ["s1", "s2", "s3", "s4"],
        ["s8", "s7", "s6", "s5"],
    ]


def test_locked_route_that_overloads_the_truck_is_refused():
    # given: seven stores of 2 units on a 12-unit van
    problem = grid_problem({"a": ["s1", "s2", "s3", "s4", "s5", "s6", "s7"]})

    # when / then
    with pytest.raises(ProblemError, match="locked route of vehicle a cannot be driven: over capacity"):
        solve(problem, FAST)


def test_stop_locked_on_two_routes_is_refused():
    with pytest.raises(ProblemError, match="stop s1 is locked twice"):
        grid_problem({"a": ["s1"], "b": ["s1"]})

"""Ruin-and-recreate takes longer strings of stops out of a route where loads make routes long."""

from routing.engine import Depot, Problem, Stop, TravelMatrix, Vehicle

# The ruin size is private to the search strategy and shows in no solution: tested directly.
from routing.engine.search import _max_string, _stops_per_route


def problem_with(stops: list[Stop], capacity: float, vehicles: int = 30) -> Problem:
    size = len(stops) + 1
    matrix = [[0 if a == b else 100 for b in range(size)] for a in range(size)]
    fleet = [Vehicle(f"v{k}", volume_capacity=capacity, kg_capacity=1000) for k in range(vehicles)]
    return Problem(Depot("dc"), stops, fleet, TravelMatrix(matrix, matrix))


def test_stops_per_route_counts_the_trucks_the_bulkiest_load_needs():
    # given: 40 stops delivering 1 volume unit and collecting 2; trucks of 10. Deliveries alone fit
    # in 4 trucks, but the 80 units of returns need 8.
    stops = [Stop(f"s{k}", deliver_volume=1, collect_volume=2, deliver_kg=1) for k in range(40)]
    problem = problem_with(stops, capacity=10)

    # when
    per_route = _stops_per_route(problem, list(problem.vehicles), list(range(1, 41)))

    # then
    assert per_route == 5


def test_short_routes_keep_the_standard_strings_and_long_ones_get_longer_ones_within_a_cap():
    # given: 120 stops of 1 volume unit each, on trucks of 10, 20 or 60 (routes of 10, 20 or 60 stops)
    stops = [Stop(f"s{k}", deliver_volume=1) for k in range(120)]
    free = list(range(1, 121))
    sizes = {}
    for capacity in (10, 20, 60):
        problem = problem_with(stops, capacity=capacity)

        # when
        sizes[capacity] = _max_string(problem, list(problem.vehicles), free)

    # then: three quarters of a route, never fewer than 10 nor more than 20
    assert sizes == {10: 10, 20: 15, 60: 20}

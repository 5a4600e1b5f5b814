"""Parallel capacity searches after the first round: each worker searches a sector of the plan."""

import time
from dataclasses import replace

from routing.checker import check
from routing.engine import SearchParams, solve
from routing.engine.ortools_model import Outcome, SearchJob, Strategy, run_search

# How a plan is dealt into sectors and joined again is private to the search strategy and shows in
# no single solution: tested directly.
from routing.engine.search import _joined, _sectors
from tests.routing.problems import capacity_problem

NODES = list(range(1, 111))


def savings_plan(problem) -> Outcome:
    outcome = run_search(
        SearchJob(
            problem,
            list(problem.vehicles),
            {},
            NODES,
            Strategy("SAVINGS", search="descent"),
            SearchParams(solution_limit=1),
            "0",
            time.monotonic() + 30,
        )
    )
    assert outcome is not None and outcome.dropped == 0
    return outcome


def test_sectors_share_out_every_vehicle_and_stop_once_in_halves():
    # given
    problem = capacity_problem(110)
    best = savings_plan(problem)
    longest = max(len(route) for route in best.routes.values())

    # when
    sectors = _sectors(problem, list(problem.vehicles), {}, best, NODES, 2, "0/1")

    # then: each sector's stops are those of its routes, about half of them each
    assert sectors is not None and len(sectors) == 2
    assert sorted(k for vehicles, _ in sectors for k in vehicles) == list(range(10))
    assert sorted(n for _, stops in sectors for n in stops) == NODES
    for vehicles, stops in sectors:
        assert sorted(stops) == sorted(n for k in vehicles for n in best.routes.get(k, []))
        assert abs(len(stops) - 55) <= longest


def test_a_sector_grows_from_a_stop_by_the_routes_nearest_it():
    # given
    problem = capacity_problem(110)
    best = savings_plan(problem)
    distances = problem.matrix.distances

    # when
    (first, stops), (second, _) = _sectors(problem, list(problem.vehicles), {}, best, NODES, 2, "3/2")

    # then: some stop of the first sector is nearer each of its routes than to any route of the second
    def reach(n, k):
        return min(distances[n][m] for m in best.routes[k])

    own = [k for k in first if best.routes.get(k)]
    others = [k for k in second if best.routes.get(k)]
    assert any(max(reach(n, k) for k in own) <= min(reach(n, k) for k in others) for n in stops)


def test_a_stop_left_out_joins_the_sector_of_the_route_nearest_it():
    # given: a plan that leaves one stop out
    problem = capacity_problem(110)
    best = savings_plan(problem)
    left_out = best.routes[0].pop()
    plan = Outcome(best.routes, 1, best.cost)

    # when
    sectors = _sectors(problem, list(problem.vehicles), {}, plan, NODES, 2, "0/1")

    # then
    holding = [stops for _, stops in sectors if left_out in stops]
    assert len(holding) == 1
    distances = problem.matrix.distances
    nearest = min((n for route in best.routes.values() for n in route), key=lambda n: distances[left_out][n])
    assert nearest in holding[0]


def test_locked_routes_are_in_no_sector():
    # given
    problem = capacity_problem(110)
    best = savings_plan(problem)
    fleet = list(problem.vehicles)
    locked = {fleet[0].id: best.routes[0]}

    # when
    sectors = _sectors(problem, fleet, locked, best, NODES, 2, "0/1")

    # then
    assert all(0 not in vehicles for vehicles, _ in sectors)
    assert not set(best.routes[0]) & {n for _, stops in sectors for n in stops}


def test_no_sectors_with_fewer_routes_than_sectors():
    # given: a plan of one route
    problem = capacity_problem(110)
    best = Outcome({0: NODES[:5]}, 105, 0)

    # then
    assert _sectors(problem, list(problem.vehicles), {}, best, NODES, 2, "0/1") is None


def test_a_sector_whose_search_did_not_answer_keeps_its_routes():
    # given: two sectors, the first's search returning its routes reversed, the second's none
    problem = capacity_problem(110)
    best = savings_plan(problem)
    fleet = list(problem.vehicles)
    sectors = _sectors(problem, fleet, {}, best, NODES, 2, "0/1")
    (first, _), (second, _) = sectors
    reversed_routes = {i: best.routes.get(k, [])[::-1] for i, k in enumerate(first)}
    pooled = frozenset({(0, tuple(best.routes[first[0]]))})
    answer = Outcome(reversed_routes, 0, best.cost, pooled)

    # when
    joined = _joined(problem, fleet, best, NODES, sectors, [answer, None])

    # then: routes keep their vehicles, and pooled routes the class of the whole fleet
    assert all(joined.routes[k] == best.routes.get(k, [])[::-1] for k in first)
    assert all(joined.routes[k] == best.routes.get(k, []) for k in second)
    assert joined.dropped == 0 and joined.cost == best.cost
    assert joined.pool == frozenset({(0, tuple(best.routes[first[0]]))})


def test_a_locked_route_is_kept_by_parallel_rounds_in_sectors():
    # given: enough stops for searches in sectors, one of the plan's routes locked
    problem = capacity_problem(110)
    best = savings_plan(problem)
    locked = {problem.vehicles[3].id: [problem.stops[n - 1].id for n in best.routes[3]]}
    problem = replace(problem, locked_routes=locked)

    # when
    solution = solve(problem, SearchParams(time_limit_s=60, seed=1, solution_limit=60, workers=2))

    # then
    assert check(problem, solution) == [] and not solution.unserved
    kept = next(r for r in solution.routes if r.vehicle_id == problem.vehicles[3].id)
    assert [v.stop_id for v in kept.visits] == locked[problem.vehicles[3].id] and kept.locked

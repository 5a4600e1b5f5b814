"""Parallel capacity searches begin with one worker on the fewest trucks the loads fit in."""

from dataclasses import replace

from routing.checker import check
from routing.engine import SearchParams, solve
from routing.engine.ortools_model import Outcome

# Which fleet each worker starts with, and how plans rank, decide the first round; a whole solve
# cannot show them apart from the rounds after it.
from routing.engine.search import _first_round_fleets, _rank
from tests.routing.problems import capacity_problem

NODES = list(range(1, 111))


def test_the_last_worker_starts_on_the_fewest_trucks_that_leave_room_for_one_more_stop():
    # given: ten trucks of 80; ten stops of 20 leave room for two more in three trucks, ten of 30
    # only for two thirds of one more in four
    problem = capacity_problem(10)
    fleet = list(problem.vehicles)
    roomy = replace(problem, stops=[replace(s, deliver_volume=20) for s in problem.stops])
    tight = replace(problem, stops=[replace(s, deliver_volume=30) for s in problem.stops])
    nodes = list(range(1, 11))

    # when
    fleets = [_first_round_fleets(p, fleet, {}, nodes, 2) for p in (roomy, tight)]

    # then
    assert fleets == [[fleet, fleet[:3]], [fleet, fleet[:5]]]


def test_every_worker_keeps_the_whole_fleet_with_locked_routes_mixed_trucks_or_no_spare():
    # given
    problem = capacity_problem(110)
    fleet = list(problem.vehicles)
    mixed = [*fleet[:-1], replace(fleet[-1], volume_capacity=120)]
    no_spare = fleet[:3]

    # when
    with_locked = _first_round_fleets(problem, fleet, {fleet[0].id: [1]}, NODES, 2)
    with_mixed = _first_round_fleets(problem, mixed, {}, NODES, 2)
    without_spare = _first_round_fleets(problem, no_spare, {}, NODES, 2)
    alone = _first_round_fleets(problem, fleet, {}, NODES, 1)

    # then
    assert with_locked == [fleet, fleet] and with_mixed == [mixed, mixed]
    assert without_spare == [no_spare, no_spare] and alone == [fleet]


def test_after_the_first_round_fewer_routes_come_before_a_cheaper_plan_but_not_before_serving_more():
    # given
    cheaper = Outcome({0: [1, 2], 1: [3], 2: []}, dropped=0, cost=100)
    fewer_routes = Outcome({0: [1, 2, 3], 1: [], 2: []}, dropped=0, cost=120)
    leaves_one_out = Outcome({0: [1, 2]}, dropped=1, cost=50)
    plans = [cheaper, fewer_routes, leaves_one_out]

    # when
    first_round = min(plans, key=lambda o: _rank(o, fewest_routes_first=True))
    later = min(plans, key=_rank)

    # then
    assert first_round is fewer_routes and later is cheaper


def test_a_parallel_solve_starting_on_the_fewest_trucks_serves_every_stop_within_capacity():
    # given
    problem = capacity_problem(110)

    # when
    solution = solve(problem, SearchParams(time_limit_s=60, seed=2, solution_limit=60, workers=2))

    # then
    assert check(problem, solution) == [] and not solution.unserved

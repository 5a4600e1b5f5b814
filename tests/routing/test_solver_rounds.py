"""Parallel ruin and recreate searches in rounds, each restarting from the best plan so far."""

import math
import time
from dataclasses import replace
from itertools import pairwise

from routing.checker import check
from routing.engine import SearchParams, solve

# The rounds' timing and cooling are private to the search strategy; these tests pin them down
# directly, since a whole solve shows neither.
from routing.engine.ortools_model import SearchJob, Strategy, _search_parameters, run_search
from routing.engine.search import _round_end, _round_of, portfolio_strategies
from tests.routing.problems import capacity_problem, plan


def test_rounds_together_cool_as_one_schedule():
    # given
    strategy = Strategy("SAVINGS", temperatures=(0.8, 0.0008))

    # when
    rounds = [_round_of(strategy, r, 3).temperatures for r in range(3)]

    # then: the first starts hot, the last ends cold, and each starts where the one before ended
    assert rounds[0][0] == 0.8
    assert math.isclose(rounds[-1][1], 0.0008)
    assert all(math.isclose(a[1], b[0]) for a, b in pairwise(rounds))
    assert math.isclose(rounds[0][1], 0.08)


def test_the_first_round_takes_its_share_of_the_time_and_the_others_split_the_rest():
    # when
    sector_rounds = [_round_end(100.0, 160.0, r, 6, 0.3) for r in range(6)]
    equal_rounds = [_round_end(100.0, 160.0, r, 3, 1 / 3) for r in range(3)]

    # then
    assert math.isclose(sector_rounds[0], 118.0)
    lengths = [b - a for a, b in pairwise(sector_rounds)]
    assert all(math.isclose(length, 8.4) for length in lengths)
    assert sector_rounds[-1] == 160.0
    assert all(math.isclose(end, expected) for end, expected in zip(equal_rounds, (120.0, 140.0, 160.0), strict=True))
    assert _round_end(100.0, 160.0, 0, 1, 1.0) == 160.0


def test_capacity_workers_ruin_twice_as_much_in_every_round_after_the_first():
    # given
    problem = capacity_problem(110)
    nodes = list(range(1, 111))
    first, second = portfolio_strategies(problem, list(problem.vehicles), nodes)

    # when
    rounds = {w: [_round_of(strategy, r, 3) for r in range(3)] for w, strategy in enumerate((first, second))}

    # then: the first round keeps the usual ruins; in the later ones both workers anneal as the
    # first would have, with ruins twice as large, and polish nothing
    for own in rounds.values():
        assert [s.removed_visits for s in own] == [first.removed_visits] + [2 * first.removed_visits] * 2
        assert [s.max_string for s in own[1:]] == [20, 20]
        for r in (1, 2):
            assert own[r].temperatures == _round_of(replace(first, later_rounds=None), r, 3).temperatures
        assert not any(s.improve_perturbed for s in own)
    # the second worker, which cools faster, is reheated to the first's schedule after its first round
    assert rounds[1][1].temperatures[0] > rounds[1][0].temperatures[1]
    deadline = time.monotonic() + 5
    last = _search_parameters(rounds[1][-1], SearchParams(), 1000.0, deadline).iterated_local_search_parameters
    sisr = last.ruin_recreate_parameters.ruin_strategies[0].sisr
    assert (sisr.avg_num_removed_visits, sisr.max_removed_sequence_size) == (2 * first.removed_visits, 20)


def test_a_single_round_searches_with_the_strategy_itself():
    # given
    problem = capacity_problem(110)
    second = portfolio_strategies(problem, list(problem.vehicles), list(range(1, 111)))[1]

    # when
    only = _round_of(second, 0, 1)

    # then
    assert only.removed_visits == second.removed_visits
    assert only.temperatures == second.temperatures


def test_a_later_round_with_large_ruins_finds_a_plan():
    # given: the second worker's last round, whose parameters OR-Tools must accept
    problem = capacity_problem(110)
    fleet = list(problem.vehicles)
    nodes = list(range(1, 111))
    last = _round_of(portfolio_strategies(problem, fleet, nodes)[1], 2, 3)

    # when
    deadline = time.monotonic() + 30
    outcome = run_search(SearchJob(problem, fleet, {}, nodes, last, SearchParams(solution_limit=20), "0/1/2", deadline))

    # then
    assert outcome is not None
    assert outcome.dropped == 0
    assert sorted(n for route in outcome.routes.values() for n in route) == nodes
    assert all(sum(problem.stops[n - 1].deliver_volume for n in route) <= 80 for route in outcome.routes.values())


def test_a_search_given_a_start_begins_from_that_plan():
    # given: the stops dealt out to the trucks in turn, far from any plan a search would build
    problem = capacity_problem(110)
    fleet = list(problem.vehicles)
    nodes = list(range(1, 111))
    start = {k: nodes[k::10] for k in range(10)}
    assert all(sum(problem.stops[n - 1].deliver_volume for n in route) <= 80 for route in start.values())
    strategy = Strategy("SAVINGS", removed_visits=15, max_string=15)

    # when: the search may keep only its first solution
    deadline = time.monotonic() + 30
    params = SearchParams(solution_limit=1)
    outcome = run_search(SearchJob(problem, fleet, {}, nodes, strategy, params, "0/0", deadline, start, False))

    # then
    assert outcome is not None
    assert outcome.routes == start


def test_parallel_rounds_give_a_valid_plan_the_same_every_time():
    # given: enough stops for ruin and recreate, two workers, a solution budget well within the time
    problem = capacity_problem(110)
    params = SearchParams(time_limit_s=60, seed=2, solution_limit=90, workers=2)

    # when
    first = solve(problem, params)
    second = solve(problem, params)

    # then
    assert check(problem, first) == [] and not first.unserved
    assert plan(first) == plan(second)
    assert first.objective == second.objective

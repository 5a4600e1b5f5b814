"""Same input, seed and solution budget: same routes, in one process or several."""

import hashlib

import pytest

from routing.checker import check
from routing.engine import SearchParams, solve
from tests.routing.problems import capacity_problem, city, plan


def test_two_solves_in_a_row_in_one_process_give_the_same_routes():
    # given: a generous time limit, so only the solution budget ends the search
    problem = city(20)
    params = SearchParams(time_limit_s=30, seed=3, solution_limit=60)

    # when
    first = solve(problem, params)
    second = solve(problem, params)

    # then
    assert check(problem, first) == [] and check(problem, second) == []
    assert plan(first) == plan(second)
    assert first.objective == second.objective


def test_large_problem_ruin_and_recreate_is_reproducible_too():
    # given: enough stores for the ruin-and-recreate search
    problem = city(110)
    params = SearchParams(time_limit_s=30, seed=1, solution_limit=60)

    # when
    first = solve(problem, params)
    second = solve(problem, params)

    # then
    assert check(problem, first) == []
    assert plan(first) == plan(second)


def test_parallel_workers_are_reproducible_and_no_worse_than_one():
    # given
    problem = city(20)
    alone = SearchParams(time_limit_s=30, seed=5, solution_limit=60)
    together = SearchParams(time_limit_s=30, seed=5, solution_limit=60, workers=2)

    # when
    single = solve(problem, alone)
    first = solve(problem, together)
    second = solve(problem, together)

    # then: worker 0 runs the single search's strategy, so the pair can only do better
    assert check(problem, first) == []
    assert plan(first) == plan(second)
    assert (len(first.unserved), first.objective) <= (len(single.unserved), single.objective)


def test_time_limit_bounds_the_solve():
    # given: no solution budget, a one-second time limit
    problem = city(110)

    # when
    solution = solve(problem, SearchParams(time_limit_s=1))

    # then
    assert check(problem, solution) == []
    assert solution.search_seconds < 5


def test_search_stops_early_once_it_stops_improving():
    # given: a small problem and a time limit it does not need
    problem = city(12)

    # when
    solution = solve(problem, SearchParams(time_limit_s=60))

    # then
    assert check(problem, solution) == []
    assert solution.search_seconds < 10


@pytest.mark.parametrize(
    ("problem", "params", "objective", "digest"),
    [
        (city(20), SearchParams(time_limit_s=60, seed=3, solution_limit=60), 115651, "ed13a8020f30"),
        (city(110), SearchParams(time_limit_s=120, seed=2, solution_limit=300, workers=2), 139203, "ae3e08673366"),
        (
            capacity_problem(120),
            SearchParams(time_limit_s=120, seed=4, solution_limit=600, workers=2),
            245204,
            "f68a223a44d4",
        ),
    ],
    ids=["guided", "rounds-with-windows", "sectors-recombination-descent"],
)
def test_a_fixed_budget_gives_the_plans_the_engine_gave_before_it_became_a_package(problem, params, objective, digest):
    # given: figures from routing/solver.py at 3f512b1, the same inputs and budgets; the last case
    # runs the sector rounds, recombination and the descent between rounds

    # when
    solution = solve(problem, params)

    # then
    assert check(problem, solution) == []
    assert solution.objective == objective
    assert hashlib.sha256(repr(plan(solution)).encode()).hexdigest()[:12] == digest

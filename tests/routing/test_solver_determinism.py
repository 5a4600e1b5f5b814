"""Same input, seed and solution budget: same routes, in one process or several."""

import hashlib
from functools import partial

import pytest

from routing.checker import check
from routing.engine import SearchParams, solve, solve_isolated
from tests.routing.clocks import FrozenClock, RecordingClock, solve_with
from tests.routing.problems import capacity_problem, city, plan

# A time limit these tests never wait for, and the hard timeout that turns a search running on into a failure.
TEN_MINUTES = 600
HANG_GUARD_S = 120


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
    # given: no solution budget, so only the limit can end this ruin-and-recreate search, and a clock
    # that, from the solve's second reading on, says the limit has passed
    problem = city(110)
    late = RecordingClock(ahead=TEN_MINUTES, from_reading=1)

    # when: in a child process whose hard timeout, far below the limit, only stops a search that
    # runs on
    solution = solve_isolated(
        problem, SearchParams(time_limit_s=TEN_MINUTES), timeout_s=HANG_GUARD_S, target=partial(solve_with, late)
    )

    # then
    assert check(problem, solution) == []
    assert solution.search_seconds >= TEN_MINUTES


def test_search_stops_early_once_it_stops_improving():
    # given: a small problem, and a clock that never moves, so no deadline ever passes
    problem = city(12)

    # when: in a child process whose hard timeout only stops a search that never converges
    solution = solve_isolated(
        problem,
        SearchParams(time_limit_s=TEN_MINUTES),
        timeout_s=HANG_GUARD_S,
        target=partial(solve_with, FrozenClock()),
    )

    # then: the search ended itself, with every stop served
    assert check(problem, solution) == []
    assert solution.unserved == ()


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

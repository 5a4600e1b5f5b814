"""The maximal covering model: the best K sites, the bound that proves it, group limits."""

import itertools
import random

import pytest

from insight.covering import CoverProblem, max_cover


def brute_force(problem: CoverProblem) -> int:
    best = 0
    for sites in itertools.combinations(range(len(problem.covers)), problem.k):
        if problem.groups is not None:
            used = [problem.groups[i] for i in sites]
            if any(used.count(g) > limit for g, limit in problem.group_limits.items()):
                continue
        cells = {j for i in sites for j in problem.covers[i]}
        best = max(best, sum(problem.demand[j] for j in cells))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_the_answer_is_the_best_k_sites_and_the_bound_proves_it(seed):
    # given: overlapping sites where the greedy choice is often not the best
    rng = random.Random(seed)
    demand = [rng.randint(0, 30) for _ in range(40)]
    covers = [rng.sample(range(40), rng.randint(2, 8)) for _ in range(12)]
    problem = CoverProblem(demand, covers, k=3)

    # when
    answer = max_cover(problem, time_limit_s=20)

    # then
    assert answer.covered == brute_force(problem)
    assert answer.bound >= answer.covered and answer.gap <= 0.005
    assert len(answer.chosen) == 3


def test_sites_are_ranked_by_the_demand_each_adds_to_those_above_it():
    # given: site 0 covers the big cell; site 1 repeats half of it; site 2 covers something else
    problem = CoverProblem([100, 50, 40, 30], [[0, 1], [1, 2], [3]], k=3)

    answer = max_cover(problem, time_limit_s=10)

    assert [(c.candidate, c.adds) for c in answer.chosen] == [(0, 150), (1, 40), (2, 30)]
    assert answer.covered == 220


def test_a_group_limit_caps_the_sites_chosen_in_it():
    groups = ["a", "a", "a", "b"]
    problem = CoverProblem([10, 10, 10, 1], [[0], [1], [2], [3]], k=3, groups=groups, group_limits={"a": 2})

    answer = max_cover(problem, time_limit_s=10)

    assert sorted(c.candidate for c in answer.chosen)[:2] in ([0, 1], [0, 2], [1, 2])
    assert 3 in [c.candidate for c in answer.chosen]
    assert answer.covered == 21


def test_sites_that_add_nothing_are_not_chosen():
    problem = CoverProblem([5, 0], [[0], [1], []], k=3)

    answer = max_cover(problem, time_limit_s=10)

    assert [c.candidate for c in answer.chosen] == [0]
    assert answer.covered == answer.bound == 5


def test_a_negative_k_is_refused():
    with pytest.raises(ValueError, match="k"):
        max_cover(CoverProblem([1], [[0]], k=-1))

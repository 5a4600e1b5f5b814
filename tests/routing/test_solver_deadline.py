"""The time limit bounds the whole solve, even when a search overruns it."""

import math
import os
import random
import time

import pytest

from routing.checker import check
from routing.engine import (
    Depot,
    Problem,
    SearchParams,
    Stop,
    TravelMatrix,
    Vehicle,
    Workers,
    overrun_slack,
    solve,
)

H = 3600
# What these tests guard against is a runaway search (a 1 s limit once took 14 s), not a few seconds
# of process start-up on a loaded machine: the margin covers the latter and still catches the former.
START_UP_MARGIN_S = 5


def windowed_city(stops: int) -> Problem:
    """Two-hour windows scattered over the day: the first-solution heuristic alone needs many
    seconds here, far more than the limits and margins below."""
    rng = random.Random(7)
    places = [(0.0, 0.0)] + [(rng.uniform(-20, 20), rng.uniform(-20, 20)) for _ in range(stops)]
    distances = [[round(math.dist(a, b) * 1000) for b in places] for a in places]
    durations = [[math.ceil(d / 9) for d in row] for row in distances]
    windows = [rng.randint(7, 18) * H for _ in range(stops)]
    return Problem(
        Depot("dc", 6 * H, 22 * H),
        [
            Stop(f"s{i}", deliver_volume=rng.randint(1, 4), service_fixed_s=240, window=(w, w + 2 * H))
            for i, w in enumerate(windows, start=1)
        ],
        [Vehicle(f"v{k}", 30, 500, 6 * H, 22 * H) for k in range(stops // 8)],
        TravelMatrix(durations, distances),
    )


def answer(value):
    return value


def hang(seconds):
    time.sleep(seconds)
    return "too late"


def die():
    os._exit(3)


def fail():
    raise ValueError("bad input")


def test_parallel_calls_that_overrun_are_killed_and_not_waited_for():
    # given: one quick call, one that would take a minute, one that dies
    started = time.monotonic()

    # when
    with Workers() as workers:
        results = workers.run([(answer, (42,)), (hang, (60,)), (die, ())], deadline=started + 5)

    # then: the quick answer arrives; the others have no result and cost no more than the deadline
    assert results == [42, None, None]
    assert time.monotonic() - started < 7


def test_workers_answer_call_after_call_from_the_same_processes():
    with Workers() as workers:
        first = workers.run([(os.getpid, ()), (os.getpid, ())], deadline=time.monotonic() + 30)
        second = workers.run([(os.getpid, ()), (answer, ("only the first",))], deadline=time.monotonic() + 30)

    assert first[0] != first[1] and os.getpid() not in first
    assert second == [first[0], "only the first"]


def test_a_worker_that_overruns_or_dies_is_replaced_at_the_next_call():
    with Workers() as workers:
        before = workers.run([(os.getpid, ()), (os.getpid, ())], deadline=time.monotonic() + 30)
        workers.run([(hang, (60,)), (die, ())], deadline=time.monotonic() + 2)

        after = workers.run([(os.getpid, ()), (os.getpid, ())], deadline=time.monotonic() + 30)

    assert None not in after and set(after).isdisjoint(before)


def test_an_error_in_a_parallel_call_is_raised_here_at_once_and_every_worker_stopped():
    with Workers() as workers:
        before = workers.run([(os.getpid, ()), (os.getpid, ())], deadline=time.monotonic() + 30)
        started = time.monotonic()

        with pytest.raises(ValueError, match="bad input"):
            workers.run([(fail, ()), (hang, (60,))], deadline=started + 30)

        assert time.monotonic() - started < 10
        after = workers.run([(os.getpid, ()), (os.getpid, ())], deadline=time.monotonic() + 30)
    assert None not in after and set(after).isdisjoint(before)


def test_one_worker_stops_at_the_limit_even_in_the_first_solution_heuristic():
    # given
    problem = windowed_city(300)
    started = time.monotonic()

    # when
    solution = solve(problem, SearchParams(time_limit_s=2))

    # then: whatever it found by then (stops it did not place say why)
    assert time.monotonic() - started < 2 + overrun_slack(2) + START_UP_MARGIN_S
    assert check(problem, solution) == []


def test_parallel_workers_are_bounded_by_the_limit_and_the_documented_slack():
    # given
    problem = windowed_city(300)
    started = time.monotonic()

    # when
    solution = solve(problem, SearchParams(time_limit_s=3, workers=2))

    # then
    assert time.monotonic() - started < 3 + overrun_slack(3) + START_UP_MARGIN_S
    assert check(problem, solution) == []

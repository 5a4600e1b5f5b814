"""The time limit bounds the whole solve, even when a search overruns it.

These tests move the engine's clock (routing.engine.clock) instead of timing the solve: they assert
what the deadline logic decided (which calls were cut off, which processes were killed, what the
solve reports), never how long it took. Where a broken deadline would make a solve run on, it runs
in `solve_isolated` with a hard timeout far below the search's own time limit: that timeout only
stops a hang, and turns it into a failure.
"""

import math
import os
import random
import time
from functools import partial

import pytest

from routing.checker import check
from routing.engine import (
    REASON_NO_SOLUTION,
    Depot,
    Problem,
    SearchParams,
    Stop,
    TravelMatrix,
    Vehicle,
    Workers,
    solve_isolated,
)
from routing.engine import clock as engine_clock
from tests.faults.conftest import process_running
from tests.routing.clocks import RecordingClock, solve_with

H = 3600
# A time limit no test waits for: a solve still running when its hang guard fires did not honour
# the deadline its clock gave it.
TEN_MINUTES = 600
HANG_GUARD_S = 120


def windowed_city(stops: int) -> Problem:
    """Two-hour windows scattered over the day: the first-solution heuristic alone needs seconds
    here, so a search that stops at once must stop inside it."""
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


def test_parallel_calls_that_overrun_are_killed_at_the_deadline_and_not_waited_for(monkeypatch):
    # given: three children up and running, and a clock that records what the parent reads
    parent_clock = RecordingClock()
    monkeypatch.setattr(engine_clock, "now", parent_clock)
    with Workers() as workers:
        pids = workers.run([(os.getpid, ())] * 3, deadline=engine_clock.now() + 30)
        deadline = engine_clock.now() + 2

        # when: one quick call, one that would take ten minutes, one that dies
        results = workers.run([(answer, (42,)), (hang, (TEN_MINUTES,)), (die, ())], deadline=deadline)

        # then: the quick answer arrives; the parent stopped waiting once its clock passed the
        # deadline, and killed the child that had not answered
        assert results == [42, None, None]
        assert parent_clock.readings[-1] >= deadline
        assert not process_running(pids[1]) and not process_running(pids[2])


def test_workers_answer_call_after_call_from_the_same_processes():
    with Workers() as workers:
        first = workers.run([(os.getpid, ()), (os.getpid, ())], deadline=engine_clock.now() + 30)
        second = workers.run([(os.getpid, ()), (answer, ("only the first",))], deadline=engine_clock.now() + 30)

    assert first[0] != first[1] and os.getpid() not in first
    assert second == [first[0], "only the first"]


def test_a_worker_that_overruns_or_dies_is_replaced_at_the_next_call():
    with Workers() as workers:
        before = workers.run([(os.getpid, ()), (os.getpid, ())], deadline=engine_clock.now() + 30)
        workers.run([(hang, (TEN_MINUTES,)), (die, ())], deadline=engine_clock.now() + 2)

        after = workers.run([(os.getpid, ()), (os.getpid, ())], deadline=engine_clock.now() + 30)

    assert None not in after and set(after).isdisjoint(before)


def test_an_error_in_a_parallel_call_is_raised_here_at_once_and_every_worker_stopped(monkeypatch):
    parent_clock = RecordingClock()
    monkeypatch.setattr(engine_clock, "now", parent_clock)
    with Workers() as workers:
        before = workers.run([(os.getpid, ()), (os.getpid, ())], deadline=engine_clock.now() + 30)
        deadline = engine_clock.now() + 30

        with pytest.raises(ValueError, match="bad input"):
            workers.run([(fail, ()), (hang, (TEN_MINUTES,))], deadline=deadline)

        # at once: the parent's clock never reached the deadline, so the error, not the deadline,
        # ended the wait; and the hanging call's child was killed with the rest
        assert max(parent_clock.readings) < deadline
        assert not any(process_running(pid) for pid in before)
        after = workers.run([(os.getpid, ()), (os.getpid, ())], deadline=engine_clock.now() + 30)
    assert None not in after and set(after).isdisjoint(before)


def test_one_worker_stops_at_the_limit_even_in_the_first_solution_heuristic():
    # given: a problem whose first-solution heuristic alone takes seconds, and a clock that, from the
    # solve's second reading on, says the ten-minute limit has passed
    problem = windowed_city(300)
    late = RecordingClock(ahead=TEN_MINUTES, from_reading=1)

    # when: the search must stop at its first check, in the heuristic
    solution = solve_isolated(
        problem, SearchParams(time_limit_s=TEN_MINUTES), timeout_s=HANG_GUARD_S, target=partial(solve_with, late)
    )

    # then: it stopped before the heuristic had a plan, says so for every stop, and was timed by the
    # clock it was given
    assert check(problem, solution) == []
    assert solution.routes == ()
    assert {u.reason for u in solution.unserved} == {REASON_NO_SOLUTION}
    assert len(solution.unserved) == len(problem.stops)
    assert solution.search_seconds >= TEN_MINUTES


def test_parallel_workers_are_cut_off_at_the_limit_and_the_documented_slack():
    # given: the solving process's clock ten minutes ahead of the real one its search workers read,
    # so every worker searches ten minutes past the deadline the solve gave it
    problem = windowed_city(300)
    ahead = RecordingClock(ahead=TEN_MINUTES)

    # when
    solution = solve_isolated(
        problem, SearchParams(time_limit_s=3, workers=2), timeout_s=HANG_GUARD_S, target=partial(solve_with, ahead)
    )

    # then: the solve did not wait for them: it killed each worker at the round's end plus
    # overrun_slack, by its own clock, lost their plans, and says so for every stop
    assert check(problem, solution) == []
    assert solution.routes == ()
    assert {u.reason for u in solution.unserved} == {REASON_NO_SOLUTION}
    assert len(solution.unserved) == len(problem.stops)

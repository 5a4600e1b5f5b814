"""Solving in a child process: results come back, crashes and hangs do not take the caller down."""

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from routing.engine import (
    Depot,
    Problem,
    ProblemError,
    SearchParams,
    SolverCrashed,
    SolverTimedOut,
    Stop,
    TravelMatrix,
    Vehicle,
    solve,
    solve_isolated,
)
from tests.faults.conftest import process_running, wait_until

ROOT = Path(__file__).resolve().parents[2]


def small_problem(locked=None):
    distances = [[0, 4000, 6000], [4000, 0, 3000], [6000, 3000, 0]]
    durations = [[d // 10 for d in row] for row in distances]
    return Problem(
        Depot("dc"),
        [Stop("a", deliver_volume=2), Stop("b", collect_volume=3)],
        [Vehicle("van", 10, 100)],
        TravelMatrix(durations, distances),
        locked or {},
    )


def crash(problem, params):
    os.abort()


def hang(problem, params):
    time.sleep(600)


def report_and_hang(problem, params):
    print(os.getpid(), flush=True)
    hang(problem, params)


def test_isolated_solve_returns_the_same_solution_as_in_process():
    # given
    problem = small_problem()
    params = SearchParams(time_limit_s=10, solution_limit=100)

    # when
    isolated = solve_isolated(problem, params)

    # then
    local = solve(problem, params)
    assert [[v.stop_id for v in r.visits] for r in isolated.routes] == [
        [v.stop_id for v in r.visits] for r in local.routes
    ]
    assert isolated.objective == local.objective


def test_a_crash_in_the_child_is_reported_and_the_caller_lives_on():
    with pytest.raises(SolverCrashed, match="exit code"):
        solve_isolated(small_problem(), SearchParams(time_limit_s=1), target=crash)

    # and the next solve works
    assert solve_isolated(small_problem(), SearchParams(time_limit_s=5, solution_limit=50)).unserved == ()


def test_a_hung_child_is_killed_at_the_hard_timeout():
    # when: a child that would sleep for ten minutes, given three seconds
    with pytest.raises(SolverTimedOut, match="within 3 s and was killed"):
        solve_isolated(small_problem(), SearchParams(time_limit_s=1), timeout_s=3, target=hang)

    # then: the child was killed and reaped, not left sleeping
    assert not [child for child in multiprocessing.active_children() if child.name == "routing-solve"]


def test_solver_errors_come_back_as_themselves():
    # given: a locked route that picks up 3 returns while 2 deliveries are still aboard a van of 4
    problem = small_problem(locked={"van": ["b", "a"]})
    tight = Problem(problem.depot, problem.stops, [Vehicle("van", 4, 100)], problem.matrix, problem.locked_routes)

    # when / then
    with pytest.raises(ProblemError, match="locked route of vehicle van cannot be driven: over capacity"):
        solve_isolated(tight, SearchParams(time_limit_s=5))


def test_the_solving_process_dies_with_a_caller_killed_with_minus_9():
    # given a process solving in an isolated child that searches for ten minutes
    solving = (
        "from routing.engine import solve_isolated; from routing.engine import SearchParams; "
        "from tests.routing.test_solver_isolation import report_and_hang, small_problem; "
        "solve_isolated(small_problem(), SearchParams(time_limit_s=600), target=report_and_hang)"
    )
    caller = subprocess.Popen([sys.executable, "-c", solving], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    solver_pid = None
    try:
        solver_pid = int(caller.stdout.readline())
        # when the caller is killed, with no chance to clean up
        caller.kill()
        caller.wait(timeout=10)
        # then the kernel ends the search too
        wait_until(
            lambda: not process_running(solver_pid), timeout=10, what=f"the orphaned solver process {solver_pid} to end"
        )
    finally:
        caller.kill()
        caller.wait(timeout=10)
        if solver_pid is not None and process_running(solver_pid):
            os.killpg(solver_pid, signal.SIGKILL)

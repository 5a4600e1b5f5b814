"""Run a solve in a child process of its own.

OR-Tools is native code: a crash or a leak in it must not take down the web server or a long-lived
Celery worker. Each solve gets a fresh spawned process (nothing inherited but its arguments), which
also leads its own process group so that a hard timeout kills the search workers it started too.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection

from routing.solver import Problem, SearchParams, Solution, solve

# Allowance beyond the search's own time limit: starting Python, importing OR-Tools, building the
# model, and sending the result back.
GRACE_S = 30.0


class SolverCrashed(RuntimeError):
    """The solving process died without returning a result."""


class SolverTimedOut(RuntimeError):
    """The solving process overran its hard timeout and was killed."""


def solve_isolated(
    problem: Problem,
    params: SearchParams = SearchParams(),
    *,
    timeout_s: float | None = None,
    target: Callable[[Problem, SearchParams], Solution] = solve,
) -> Solution:
    """`target(problem, params)` (the solver, unless a test swaps in a misbehaving one) run in a child
    process, killed after `timeout_s` (default: the search's time limit plus `GRACE_S`). Errors the
    solver raises (such as `ProblemError`) are raised here unchanged."""
    timeout = params.time_limit_s + GRACE_S if timeout_s is None else timeout_s
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_run, args=(sender, target, problem, params), name="routing-solve")
    child.start()
    sender.close()
    answered = False
    try:
        if not receiver.poll(timeout):
            raise SolverTimedOut(f"solve did not finish within {timeout:g} s and was killed")
        try:
            ok, payload = receiver.recv()
        except EOFError:
            child.join()
            raise SolverCrashed(f"solver process died with exit code {child.exitcode}") from None
        answered = True
    finally:
        receiver.close()
        _stop(child, answered)
    if not ok:
        raise payload
    return payload


def _run(sender: Connection, target: Callable, problem: Problem, params: SearchParams) -> None:
    os.setpgrp()
    try:
        result = (True, target(problem, params))
    except Exception as error:  # noqa: BLE001 - handed to the parent, which raises it
        result = (False, error)
    sender.send(result)
    sender.close()


def _stop(child: multiprocessing.process.BaseProcess, answered: bool) -> None:
    if answered:
        child.join(timeout=5)
        if child.exitcode == 0:
            return
    # The child leads its process group, so this also ends any search workers it spawned.
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it died before (or without) making its group; nothing else to reap there
    if child.is_alive():
        child.kill()
    child.join()

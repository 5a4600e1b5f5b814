"""Worker processes: a solve in a child process of its own, and searches in parallel children with a
hard deadline.

OR-Tools is native code: a crash or a leak in it must not take down the web server or a long-lived
Celery worker. Each solve gets a fresh spawned process (nothing inherited but its arguments), which
also leads its own process group so that a hard timeout kills the search workers it started too.

OR-Tools' own time limit is not a guarantee either: it is checked between search steps, and some
steps (a first-solution heuristic, a large neighbourhood) can run on past it. Native code cannot be
interrupted from Python, so the only hard bound is a process that can be killed (`Workers`).

A solving process dies with the process that started it: a Celery worker killed with -9 (the OOM
killer, a lost container) must not leave an orphaned search burning a core for the rest of its time
limit while another worker solves the same region again.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait

from routing.engine import clock
from routing.engine.model import Problem, SearchParams, Solution

# Allowance beyond the search's own time limit: starting Python, importing OR-Tools, building the
# model, and sending the result back.
GRACE_S = 30.0


class SolverCrashed(RuntimeError):
    """The solving process died without returning a result."""


class SolverTimedOut(RuntimeError):
    """The solving process overran its hard timeout and was killed."""


def run_isolated(
    target: Callable[[Problem, SearchParams], Solution],
    problem: Problem,
    params: SearchParams,
    timeout: float,
) -> Solution:
    """`target(problem, params)` run in a child process, killed after `timeout` seconds. Errors the
    target raises are raised here unchanged."""
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


class Workers:
    """Spawned children that stay up between calls, for a solve that runs searches in rounds.

    A child is started on first use and runs one call after another; one that overruns its deadline
    or dies is killed, and its place is taken by a new child at the next call. Use as a context
    manager: leaving it stops every child.

    Children are kept for the whole solve because starting one (a fresh interpreter that imports
    numpy and OR-Tools) takes about a third of a second, half of a recombination's share of a round."""

    def __init__(self) -> None:
        self._children: list[tuple[multiprocessing.process.BaseProcess, Connection] | None] = []

    def run(self, calls: Sequence[tuple[Callable, tuple]], *, deadline: float) -> list[object | None]:
        """`target(*args)` for each call, the k-th in the k-th child, all at once. Returns their
        results in order, with None for a call whose child had not answered by `deadline` (a
        `clock.now()` value) or died without answering: such a child is killed, never waited
        for. An exception raised by a call is raised here, once every child is stopped."""
        for k, call in enumerate(calls):
            self.submit(k, call)
        return self.collect(range(len(calls)), deadline=deadline)

    def submit(self, k: int, call: tuple[Callable, tuple]) -> None:
        """Start `target(*args)` in the k-th child and return at once; `collect` gets the result."""
        _, connection = self._child(k)
        connection.send(call)

    def collect(self, slots: Sequence[int], *, deadline: float) -> list[object | None]:
        """The results of the calls submitted to the children in `slots`, as `run` returns them."""
        results: list[object | None] = [None] * len(slots)
        pending: dict[Connection, tuple[int, int]] = {}
        for i, k in enumerate(slots):
            pending[self._child(k)[1]] = (i, k)
        error: Exception | None = None
        while pending and error is None:
            # An answer already waiting is taken even once the deadline has passed (the caller may
            # come late, as the portfolio does after its own search): only silence is cut off.
            left = deadline - clock.now()
            ready = wait(list(pending), timeout=max(0.0, left))
            if not ready and left <= 0:
                break
            for connection in ready:
                i, k = pending.pop(connection)
                try:
                    ok, payload = connection.recv()
                except EOFError:
                    self._stop(k)  # died without answering: like a child that overran, no result
                    continue
                if ok:
                    results[i] = payload
                else:
                    error = payload
        for _, k in pending.values():
            self._stop(k)
        if error is not None:
            self.close()
            raise error
        return results

    def close(self) -> None:
        for k in range(len(self._children)):
            self._stop(k)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _child(self, k: int) -> tuple[multiprocessing.process.BaseProcess, Connection]:
        self._children.extend([None] * (k + 1 - len(self._children)))
        if self._children[k] is None:
            context = multiprocessing.get_context("spawn")
            ours, theirs = context.Pipe()
            # Daemonic, so that they die with the caller; in the caller's process group, so that
            # solve_isolated's hard timeout reaches them too.
            child = context.Process(target=_serve, args=(theirs,), daemon=True)
            child.start()
            theirs.close()
            self._children[k] = (child, ours)
        return self._children[k]

    def _stop(self, k: int) -> None:
        entry = self._children[k]
        if entry is None:
            return
        child, connection = entry
        connection.close()
        if child.is_alive():
            child.kill()
        child.join()
        self._children[k] = None


@contextmanager
def children_allowed() -> Iterator[None]:
    """Let `solve_isolated`'s stdlib multiprocessing start a child from a billiard (Celery prefork)
    pool process.

    Billiard marks pool processes daemonic, and multiprocessing refuses children of a daemonic
    process, a rule that keeps children from outliving their parent unreaped; `solve_isolated` reaps
    its child itself (and kills its process group on a timeout), and the child dies with its parent.
    Billiard also leaves its own AuthenticationString as the process's key, which stdlib spawn
    refuses to pickle; the same bytes in the stdlib's type are equivalent. Both are restored after
    the call."""
    config = multiprocessing.current_process()._config
    saved = {key: config[key] for key in ("daemon", "authkey") if key in config}
    config.pop("daemon", None)
    if "authkey" in saved:
        config["authkey"] = multiprocessing.process.AuthenticationString(bytes(saved["authkey"]))
    try:
        yield
    finally:
        config.update(saved)


def _run(sender: Connection, target: Callable, problem: Problem, params: SearchParams) -> None:
    os.setpgrp()
    _answer(sender, target, (problem, params))


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent() -> None:
    """Have the kernel kill this process when the thread that started it ends. A leader of its own
    process group is out of reach of a signal to its parent's group, and a parent killed with -9
    runs no clean-up, so nothing else would stop it."""
    if sys.platform != "linux":
        return
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    # The parent may have died before the request was made; this process has been handed on then.
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)


def _answer(sender: Connection, target: Callable, args: tuple) -> None:
    _die_with_parent()
    sender.send(_outcome(target, args))
    sender.close()


def _serve(connection: Connection) -> None:
    """A `Workers` child: run each call the parent sends, until it closes the connection."""
    _die_with_parent()
    while True:
        try:
            target, args = connection.recv()
        except (EOFError, ConnectionResetError):
            return  # the parent is done with this worker (a reset: it left an answer unread)
        connection.send(_outcome(target, args))


def _outcome(target: Callable, args: tuple) -> tuple[bool, object]:
    try:
        return True, target(*args)
    except Exception as error:  # handed to the parent, which raises it
        return False, error


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

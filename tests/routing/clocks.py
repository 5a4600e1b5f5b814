"""Clocks for the engine's deadline tests, put in place of `routing.engine.clock.now`.

A test that hands one to `solve_isolated` (through `solve_with`) gets it in the spawned solving
process, where the test's monkeypatch cannot reach; the child's own search workers, spawned in turn,
read the real clock. No Django here: the spawned child imports this module.
"""

from __future__ import annotations

import time

from routing.engine import Problem, SearchParams, Solution, clock, solve


class RecordingClock:
    """The real monotonic clock, shifted `ahead` seconds from reading number `from_reading` (counted
    from 0) on, keeping every reading it gave."""

    def __init__(self, ahead: float = 0.0, from_reading: int = 0) -> None:
        self.ahead = ahead
        self.from_reading = from_reading
        self.readings: list[float] = []

    def __call__(self) -> float:
        shift = self.ahead if len(self.readings) >= self.from_reading else 0.0
        self.readings.append(time.monotonic() + shift)
        return self.readings[-1]


class FrozenClock:
    """A clock that never moves: no deadline ever passes by it."""

    def __call__(self) -> float:
        return 0.0


def solve_with(engine_clock, problem: Problem, params: SearchParams) -> Solution:
    """`solve` reading `engine_clock`: a target for `solve_isolated`, which runs it in a process of
    its own, so the clock is replaced there and ends with it."""
    clock.now = engine_clock
    return solve(problem, params)

"""Which candidate sites to add: the maximal covering location problem on OR-Tools' CP-SAT.

Pure data in and out, no Django, so that the planner's page, `plan_network` and `bench/network.py`
share it. A demand cell counts as covered when at least one chosen site (or an existing store, whose
cells the caller leaves out) lies within walking distance of it; the answer is the K sites that cover
the most demand, with CP-SAT's proven bound beside it, so a planner knows how far from the best
choice the answer can be.

The model is shrunk before it is solved: cells no candidate reaches are dropped, and cells reached by
exactly the same candidates are merged into one with their demand summed (on a city grid most cells
share their few candidates with a neighbour). A greedy choice adds the site covering the most
still-uncovered demand, K times; the linear relaxation (GLOP) bounds what any K sites can cover.
Where the greedy choice is already proven within RELATIVE_GAP of that bound, it is the answer (on a
city grid, where a site reaches a handful of cells, it mostly is); otherwise CP-SAT searches from
it, and stops once a plan is proven that close.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CoverProblem:
    """`demand[j]` is cell j's demand (a non-negative integer); `covers[i]` the cells candidate i
    reaches. With `groups` (each candidate's group, e.g. its district) and `group_limits` (group ->
    most sites chosen there), no group gets more than its limit."""

    demand: Sequence[int]
    covers: Sequence[Sequence[int]]
    k: int
    groups: Sequence[str] | None = None
    group_limits: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Choice:
    candidate: int
    adds: int  # demand it covers that no site ranked above it covers


@dataclass(frozen=True)
class CoverAnswer:
    chosen: tuple[Choice, ...]  # best first: each adds the most of what those above it left
    covered: int
    bound: int  # no K sites cover more than this (CP-SAT's proof)
    seconds: float
    optimal: bool
    greedy: int  # what the greedy choice covers: the search's starting point

    @property
    def gap(self) -> float:
        """How far the answer may be from the best possible, as a share of the bound."""
        return 0.0 if self.bound <= 0 else (self.bound - self.covered) / self.bound


# CP-SAT stops once the answer is proven within this share of the best possible: a finer proof costs
# minutes on large networks and changes no decision a planner makes.
RELATIVE_GAP = 0.005


# CP-SAT's portfolio runs its LP-based subsolvers, the ones that prove a bound on a covering model,
# only from eight workers on; with two it found the same answer but proved nothing (bench/network.py),
# so it gets eight even on a machine with fewer cores.
WORKERS = 8


def max_cover(problem: CoverProblem, time_limit_s: float = 60.0, workers: int = WORKERS) -> CoverAnswer:
    from ortools.sat.python import cp_model

    started = time.monotonic()
    if problem.k < 0:
        raise ValueError("k: must not be negative")
    cells, reached_by = _merged_cells(problem)
    greedy = _greedy(problem, cells, reached_by)
    bound = _lp_bound(problem, cells, reached_by, time_limit_s / 3)
    if _value(cells, reached_by, greedy) >= (1 - RELATIVE_GAP) * bound:
        return _answer(problem, greedy, greedy, bound, started)
    model = cp_model.CpModel()
    site = [model.NewBoolVar("") for _ in problem.covers]
    hit = [model.NewBoolVar("") for _ in cells]
    for j, candidates in enumerate(reached_by):
        # Written as a linear inequality so that CP-SAT's LP relaxation sees it.
        model.Add(sum(site[i] for i in candidates) >= hit[j])
    model.Add(sum(site) <= problem.k)
    for group, members in _group_members(problem).items():
        model.Add(sum(site[i] for i in members) <= problem.group_limits[group])
    model.Maximize(sum(weight * hit[j] for j, weight in enumerate(cells)))
    chosen_greedy = set(greedy)
    for i, x in enumerate(site):
        model.AddHint(x, i in chosen_greedy)
    for j, candidates in enumerate(reached_by):
        model.AddHint(hit[j], any(i in chosen_greedy for i in candidates))

    solver = cp_model.CpSolver()
    # Eight workers on fewer cores take a while to stop and hand back: a tenth of what is left.
    solver.parameters.max_time_in_seconds = max(0.1, 0.9 * (time_limit_s - (time.monotonic() - started)))
    solver.parameters.num_workers = workers
    solver.parameters.relative_gap_limit = RELATIVE_GAP
    status = solver.Solve(model, _StopWithin(bound))
    picked = greedy
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        picked = [i for i, x in enumerate(site) if solver.Value(x)]
        bound = min(bound, solver.BestObjectiveBound())
    if _covered(problem, greedy) > _covered(problem, picked):
        picked = greedy
    return _answer(problem, picked, greedy, bound, started)


def _answer(problem: CoverProblem, picked: list[int], greedy: list[int], bound: float, started: float) -> CoverAnswer:
    ranked = _ranked(problem, picked)
    covered = sum(choice.adds for choice in ranked)
    bound = max(covered, math.floor(bound + 1e-6))
    seconds = round(time.monotonic() - started, 3)
    return CoverAnswer(tuple(ranked), covered, bound, seconds, covered >= bound, _covered(problem, greedy))


def _value(cells: list[int], reached_by: list[tuple[int, ...]], sites: list[int]) -> int:
    chosen = set(sites)
    return sum(w for w, candidates in zip(cells, reached_by, strict=True) if chosen.intersection(candidates))


class _StopWithin:
    """Stops CP-SAT at the first plan proven within RELATIVE_GAP of `bound` (the LP's): the greedy
    plan it is handed often is, and then the search has nothing left to do."""

    def __new__(cls, bound: float):
        from ortools.sat.python import cp_model

        class Callback(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                if self.ObjectiveValue() >= (1 - RELATIVE_GAP) * bound:
                    self.StopSearch()

        return Callback()


def _group_members(problem: CoverProblem) -> dict[str, list[int]]:
    members: dict[str, list[int]] = {}
    if problem.groups is not None:
        for i, group in enumerate(problem.groups):
            if group in problem.group_limits:
                members.setdefault(group, []).append(i)
    return members


def _lp_bound(problem: CoverProblem, cells: list[int], reached_by: list[tuple[int, ...]], time_limit_s: float) -> float:
    """The linear relaxation's optimum: no choice of K sites covers more. On a covering model it is
    close to the best plan, so it proves the answer's gap where CP-SAT's own bound would take long."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("GLOP")
    solver.SetTimeLimit(max(1, round(time_limit_s * 1000)))
    site = [solver.NumVar(0, 1, "") for _ in problem.covers]
    objective = solver.Objective()
    for j, candidates in enumerate(reached_by):
        hit = solver.NumVar(0, 1, "")
        objective.SetCoefficient(hit, cells[j])
        reach = solver.Constraint(0, solver.infinity())
        reach.SetCoefficient(hit, -1)
        for i in candidates:
            reach.SetCoefficient(site[i], 1)
    chosen = solver.Constraint(0, problem.k)
    for x in site:
        chosen.SetCoefficient(x, 1)
    for group, members in _group_members(problem).items():
        limit = solver.Constraint(0, problem.group_limits[group])
        for i in members:
            limit.SetCoefficient(site[i], 1)
    objective.SetMaximization()
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return float(sum(cells))
    return objective.Value()


def _merged_cells(problem: CoverProblem) -> tuple[list[int], list[tuple[int, ...]]]:
    """Demand per distinct set of candidates reaching it, and those sets; cells with no demand or
    no candidate left out."""
    reaching: dict[int, list[int]] = {}
    for i, cells in enumerate(problem.covers):
        for j in cells:
            reaching.setdefault(j, []).append(i)
    merged: dict[tuple[int, ...], int] = {}
    for j, candidates in reaching.items():
        if problem.demand[j] > 0:
            key = tuple(candidates)
            merged[key] = merged.get(key, 0) + problem.demand[j]
    return list(merged.values()), list(merged)


def _greedy(problem: CoverProblem, cells: list[int], reached_by: list[tuple[int, ...]]) -> list[int]:
    """K sites, each covering the most demand the ones before it left, within the group limits
    (lazy evaluation: a site's gain only shrinks as others are chosen)."""
    reaches: dict[int, list[int]] = {}
    for j, candidates in enumerate(reached_by):
        for i in candidates:
            reaches.setdefault(i, []).append(j)
    taken = [False] * len(cells)
    used: dict[str, int] = {}
    heap = [(-sum(cells[j] for j in js), i) for i, js in reaches.items()]
    heapq.heapify(heap)
    chosen: list[int] = []
    while heap and len(chosen) < problem.k:
        negative, i = heapq.heappop(heap)
        gain = sum(cells[j] for j in reaches[i] if not taken[j])
        if gain < -negative:
            heapq.heappush(heap, (-gain, i))
            continue
        group = problem.groups[i] if problem.groups is not None else None
        if group in problem.group_limits and used.get(group, 0) >= problem.group_limits[group]:
            continue
        if gain <= 0:
            break
        chosen.append(i)
        used[group] = used.get(group, 0) + 1
        for j in reaches[i]:
            taken[j] = True
    return chosen


def _covered(problem: CoverProblem, sites: Sequence[int]) -> int:
    cells = {j for i in sites for j in problem.covers[i]}
    return sum(problem.demand[j] for j in cells)


def _ranked(problem: CoverProblem, sites: Sequence[int]) -> list[Choice]:
    """The chosen sites best first, each with the demand it adds to those above it."""
    left = list(sites)
    taken: set[int] = set()
    ranked = []
    while left:
        gains = [(sum(problem.demand[j] for j in set(problem.covers[i]) - taken), -i) for i in left]
        gain, negative = max(gains)
        ranked.append(Choice(-negative, gain))
        left.remove(-negative)
        taken.update(problem.covers[-negative])
    return ranked

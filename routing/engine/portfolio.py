"""Which search plans a region: OR-Tools' (routing.engine.search), PyVRP's
(routing.engine.pyvrp_model), or both at once with their routes recombined.

In the portfolio, PyVRP searches in this process (it honours its time limit between iterations of a
few milliseconds, and starts at once) while a worker process runs the OR-Tools search, as it would
alone with one process fewer, for the first share of the time, then hands its plan to a second
PyVRP search with a seed of its own for the rest (see _ORTOOLS_SHARE). All stop a short share of the
time before the deadline, and the recombination (set partitioning on CP-SAT, see
routing.engine.recombination) chooses the cheapest plan made of the routes all three passed
through. Their plans are among its choices, so the plan handed back is never worse than the best
of them, and can be better than any.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from routing.engine import clock
from routing.engine.model import Problem, SearchParams, Vehicle, overrun_slack
from routing.engine.ortools_model import Outcome
from routing.engine.pyvrp_model import PyVRPJob, run_pyvrp
from routing.engine.recombination import recombine
from routing.engine.schedule import drive
from routing.engine.search import ortools_search
from routing.engine.workers import Workers

# The share of the time limit kept for the final recombination of both searches' routes: CP-SAT
# mostly finds its best in well under a second (see search._RECOMBINE_SHARE).
_RECOMBINE_SHARE = 0.05

# The share of the searching time the OR-Tools search has in the worker before a PyVRP search
# starts from its plan. OR-Tools' searches settle early; PyVRP's iterated local search keeps
# improving, and a second one, started elsewhere with a seed of its own, passes through routes the
# first does not, which recombination can join: the second core searches PyVRP's way once OR-Tools
# has given what it gives.
_ORTOOLS_SHARE = 0.4

# In deterministic mode (a solution limit), PyVRP stops after this many of its iterations per
# solution the limit allows OR-Tools. The ratio sets only how long such a solve takes.
_PYVRP_ITERATIONS_PER_SOLUTION = 20


@dataclass(frozen=True)
class _Region:
    """What each search of a region is given, but the time: the free `candidates` (matrix nodes) on
    `fleet`, with the `locked` routes kept as they are."""

    problem: Problem
    fleet: list[Vehicle]
    locked: dict[str, list[int]]
    candidates: list[int]
    params: SearchParams


def search(
    problem: Problem,
    fleet: list[Vehicle],
    locked: dict[str, list[int]],
    candidates: list[int],
    params: SearchParams,
    deadline: float,
    children: Workers,
) -> dict[int, list[int]] | None:
    """The best plan the chosen engine finds by `deadline` (a clock.now() value), as fleet index ->
    matrix nodes; None if it found none."""
    region = _Region(problem, fleet, locked, candidates, params)
    if params.engine == "ortools":
        best = ortools_search(problem, fleet, locked, candidates, params, deadline, children)
    elif params.engine == "pyvrp":
        best = run_pyvrp(_pyvrp_job(region, deadline)).plan
    else:
        best = _both(region, deadline, children)
    return None if best is None else best.routes


def _both(region: _Region, deadline: float, children: Workers) -> Outcome | None:
    problem, fleet, locked, params = region.problem, region.fleet, region.locked, region.params
    deterministic = params.solution_limit is not None
    until = deadline - _RECOMBINE_SHARE * params.time_limit_s
    ortools_region = replace(region, params=replace(params, workers=max(1, params.workers - 1)))
    now = clock.now()
    handover = until if deterministic else now + _ORTOOLS_SHARE * (until - now)
    children.submit(0, (_ortools_then_pyvrp, (ortools_region, handover, until)))
    pyvrp = run_pyvrp(_pyvrp_job(region, until))
    # With no plan from PyVRP, the OR-Tools search may use the recombination's share too: on a busy
    # machine its first plan can take that long, and a region with no plan has to be run again.
    patience = until if pyvrp.plan is not None else deadline
    (second,) = children.collect([0], deadline=patience + overrun_slack(params.time_limit_s))
    best = _better(second, pyvrp.plan)
    if best is None:
        return None
    pool = set(pyvrp.pool) | set(second.pool if second else ())
    # Timed, the recombination is cut off at the deadline: the plan in hand is good to hand back, and
    # building its model for a large pool can take longer than the share left for it.
    recombined = children.run(
        [(recombine, (problem, fleet, locked, best, pool, None if deterministic else deadline))],
        deadline=deadline + overrun_slack(params.time_limit_s) if deterministic else deadline,
    )[0]
    if recombined is None or not _drivable(problem, fleet, recombined):
        return best
    return recombined


def _drivable(problem: Problem, fleet: list[Vehicle], plan: Outcome) -> bool:
    """Whether every route of a plan made of pooled routes keeps the OR-Tools model's rules: PyVRP's
    routes are pooled unchecked but for the cold-goods ride limit (see pyvrp_model._kept), and a
    plan with a route that breaks a rule is discarded, not repaired."""
    return all(not isinstance(drive(problem, fleet[k], nodes), str) for k, nodes in plan.routes.items() if nodes)


def _ortools_then_pyvrp(region: _Region, handover: float, deadline: float) -> Outcome | None:
    """In a worker of its own: the OR-Tools search until `handover` (with workers of its own if it has
    more than one), then a PyVRP search from its plan until `deadline`; the better plan of the two,
    with the routes both passed through."""
    with Workers() as children:
        ortools = ortools_search(
            region.problem,
            region.fleet,
            region.locked,
            region.candidates,
            region.params,
            handover,
            children,
            keep_pool=True,
        )
    start = None if ortools is None else ortools.routes
    pyvrp = run_pyvrp(_pyvrp_job(region, deadline, seed=region.params.seed + 1, start=start))
    best = _better(ortools, pyvrp.plan)
    if best is None:
        return None
    return replace(best, pool=frozenset(pyvrp.pool | (ortools.pool if ortools else frozenset())))


def _better(*plans: Outcome | None) -> Outcome | None:
    """The plan that leaves out fewest stops, then the cheapest; None if there is none."""
    return min((o for o in plans if o is not None), key=lambda o: (o.dropped, o.cost), default=None)


def _pyvrp_job(
    region: _Region, deadline: float, seed: int | None = None, start: dict[int, list[int]] | None = None
) -> PyVRPJob:
    params = region.params
    iterations = None
    if params.solution_limit is not None:
        iterations = params.solution_limit * _PYVRP_ITERATIONS_PER_SOLUTION
    return PyVRPJob(
        region.problem,
        region.fleet,
        region.locked,
        region.candidates,
        params.seed if seed is None else seed,
        deadline,
        iterations,
        start,
    )

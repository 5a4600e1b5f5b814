"""The search strategy: which strategies the parallel workers run (the portfolio), and how a solve
searches in rounds, in sectors of the best plan, with recombination and a descent between rounds.

See docs/routing.md for how these fit together, and bench/results/routing-trials.csv for the trials
behind the tuned constants."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from typing import TYPE_CHECKING

from routing.engine import clock
from routing.engine.local_search import swap_star
from routing.engine.model import (
    LOAD_KINDS,
    Problem,
    SearchParams,
    Vehicle,
    overrun_slack,
    scaled_capacity,
    scaled_demand,
    stop_loads,
    vehicle_capacities,
)
from routing.engine.ortools_model import Outcome, SearchJob, Strategy, run_search
from routing.engine.recombination import recombine
from routing.engine.schedule import route_cost, vehicle_classes

if TYPE_CHECKING:
    from routing.engine.workers import Workers

# OR-Tools runs its iterated local search until a limit, with no way to stop it when it stalls, so it
# is kept for large problems, where it clearly beats guided local search; smaller ones use guided
# local search, which stops early once it converges.
_RUIN_RECREATE_FROM_STOPS = 100


def portfolio_strategies(problem: Problem, fleet: list[Vehicle], free: list[int]) -> tuple[Strategy, ...]:
    """One strategy per parallel worker, best first.

    Savings builds good capacity-bound routes; with time windows, insertion heuristics are the ones
    that find a feasible plan at all. The ruin-and-recreate settings are the best of the trials on
    the benchmark instances: hot annealing and no polishing for pure capacity problems, where fast
    iterations pay; with windows, a second worker that polishes every recreated plan. For capacity
    problems the second worker anneals down to a ten times colder end, every round after the first
    takes larger ruins (see _LATER_ROUND_RUIN), and ruins are somewhat larger than SISR's, with
    longer strings where loads make routes long (see _CAPACITY_RUIN and _max_string).
    """
    free_stops = len(free)
    windowed = has_windows(problem)
    if windowed:
        firsts = ("PARALLEL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION")
    else:
        firsts = ("SAVINGS", "PARALLEL_CHEAPEST_INSERTION")
    if free_stops <= 1:
        # One stop to place: the relocate neighbourhood tries every vehicle and position, so the
        # first local optimum is the best plan there is.
        return tuple(Strategy(first, search="descent") for first in firsts)
    if free_stops < _RUIN_RECREATE_FROM_STOPS:
        return tuple(Strategy(first, search="guided") for first in firsts)
    if windowed:
        return (
            Strategy(firsts[0], temperatures=(0.8, 0.008)),
            Strategy(firsts[0], temperatures=(0.2, 0.002), improve_perturbed=True),
        )
    string = _max_string(problem, fleet, free)
    removed = max(_CAPACITY_RUIN, string)
    first = Strategy(firsts[0], temperatures=(0.8, 0.008), removed_visits=removed, max_string=string)
    later = replace(first, removed_visits=_LATER_ROUND_RUIN * removed, max_string=_LATER_ROUND_RUIN * _SISR_RUIN)
    return (
        replace(first, later_rounds=later),
        replace(first, temperatures=(0.8, 0.0008), later_rounds=later),
    )


def has_windows(problem: Problem) -> bool:
    return any(s.window is not None for s in problem.stops)


# The SISR paper's ruin: strings of at most 10 stops, 10 stops removed on average. Capacity problems
# remove 15 on average, which did better on X-n200-k36 at an equal number of iterations.
_SISR_RUIN = 10
_CAPACITY_RUIN = 15
_RUIN_ROUTE_SHARE = 0.75


def _max_string(problem: Problem, fleet: list[Vehicle], free: list[int]) -> int:
    """The longest string of stops a ruin takes out of one route: SISR's 10, or three quarters of a
    route's stops where loads make routes longer than that, up to twice SISR's.
    Strings of 10 out of routes of some twenty stops reshuffle little more than their ends. On
    Strings of 10 out of routes of some twenty stops reshuffle little more than their ends, and
    longer strings did better on X-n214-k11; OR-Tools itself never takes a string longer than the
    average route.
    """
    share = round(_RUIN_ROUTE_SHARE * _stops_per_route(problem, fleet, free))
    return min(max(_SISR_RUIN, share), 2 * _SISR_RUIN)


def _stops_per_route(problem: Problem, fleet: list[Vehicle], free: list[int]) -> float:
    """The free stops over the fewest vehicles that could carry their loads. Time limits can only
    make routes shorter than this."""
    return len(free) / _fewest_vehicles(problem, fleet, free)


def _fewest_vehicles(problem: Problem, fleet: list[Vehicle], free: list[int], room: bool = False) -> int:
    """A lower bound on the vehicles that serving the `free` stops takes: each kind of load,
    delivered and collected, counted on its own against the largest capacity for it. With `room`,
    the fewest that leave room for one more stop's load of each kind, on average."""
    needed = 1
    for k in range(len(LOAD_KINDS)):
        largest = max((scaled_capacity(vehicle_capacities(v)[k]) for v in fleet), default=0)
        if largest <= 0:
            continue
        for side in (0, 1):
            loads = [scaled_demand(stop_loads(problem.stops[n - 1])[k][side]) for n in free]
            total = sum(loads)
            if room and total:
                total += total / sum(1 for load in loads if load)
            needed = max(needed, math.ceil(total / largest))
    return needed


# From the second round on, both workers take out this many times the usual stops per ruin, in
# strings up to as many times SISR's: by then the plan stalls, and larger ruins reach further from it.
_LATER_ROUND_RUIN = 2


def ortools_search(
    problem: Problem,
    fleet: list[Vehicle],
    locked: dict[str, list[int]],
    candidates: list[int],
    params: SearchParams,
    deadline: float,
    children: Workers,
    keep_pool: bool = False,
) -> Outcome | None:
    """The best plan of the portfolio's workers, each searching until `deadline` (clock.now()), with
    the routes pooled for recombination if `keep_pool` (or if it recombined them itself).

    With one worker it runs here. With more, every worker runs in one of the `children` (none in
    this process, which could not be interrupted), which is killed if it overruns, and so does the
    recombination after each round; the deadline is shared across processes because Linux's
    monotonic clock is system-wide. Parallel ruin and recreate searches in rounds (see _ROUNDS),
    and without windows in sectors (see _SECTOR_ROUNDS).
    """
    locked_nodes = {node for nodes in locked.values() for node in nodes}
    strategies = portfolio_strategies(problem, fleet, [n for n in candidates if n not in locked_nodes])
    workers = max(1, params.workers)
    in_rounds = workers > 1 and strategies[0].search == "ruin_recreate"
    by_sector = in_rounds and not has_windows(problem)
    rounds = (_SECTOR_ROUNDS if by_sector else _ROUNDS) if in_rounds else 1
    if params.solution_limit is not None:
        params = replace(params, solution_limit=max(1, params.solution_limit // rounds))
    began = clock.now()
    first_share = _FIRST_SECTOR_ROUND_SHARE if by_sector else 1 / rounds
    recombining = rounds > 1
    pooling = recombining or keep_pool
    recombine_s = _RECOMBINE_SHARE * (deadline - began) / rounds if recombining else 0.0
    descent_s = _SWAP_STAR_SHARE * recombine_s if by_sector else 0.0
    first_fleets = _first_round_fleets(problem, fleet, locked, candidates, workers) if by_sector else [fleet] * workers
    descent = swap_star(problem, fleet, locked) if by_sector else None
    best: Outcome | None = None
    pool: set[tuple[int, tuple[int, ...]]] = set()
    for r in range(rounds):
        ends = _round_end(began, deadline, r, rounds, first_share)
        searches = [_round_of(strategies[w % len(strategies)], r, rounds) for w in range(workers)]
        until, polish = ends - recombine_s, r == rounds - 1
        seeds = [f"{params.seed}/{w}/{r}" for w in range(workers)]
        sectors = (
            None
            if best is None or not by_sector
            else _sectors(problem, fleet, locked, best, candidates, workers, f"{params.seed}/{r}")
        )
        start = None if best is None else best.routes
        whole = SearchJob(
            problem, fleet, locked, candidates, searches[0], params, seeds[0], until, start, polish, pooling
        )
        if sectors is None:
            jobs = [
                replace(whole, fleet=first_fleets[w] if best is None else fleet, strategy=searches[w], seed=seeds[w])
                for w in range(workers)
            ]
        else:
            jobs = [
                replace(
                    whole,
                    fleet=[fleet[k] for k in vehicles],
                    locked={},
                    candidates=stops,
                    strategy=searches[w],
                    seed=seeds[w],
                    start={i: best.routes.get(k, []) for i, k in enumerate(vehicles)},
                )
                for w, (vehicles, stops) in enumerate(sectors)
            ]
        if len(jobs) == 1:
            outcomes = [run_search(jobs[0])]
        else:
            hard_deadline = until + overrun_slack(params.time_limit_s)
            outcomes = children.run([(run_search, (job,)) for job in jobs], deadline=hard_deadline)
        if sectors is not None:
            outcomes = [_joined(problem, fleet, best, candidates, sectors, outcomes)]
        found = [o for o in [best, *outcomes] if o is not None]
        if not found:
            continue
        best = min(found, key=lambda o: _rank(o, fewest_routes_first=by_sector and r == 0))
        pool.update(route for o in outcomes if o is not None for route in o.pool)
        if recombining:
            timed = None if params.solution_limit is not None else ends - descent_s
            recombined = children.run(
                [(recombine, (problem, fleet, locked, best, pool, timed, r < rounds - 1))],
                deadline=ends + overrun_slack(params.time_limit_s),
            )[0]
            best = recombined or best
        if descent is not None:
            best = descent(best, None if params.solution_limit is not None else ends)
    return None if best is None else replace(best, pool=frozenset(pool))


def _first_round_fleets(
    problem: Problem, fleet: list[Vehicle], locked: dict[str, list[int]], candidates: list[int], workers: int
) -> list[list[Vehicle]]:
    """The vehicles each worker may use in the first round: all of them, except that the last worker
    gets only the fewest that leave room for one more stop (see _fewest_vehicles), where the fleet is
    all of one kind and nothing is locked. Later rounds start from the best plan with the whole
    fleet again.

    Ruin and recreate seldom empties a route: it keeps about as many routes as its first plan has,
    so a plan on the fewest trucks must be searched from the start (see _rank); leaving room for one
    more stop lets the search move stops between routes at all. Where the fewest cannot serve every
    stop, that worker's plan leaves stops out and loses to the other's."""
    fewest = _fewest_vehicles(problem, fleet, candidates, room=True)
    if workers < 2 or locked or fewest >= len(fleet) or len(set(vehicle_classes(fleet))) > 1:
        return [fleet] * workers
    return [fleet] * (workers - 1) + [fleet[:fewest]]


def _rank(outcome: Outcome, fewest_routes_first: bool = False) -> tuple[int, int, int]:
    """The order in which plans are better: fewer stops left out, then, when `fewest_routes_first`
    (after the first round, see _first_round_fleets), fewer routes, then cheaper."""
    routes = sum(1 for nodes in outcome.routes.values() if nodes) if fewest_routes_first else 0
    return (outcome.dropped, routes, outcome.cost)


def _sectors(
    problem: Problem,
    fleet: list[Vehicle],
    locked: dict[str, list[int]],
    best: Outcome,
    candidates: list[int],
    parts: int,
    seed: str,
) -> list[tuple[list[int], list[int]]] | None:
    """`best`'s free routes dealt into `parts` sectors of neighbouring routes with about as many stops
    each, as (fleet indices, stops): each sector in turn grows from a random stop by the routes
    nearest it. A stop `best` leaves out joins the sector of the route nearest it, and the empty
    vehicles are dealt out in turn. None when there are fewer routes than sectors."""
    rng = random.Random(seed)
    distances = problem.matrix.distances
    free = [k for k, v in enumerate(fleet) if v.id not in locked]
    left = [k for k in free if best.routes.get(k)]
    if len(left) < parts:
        return None
    sectors: list[list[int]] = []
    for part in range(parts, 0, -1):
        centre = rng.choice([n for k in left for n in best.routes[k]])
        left.sort(key=lambda k: min(distances[centre][n] for n in best.routes[k]))
        share = sum(len(best.routes[k]) for k in left) / part
        taken, stops = [], 0
        while stops < share and len(left) >= part:
            taken.append(left.pop(0))
            stops += len(best.routes[taken[-1]])
        sectors.append(taken)
    sectors[-1] += left
    stops = [[n for k in sector for n in best.routes[k]] for sector in sectors]
    served = {n for nodes in best.routes.values() for n in nodes}
    for n in candidates:
        if n not in served:
            nearest = min(range(parts), key=lambda p: min(distances[n][m] for m in stops[p]))
            stops[nearest].append(n)
    for i, k in enumerate(k for k in free if not best.routes.get(k)):
        sectors[i % parts].append(k)
    return list(zip(sectors, stops, strict=True))


def _joined(
    problem: Problem,
    fleet: list[Vehicle],
    best: Outcome,
    candidates: list[int],
    sectors: list[tuple[list[int], list[int]]],
    parts: list[Outcome | None],
) -> Outcome:
    """The plan the sector searches make together: `best` with each sector's routes as its search left
    them, or as they were where the search did not answer, and their pooled routes."""
    classes = vehicle_classes(fleet)
    routes = dict(best.routes)
    pool: set[tuple[int, tuple[int, ...]]] = set()
    for (vehicles, _), part in zip(sectors, parts, strict=True):
        if part is None:
            continue
        routes.update((k, part.routes.get(i, [])) for i, k in enumerate(vehicles))
        # A sector's vehicle classes index its own list of vehicles.
        pool.update((classes[vehicles[c]], nodes) for c, nodes in part.pool)
    dropped = len(candidates) - sum(len(nodes) for nodes in routes.values())
    cost = sum(route_cost(problem, fleet[k], nodes) for k, nodes in routes.items())
    return Outcome(routes, dropped, cost, frozenset(pool))


# After each round the routes of the plans the workers passed through are recombined into the
# cheapest plan they make up (see routing.engine.recombination), in this share of the round: it
# mostly finds its best in well under a second.
_RECOMBINE_SHARE = 0.1

# Without windows, the best plan of every round, recombined, is improved by the local search's
# descent (see routing.engine.local_search) in this share of the time for recombining: it runs out
# of moves well before then.
_SWAP_STAR_SHARE = 0.3

# Parallel ruin-and-recreate workers search in rounds, every worker restarting each round from the
# best plan so far, so that none spends the rest of its time on a plan another has beaten.
_ROUNDS = 3

# Without windows, parallel workers search in six rounds (the first longer), and from the second on
# each searches a sector of the best plan (half its routes, for two workers; see _sectors): ruin and
# recreate gets through about four times as many plans a second on half the stops; four or eight
# rounds did no better.
_SECTOR_ROUNDS = 6


# Before the sector rounds, the first round searches the whole problem, in this share of the time,
# since the layout of the routes across the whole plan comes from it; the best share moves with how
# much the machine gets done, and this one lies between those that won in slow and fast hours.
_FIRST_SECTOR_ROUND_SHARE = 0.3


def _round_end(began: float, deadline: float, r: int, rounds: int, first_share: float) -> float:
    """When round `r` of `rounds`, searching from `began` until `deadline`, ends: the first after
    `first_share` of the time, the others after equal shares of the rest."""
    if r == rounds - 1:
        return deadline
    return began + (deadline - began) * (first_share + (1 - first_share) * r / (rounds - 1))


def _round_of(strategy: Strategy, r: int, rounds: int) -> Strategy:
    """The strategy for round `r` of `rounds`: its share of the exponential cooling from the
    strategy's start temperature to its end one, so that the rounds together anneal as one search.
    Every round after the first searches with the strategy's `later_rounds`, where it has one."""
    if r > 0 and strategy.later_rounds is not None:
        strategy = strategy.later_rounds
    hot, cold = strategy.temperatures
    step = (cold / hot) ** (1 / rounds)
    return replace(strategy, temperatures=(hot * step**r, hot * step ** (r + 1)))

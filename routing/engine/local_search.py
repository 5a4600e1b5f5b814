"""A descent between routes with the one exchange OR-Tools' neighbourhoods lack: SWAP* (Vidal, 2022).

OR-Tools exchanges two stops of different routes in place. Where routes are full, a stop can leave
its route only if one of about the same load comes back, and the best place for each in the other
route is rarely the one the other left, so in-place exchanges seldom pay. SWAP* puts each in its
best place in the other route. For a pair of routes it first finds, for every stop of each, the
three cheapest places to insert it into the other (of which at least one is not next to any one
stop that leaves), so that every exchange is then priced in constant time. Each route changed is
straightened with 2-opt.

A string of one to three consecutive stops also moves to its cheapest place in the other route,
driven either way (or-opt between routes): where two stops lie close together, moving either one
alone saves nothing while the other still draws its route there.

Full routes also exchange their ends (2-opt*): where no single stop fits into the other route, an
end of several small stops can trade places with one of a large stop, which no exchange of one stop
for another can do.

`descend` takes pure data, no routing model: a distance matrix, routes as lists of nodes, each node's
loads and each route's capacities for them (a necessary condition, checked first because it is
cheap), and a check that a route can be driven at all (the exact one: order-dependent loads, shifts).
Every move lowers the cost by at least one unit, so the descent ends. `swap_star` builds it for a
problem, once a solve.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise

import numpy as np

from routing.engine import clock
from routing.engine.model import (
    LOAD_KINDS,
    Problem,
    Vehicle,
    scaled_capacity,
    scaled_demand,
    stop_loads,
    vehicle_capacities,
)
from routing.engine.ortools_model import Outcome
from routing.engine.schedule import drive, route_cost

# Route pairs are searched only where some stop of one is among this many nearest of a stop of the
# other: routes far apart never gain from an exchange.
_NEIGHBOURS = 20

# The longest string of consecutive stops that moves from one route to another.
_MAX_STRING = 3

Loads = tuple[int, ...]


class Neighbourhood:
    """The distances as the descent reads them, built once for a problem and used by every descent
    on its plans: each node's row as a plain list (indexing a numpy array element by element is
    several times slower) and each stop's nearest other stops."""

    def __init__(self, distances: Sequence[Sequence[int]]) -> None:
        self.d = [[int(x) for x in row] for row in distances]
        matrix = np.asarray(distances, dtype=np.float64)
        np.fill_diagonal(matrix, np.inf)
        matrix[:, 0] = np.inf  # the depot is no stop's neighbour
        count = max(0, min(_NEIGHBOURS, len(matrix) - 2))
        nearest = np.argsort(matrix, axis=1, kind="stable")[:, :count]
        self.nearest = [[int(j) for j in row] for row in nearest]


def descend(
    near: Neighbourhood,
    routes: Mapping[int, list[int]],
    loads: Sequence[Loads],
    capacities: Mapping[int, Loads],
    drivable: Callable[[int, list[int]], bool],
    deadline: float | None = None,
) -> dict[int, list[int]]:
    """`routes` (vehicle -> nodes, node 0 the depot, left out of the lists) improved by SWAP*, moving
    strings of up to three stops to another route, exchanging route ends (2-opt*) and 2-opt within
    a route, until none of them lowers the distance or `deadline` (clock.now()) passes.
    `loads[node]` must fit within `capacities[vehicle]` summed over a route; `drivable(vehicle,
    nodes)` is asked before any route changes. The descent never opens a route nor empties one:
    the rounds that call it keep their number of routes."""
    plan = {k: list(nodes) for k, nodes in routes.items() if nodes}
    if len(plan) < 2:
        return {k: list(nodes) for k, nodes in routes.items()}
    search = _Descent(near, plan, loads, capacities, drivable)
    pending = sorted(search.pairs())
    queued = set(pending)
    while pending:
        if deadline is not None and clock.now() > deadline:
            break
        pair = pending.pop()
        queued.discard(pair)
        changed = search.improve(*pair)
        for k in changed:
            for other in sorted(search.pairs_of(k)):
                if other not in queued:
                    queued.add(other)
                    pending.append(other)
    return {k: plan.get(k, list(nodes)) for k, nodes in routes.items()}


class _Descent:
    def __init__(
        self,
        near: Neighbourhood,
        plan: dict[int, list[int]],
        loads: Sequence[Loads],
        capacities: Mapping[int, Loads],
        drivable: Callable[[int, list[int]], bool],
    ) -> None:
        self.plan = plan
        self.loads = loads
        self.capacities = capacities
        self.drivable = drivable
        self.d = near.d
        self.nearest = near.nearest
        self.route_of = {n: k for k, route in plan.items() for n in route}
        self.total = {k: self._sum(route) for k, route in plan.items()}

    def pairs(self) -> set[tuple[int, int]]:
        return {pair for k in self.plan for pair in self.pairs_of(k)}

    def pairs_of(self, k: int) -> set[tuple[int, int]]:
        # A stop's nearest may be on a route the descent leaves alone (locked) or on none (left out).
        near = {self.route_of.get(m) for n in self.plan[k] for m in self.nearest[n]} - {k, None}
        return {(min(k, other), max(k, other)) for other in near}

    def improve(self, a: int, b: int) -> tuple[int, ...]:
        """Apply the best move between routes a and b that can be driven; the routes it changed."""
        for _, new_a, new_b in sorted(self._moves(a, b), key=lambda move: move[0]):
            if self.drivable(a, new_a) and self.drivable(b, new_b):
                self._set(a, new_a)
                self._set(b, new_b)
                return (a, b)
        return ()

    def _moves(self, a: int, b: int) -> list[tuple[int, list[int], list[int]]]:
        """Every improving exchange or move between a and b whose loads fit, as (gain, new a, new b)."""
        d, A, B = self.d, self.plan[a], self.plan[b]
        moves = []
        remove_a, remove_b = self._removals(A), self._removals(B)
        into_b = {u: self._cheapest_places(u, B) for u in A}
        into_a = {v: self._cheapest_places(v, A) for v in B}
        heads_a, heads_b = self._heads(A), self._heads(B)
        moves.extend(self._relocations(a, b, heads_a))
        moves.extend((gain, into, rest) for gain, rest, into in self._relocations(b, a, heads_b))
        moves.extend(self._tail_exchanges(a, b, heads_a, heads_b))
        for i, u in enumerate(A):
            before_u, after_u = A[i - 1] if i else 0, A[i + 1] if i + 1 < len(A) else 0
            for j, v in enumerate(B):
                # Inserting a stop adds no less than nothing where distances are shortest paths (the
                # triangle inequality), so an exchange whose part so far gains nothing is passed over.
                gain = remove_a[i] + remove_b[j]
                if gain >= 0:
                    continue
                before_v, after_v = B[j - 1] if j else 0, B[j + 1] if j + 1 < len(B) else 0
                u_at = _best_apart(into_b[u], j, d[before_v][u] + d[u][after_v] - d[before_v][after_v])
                if gain + u_at[0] >= 0:
                    continue
                v_at = _best_apart(into_a[v], i, d[before_u][v] + d[v][after_u] - d[before_u][after_u])
                delta = gain + u_at[0] + v_at[0]
                if delta < 0 and self._swap_fits(a, b, u, v):
                    moves.append((delta, _exchanged(A, i, v, v_at[1]), _exchanged(B, j, u, u_at[1])))
        return moves

    def _relocations(self, a: int, b: int, heads: list[Loads]) -> list[tuple[int, list[int], list[int]]]:
        """Every string of one to three consecutive stops of a, moved to its cheapest place in b,
        driven either way, that leaves a stop in a and whose loads fit, as (gain, new a, new b).
        `heads` are a's running loads (see _heads)."""
        d, A, B = self.d, self.plan[a], self.plan[b]
        seq_a, seq_b = [0, *A, 0], [0, *B, 0]
        moves = []
        for length in range(1, min(_MAX_STRING, len(A) - 1) + 1):
            for i in range(len(A) - length + 1):
                string = A[i : i + length]
                after = [t + h - g for t, h, g in zip(self.total[b], heads[i + length], heads[i], strict=True)]
                if not self._within(b, after):
                    continue
                first, last, p, q = string[0], string[-1], seq_a[i], seq_a[i + length + 1]
                inner = sum(d[x][y] for x, y in pairwise(string))
                backwards = sum(d[y][x] for x, y in pairwise(string))
                removal = d[p][q] - d[p][first] - inner - d[last][q]
                gain, at, moved = 0, 0, string
                for e in range(len(B) + 1):
                    x, y = seq_b[e], seq_b[e + 1]
                    ahead = removal + d[x][first] + inner + d[last][y] - d[x][y]
                    if ahead < gain:
                        gain, at, moved = ahead, e, string
                    if length > 1:
                        back = removal + d[x][last] + backwards + d[first][y] - d[x][y]
                        if back < gain:
                            gain, at, moved = back, e, string[::-1]
                if gain < 0:
                    moves.append((gain, A[:i] + A[i + length :], B[:at] + moved + B[at:]))
        return moves

    def _tail_exchanges(
        self, a: int, b: int, heads_a: list[Loads], heads_b: list[Loads]
    ) -> list[tuple[int, list[int], list[int]]]:
        """2-opt*: every improving exchange of the routes' ends, a's first i stops followed by b's
        stops from j on, and b's first j followed by a's from i on, that empties neither route and
        whose loads fit. Each end keeps its direction, so the price holds on one-way distances."""
        d, A, B = self.d, self.plan[a], self.plan[b]
        total_a, total_b = self.total[a], self.total[b]
        seq_a, seq_b = [0, *A, 0], [0, *B, 0]
        moves = []
        for i in range(len(A) + 1):
            # a is cut between seq_a[i] and seq_a[i + 1], b between seq_b[j] and seq_b[j + 1].
            p, q = seq_a[i], seq_a[i + 1]
            for j in range(len(B) + 1):
                if (i == 0 and j == len(B)) or (j == 0 and i == len(A)):
                    continue
                r, t = seq_b[j], seq_b[j + 1]
                delta = d[p][t] + d[r][q] - d[p][q] - d[r][t]
                if delta >= 0:
                    continue
                load_a = [h + t_b - h_b for h, t_b, h_b in zip(heads_a[i], total_b, heads_b[j], strict=True)]
                load_b = [h + t_a - h_a for h, t_a, h_a in zip(heads_b[j], total_a, heads_a[i], strict=True)]
                if self._within(a, load_a) and self._within(b, load_b):
                    moves.append((delta, A[:i] + B[j:], B[:j] + A[i:]))
        return moves

    def _heads(self, route: list[int]) -> list[Loads]:
        """The loads of the route's first i stops, for i from 0 to its length."""
        heads = [(0,) * len(self.loads[route[0]])]
        for n in route:
            heads.append(tuple(h + x for h, x in zip(heads[-1], self.loads[n], strict=True)))
        return heads

    def _removals(self, route: list[int]) -> list[int]:
        d, seq = self.d, [0, *route, 0]
        return [d[seq[i]][seq[i + 2]] - d[seq[i]][seq[i + 1]] - d[seq[i + 1]][seq[i + 2]] for i in range(len(route))]

    def _cheapest_places(self, node: int, route: list[int]) -> list[tuple[int, int]]:
        """The three cheapest (added distance, edge) to insert `node` into `route`; edge e lies
        between the stops at e - 1 and e (the depot at either end)."""
        d, seq = self.d, [0, *route, 0]
        row = d[node]
        places = [(d[seq[e]][node] + row[seq[e + 1]] - d[seq[e]][seq[e + 1]], e) for e in range(len(seq) - 1)]
        places.sort()
        return places[:3]

    def _within(self, k: int, load: Sequence[int]) -> bool:
        """`load` fits route k's capacities, kind by kind."""
        return all(x <= c for x, c in zip(load, self.capacities[k], strict=True))

    def _swap_fits(self, a: int, b: int, u: int, v: int) -> bool:
        lu, lv = self.loads[u], self.loads[v]
        return self._within(a, [t - x + y for t, x, y in zip(self.total[a], lu, lv, strict=True)]) and self._within(
            b, [t - y + x for t, x, y in zip(self.total[b], lu, lv, strict=True)]
        )

    def _set(self, k: int, route: list[int]) -> None:
        straightened = _two_opt(self.d, route)
        if straightened != route and self.drivable(k, straightened):
            route = straightened
        self.plan[k] = route
        self.total[k] = self._sum(route)
        self.route_of.update((n, k) for n in route)

    def _sum(self, route: list[int]) -> Loads:
        return tuple(int(x) for x in np.sum([self.loads[n] for n in route], axis=0))


def _best_apart(places: list[tuple[int, int]], leaving: int, in_place: int) -> tuple[int, int | None]:
    """The cheapest place among `places` on neither edge next to the stop at index `leaving`, or its
    own place (edge None) if that is cheaper."""
    for cost, edge in places:
        if edge != leaving and edge != leaving + 1:
            return (cost, edge) if cost < in_place else (in_place, None)
    return in_place, None


def _exchanged(route: list[int], leaving: int, node: int, edge: int | None) -> list[int]:
    """`route` without its stop at `leaving` and with `node` at `edge` of the original route, or in
    the leaving stop's place."""
    if edge is None:
        return route[:leaving] + [node] + route[leaving + 1 :]
    rest = route[:leaving] + route[leaving + 1 :]
    at = edge if edge <= leaving else edge - 1
    return rest[:at] + [node] + rest[at:]


def _two_opt(d: Sequence[Sequence[int]], route: list[int]) -> list[int]:
    """`route` with segments reversed until no reversal shortens it. Road distances need not be
    the same both ways, so a reversed segment is priced driven backwards."""
    seq = [0, *route, 0]
    improved = True
    while improved:
        improved = False
        # forward[i] / backward[i]: the first i legs of seq driven as they are / the other way.
        forward, backward = [0], [0]
        for a, b in pairwise(seq):
            forward.append(forward[-1] + d[a][b])
            backward.append(backward[-1] + d[b][a])
        for i in range(len(seq) - 3):
            for j in range(i + 2, len(seq) - 1):
                before = d[seq[i]][seq[i + 1]] + d[seq[j]][seq[j + 1]] + forward[j] - forward[i + 1]
                after = d[seq[i]][seq[j]] + d[seq[i + 1]][seq[j + 1]] + backward[j] - backward[i + 1]
                if after < before:
                    seq[i + 1 : j + 1] = seq[j:i:-1]
                    improved = True
                    break
            if improved:
                break
    return seq[1:-1]


def swap_star(
    problem: Problem, fleet: list[Vehicle], locked: dict[str, list[int]]
) -> Callable[[Outcome, float | None], Outcome]:
    """The descent (see `descend`) for `problem`: a function of a plan and a deadline that returns
    the plan improved, its locked routes as they are. What does not change from one plan to the
    next (distances, nearest stops, loads) is built here, once a solve."""
    near = Neighbourhood(problem.matrix.distances)
    # Only the kinds of load some stop has: the descent checks each of them for every move.
    kinds = [
        (kind, side)
        for kind in range(len(LOAD_KINDS))
        for side in (0, 1)
        if any(scaled_demand(stop_loads(stop)[kind][side]) for stop in problem.stops)
    ]
    loads = [()] + [
        tuple(scaled_demand(stop_loads(stop)[kind][side]) for kind, side in kinds) for stop in problem.stops
    ]
    capacities = {
        k: tuple(scaled_capacity(vehicle_capacities(v)[kind]) for kind, _ in kinds)
        for k, v in enumerate(fleet)
        if v.id not in locked
    }

    def improved(best: Outcome, deadline: float | None) -> Outcome:
        routes = descend(
            near,
            {k: nodes for k, nodes in best.routes.items() if k in capacities},
            loads,
            capacities,
            lambda k, nodes: not isinstance(drive(problem, fleet[k], nodes), str),
            deadline,
        )
        plan = {**best.routes, **routes}
        cost = sum(route_cost(problem, fleet[k], nodes) for k, nodes in plan.items())
        return Outcome(plan, best.dropped, cost)

    return improved

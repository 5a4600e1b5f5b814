"""PyVRP as the portfolio's second search: its model keeps the same rules, a plan that breaks one is
discarded, and the portfolio hands back a plan no worse than either search's."""

import time
from dataclasses import replace

import pytest

from routing.checker import check
from routing.engine import Depot, Problem, ProblemError, SearchParams, Stop, TravelMatrix, Vehicle, Workers, solve
from routing.engine.pyvrp_model import PyVRPJob, _outcome, run_pyvrp
from routing.engine.schedule import route_cost
from tests.routing.problems import H, city, plan

BUDGET = 40


def budget(engine, seed=0):
    return SearchParams(time_limit_s=60, solution_limit=BUDGET, seed=seed, workers=2, engine=engine)


def test_pyvrp_alone_plans_a_city_with_windows_shifts_and_returns_within_every_rule():
    problem = city(15)

    solution = solve(problem, budget("pyvrp"))

    assert check(problem, solution) == []
    assert solution.unserved == ()


def test_pyvrp_carries_each_kind_of_load_in_its_own_compartment():
    # given: the cold goods could only go on the reefer; the van is free, the reefer costs more
    stops = [
        Stop("milk", deliver_chilled_volume=2, deliver_kg=10),
        Stop("books", deliver_volume=2, deliver_kg=10),
        Stop("fish-return", collect_frozen_volume=1),
    ]
    distances = [[0 if a == b else 1_000 for b in range(4)] for a in range(4)]
    problem = Problem(
        Depot("dc"),
        stops,
        [
            Vehicle("van", 10, 100),
            Vehicle("reefer", 10, 100, fixed_cost=500, chilled_volume_capacity=5, frozen_volume_capacity=5),
        ],
        TravelMatrix([[d // 10 for d in row] for row in distances], distances),
    )

    solution = solve(problem, budget("pyvrp"))

    assert check(problem, solution) == []
    reefer = [v.stop_id for r in solution.routes if r.vehicle_id == "reefer" for v in r.visits]
    assert {"milk", "fish-return"} <= set(reefer)


def cold_loop(max_cold_ride_s=1500, collect=False):
    """The cheap loop depot > N1 > N2 > N3 > F > depot reaches F 2200 s after leaving (four 100 s legs,
    three 600 s services); every other arc is dear. F is chilled: delivered there, or collected."""
    cheap = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]
    distances = [[0 if a == b else 10_000 for b in range(5)] for a in range(5)]
    for a, b in cheap:
        distances[a][b] = 1_000
    stops = [Stop(f"N{i}", deliver_volume=1, service_fixed_s=600) for i in (1, 2, 3)]
    chilled = {"collect_chilled_volume": 1} if collect else {"deliver_chilled_volume": 1}
    stops.append(Stop("F", service_fixed_s=600, **chilled))
    return Problem(
        Depot("dc"),
        stops,
        [Vehicle("reefer", 10, 100, chilled_volume_capacity=5)],
        TravelMatrix([[d // 10 for d in row] for row in distances], distances),
        max_cold_ride_s=max_cold_ride_s,
    )


def test_pyvrp_keeps_the_cold_ride_limit_through_the_windows_it_is_given():
    # given: chilled goods may ride 1500 s; the cheap loop would deliver F after 2200 s
    problem = cold_loop()
    job = PyVRPJob(problem, list(problem.vehicles), {}, [1, 2, 3, 4], seed=0, deadline=0, iterations=500)

    result = run_pyvrp(job)

    # then: F is served first, within the limit, and the plan keeps every rule
    assert result.plan is not None
    (nodes,) = [nodes for nodes in result.plan.routes.values() if nodes]
    assert nodes[0] == 4
    solution = solve(problem, budget("pyvrp"))
    assert check(problem, solution) == []


def test_a_pyvrp_plan_with_a_route_that_breaks_a_rule_is_discarded_not_repaired():
    # given: the cheap loop, which keeps the chilled delivery on board 2200 s of the 1500 allowed
    problem = cold_loop()
    fleet = list(problem.vehicles)

    result = _outcome(problem, fleet, {}, {0: [1, 2, 3, 4]}, [1, 2, 3, 4], pooled=[(0, (4, 1, 2, 3))])

    # then: no plan, and only the route that keeps the rule is pooled
    assert result.plan is None
    assert result.pool == frozenset({(0, (4, 1, 2, 3))})


def test_locked_routes_and_their_vehicles_stay_out_of_pyvrps_problem():
    problem = city(20)
    locked = {"v0": ["s3", "s1"]}
    problem = Problem(problem.depot, problem.stops, problem.vehicles, problem.matrix, locked)

    solution = solve(problem, budget("pyvrp"))

    assert check(problem, solution) == []
    (kept,) = [r for r in solution.routes if r.vehicle_id == "v0"]
    assert kept.locked and [v.stop_id for v in kept.visits] == ["s3", "s1"]


def test_pyvrp_and_the_portfolio_are_deterministic_with_a_budget():
    problem = city(40)

    for engine in ("pyvrp", "portfolio"):
        first, second = solve(problem, budget(engine, seed=3)), solve(problem, budget(engine, seed=3))

        assert plan(first) == plan(second), engine


def test_the_portfolio_is_never_worse_than_either_search_alone():
    # given: the same budgets as the portfolio gives each (OR-Tools on one worker beside PyVRP)
    problem = city(60, seed=11)
    ortools = solve(problem, SearchParams(time_limit_s=60, solution_limit=BUDGET, seed=1, workers=1))
    pyvrp = solve(problem, budget("pyvrp", seed=1))

    both = solve(problem, budget("portfolio", seed=1))

    # then: fewer stops left out first, then cheaper (four trucks cannot carry all 60 stores)
    def rank(solution):
        return (len(solution.unserved), solution.objective)

    assert check(problem, both) == []
    assert rank(both) <= min(rank(ortools), rank(pyvrp))


def test_a_search_submitted_to_a_worker_is_collected_or_killed_at_its_deadline():
    with Workers() as children:
        children.submit(1, (time.sleep, (30,)))
        children.submit(0, (route_cost, (city(3), Vehicle("v", 1, 1), [1, 2])))

        quick, slow = children.collect([0, 1], deadline=time.monotonic() + 2)

    assert quick > 0 and slow is None


def test_an_unknown_engine_is_refused_with_the_field_named():
    with pytest.raises(ProblemError, match="engine"):
        SearchParams(engine="gurobi")


def test_shifts_bound_pyvrps_routes():
    # given: one store reachable only within the late shift
    distances = [[0, 5_000], [5_000, 0]]
    problem = Problem(
        Depot("dc", 6 * H, 22 * H),
        [Stop("late", deliver_volume=1, window=(18 * H, 19 * H))],
        [Vehicle("early", 10, 100, 6 * H, 12 * H), Vehicle("late", 10, 100, 15 * H, 21 * H)],
        TravelMatrix([[d // 10 for d in row] for row in distances], distances),
    )

    solution = solve(problem, budget("pyvrp"))

    assert check(problem, solution) == []
    assert [r.vehicle_id for r in solution.routes] == ["late"]


def test_a_recombined_plan_with_a_route_that_breaks_a_rule_is_discarded():
    from routing.engine.ortools_model import Outcome
    from routing.engine.portfolio import _drivable

    problem = city(6)
    fleet = list(problem.vehicles)
    # s1..s6 with 1-4 volume units each fit a 14-unit truck; twenty copies of one stop do not
    assert _drivable(problem, fleet, Outcome({0: [1, 2, 3]}, 0, 0))
    assert not _drivable(problem, fleet, Outcome({0: [1, 2, 3], 1: [4] * 20}, 0, 0))


def test_an_answer_already_waiting_is_taken_by_a_caller_who_comes_after_the_deadline():
    # given: the portfolio collects the OR-Tools worker only once its own PyVRP search is done
    with Workers() as children:
        children.submit(0, (route_cost, (city(3), Vehicle("v", 1, 1), [1, 2])))
        time.sleep(1.5)

        # when: it comes late
        (late,) = children.collect([0], deadline=time.monotonic() - 1)

    # then: the answer that was waiting is not thrown away
    assert late > 0


def test_pyvrp_started_from_a_plan_hands_back_one_no_dearer():
    # given: a plan PyVRP found in 300 iterations, and what one iteration finds on its own
    problem = city(40)
    fleet, candidates = list(problem.vehicles), list(range(1, 41))
    searched = run_pyvrp(PyVRPJob(problem, fleet, {}, candidates, seed=0, deadline=0, iterations=300)).plan
    cold = run_pyvrp(PyVRPJob(problem, fleet, {}, candidates, seed=5, deadline=0, iterations=1)).plan

    # when: one iteration starts from that plan
    warm = run_pyvrp(PyVRPJob(problem, fleet, {}, candidates, 5, 0, iterations=1, start=searched.routes)).plan

    # then: it keeps what the plan had gained
    assert (warm.dropped, warm.cost) <= (searched.dropped, searched.cost) < (cold.dropped, cold.cost)


def test_a_start_plan_is_taken_without_its_locked_routes_and_with_stops_no_truck_can_serve():
    # given: v0's route is locked, and s5's receiving window closes before the trucks' shifts begin
    problem = city(20)
    stops = list(problem.stops)
    stops[4] = replace(stops[4], window=(6 * H, 6 * H + 1))
    problem = Problem(problem.depot, stops, problem.vehicles, problem.matrix, {"v0": ["s3", "s1"]})
    fleet = list(problem.vehicles)
    start = {0: [3, 1], 1: [5, 2, 4, 6], 2: list(range(7, 21))}

    result = run_pyvrp(PyVRPJob(problem, fleet, {"v0": [3, 1]}, list(range(1, 21)), 0, 0, 50, start))

    # then: a plan that keeps every rule (run_pyvrp hands back none otherwise), with the locked
    # route as it is and s5 left out
    assert result.plan is not None
    assert result.plan.routes[0] == [3, 1]
    assert 5 not in {n for nodes in result.plan.routes.values() for n in nodes}

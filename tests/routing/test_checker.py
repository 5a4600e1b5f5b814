"""The independent checker accepts a correct plan and names what is wrong with a bad one."""

import subprocess
import sys
from dataclasses import replace

from routing.checker import check
from routing.engine import Depot, Problem, Route, Solution, Stop, TravelMatrix, Unserved, Vehicle, Visit

H = 3600

# depot, a, b, c on a line, 6 km (10 minutes) apart
DISTANCES = [[abs(i - j) * 6000 for j in range(4)] for i in range(4)]
DURATIONS = [[abs(i - j) * 600 for j in range(4)] for i in range(4)]
PROBLEM = Problem(
    Depot("dc", 6 * H, 20 * H),
    [
        Stop(
            "a",
            deliver_volume=4,
            deliver_kg=40,
            deliver_parcels=4,
            collect_volume=1,
            collect_parcels=1,
            service_fixed_s=300,
            service_per_parcel_s=60,
        ),
        Stop("b", deliver_volume=3, deliver_kg=30, deliver_parcels=3, window=(9 * H, 10 * H), service_fixed_s=300),
        Stop("c", collect_volume=6, collect_kg=20, collect_parcels=5, service_fixed_s=300),
    ],
    [Vehicle("van", volume_capacity=10, kg_capacity=100, shift_start=8 * H, shift_end=12 * H, fixed_cost=500)],
    TravelMatrix(DURATIONS, DISTANCES),
)


def visit(stop_id, arrival, start, departure, volume, kg, delivered, collected):
    return Visit(stop_id, arrival, start, departure, volume, kg, delivered, collected)


# Leaves 08:40 with 7 units / 70 kg; a at 08:50 (service 5 min + 5 parcels x 1 min), b at 09:10,
# c at 09:25, back at 09:55.
GOOD = Solution(
    routes=(
        Route(
            vehicle_id="van",
            visits=(
                visit("a", 8 * H + 2400, 8 * H + 2400, 8 * H + 3000, 4, 30, 4, 1),
                visit("b", 8 * H + 3600, 9 * H, 9 * H + 300, 1, 0, 3, 0),
                visit("c", 9 * H + 900, 9 * H + 900, 9 * H + 1200, 7, 20, 0, 5),
            ),
            start=8 * H + 1800,
            end=9 * H + 3000,
            start_load_volume=7,
            start_load_kg=70,
            distance_m=36000,
        ),
    ),
    unserved=(),
    objective=36500,
    search_seconds=0.1,
)


def with_visits(*visits, **route_changes):
    route = replace(GOOD.routes[0], visits=tuple(visits), **route_changes)
    return replace(GOOD, routes=(route,))


def test_a_correct_plan_passes():
    assert check(PROBLEM, GOOD) == []


def test_checker_does_not_use_or_tools():
    code = "import sys, routing.checker; sys.exit('ortools' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_a_stop_served_twice():
    bad = replace(GOOD, routes=(*GOOD.routes, replace(GOOD.routes[0], vehicle_id="van")))
    assert "stop a is served 2 times" in check(PROBLEM, bad)
    assert "vehicle van drives 2 routes" in check(PROBLEM, bad)


def test_a_stop_forgotten():
    a, b, c = GOOD.routes[0].visits
    assert "stop c is neither served nor reported unserved" in check(PROBLEM, with_visits(a, b))


def test_a_stop_both_served_and_unserved():
    bad = replace(GOOD, unserved=(Unserved("a", "no capacity"),))
    assert any("stop a is both served and reported unserved" in v for v in check(PROBLEM, bad))


def test_an_unserved_stop_without_a_reason():
    a, b, c = GOOD.routes[0].visits
    bad = replace(with_visits(a, b), unserved=(Unserved("c", ""),))
    assert "stop c is unserved without a reason" in check(PROBLEM, bad)


def test_overload_at_any_point_of_the_route():
    # the load is 7 leaving the depot, 4 after a, 1 after b and 7 again after c's returns
    fits = replace(PROBLEM, vehicles=[replace(PROBLEM.vehicles[0], volume_capacity=7)])
    assert check(fits, GOOD) == []
    tiny = replace(PROBLEM, vehicles=[replace(PROBLEM.vehicles[0], volume_capacity=6)])
    violations = check(tiny, GOOD)
    assert "vehicle van: 7 volume leaving the depot, over capacity 6" in violations
    assert "vehicle van: 7 volume after stop c, over capacity 6" in violations


def test_overweight():
    light = replace(PROBLEM, vehicles=[replace(PROBLEM.vehicles[0], kg_capacity=60)])
    assert "vehicle van: 70 kg leaving the depot, over capacity 60" in check(light, GOOD)


def test_misreported_load():
    a, b, c = GOOD.routes[0].visits
    violations = check(PROBLEM, with_visits(a, replace(b, load_volume=5), c))
    assert any("at stop b: reported load differs" in v for v in violations)


def test_service_outside_the_window():
    # b served at 08:55 (before its 09:00 window), with times that are otherwise consistent
    a, b, c = GOOD.routes[0].visits
    early = with_visits(
        replace(a, arrival=8 * H + 2100, service_start=8 * H + 2100, departure=8 * H + 2700),
        replace(b, arrival=8 * H + 3300, service_start=8 * H + 3300, departure=8 * H + 3600),
        replace(c, arrival=9 * H + 600, service_start=9 * H + 600, departure=9 * H + 900),
        start=8 * H + 1500,
        end=9 * H + 2700,
    )
    assert check(PROBLEM, early) == ["vehicle van at stop b: service starts at 32100, outside window (32400, 36000)"]


def test_arrival_faster_than_the_road_allows():
    a, b, c = GOOD.routes[0].visits
    violations = check(PROBLEM, with_visits(a, replace(b, arrival=b.arrival - 60), c))
    assert any("at stop b: arrival" in v for v in violations)


def test_service_shorter_than_the_parcels_need():
    a, b, c = GOOD.routes[0].visits
    violations = check(PROBLEM, with_visits(replace(a, departure=a.departure - 60), b, c))
    assert any("at stop a: departure" in v for v in violations)


def test_back_after_the_shift_and_the_depot_close():
    late_shift = replace(PROBLEM, vehicles=[replace(PROBLEM.vehicles[0], shift_end=9 * H + 1800)])
    assert "vehicle van: back at 35400, after its shift ends at 34200" in check(late_shift, GOOD)
    early_close = replace(PROBLEM, depot=Depot("dc", 6 * H, 9 * H))
    assert "vehicle van: back at 35400, after the depot closes at 32400" in check(early_close, GOOD)


def test_leaving_before_the_shift_starts():
    late_start = replace(PROBLEM, vehicles=[replace(PROBLEM.vehicles[0], shift_start=9 * H)])
    assert any("before its shift starts" in v for v in check(late_start, GOOD))


def test_wrong_distance_and_objective():
    bad = replace(GOOD, routes=(replace(GOOD.routes[0], distance_m=30000),))
    violations = check(PROBLEM, bad)
    assert "vehicle van: reported distance 30000 != 36000" in violations
    assert "objective 36500 != distance + fixed costs 30500" in violations


def test_locked_route_not_kept():
    locked = replace(PROBLEM, locked_routes={"van": ["b", "a", "c"]})
    assert any("locked route ['b', 'a', 'c'] not kept" in v for v in check(locked, GOOD))


def test_unknown_stop_and_vehicle():
    bad = replace(GOOD, unserved=(Unserved("zz", "gone"),), routes=(replace(GOOD.routes[0], vehicle_id="ghost"),))
    violations = check(PROBLEM, bad)
    assert "unknown stop zz" in violations
    assert "unknown vehicle ghost" in violations


def with_stop(problem, stop_id, **changes):
    stops = [replace(s, **changes) if s.id == stop_id else s for s in problem.stops]
    return replace(problem, stops=stops)


def test_chilled_goods_on_a_truck_without_a_chilled_compartment():
    # given: c's returns are chilled; the plan reports them truthfully, on a van with no chilled room
    chilled = with_stop(PROBLEM, "c", collect_volume=0, collect_chilled_volume=6)
    a, b, c = GOOD.routes[0].visits
    plan = with_visits(a, b, replace(c, load_volume=1, load_chilled_volume=6))

    # when / then
    assert check(chilled, plan) == ["vehicle van: 6 chilled volume after stop c, but it has no chilled compartment"]
    reefer = replace(chilled, vehicles=[replace(chilled.vehicles[0], chilled_volume_capacity=6)])
    assert check(reefer, plan) == []


def test_a_compartment_over_its_own_capacity_even_with_room_elsewhere():
    # given: a delivers 4 frozen and collects 1 frozen; the frozen compartment holds 3, the ambient 10
    frozen = with_stop(
        PROBLEM, "a", deliver_volume=0, collect_volume=0, deliver_frozen_volume=4, collect_frozen_volume=1
    )
    truck = replace(frozen, vehicles=[replace(frozen.vehicles[0], frozen_volume_capacity=3)])
    a, b, c = GOOD.routes[0].visits
    plan = with_visits(
        replace(a, load_volume=3, load_frozen_volume=1),
        replace(b, load_volume=0, load_frozen_volume=1),
        replace(c, load_volume=6, load_frozen_volume=1),
        start_load_volume=3,
        start_load_frozen_volume=4,
    )

    # when / then
    assert check(truck, plan) == ["vehicle van: 4 frozen volume leaving the depot, over capacity 3"]


def test_misreported_compartment_load():
    chilled = with_stop(PROBLEM, "b", deliver_volume=0, deliver_chilled_volume=3)
    truck = replace(chilled, vehicles=[replace(chilled.vehicles[0], chilled_volume_capacity=5)])
    violations = check(truck, GOOD)
    assert any("reported start load differs" in v for v in violations)


def test_cold_delivery_on_board_too_long():
    # given: c's deliveries are frozen; the van leaves 08:30 and starts serving c at 09:15 (2700 s)
    frozen = with_stop(PROBLEM, "c", collect_volume=6, deliver_frozen_volume=1)
    truck = replace(frozen, vehicles=[replace(frozen.vehicles[0], frozen_volume_capacity=1)])
    a, b, c = GOOD.routes[0].visits
    plan = with_visits(
        replace(a, load_frozen_volume=1), replace(b, load_frozen_volume=1), c, start_load_frozen_volume=1
    )

    # when / then
    assert check(replace(truck, max_cold_ride_s=2700), plan) == []
    assert check(replace(truck, max_cold_ride_s=2699), plan) == [
        "vehicle van at stop c: cold delivery on board 2700 s, over the limit 2699 s"
    ]


def test_cold_return_on_board_too_long():
    # given: a's return is chilled; collected by 08:50, back at the depot 09:50 (3600 s)
    chilled = with_stop(PROBLEM, "a", collect_volume=0, collect_chilled_volume=1)
    truck = replace(chilled, vehicles=[replace(chilled.vehicles[0], chilled_volume_capacity=1)])
    a, b, c = GOOD.routes[0].visits
    plan = with_visits(
        replace(a, load_volume=3, load_chilled_volume=1),
        replace(b, load_volume=0, load_chilled_volume=1),
        replace(c, load_volume=6, load_chilled_volume=1),
    )

    # when / then
    assert check(replace(truck, max_cold_ride_s=3600), plan) == []
    assert check(replace(truck, max_cold_ride_s=3000), plan) == [
        "vehicle van at stop a: cold return on board 3600 s, over the limit 3000 s"
    ]

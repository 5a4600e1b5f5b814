"""Receiving windows, driver shifts and depot hours."""

import pytest

from routing.checker import check
from routing.engine import (
    REASON_SHIFT,
    REASON_WINDOW,
    Depot,
    Problem,
    SearchParams,
    Stop,
    TravelMatrix,
    Vehicle,
    solve,
)

FAST = SearchParams(time_limit_s=5, solution_limit=200)

# Each test runs with OR-Tools alone and with the portfolio (tests/routing/conftest.py).
pytestmark = pytest.mark.usefixtures("each_engine")
H = 3600


DC = Depot("dc")


def line_problem(stops, vehicles, depot=DC):
    """Stores on a road out of the depot, stop i at i * 10 km; trucks drive 10 km in 15 minutes."""
    size = len(stops) + 1
    distances = [[abs(a - b) * 10_000 for b in range(size)] for a in range(size)]
    durations = [[abs(a - b) * 900 for b in range(size)] for a in range(size)]
    return Problem(depot, stops, vehicles, TravelMatrix(durations, distances))


def test_windows_order_the_stops_and_waiting_happens_before_the_window():
    # given: the far store receives early, the near one late
    stops = [Stop("near", window=(11 * H, 12 * H), service_fixed_s=600), Stop("far", window=(9 * H, 9 * H + 1800))]
    problem = line_problem(stops, [Vehicle("van", 10, 100, shift_start=8 * H, shift_end=18 * H)])

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    (route,) = solution.routes
    far, near = route.visits
    assert (far.stop_id, near.stop_id) == ("far", "near")
    assert 9 * H <= far.service_start <= 9 * H + 1800
    assert near.arrival < 11 * H and near.service_start == 11 * H
    assert near.departure == 11 * H + 600


def test_departure_is_as_late_as_the_first_window_allows():
    # given: a single store opening at 10:00, 15 minutes away; the shift starts at 06:00
    problem = line_problem([Stop("s", window=(10 * H, 11 * H))], [Vehicle("van", 10, 100, 6 * H, 18 * H)])

    # when
    (route,) = solve(problem, FAST).routes

    # then: no pointless four hours of waiting at the door
    assert route.start == 10 * H - 900
    assert route.visits[0].arrival == route.visits[0].service_start == 10 * H


def test_window_that_closes_before_any_truck_can_arrive_is_reported():
    # given: store 4 is an hour away, its window closes at 08:30 and shifts start at 08:00
    stops = [Stop("ok"), Stop("b"), Stop("c"), Stop("early", window=(7 * H, 8 * H + 1800))]
    problem = line_problem(stops, [Vehicle("van", 10, 100, 8 * H, 18 * H)])

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    (unserved,) = solution.unserved
    assert unserved.stop_id == "early"
    assert unserved.reason.startswith(REASON_WINDOW)
    assert "07:00-08:30" in unserved.reason


def test_store_too_far_for_any_shift_is_reported():
    # given: store 5 is 75 minutes away, so the round trip takes 2.5 h; the only shift lasts 2 h
    stops = [Stop(f"s{i}") for i in range(1, 6)]
    problem = line_problem(stops, [Vehicle("van", 10, 100, 8 * H, 10 * H)])

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    assert [(u.stop_id, u.reason) for u in solution.unserved] == [("s5", REASON_SHIFT)]


def test_afternoon_window_goes_to_the_afternoon_shift():
    # given: a morning van and an afternoon van; one store receives only in the afternoon
    stops = [Stop("morning", window=(8 * H, 11 * H)), Stop("afternoon", window=(15 * H, 16 * H))]
    vehicles = [Vehicle("am", 10, 100, 7 * H, 12 * H), Vehicle("pm", 10, 100, 13 * H, 18 * H)]
    problem = line_problem(stops, vehicles)

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    served_by = {v.stop_id: r.vehicle_id for r in solution.routes for v in r.visits}
    assert served_by == {"morning": "am", "afternoon": "pm"}
    assert all(r.end <= 12 * H for r in solution.routes if r.vehicle_id == "am")


def test_depot_hours_bound_the_shifts():
    # given: the driver could start at 05:00 but the DC opens at 07:00 and closes at 09:00;
    # store 3 is 45 minutes away and needs 40 minutes of service: 2 h 10 min in all
    stops = [Stop("s1"), Stop("s2"), Stop("s3", service_fixed_s=2400)]
    problem = line_problem(stops, [Vehicle("van", 10, 100, 5 * H, 20 * H)], depot=Depot("dc", 7 * H, 9 * H))

    # when
    solution = solve(problem, FAST)

    # then
    assert check(problem, solution) == []
    assert [u.stop_id for u in solution.unserved] == ["s3"]
    assert all(7 * H <= r.start and r.end <= 9 * H for r in solution.routes)


def test_service_time_counts_every_parcel():
    # given: 5 minutes fixed, 30 s per parcel, 6 delivered and 4 collected
    stop = Stop("s", deliver_parcels=6, collect_parcels=4, service_fixed_s=300, service_per_parcel_s=30)
    problem = line_problem([stop], [Vehicle("van", 10, 100, 8 * H, 18 * H)])

    # when
    (route,) = solve(problem, FAST).routes

    # then
    (visit,) = route.visits
    assert visit.departure - visit.service_start == 300 + 10 * 30
    assert route.duration_s == 900 + 600 + 900

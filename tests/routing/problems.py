"""Problems and readings the solver's tests share: a city with a clock and windows, a capacity
problem without either, and a solution as plain data to compare."""

import math
import random

from routing.engine import Depot, Problem, Stop, TravelMatrix, Vehicle

H = 3600


def city(stops: int, seed: int = 7) -> Problem:
    """Stops around a depot open 06:00-22:00, a quarter with a 09:00-12:00 window, deliveries and
    returns on four trucks with 08:00-17:00 shifts."""
    rng = random.Random(seed)
    places = [(0.0, 0.0)] + [(rng.uniform(-10, 10), rng.uniform(-10, 10)) for _ in range(stops)]
    distances = [[round(math.dist(a, b) * 1000) for b in places] for a in places]
    durations = [[math.ceil(d / 9) for d in row] for row in distances]
    return Problem(
        Depot("dc", 6 * H, 22 * H),
        [
            Stop(
                f"s{i}",
                deliver_volume=rng.randint(1, 4),
                collect_volume=rng.randint(0, 2),
                service_fixed_s=240,
                window=(9 * H, 12 * H) if i % 4 == 0 else None,
            )
            for i in range(1, stops + 1)
        ],
        [Vehicle(f"v{k}", 14, 500, 8 * H, 17 * H) for k in range(4)],
        TravelMatrix(durations, distances),
    )


def plan(solution) -> list[tuple[str, list[str]]]:
    """A solution's routes as (vehicle, stops), to compare solutions by."""
    return [(r.vehicle_id, [v.stop_id for v in r.visits]) for r in solution.routes]


def capacity_problem(stops: int, seed: int = 11) -> Problem:
    """Stops scattered around a depot, loads filling most of eight trucks: no clock, no windows."""
    rng = random.Random(seed)
    places = [(0.0, 0.0)] + [(rng.uniform(-10, 10), rng.uniform(-10, 10)) for _ in range(stops)]
    distances = [[round(math.dist(a, b) * 1000) for b in places] for a in places]
    return Problem(
        Depot("dc"),
        [Stop(f"s{i}", deliver_volume=rng.randint(1, 9)) for i in range(1, stops + 1)],
        [Vehicle(f"v{k}", volume_capacity=80, kg_capacity=0) for k in range(10)],
        TravelMatrix([[0] * len(places) for _ in places], distances),
    )

"""Travel-time and distance matrices for the solver.

Offline by default: great-circle distance times a road detour factor, driven at the average speed
of the hours the trucks are out. With an OSRM base URL, the matrix comes from the server's table
service instead, cached per day. Either way the planner's condition factor (rain, snow, heavy
traffic) stretches the travel times, never the distances.

Points are (lat, lon) in degrees, depot first: the matrix indices are the solver's (0 = depot).
Durations are rounded up to whole seconds, so a rounded plan is never tighter than the real one.
"""

from __future__ import annotations

import hashlib
import json
import math
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from routing.engine import UNREACHABLE, TravelMatrix

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_DETOUR_FACTOR = 1.3

Point = tuple[float, float]


@dataclass(frozen=True)
class SpeedProfile:
    """Average road speed in km/h by hour of day (0-23); hours not listed run at `default_kmh`."""

    by_hour: Mapping[int, float] = field(default_factory=dict)
    default_kmh: float = 40.0

    def __post_init__(self) -> None:
        if self.default_kmh <= 0 or any(speed <= 0 for speed in self.by_hour.values()):
            raise ValueError("speeds must be positive")
        if any(not 0 <= hour <= 23 for hour in self.by_hour):
            raise ValueError("hours must be 0-23")

    def speed_kmh(self, hour: int) -> float:
        return self.by_hour.get(hour % 24, self.default_kmh)

    def mean_kmh(self, start_s: int, end_s: int) -> float:
        """The speed that covers a distance in the same time as driving it through the given span:
        the time-weighted harmonic mean, since slow hours cost more time than fast hours save."""
        if end_s <= start_s:
            return self.speed_kmh(start_s // 3600)
        hours_per_km, t = 0.0, start_s
        while t < end_s:
            step = min(end_s, (t // 3600 + 1) * 3600) - t
            hours_per_km += step / self.speed_kmh(t // 3600)
            t += step
        return (end_s - start_s) / hours_per_km


# Urban delivery speeds: morning and evening rush hours are slow, nights fast.
DEFAULT_PROFILE = SpeedProfile(
    by_hour={
        7: 25,
        8: 20,
        9: 28,
        12: 32,
        13: 32,
        17: 20,
        18: 22,
        19: 30,
        22: 50,
        23: 50,
        0: 55,
        1: 55,
        2: 55,
        3: 55,
        4: 55,
        5: 50,
    },
    default_kmh=35,
)


def great_circle_m(a: Point, b: Point) -> float:
    """Haversine distance in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def estimate_matrix(
    points: Sequence[Point],
    *,
    driving_span: tuple[int, int],
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    profile: SpeedProfile = DEFAULT_PROFILE,
    condition_factor: float = 1.0,
) -> TravelMatrix:
    """Offline estimate. The solver takes one matrix per plan, so speeds by time of day enter as the
    mean speed over `driving_span` (seconds since midnight: when the trucks will be on the road)."""
    if detour_factor < 1:
        raise ValueError("detour_factor must be at least 1")
    _check_condition(condition_factor)
    metres_per_s = profile.mean_kmh(*driving_span) / 3.6
    distances = [[round(great_circle_m(a, b) * detour_factor) for b in points] for a in points]
    durations = [[math.ceil(d / metres_per_s * condition_factor) for d in row] for row in distances]
    return TravelMatrix(durations=durations, distances=distances)


class MatrixCache(Protocol):
    def get(self, key: str) -> TravelMatrix | None: ...

    def set(self, key: str, matrix: TravelMatrix) -> None: ...


class MemoryCache:
    """The default cache: a dict that lives as long as the process."""

    def __init__(self) -> None:
        self._matrices: dict[str, TravelMatrix] = {}

    def get(self, key: str) -> TravelMatrix | None:
        return self._matrices.get(key)

    def set(self, key: str, matrix: TravelMatrix) -> None:
        self._matrices[key] = matrix


class OsrmError(RuntimeError):
    """The OSRM server could not be reached or refused the request."""


@dataclass
class OsrmClient:
    """Matrices from an OSRM server's table service, fetched once per day and set of points.

    `max_table_size` mirrors the server's --max-table-size: bigger sets are fetched block by block.
    """

    base_url: str
    cache: MatrixCache = field(default_factory=MemoryCache)
    profile: str = "driving"
    timeout_s: float = 30.0
    max_table_size: int = 100

    def matrix(self, points: Sequence[Point], *, day: date, condition_factor: float = 1.0) -> TravelMatrix:
        _check_condition(condition_factor)
        coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        key = (
            "osrm:"
            + hashlib.sha256(f"{self.base_url}|{self.profile}|{day.isoformat()}|{coordinates}".encode()).hexdigest()
        )
        matrix = self.cache.get(key)
        if matrix is None:
            matrix = self._fetch(points)
            self.cache.set(key, matrix)
        durations = [
            [d if d >= UNREACHABLE else math.ceil(d * condition_factor) for d in row] for row in matrix.durations
        ]
        return TravelMatrix(durations=durations, distances=matrix.distances)

    def _fetch(self, points: Sequence[Point]) -> TravelMatrix:
        size = len(points)
        durations = [[0] * size for _ in range(size)]
        distances = [[0] * size for _ in range(size)]
        block = max(1, self.max_table_size // 2)
        for src in range(0, size, block):
            for dst in range(0, size, block):
                sources = list(range(src, min(size, src + block)))
                targets = list(range(dst, min(size, dst + block)))
                table = self._table(points, sources, targets)
                for i, row in zip(sources, zip(table["durations"], table["distances"], strict=False), strict=False):
                    for j, duration, distance in zip(targets, *row, strict=False):
                        # OSRM answers null for pairs with no route between them.
                        durations[i][j] = UNREACHABLE if duration is None else math.ceil(duration)
                        distances[i][j] = UNREACHABLE if distance is None else round(distance)
        return TravelMatrix(durations=durations, distances=distances)

    def _table(self, points: Sequence[Point], sources: list[int], targets: list[int]) -> dict:
        # Each request carries only its block's coordinates, so it stays within the server's limit.
        places = sources + [t for t in targets if t not in sources]
        position = {p: k for k, p in enumerate(places)}
        coordinates = ";".join(f"{points[p][1]:.6f},{points[p][0]:.6f}" for p in places)
        url = (
            f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{coordinates}"
            f"?annotations=duration,distance"
            f"&sources={';'.join(str(position[s]) for s in sources)}"
            f"&destinations={';'.join(str(position[t]) for t in targets)}"
        )
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as response:
                body = json.load(response)
        except urllib.error.HTTPError as error:
            body = _error_body(error)
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise OsrmError(f"OSRM table request failed: {error}") from error
        if body.get("code") != "Ok":
            raise OsrmError(f"OSRM table request refused: {body.get('code')}: {body.get('message', '')}")
        return body


def _error_body(error: urllib.error.HTTPError) -> dict:
    """OSRM explains a refusal (e.g. TooBig) in a JSON body sent with the 4xx status."""
    try:
        return json.load(error)
    except ValueError:
        return {"code": f"HTTP {error.code}", "message": error.reason}


def _check_condition(condition_factor: float) -> None:
    if condition_factor <= 0:
        raise ValueError("condition_factor must be positive")

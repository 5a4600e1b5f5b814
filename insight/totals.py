"""The arithmetic of the figures: totals of any set of roll-up rows, and the rates read from them.

Rates are worked out from summed counts (never averaged), and the median dwell from merged histograms,
so a region's figure is exactly what its stores' events say.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from insight.models import COUNTS, ROUTE_COUNTS


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass
class Totals:
    delivered: int = 0
    picked_up: int = 0
    picked_up_in_hold: int = 0
    expired: int = 0
    exceptions: int = 0
    stops_arrived: int = 0
    stops_on_time: int = 0
    unserved_stops: int = 0
    routes: int = 0
    distance_m: int = 0
    parcels_carried: int = 0
    peak_load_volume: float = 0
    volume_capacity: int = 0
    occupancy: float | None = None  # the fullest shelf of the rows: most parcels on it against its slots
    dwell: Counter = field(default_factory=Counter)

    def add(self, row: dict) -> Totals:
        """Add a roll-up row, read as a dict of its fields."""
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + row[name])
        for name in ROUTE_COUNTS:
            if name in row:
                setattr(self, name, getattr(self, name) + row[name])
        if row.get("slots"):
            self.add_occupancy(row["peak_on_shelf"] / row["slots"])
        return self.add_dwell(row["dwell_minutes"])

    def combine(self, other: Totals) -> Totals:
        """Add another set of rows' totals (a day's to the period's)."""
        for name in [*COUNTS, *ROUTE_COUNTS]:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.add_occupancy(other.occupancy)
        self.dwell.update(other.dwell)
        return self

    def add_occupancy(self, occupancy: float | None) -> None:
        if occupancy is not None:
            self.occupancy = max(self.occupancy or 0, occupancy)

    def add_dwell(self, histogram: dict) -> Totals:
        """Merge a row's dwell histogram (JSON keys are strings: minutes)."""
        for minutes, count in histogram.items():
            self.dwell[int(minutes)] += count
        return self

    @property
    def left_the_shelf(self) -> int:
        return self.picked_up + self.expired

    @property
    def pickup_rate(self) -> float | None:
        """Of the parcels whose time on the shelf ended, the share picked up within their hold."""
        return _share(self.picked_up_in_hold, self.left_the_shelf)

    @property
    def expiry_rate(self) -> float | None:
        return _share(self.expired, self.left_the_shelf)

    @property
    def on_time_rate(self) -> float | None:
        return _share(self.stops_on_time, self.stops_arrived)

    @property
    def km_per_parcel(self) -> float | None:
        return _share(self.distance_m / 1000, self.parcels_carried)

    @property
    def load_factor(self) -> float | None:
        return _share(self.peak_load_volume, self.volume_capacity)

    @property
    def median_dwell_hours(self) -> float | None:
        minutes = median_of_histogram(self.dwell)
        return None if minutes is None else minutes / 60


def median_of_histogram(histogram: Counter) -> float | None:
    """The median of the values a {value: how many} histogram holds (the mean of the middle two if even)."""
    n = sum(histogram.values())
    if not n:
        return None
    wanted = sorted({(n - 1) // 2, n // 2})
    found, seen = [], 0
    for value in sorted(histogram):
        seen += histogram[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
    return sum(found) / len(found)

"""Reading the roll-up: totals of any set of rows, and a DC's period by day, region, store and merchant.

Rates are worked out from summed counts (never averaged), and the median dwell from merged histograms,
so a region's figure is exactly what its stores' events say.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from insight.models import MerchantDay, RegionDay, Rollup, StoreDay
from stores.models import DistributionCenter

COUNTS = [
    "delivered",
    "picked_up",
    "picked_up_in_hold",
    "expired",
    "exceptions",
    "stops_arrived",
    "stops_on_time",
    "unserved_stops",
]
ROUTE_COUNTS = ["routes", "distance_m", "parcels_carried", "peak_load_volume", "volume_capacity"]


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
        """Add a roll-up row, read as a dict of its fields (`.values()`: no model instances, a page reads
        thousands of store rows)."""
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + row[name])
        for name in ROUTE_COUNTS:
            if name in row:
                setattr(self, name, getattr(self, name) + row[name])
        if row.get("slots"):
            self.occupancy = max(self.occupancy or 0, row["peak_on_shelf"] / row["slots"])
        for minutes, count in row["dwell_minutes"].items():
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


@dataclass
class Period:
    dc: DistributionCenter
    first: date
    last: date
    totals: Totals
    days: list[tuple[date, Totals | None]]  # None: the day has not been rolled up
    regions: list[tuple[Subject, Totals]]
    stores: list[tuple[Subject, Totals]]
    merchants: list[tuple[Subject, Totals]]
    computed_at: object
    empty: bool  # no figure rows in the period (days may still have been rolled up, with nothing on them)


class Subject(NamedTuple):
    """What a table row is about: a region, store or merchant, as much of it as a page shows."""

    pk: int
    code: str
    name: str


def _read(model, span: dict, subject: str) -> list[dict]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    return list(model.objects.filter(**span).values(*fields, f"{subject}__code", f"{subject}__name"))


def _grouped(rows: list[dict], subject: str) -> list[tuple[Subject, Totals]]:
    groups: dict = {}
    for row in rows:
        pk = row[f"{subject}_id"]
        if pk not in groups:
            groups[pk] = (Subject(pk, row[f"{subject}__code"], row[f"{subject}__name"]), Totals())
        groups[pk][1].add(row)
    return sorted(groups.values(), key=lambda pair: pair[0].code)


def period_figures(*, dc: DistributionCenter, first: date, last: date) -> Period:
    """Four reads of the roll-up, whatever the period and however many events lie behind it."""
    span = {"dc": dc, "day__gte": first, "day__lte": last}
    rolled = dict(Rollup.objects.filter(**span).values_list("day", "computed_at"))
    region_rows = _read(RegionDay, span, "region")
    store_rows = _read(StoreDay, span, "store")
    merchant_rows = _read(MerchantDay, span, "merchant")

    by_day = {day: Totals() for day in rolled}
    for row in region_rows:
        by_day.setdefault(row["day"], Totals()).add(row)
    for row in store_rows:
        if row["slots"]:
            totals = by_day.setdefault(row["day"], Totals())
            totals.occupancy = max(totals.occupancy or 0, row["peak_on_shelf"] / row["slots"])
    totals = Totals()
    for row in region_rows:
        totals.add(row)
    occupancies = [t.occupancy for t in by_day.values() if t.occupancy is not None]
    totals.occupancy = max(occupancies, default=None)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return Period(
        dc=dc,
        first=first,
        last=last,
        totals=totals,
        days=[(day, by_day.get(day)) for day in days],
        regions=_grouped(region_rows, "region"),
        stores=_grouped(store_rows, "store"),
        merchants=_grouped(merchant_rows, "merchant"),
        computed_at=max(rolled.values(), default=None),
        empty=not (region_rows or store_rows or merchant_rows),
    )

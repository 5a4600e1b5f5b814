"""Demand for pickups per grid cell (stores.grid) in a DC's area, and which cells a set of stores covers.

Two kinds of evidence, added up, in one unit: parcels over the signal period (28 days).

- **District statistics** (imported CSV: population, age bands, online-shopping index): a district's
  expected parcels are its population weighted by age (the ages that shop online most count fully)
  times its online index times `PARCELS_PER_ONLINE_SHOPPER`, spread evenly over the cells nearest its
  centroid (each cell belongs to the district whose centroid is nearest).
- **The platform's own signals**: each order of the period in the cell of its pickup store, and each
  picker search in its cell (SearchCell: where shoppers looked, including the searches that found no
  store within walking distance, the demand the network misses today).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order
from stores.csv_rows import RowError, csv_number, csv_point, read_csv
from stores.gazetteer import DISTRICTS
from stores.grid import CELL_M, cell_centre, cell_of
from stores.locator import haversine_m
from stores.models import DistributionCenter, SearchCell, Store

# How much each age band shops online, relative to working age: estimates for the demo, to be
# replaced by the operator's own survey figures.
AGE_WEIGHTS = {"age_0_14": 0.2, "age_15_64": 1.0, "age_65_plus": 0.5}
# Parcels a fully online-shopping resident sends to a pickup store over the signal period.
PARCELS_PER_ONLINE_SHOPPER = 0.4
SIGNAL_DAYS = 28
# The DC's area: the box around its stores, widened by this much, so that demand just outside the
# outermost store counts.
AREA_MARGIN_M = 1000.0

DISTRICT_COLUMNS = ["district", "population", "age_0_14", "age_15_64", "age_65_plus", "online_index"]
# Statistics for a whole country's districts fit in well under a megabyte.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000


@dataclass(frozen=True)
class District:
    name: str
    latitude: float
    longitude: float
    population: int
    age_shares: dict[str, float]
    online_index: float

    @property
    def parcels(self) -> float:
        weighted = sum(AGE_WEIGHTS[band] * share for band, share in self.age_shares.items())
        return self.population * weighted * self.online_index * PARCELS_PER_ONLINE_SHOPPER


@dataclass
class Demand:
    """Parcels per cell of a DC's area, and the district each cell belongs to."""

    cells: dict[tuple[int, int], int] = field(default_factory=dict)
    district_of: dict[tuple[int, int], str] = field(default_factory=dict)
    districts: list[District] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.cells.values())


def parse_districts(data: bytes) -> tuple[list[District], list[RowError]]:
    """The districts of a statistics CSV, or the row-by-row report of what is wrong with it. A
    district is named by postal code or name (English or Chinese) in the gazetteer, or given its
    `latitude` and `longitude` columns."""
    rows, errors = read_csv(data, DISTRICT_COLUMNS, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    districts: list[District] = []
    seen: set[str] = set()
    for line, row in rows:
        name = row["district"]
        known = _gazetteer(name)
        point = csv_point(row, line, errors) if row.get("latitude") or row.get("longitude") else None
        if known is None and point is None:
            errors.append(RowError(line, "district", _("unknown district: give its latitude and longitude")))
            continue
        population = csv_number(row, "population", line, errors, int, minimum=0)
        shares = {band: csv_number(row, band, line, errors, float, minimum=0) for band in AGE_WEIGHTS}
        index = csv_number(row, "online_index", line, errors, float, minimum=0)
        if None in (population, index, *shares.values()):
            continue
        if abs(sum(shares.values()) - 1) > 0.02:
            errors.append(RowError(line, "age_0_14", _("the three age bands must add up to 1")))
            continue
        label = known.name_zh if known else name
        if label in seen:
            errors.append(RowError(line, "district", _("this district is listed twice")))
            continue
        seen.add(label)
        latitude, longitude = point or (known.latitude, known.longitude)
        districts.append(District(label, latitude, longitude, population, shares, index))
    return (districts, errors) if not errors else ([], errors)


def dc_area(dc: DistributionCenter) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) of the DC's stores, widened by AREA_MARGIN_M; None without stores."""
    points = list(Store.objects.filter(region__dc=dc, active=True).values_list("latitude", "longitude"))
    if not points:
        return None
    lats, lons = [float(p[0]) for p in points], [float(p[1]) for p in points]
    dlat = AREA_MARGIN_M / 111_320.0
    dlon = AREA_MARGIN_M / (111_320.0 * math.cos(math.radians(sum(lats) / len(lats))))
    return min(lats) - dlat, min(lons) - dlon, max(lats) + dlat, max(lons) + dlon


def inside(area: tuple[float, float, float, float], latitude: float, longitude: float) -> bool:
    south, west, north, east = area
    return south <= latitude <= north and west <= longitude <= east


def demand_for(dc: DistributionCenter, districts: list[District]) -> Demand:
    """The DC area's demand per cell: the districts' estimates plus the platform's own signals."""
    area = dc_area(dc)
    demand = Demand(districts=districts)
    if area is None:
        return demand
    cells = _cells_in(area)
    estimate: dict[tuple[int, int], float] = defaultdict(float)
    if districts:
        owner = {cell: min(districts, key=lambda d, c=cell: _distance(c, d.latitude, d.longitude)) for cell in cells}
        counts: dict[str, int] = defaultdict(int)
        for district in owner.values():
            counts[district.name] += 1
        for cell, district in owner.items():
            estimate[cell] = district.parcels / counts[district.name]
            demand.district_of[cell] = district.name
    since = timezone.now() - timedelta(days=SIGNAL_DAYS)
    orders = (
        Order.objects.filter(pickup_store__region__dc=dc, created_at__gte=since)
        .values("pickup_store__latitude", "pickup_store__longitude")
        .annotate(n=Count("id"))
    )
    for row in orders:
        cell = cell_of(float(row["pickup_store__latitude"]), float(row["pickup_store__longitude"]))
        if cell in cells:
            estimate[cell] += row["n"]
    searches = (
        SearchCell.objects.filter(day__gte=since.date()).values("row", "col").annotate(n=Sum("searches")).order_by()
    )
    for row in searches:
        cell = (row["row"], row["col"])
        if cell in cells:
            estimate[cell] += row["n"]
    demand.cells = {cell: round(value) for cell, value in estimate.items() if round(value) > 0}
    return demand


def cells_within(latitude: float, longitude: float, radius_m: float, cells: set[tuple[int, int]]) -> list:
    """The cells of `cells` whose centres lie within `radius_m` of the point."""
    row, col = cell_of(latitude, longitude)
    reach = math.ceil(radius_m / CELL_M) + 1
    near = []
    for r in range(row - reach, row + reach + 1):
        for c in range(col - reach, col + reach + 1):
            if (r, c) in cells and _distance((r, c), latitude, longitude) <= radius_m:
                near.append((r, c))
    return near


def _cells_in(area: tuple[float, float, float, float]) -> set[tuple[int, int]]:
    south, west, north, east = area
    (r0, _c0), (r1, _c1) = cell_of(south, west), cell_of(north, east)
    cells = set()
    for r in range(r0, r1 + 1):
        (_, c0), (_, c1) = cell_of(cell_centre(r, 0)[0], west), cell_of(cell_centre(r, 0)[0], east)
        cells.update((r, c) for c in range(c0, c1 + 1))
    return cells


def _distance(cell: tuple[int, int], latitude: float, longitude: float) -> float:
    return haversine_m(*cell_centre(*cell), latitude, longitude)


def _gazetteer(name: str):
    wanted = name.strip().lower()
    for district in DISTRICTS:
        if wanted in {district.postal_code, district.name_en.lower(), district.name_zh, district.name_zh.rstrip("區")}:
            return district
    return None

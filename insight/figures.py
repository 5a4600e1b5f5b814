"""Reading a DC's period from the roll-up: by day, region, store and merchant, summed by the database.

A page reads a bounded number of rows whatever the number of stores, merchants and events: the counts
come summed, one row per day, region, store or merchant, and the store and merchant tables are read a
page at a time. Dwell histograms (JSON, which SQLite and PostgreSQL cannot add up alike) are read only
for what is shown: the regions' days, and the stores and merchants of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from django.db.models import F, FloatField, Max, Sum, Value
from django.db.models.functions import Cast, NullIf
from django.utils.translation import gettext_lazy as _

from insight.models import COUNTS, ROUTE_COUNTS, MerchantDay, RegionDay, Rollup, StoreDay
from insight.totals import Totals
from stores.models import DistributionCenter

SUMS = {f"sum_{name}": Sum(name) for name in COUNTS}
ROUTE_SUMS = {f"sum_{name}": Sum(name) for name in ROUTE_COUNTS}
# The fullest shelf of the rows: most parcels on it against its slots (a store without slots has no figure).
OCCUPANCY = Max(Cast("peak_on_shelf", FloatField()) / NullIf("slots", Value(0)))


def _shelf_rate(part: str):
    """A share of the parcels whose time on the shelf ended, in SQL; NULL where none did."""
    return Cast(Sum(part), FloatField()) / NullIf(Sum("picked_up") + Sum("expired"), Value(0))


STORE_RATES = {"expiry_rate": _shelf_rate("expired"), "pickup_rate": _shelf_rate("picked_up_in_hold")}
# How the store table may be ordered: by code, or the worst stores first (those with no rate last).
STORE_ORDERS = {
    "code": (_("Store code"), []),
    "expiry": (_("Highest expiry rate"), [F("expiry_rate").desc(nulls_last=True)]),
    "pickup": (_("Lowest pickup rate"), [F("pickup_rate").asc(nulls_last=True)]),
}
# How many stores or merchants an export reads the histograms of at once.
EXPORT_BATCH = 500


class Subject(NamedTuple):
    """What a table row is about: a region, store or merchant, as much of it as a page shows."""

    pk: int
    code: str
    name: str


def _totals(row: dict) -> Totals:
    """Totals of a summed row (its `sum_<count>` and, for stores, `occupancy`); dwell comes separately."""
    counts = {name: row[f"sum_{name}"] for name in [*COUNTS, *ROUTE_COUNTS] if f"sum_{name}" in row}
    return Totals(**counts, occupancy=row.get("occupancy"))


class Breakdown:
    """The stores' or merchants' table of a period, one summed row each, ordered by the database.

    Django's Paginator counts and slices it, so a page reads its own rows and their histograms only;
    iterating it (an export) reads every summed row and the histograms a batch of subjects at a time.
    """

    def __init__(self, model, subject: str, span: dict, *, annotations: dict, order: list) -> None:
        self.model, self.key, self.span = model, f"{subject}_id", span
        self.code, self.name = f"{subject}__code", f"{subject}__name"
        self.rows = (
            model.objects.filter(**span)
            .values(self.key, self.code, self.name)
            .annotate(**annotations)
            .order_by(*order, self.code, self.key)
        )
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.rows.count()
        return self._count

    def __getitem__(self, window: slice) -> list[tuple[Subject, Totals]]:
        return self._with_dwell(list(self.rows[window]))

    def __iter__(self):
        rows = list(self.rows)
        for start in range(0, len(rows), EXPORT_BATCH):
            yield from self._with_dwell(rows[start : start + EXPORT_BATCH])

    def _with_dwell(self, rows: list[dict]) -> list[tuple[Subject, Totals]]:
        table = {row[self.key]: (Subject(row[self.key], row[self.code], row[self.name]), _totals(row)) for row in rows}
        if table:
            histograms = (
                self.model.objects.filter(**self.span, **{f"{self.key}__in": list(table)})
                .exclude(dwell_minutes={})
                .order_by()
                .values_list(self.key, "dwell_minutes")
            )
            for pk, histogram in histograms:
                table[pk][1].add_dwell(histogram)
        return list(table.values())


@dataclass
class Period:
    dc: DistributionCenter
    first: date
    last: date
    totals: Totals
    days: list[tuple[date, Totals | None]]  # None: the day has not been rolled up
    regions: list[tuple[Subject, Totals]]
    stores: Breakdown
    merchants: Breakdown
    computed_at: object
    empty: bool  # no figure rows in the period (days may still have been rolled up, with nothing on them)


def _by_day(span: dict, rolled) -> dict[date, Totals]:
    by_day = {day: Totals() for day in rolled}
    for row in RegionDay.objects.filter(**span).values("day").annotate(**SUMS, **ROUTE_SUMS).order_by():
        by_day[row["day"]] = _totals(row)
    shelves = StoreDay.objects.filter(**span, slots__gt=0).values("day").annotate(occupancy=OCCUPANCY).order_by()
    for row in shelves:
        by_day.setdefault(row["day"], Totals()).occupancy = row["occupancy"]
    return by_day


def _regions(span: dict, by_day: dict[date, Totals]) -> list[tuple[Subject, Totals]]:
    """The regions' sums, and their day histograms merged into both the region's and the day's dwell."""
    summed = RegionDay.objects.filter(**span).values("region_id", "region__code", "region__name")
    regions = {
        row["region_id"]: (Subject(row["region_id"], row["region__code"], row["region__name"]), _totals(row))
        for row in summed.annotate(**SUMS, **ROUTE_SUMS).order_by("region__code", "region_id")
    }
    histograms = RegionDay.objects.filter(**span).exclude(dwell_minutes={}).order_by()
    for day, region, histogram in histograms.values_list("day", "region_id", "dwell_minutes"):
        regions[region][1].add_dwell(histogram)
        by_day[day].add_dwell(histogram)
    return list(regions.values())


def period_figures(*, dc: DistributionCenter, first: date, last: date, store_order: str = "code") -> Period:
    """A fixed number of reads of the roll-up, each of a bounded number of rows (the tables' are lazy)."""
    span = {"dc": dc, "day__gte": first, "day__lte": last}
    rolled = dict(Rollup.objects.filter(**span).values_list("day", "computed_at"))
    by_day = _by_day(span, rolled)
    regions = _regions(span, by_day)
    totals = Totals()
    for day_totals in by_day.values():
        totals.combine(day_totals)
    stores = Breakdown(
        StoreDay,
        "store",
        span,
        annotations={**SUMS, "occupancy": OCCUPANCY, **STORE_RATES},
        order=STORE_ORDERS[store_order][1],
    )
    merchants = Breakdown(MerchantDay, "merchant", span, annotations=SUMS, order=[])
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return Period(
        dc=dc,
        first=first,
        last=last,
        totals=totals,
        days=[(day, by_day.get(day)) for day in days],
        regions=regions,
        stores=stores,
        merchants=merchants,
        computed_at=max(rolled.values(), default=None),
        empty=not (regions or stores.count() or merchants.count()),
    )

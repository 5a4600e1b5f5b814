"""Roll a DC's day of events up into StoreDay, RegionDay and MerchantDay rows.

Safe to run twice and to re-run for a past day: each row is upserted by its key, and rows whose key the
day no longer has are removed, so a run leaves exactly what the events say. A store's day is its own
local day; route figures belong to the plan day of the route.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Min, Q, Sum, Value, When
from django.utils import timezone

from dc.models import DockException
from insight.models import COUNTS, ROUTE_COUNTS, MerchantDay, RegionDay, Rollup, StoreDay
from orders.holds import hold_days_for, hold_deadline_for
from orders.lifecycle import ON_SHELF
from orders.models import Parcel, ParcelEvent
from routing.models import PlannedRoute, PlannedStop, PlanParcel, RegionPlan, UnservedStop
from stores.models import DistributionCenter, Store

S = Parcel.Status
# Fetched around the DC's day so that every store's local day falls inside, whatever its zone.
ZONE_SLACK = timedelta(hours=14)
# How far back the hourly check looks for days it has not rolled up (a beat stopped over a weekend).
CATCH_UP_DAYS = 7
# What every roll-up row holds of its parcels (insight.models.Figures).
FIGURE_FIELDS = [*COUNTS, "dwell_minutes"]


@dataclass
class Tally:
    delivered: int = 0
    picked_up: int = 0
    picked_up_in_hold: int = 0
    expired: int = 0
    dwell: Counter = field(default_factory=Counter)
    exceptions: int = 0
    stops_arrived: int = 0
    stops_on_time: int = 0
    unserved_stops: int = 0

    def add(self, other: Tally) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.dwell.update(other.dwell)

    def fields(self) -> dict:
        values = {name: getattr(self, name) for name in COUNTS}
        # JSON object keys are strings; sorted so that two runs write byte-identical rows.
        values["dwell_minutes"] = {str(minutes): self.dwell[minutes] for minutes in sorted(self.dwell)}
        return values


def day_bounds(day: date, tz) -> tuple[datetime, datetime]:
    return datetime.combine(day, time(0), tzinfo=tz), datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def on_time(store: Store, planned: datetime, actual: datetime) -> bool:
    """Arrived no later than the plan allows and inside the store's receiving window."""
    late_by = actual - planned
    local = actual.astimezone(store.tz).time()
    tolerance = timedelta(minutes=settings.PICKUP_INSIGHT_ON_TIME_MINUTES)
    return late_by <= tolerance and store.receiving_start <= local <= store.receiving_end


def rollup_day(*, dc: DistributionCenter, day: date) -> Rollup:
    stores = {store.pk: store for store in Store.objects.filter(region__dc=dc)}
    dc_start, dc_end = day_bounds(day, dc.tz)
    window = (dc_start - ZONE_SLACK, dc_end + ZONE_SLACK)
    by_store: dict[int, Tally] = defaultdict(Tally)
    by_merchant: dict[int, Tally] = defaultdict(Tally)

    peak, on_shelf_at_end = _parcel_events(dc, stores, day, window, by_store, by_merchant)
    _exceptions(dc, stores, day, window, by_store, by_merchant)
    carried = _stops(dc, stores, day, by_store)
    routes = _routes(dc, day, carried)

    by_region: dict[int, Tally] = defaultdict(Tally)
    for store_id, tally in by_store.items():
        by_region[stores[store_id].region_id].add(tally)
    store_ids = set(by_store) | {pk for pk, level in on_shelf_at_end.items() if level or peak.get(pk)}
    store_rows = [
        StoreDay(
            day=day,
            store_id=pk,
            dc=dc,
            region_id=stores[pk].region_id,
            peak_on_shelf=peak.get(pk, 0),
            on_shelf_at_end=on_shelf_at_end.get(pk, 0),
            slots=stores[pk].slot_capacity + stores[pk].chilled_slots + stores[pk].frozen_slots,
            **by_store[pk].fields(),
        )
        for pk in sorted(store_ids)
    ]
    region_rows = [
        RegionDay(day=day, dc=dc, region_id=pk, **by_region[pk].fields(), **routes.get(pk, {}))
        for pk in sorted(set(by_region) | set(routes))
    ]
    merchant_rows = [MerchantDay(day=day, dc=dc, merchant_id=pk, **tally.fields()) for pk, tally in by_merchant.items()]
    store_only = ["dc", "region", "peak_on_shelf", "on_shelf_at_end", "slots"]
    with transaction.atomic():
        _replace(StoreDay, dc, day, store_rows, ["day", "store"], [*FIGURE_FIELDS, *store_only], "store_id")
        _replace(RegionDay, dc, day, region_rows, ["day", "region"], [*FIGURE_FIELDS, *ROUTE_COUNTS], "region_id")
        _replace(MerchantDay, dc, day, merchant_rows, ["day", "dc", "merchant"], FIGURE_FIELDS, "merchant_id")
        rollup, _created = Rollup.objects.update_or_create(dc=dc, day=day, defaults={"computed_at": timezone.now()})
    return rollup


def _replace(model, dc, day, rows, unique_fields, update_fields, key) -> None:
    """Upsert `rows` by their key; remove the DC's rows of the day that the events no longer give."""
    model.objects.filter(dc=dc, day=day).exclude(**{f"{key}__in": [getattr(row, key) for row in rows]}).delete()
    if rows:
        model.objects.bulk_create(rows, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields)


def _parcel_events(dc, stores, day, window, by_store, by_merchant):
    """Deliveries, pickups (with dwell and the hold), expiries and the shelf's level through the day."""
    events = list(
        ParcelEvent.objects.filter(
            type=ParcelEvent.Type.STATUS,
            created_at__gte=window[0],
            created_at__lt=window[1],
            parcel__order__pickup_store__in=list(stores),
        )
        .order_by("created_at", "id")
        .values_list(
            "parcel_id",
            "from_status",
            "to_status",
            "created_at",
            "parcel__order__pickup_store_id",
            "parcel__order__merchant_id",
            "parcel__temperature_class",
        )
    )
    picked = [event[0] for event in events if event[2] == S.PICKED_UP]
    arrivals = defaultdict(list)
    for parcel_id, at in ParcelEvent.objects.filter(
        parcel_id__in=picked, type=ParcelEvent.Type.STATUS, to_status=S.AT_STORE
    ).values_list("parcel_id", "created_at"):
        arrivals[parcel_id].append(at)

    level, carried = _shelf_level_before(dc, stores, day, window[0])
    peak: dict[int, int] = {}
    at_end: dict[int, int] = {}
    for parcel_id, from_status, to_status, at, store_id, merchant_id, temperature in events:
        store = stores[store_id]
        local_day = at.astimezone(store.tz).date()
        if local_day < day and carried:
            continue  # already in the level carried over from the day before
        if local_day >= day:
            peak.setdefault(store_id, level[store_id])
        if local_day > day:
            at_end.setdefault(store_id, level[store_id])
            continue
        level[store_id] += (to_status in ON_SHELF) - (from_status in ON_SHELF)
        if local_day < day:
            continue
        peak[store_id] = max(peak[store_id], level[store_id])
        tallies = (by_store[store_id], by_merchant[merchant_id])
        for tally in tallies:
            tally.delivered += to_status == S.AT_STORE
            tally.expired += to_status == S.EXPIRED
        if to_status == S.PICKED_UP:
            arrived = max((moment for moment in arrivals[parcel_id] if moment <= at), default=None)
            if arrived is None:
                continue  # its scan-in is missing from the history: counted nowhere rather than guessed
            in_hold = at <= hold_deadline_for(arrived, store.tz, hold_days_for(temperature))
            minutes = int((at - arrived).total_seconds() // 60)
            for tally in tallies:
                tally.picked_up += 1
                tally.picked_up_in_hold += in_hold
                tally.dwell[minutes] += 1
    # A store without events in or after its day kept the same parcels on the shelf all day long.
    for store_id in stores:
        peak.setdefault(store_id, level[store_id])
        at_end.setdefault(store_id, level[store_id])
    return peak, at_end


def _shelf_level_before(dc, stores, day, moment) -> tuple[Counter, bool]:
    """Parcels on each store's shelf as the sweep starts, and whether that is the closing level of the
    day before (carried over when that day was rolled up: no history to read) or the level at `moment`
    counted from the whole history."""
    if Rollup.objects.filter(dc=dc, day=day - timedelta(days=1)).exists():
        previous = StoreDay.objects.filter(dc=dc, day=day - timedelta(days=1)).values_list(
            "store_id", "on_shelf_at_end"
        )
        return Counter(dict(previous)), True
    entering = Q(to_status__in=ON_SHELF) & ~Q(from_status__in=ON_SHELF)
    leaving = Q(from_status__in=ON_SHELF) & ~Q(to_status__in=ON_SHELF)
    rows = (
        ParcelEvent.objects.filter(
            type=ParcelEvent.Type.STATUS, created_at__lt=moment, parcel__order__pickup_store__in=list(stores)
        )
        .filter(entering | leaving)
        .values("parcel__order__pickup_store_id")
        .annotate(level=Sum(Case(When(entering, then=Value(1)), default=Value(-1), output_field=IntegerField())))
        .order_by()
    )
    return Counter({row["parcel__order__pickup_store_id"]: row["level"] for row in rows}), False


def _exceptions(dc, stores, day, window, by_store, by_merchant) -> None:
    opened = DockException.objects.filter(dc=dc, opened_at__gte=window[0], opened_at__lt=window[1]).values_list(
        "opened_at", "parcel__order__pickup_store_id", "parcel__order__merchant_id"
    )
    for at, store_id, merchant_id in opened:
        store = stores.get(store_id)
        if store is None or at.astimezone(store.tz).date() != day:
            continue
        by_store[store_id].exceptions += 1
        by_merchant[merchant_id].exceptions += 1


def _stops(dc, stores, day, by_store) -> Counter:
    """On-time arrival and unserved stops per store; returns the parcels carried per region."""
    midnight = datetime.combine(day, time(0), tzinfo=dc.tz)
    stops = list(
        PlannedStop.objects.filter(
            route__region_plan__run__dc=dc, route__region_plan__run__plan_date=day, route__dispatched_at__isnull=False
        ).values_list(
            "id",
            "store_id",
            "route__region_plan__region_id",
            "arrival_s",
            "arrived_at",
            "not_served_at",
            "delivered_parcels",
            "collected_parcels",
        )
    )
    # Where the driver tapped no arrival, the store's first scan-in of the stop's parcels stands for it.
    untapped = [stop[0] for stop in stops if stop[4] is None and stop[5] is None]
    scanned_in = dict(
        PlanParcel.objects.filter(
            stop_id__in=untapped,
            kind=PlanParcel.Kind.DELIVER,
            parcel__events__type=ParcelEvent.Type.STATUS,
            parcel__events__to_status=S.AT_STORE,
            parcel__events__created_at__gte=midnight,
        )
        .values("stop_id")
        .annotate(first=Min("parcel__events__created_at"))
        .order_by()
        .values_list("stop_id", "first")
    )
    carried: Counter = Counter()
    for stop_id, store_id, region_id, arrival_s, tapped, not_served, dropped, collected in stops:
        carried[region_id] += dropped + collected
        tally = by_store[store_id]
        if not_served is not None:
            tally.unserved_stops += 1
            continue
        actual = tapped or scanned_in.get(stop_id)
        if actual is None:
            continue
        tally.stops_arrived += 1
        tally.stops_on_time += on_time(stores[store_id], midnight + timedelta(seconds=arrival_s), actual)
    for store_id in UnservedStop.objects.filter(
        region_plan__run__dc=dc, region_plan__run__plan_date=day, region_plan__status=RegionPlan.Status.APPROVED
    ).values_list("store_id", flat=True):
        by_store[store_id].unserved_stops += 1
    return carried


def _routes(dc, day, carried: Counter) -> dict[int, dict]:
    rows = (
        PlannedRoute.objects.filter(
            region_plan__run__dc=dc, region_plan__run__plan_date=day, dispatched_at__isnull=False
        )
        .values("region_plan__region_id")
        .annotate(
            n=Count("id"),
            distance=Sum("distance_m"),
            load=Sum("peak_load_volume"),
            capacity=Sum("vehicle__volume_capacity"),
        )
        .order_by()
    )
    return {
        row["region_plan__region_id"]: {
            "routes": row["n"],
            "distance_m": row["distance"],
            "parcels_carried": carried[row["region_plan__region_id"]],
            "peak_load_volume": row["load"],
            "volume_capacity": row["capacity"],
        }
        for row in rows
    }


def last_whole_day(dc: DistributionCenter, now: datetime) -> date:
    """The latest day that has ended for the DC and every one of its stores, each in its own zone."""
    zones = {dc.time_zone, *Store.objects.filter(region__dc=dc).values_list("time_zone", flat=True).distinct()}
    return min(now.astimezone(ZoneInfo(zone)).date() for zone in zones) - timedelta(days=1)


def rollup_due(*, now: datetime | None = None) -> list[Rollup]:
    """Roll up, in order, every whole day of the last CATCH_UP_DAYS that a DC does not have yet: yesterday
    once midnight has passed at the DC and all its stores, and the days a stopped beat missed."""
    now = now or timezone.now()
    done = []
    for dc in DistributionCenter.objects.order_by("code"):
        last = last_whole_day(dc, now)
        days = [last - timedelta(days=n) for n in reversed(range(CATCH_UP_DAYS))]
        have = set(Rollup.objects.filter(dc=dc, day__in=days).values_list("day", flat=True))
        done += [rollup_day(dc=dc, day=day) for day in days if day not in have]
    return done


def rollup_period(*, dc: DistributionCenter, first: date, last: date) -> list[Rollup]:
    """Every day of the period in order, so each day's shelf level carries over to the next."""
    return [rollup_day(dc=dc, day=first + timedelta(days=n)) for n in range((last - first).days + 1)]

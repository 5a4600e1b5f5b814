"""The store locator: the stores nearest a point, with what a shopper needs to choose one.

Fast on a large network: each round reads only the stores inside a bounding box (the latitude and
longitude index serves it), measures them exactly, and widens the box only while fewer than `limit`
stores lie within its inscribed circle, at which point no store outside the box could be nearer.
The free-capacity estimate comes from the function registered with `register_capacity_estimator`:
the parcels that fill the shelves live in `orders`, above `stores`, which registers its forecast
at start-up.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Avg
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from stores.geocoding import Place, get_geocoder
from stores.models import OpeningHours, Store, TemperatureClass

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = 111_320.0
# In a dense city ten stores often lie within 1 km. A 2 km first box (tried) returns hundreds of rows
# there, up to two thousand, and scanning and measuring them cost more than the second round trip a
# 1 km box needs elsewhere (on bench/locator.py's network, about a third less time ranking on
# average, on SQLite and PostgreSQL).
FIRST_RADIUS_M = 1000.0
# Beyond this a store is no use for a pickup; the search stops widening here.
MAX_RADIUS_M = 320_000.0
MAX_LIMIT = 50

CapacityEstimator = Callable[..., dict[int, int]]


@dataclass
class StoreMatch:
    store: Store
    distance_m: int
    open_now: bool
    free_capacity: int
    size_fits: bool
    weight_fits: bool
    temperature_fits: bool = True
    temperature_class: str = ""
    hours: list[OpeningHours] = field(default_factory=list)  # the store's intervals; none when open 24 hours

    @property
    def reason(self) -> str:
        """Why the store cannot take the parcel, or '' when it can."""
        if not self.size_fits:
            return _("Takes parcels up to size %(size)s only.") % {"size": self.store.max_size_class}
        if not self.temperature_fits:
            return _("Cannot hold %(class)s parcels.") % {
                "class": str(TemperatureClass(self.temperature_class).label).lower()
            }
        if not self.weight_fits:
            return _("Takes parcels up to %(kg)s kg only.") % {"kg": f"{self.store.max_weight_g / 1000:g}"}
        if self.free_capacity <= 0:
            return _("Full on the expected arrival day.")
        return ""

    @property
    def selectable(self) -> bool:
        return not self.reason


def locate(query: str) -> Place | None:
    """Where a typed district, address or postal code is: the geocoder first, then the stores' own postal codes."""
    place = get_geocoder().geocode(query)
    code = query.strip()
    if place is None and code.isdigit():
        centre = Store.objects.filter(active=True, postal_code=code).aggregate(
            lat=Avg("latitude"), lon=Avg("longitude")
        )
        if centre["lat"] is not None:
            place = Place(float(centre["lat"]), float(centre["lon"]), code)
    return place


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def expected_arrival_day(at: datetime | None = None) -> date:
    """The day a parcel ordered now reaches a store: the next day, after the DC's morning batch."""
    local = (at or timezone.now()).astimezone(ZoneInfo(settings.TIME_ZONE))
    return local.date() + timedelta(days=1)


def pickup_day_choices(at: datetime | None = None) -> list[date]:
    """Days a shopper ordering now may choose to collect on: the first delivery day and the next
    PICKUP_PICKUP_DAY_CHOICES - 1 (stores receive every day, so each of them is a delivery day)."""
    first = expected_arrival_day(at)
    return [first + timedelta(days=n) for n in range(settings.PICKUP_PICKUP_DAY_CHOICES)]


def pickup_day_options(at: datetime | None = None) -> list[tuple[str, str]]:
    """(value, label) for a pickup-day select: as soon as possible, then each day that can be chosen."""
    return [("", _("As soon as possible"))] + [
        (day.isoformat(), date_format(day, "l Y-m-d")) for day in pickup_day_choices(at)
    ]


_capacity_estimator: CapacityEstimator | None = None


def register_capacity_estimator(estimator: CapacityEstimator) -> None:
    """Make `estimator(*, stores, day)` the forecast of free slots (per store id) that stores use."""
    global _capacity_estimator
    _capacity_estimator = estimator


def free_capacity(*, stores: Sequence[Store], day: date) -> dict[int, int]:
    """Free parcel slots per store id on `day`, from the registered estimator."""
    if _capacity_estimator is None:
        raise ImproperlyConfigured("No capacity estimator is registered: install the orders app, which registers one.")
    return _capacity_estimator(stores=stores, day=day)


def _stores_in_box(
    latitude: float, longitude: float, radius_m: float, only_24h: bool
) -> list[tuple[int, float, float]]:
    """(id, latitude, longitude) of the active stores in the box around the circle of `radius_m`.

    Plain SQL on purpose: this runs several times per search on the hottest path, and the ORM's
    query compilation costs more than the indexed range scan itself.
    """
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    table = connection.ops.quote_name(Store._meta.db_table)
    sql = (
        # As floats straight from the database: hundreds of rows a search, each a Decimal otherwise.
        f"SELECT id, CAST(latitude AS DOUBLE PRECISION), CAST(longitude AS DOUBLE PRECISION) FROM {table} WHERE active = %s"
        " AND latitude BETWEEN %s AND %s AND longitude BETWEEN %s AND %s" + (" AND is_24h = %s" if only_24h else "")
    )
    params = [True, latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon] + ([True] if only_24h else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ranked_candidates(latitude: float, longitude: float, limit: int, only_24h: bool) -> list[tuple[float, int]]:
    """(distance, id) of at least `limit` stores nearest the point, nearest first, or all within reach."""
    radius = FIRST_RADIUS_M
    while True:
        rows = _stores_in_box(latitude, longitude, radius, only_24h)
        ranked = sorted((haversine_m(latitude, longitude, lat, lon), pk) for pk, lat, lon in rows)
        within = [item for item in ranked if item[0] <= radius]
        if len(within) >= limit or radius >= MAX_RADIUS_M:
            return within if radius < MAX_RADIUS_M else ranked
        # Grow by the density seen so far: aim at twice the stores needed, at least doubling.
        factor = math.sqrt(2 * limit / max(len(within), 1))
        radius = min(MAX_RADIUS_M, radius * max(2.0, min(factor, 4.0)))


def stores_nearest(
    *,
    latitude: float,
    longitude: float,
    limit: int = 10,
    size_class: str | None = None,
    weight_g: int | None = None,
    temperature_class: str | None = None,
    open_now: bool = False,
    only_24h: bool = False,
    at: datetime | None = None,
    arrival_day: date | None = None,
) -> list[StoreMatch]:
    """The `limit` active stores nearest the point, nearest first, each with hours, capacity and fit.

    Stores that cannot take the parcel stay in the list (with a reason) so the shopper sees why.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    at = at or timezone.now()
    wanted = limit
    while True:
        ranked = _ranked_candidates(latitude, longitude, wanted, only_24h)
        matches = _matches(ranked, limit, at, open_now, size_class, weight_g, temperature_class)
        # Closed stores drop out after ranking: look further while the search area can still grow.
        if len(matches) >= limit or len(ranked) < wanted:
            break
        wanted *= 4
    _fill_capacity(matches, arrival_day or expected_arrival_day(at))
    return matches


def _matches(ranked, limit, at, open_now, size_class, weight_g, temperature_class) -> list[StoreMatch]:
    matches: list[StoreMatch] = []
    # Without the open-now filter the first `limit` are the answer; with it, load a few more per round.
    step = limit * 2 if open_now else limit
    for start in range(0, len(ranked), step):
        chunk = ranked[start : start + step]
        by_id = _stores_with_hours([pk for _, pk in chunk])
        for distance, pk in chunk:
            store, hours = by_id[pk]
            is_open = store.is_open_at(at, hours)
            if open_now and not is_open:
                continue
            matches.append(_match(store, hours, distance, is_open, size_class, weight_g, temperature_class))
            if len(matches) == limit:
                return matches
    return matches


def _stores_with_hours(ids: list[int]) -> dict[int, tuple[Store, list[OpeningHours]]]:
    """The stores by id, each with its opening intervals in weekday order (none for a 24-hour store).

    One statement, the stores joined to their hours, where a queryset and a prefetch were two round
    trips; and plain SQL because compiling the ORM's version of this join cost more CPU than running
    it. The intervals' times come as text, which reads the same from SQLite and PostgreSQL.
    """
    stores, hours = (connection.ops.quote_name(model._meta.db_table) for model in (Store, OpeningHours))
    sql = (
        "SELECT s.*, h.weekday AS interval_weekday, CAST(h.opens AS TEXT) AS interval_opens, CAST(h.closes AS TEXT) AS interval_closes"
        f" FROM {stores} s LEFT JOIN {hours} h ON h.store_id = s.id AND s.is_24h = %s"
        f" WHERE s.id IN ({', '.join(['%s'] * len(ids))}) ORDER BY s.id, h.weekday, h.opens"
    )
    found: dict[int, tuple[Store, list[OpeningHours]]] = {}
    for row in Store.objects.raw(sql, [False, *ids]):
        # A store with hours comes once per interval; the first row is the store.
        store, intervals = found.setdefault(row.pk, (row, []))
        if row.interval_weekday is not None:
            opens, closes = time.fromisoformat(row.interval_opens), time.fromisoformat(row.interval_closes)
            intervals.append(OpeningHours(store_id=store.pk, weekday=row.interval_weekday, opens=opens, closes=closes))
    return found


def _match(
    store: Store,
    hours: list[OpeningHours],
    distance: float,
    is_open: bool,
    size_class: str | None,
    weight_g: int | None,
    temperature_class: str | None,
) -> StoreMatch:
    return StoreMatch(
        store=store,
        hours=hours,
        distance_m=round(distance),
        open_now=is_open,
        free_capacity=0,
        size_fits=size_class is None or store.accepts_size(size_class),
        weight_fits=weight_g is None or weight_g <= store.max_weight_g,
        temperature_fits=temperature_class is None or store.accepts_temperature(temperature_class),
        temperature_class=temperature_class or "",
    )


def _fill_capacity(matches: list[StoreMatch], day: date) -> None:
    if not matches:
        return
    free = free_capacity(stores=[m.store for m in matches], day=day)
    for match in matches:
        match.free_capacity = free.get(match.store.pk, match.store.slot_capacity)

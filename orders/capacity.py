"""How many parcel slots a store will have free when a delivery arrives: one forecast, used by the
store locator, the order checks and the daily batch (registered with the locator by OrdersConfig.ready).

Free on arrival = slots − parcels on the shelf − parcels on their way (planned or in transit)
+ parcels expected to leave the shelf before the arrival: those whose hold ends before the day
(returned, their slots freed by the driver at the latest on that visit) and the handovers the
store's own history predicts (its daily pickup rate over PICKUP_FORECAST_HISTORY_DAYS, times the
days until arrival), never more than the parcels that could leave.
"""

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from orders.models import Order, Parcel, ParcelEvent
from stores.models import Store, TemperatureClass

S = Parcel.Status
INCOMING = (S.PLANNED, S.IN_TRANSIT)
# What each row of _counts counts, per store.
STAYING, ON_THE_WAY, HANDED_OVER = 0, 1, 2
# Stores per statement: the statement lists their ids three times, and a day's batch asks about every
# store of a DC, so the lists must stay under the databases' limits on parameters (SQLite's default
# 32,766; PostgreSQL's 65,535).
STORES_PER_STATEMENT = 2000


def store_free_capacity(*, stores: Sequence[Store], day: date, at: datetime | None = None) -> dict[int, int]:
    """Forecast free ambient slots per store id for a delivery arriving on `day` (at the start of
    the store's receiving window), as seen at `at` (now by default)."""
    if not stores:
        return {}
    at = at or timezone.now()
    arrival = {store.pk: datetime.combine(day, store.receiving_start, tzinfo=store.tz) for store in stores}
    history_days = settings.PICKUP_FORECAST_HISTORY_DAYS
    staying, on_the_way, handed_over = {}, {}, {}
    ids = list(arrival)
    for start in range(0, len(ids), STORES_PER_STATEMENT):
        chunk = {pk: arrival[pk] for pk in ids[start : start + STORES_PER_STATEMENT]}
        counts = _counts(chunk, since=at - timedelta(days=history_days), until=at)
        staying.update(counts[STAYING])
        on_the_way.update(counts[ON_THE_WAY])
        handed_over.update(counts[HANDED_OVER])
    free = {}
    for store in stores:
        days_ahead = max(0.0, (arrival[store.pk] - at).total_seconds() / 86_400)
        daily_rate = handed_over.get(store.pk, 0) / history_days
        handovers = min(staying.get(store.pk, 0), math.floor(daily_rate * days_ahead))
        free[store.pk] = store.slot_capacity - staying.get(store.pk, 0) - on_the_way.get(store.pk, 0) + handovers
    return free


def _counts(arrival: dict[int, datetime], *, since: datetime, until: datetime) -> dict[int, dict[int, int]]:
    """{STAYING | ON_THE_WAY | HANDED_OVER: {store id: count}} for the stores in `arrival`, in one statement:
    ambient parcels still on the shelf when the store's delivery unloads, ambient parcels on their
    way there, and the handovers there between `since` and `until`.

    Plain SQL on purpose: the locator asks on every search, and one UNION ALL is one round trip
    where three querysets were three, with no ORM compilation on that path. Each part starts from
    an index on the store (the shelf's, the order's pickup store, the event's store), so the cost
    follows the few stores asked about; it runs unchanged on SQLite and PostgreSQL.
    """
    parcel, order, event = (connection.ops.quote_name(model._meta.db_table) for model in (Parcel, Order, ParcelEvent))
    ambient = TemperatureClass.AMBIENT.value
    ids = list(arrival)
    in_ids = ", ".join(["%s"] * len(ids))
    parts, params = [], []
    # Expired parcels and those whose hold ends before the delivery unloads are gone (or collected by
    # the same truck) by then; what stays is what shoppers might still collect. Stores share few
    # arrival times (a time zone and a receiving window), so one part per arrival time.
    stores_by_arrival = defaultdict(list)
    for store_id, moment in arrival.items():
        stores_by_arrival[moment].append(store_id)
    for moment, group in stores_by_arrival.items():
        parts.append(
            f"SELECT {STAYING}, shelf_store_id, COUNT(*) FROM {parcel}"
            f" WHERE shelf_store_id IN ({', '.join(['%s'] * len(group))}) AND temperature_class = %s AND status <> %s"
            " AND (hold_deadline IS NULL OR hold_deadline >= %s) GROUP BY shelf_store_id"
        )
        params += [*group, ambient, S.EXPIRED.value, connection.ops.adapt_datetimefield_value(moment)]
    # A filtered count from the orders' store index, not a filter on the parcels' status, whose
    # index SQLite would otherwise pick and which grows with the whole network's traffic.
    parts.append(
        f"SELECT {ON_THE_WAY}, o.pickup_store_id,"
        " COUNT(CASE WHEN p.status IN (%s, %s) AND p.temperature_class = %s THEN 1 END)"
        f" FROM {order} o JOIN {parcel} p ON p.order_id = o.id"
        # Sandbox orders take no room: their parcels never come.
        f" WHERE o.pickup_store_id IN ({in_ids}) AND o.livemode = %s GROUP BY o.pickup_store_id"
    )
    params += [*(status.value for status in INCOMING), ambient, *ids, True]
    parts.append(
        f"SELECT {HANDED_OVER}, store_id, COUNT(*) FROM {event}"
        f" WHERE store_id IN ({in_ids}) AND to_status = %s AND created_at >= %s AND created_at < %s GROUP BY store_id"
    )
    params += [
        *ids,
        S.PICKED_UP.value,
        connection.ops.adapt_datetimefield_value(since),
        connection.ops.adapt_datetimefield_value(until),
    ]
    counts: dict[int, dict[int, int]] = {STAYING: {}, ON_THE_WAY: {}, HANDED_OVER: {}}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for kind, store_id, n in cursor.fetchall():
            counts[kind][store_id] = n
    return counts


def cold_slots_free(*, store: Store, temperature_class: str) -> int:
    """Free chilled or frozen slots now, less those already on their way there."""
    taken = Parcel.objects.filter(
        Q(shelf_store=store) | Q(order__pickup_store=store, order__livemode=True, status__in=INCOMING),
        temperature_class=temperature_class,
    ).count()
    return len(store.slot_range(temperature_class)) - taken

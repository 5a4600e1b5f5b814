"""How many parcel slots a store will have free when a delivery arrives: one forecast, used by the
store locator, the order checks and the daily batch (named by PICKUP_CAPACITY_ESTIMATOR).

Free on arrival = slots − parcels on the shelf − parcels on their way (planned or in transit)
+ parcels expected to leave the shelf before the arrival: those whose hold ends before the day
(returned, their slots freed by the driver at the latest on that visit) and the handovers the
store's own history predicts (its daily pickup rate over PICKUP_FORECAST_HISTORY_DAYS, times the
days until arrival), never more than the parcels that could leave.
"""

import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from orders.models import Order, Parcel, ParcelEvent
from stores.models import Store

S = Parcel.Status
INCOMING = (S.PLANNED, S.IN_TRANSIT)


def store_free_capacity(*, stores: Sequence[Store], day: date, at: datetime | None = None) -> dict[int, int]:
    """Forecast free ambient slots per store id for a delivery arriving on `day` (at the start of
    the store's receiving window), as seen at `at` (now by default).

    Every count starts from an index on the store (the shelf's, the order's pickup store, the
    event's store), so the cost follows the few stores asked about.
    """
    at = at or timezone.now()
    ids = [store.pk for store in stores]
    arrival = {store.pk: datetime.combine(day, store.receiving_start, tzinfo=store.tz) for store in stores}
    shelf = Parcel.objects.filter(shelf_store_id__in=ids, temperature_class="ambient").order_by()
    # Expired parcels and those whose hold ends before the delivery's day are gone (or collected by
    # the same truck) by the time it unloads; what is left is what shoppers might still collect.
    leaving: dict[int, int] = {}
    staying: dict[int, int] = {}
    for store_id, status, deadline in shelf.values_list("shelf_store_id", "status", "hold_deadline"):
        gone = status == S.EXPIRED or (deadline is not None and deadline < arrival[store_id])
        bucket = leaving if gone else staying
        bucket[store_id] = bucket.get(store_id, 0) + 1
    # Counted from the orders' store index with a filtered count, not from the parcels' status index,
    # which SQLite would otherwise pick and which grows with the whole network's traffic.
    incoming = dict(
        Order.objects.filter(pickup_store_id__in=ids)
        .values_list("pickup_store_id")
        .annotate(n=Count("parcels", filter=Q(parcels__status__in=INCOMING, parcels__temperature_class="ambient")))
    )
    rates = daily_pickup_rates(store_ids=ids, at=at)
    free = {}
    for store in stores:
        days_ahead = max(0.0, (arrival[store.pk] - at).total_seconds() / 86_400)
        handovers = min(staying.get(store.pk, 0), math.floor(rates.get(store.pk, 0.0) * days_ahead))
        free[store.pk] = store.slot_capacity - staying.get(store.pk, 0) - incoming.get(store.pk, 0) + handovers
    return free


def daily_pickup_rates(*, store_ids: Sequence[int], at: datetime) -> dict[int, float]:
    """Handovers per day at each store over the last PICKUP_FORECAST_HISTORY_DAYS days."""
    days = settings.PICKUP_FORECAST_HISTORY_DAYS
    since = at - timedelta(days=days)
    counts = (
        ParcelEvent.objects.filter(store_id__in=store_ids, to_status=S.PICKED_UP, created_at__gte=since, created_at__lt=at)
        .values_list("store_id")
        .annotate(n=Count("id"))
    )
    return {store_id: n / days for store_id, n in counts}


def cold_slots_free(*, store: Store, temperature_class: str) -> int:
    """Free chilled or frozen slots now, less those already on their way there."""
    taken = Parcel.objects.filter(
        Q(shelf_store=store) | Q(order__pickup_store=store, status__in=INCOMING), temperature_class=temperature_class
    ).count()
    return len(store.slot_range(temperature_class)) - taken


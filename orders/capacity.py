"""How many parcel slots a store has free: the estimate the store locator and order checks use.

Named by PICKUP_CAPACITY_ESTIMATOR so a forecast (pickups and expiries expected before the day)
can replace it without touching the callers.
"""

from collections.abc import Sequence
from datetime import date

from django.db.models import Count, Q

from orders.models import Order, Parcel
from stores.models import Store

S = Parcel.Status
INCOMING = (S.PLANNED, S.IN_TRANSIT)


def store_free_capacity(*, stores: Sequence[Store], day: date) -> dict[int, int]:
    """Free slots per store id on `day`: slots minus parcels on the shelf and planned or in transit there.

    This first estimate treats every parcel now on a shelf as still there on `day`, which errs on the
    side of refusing a store that might have had room. Both counts start from an index on the store
    (the shelf's, and the order's pickup store), so their cost follows the few stores asked about.
    """
    ids = [store.pk for store in stores]
    on_shelf = Parcel.objects.filter(shelf_store_id__in=ids).values_list("shelf_store_id").annotate(n=Count("id"))
    # Counted from the orders' store index with a filtered count, not from the parcels' status index,
    # which SQLite would otherwise pick and which grows with the whole network's traffic.
    incoming = (
        Order.objects.filter(pickup_store_id__in=ids).values_list("pickup_store_id").annotate(n=Count("parcels", filter=Q(parcels__status__in=INCOMING)))
    )
    taken: dict[int, int] = {}
    for store_id, n in [*on_shelf, *incoming]:
        taken[store_id] = taken.get(store_id, 0) + n
    return {store.pk: store.slot_capacity - taken.get(store.pk, 0) for store in stores}

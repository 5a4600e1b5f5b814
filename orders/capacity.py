"""How many parcel slots a store has free: the estimate the store locator and order checks use.

Named by PICKUP_CAPACITY_ESTIMATOR so a forecast (pickups and expiries expected before the day)
can replace it without touching the callers.
"""

from collections.abc import Sequence
from datetime import date

from django.db.models import Count

from orders.models import Parcel
from stores.models import Store

S = Parcel.Status
# On the shelf (waiting, or expired and waiting for the driver) or on the way: each holds a slot.
TAKING_A_SLOT = (S.AT_STORE, S.EXPIRED, S.PLANNED, S.IN_TRANSIT)


def store_free_capacity(*, stores: Sequence[Store], day: date) -> dict[int, int]:
    """Free slots per store id on `day`: slots minus parcels on the shelf and planned or in transit there.

    This first estimate treats every parcel now on a shelf as still there on `day`, which errs on the
    side of refusing a store that might have had room.
    """
    ids = [store.pk for store in stores]
    taken = dict(
        Parcel.objects.filter(status__in=TAKING_A_SLOT, order__pickup_store_id__in=ids)
        .values_list("order__pickup_store_id")
        .annotate(n=Count("id"))
        .values_list("order__pickup_store_id", "n")
    )
    return {store.pk: store.slot_capacity - taken.get(store.pk, 0) for store in stores}

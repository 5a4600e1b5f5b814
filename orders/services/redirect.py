"""A parcel redirected on its way: its store could not take it at the drop, so it goes to another store.

The order's pickup store becomes the new store (the pickup code, derived per order, works there as it
did at the first), the parcel remembers where it was addressed (`redirected_from`, so the new store's
scan-in says it came redirected), and a REDIRECTED event with both stores goes to the merchant's
webhook and tells the shopper the new store and its hours (the gate's outbox). The status stays
in transit: the new store's scan-in is the move to `at_store`, through the gate like any other.
"""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ConflictError
from orders.lifecycle import parcel_record_event
from orders.locks import lock_order, lock_parcels
from orders.models import Order, Parcel, ParcelEvent
from stores.models import Store

S = Parcel.Status


def parcels_redirect(
    *,
    parcels: Sequence[Parcel],
    to_store: Store,
    actor=None,
    actor_label: str = "",
    details: dict[str, Any] | None = None,
) -> list[ParcelEvent]:
    """Send parcels still in transit to `to_store` instead of their order's store; one event per parcel.

    Orders are locked in id order, then their parcels. A parcel no longer in transit, or whose order has
    a parcel on a store's shelf already (the order cannot be at two stores), is left as it is: the
    caller sees which by the events returned.
    """
    events = []
    order_ids = sorted({p.order_id for p in parcels})
    wanted = {p.pk for p in parcels}
    with transaction.atomic():
        for order_id in order_ids:
            lock_order(order_id)
        for order_id in order_ids:
            order = Order.objects.select_related("pickup_store").get(pk=order_id)
            siblings = lock_parcels(order.parcels.values_list("pk", flat=True), related=["order__merchant"])
            if any(p.shelf_store_id is not None for p in siblings):
                continue
            moving = [p for p in siblings if p.pk in wanted and p.status == S.IN_TRANSIT]
            if not moving or order.pickup_store_id == to_store.pk:
                continue
            from_store = order.pickup_store
            Order.objects.filter(pk=order.pk).update(pickup_store=to_store)
            for parcel in moving:
                Parcel.objects.filter(pk=parcel.pk).update(redirected_from=from_store)
                events.append(
                    parcel_record_event(
                        parcel=parcel,
                        type=ParcelEvent.Type.REDIRECTED,
                        actor=actor,
                        actor_label=actor_label,
                        store=to_store,
                        details={**(details or {}), "from": from_store.code, "to": to_store.code},
                    )
                )
    if parcels and not events:
        raise ConflictError(_("None of these parcels can be redirected any more."), code="not_redirectable")
    return events

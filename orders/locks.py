"""Row locks on orders, stores and parcels: every `select_for_update` of them is taken here.

Two transactions that lock the same rows in the same order queue; in opposite orders they deadlock.
So every lock is taken in one order of kinds, and within a kind by ascending id:

    order → store → parcel

An order before its new pickup store (changing the store checks and then takes the store's
capacity), and both before the order's parcels, which the lifecycle gate moves last. The gate's
compare-and-swap update locks a parcel row too, so the services moving several parcels (cancel,
change of store or day, handover, dispatch) move them in id order. Recording a solved plan moves
its parcels in route order instead, holding the region plan's lock, and a parcel is on one
region's plan of a day. routing/locks.py states the whole order: region plans, batch runs and
routes come before these kinds.

Each function must be called inside `transaction.atomic()`; the lock holds until it ends.
"""

from collections.abc import Iterable, Sequence

from django.db import transaction

from orders.models import Order, Parcel
from stores.models import Store


def require_transaction() -> None:
    """Refuse a lock taken outside a transaction, where it would be released at once. PostgreSQL's
    driver refuses it too, but SQLite ignores FOR UPDATE, so without this the mistake would pass there."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a row lock needs a transaction")


def lock_order(pk: int) -> None:
    """Lock the order's row (its parcels are locked separately, after it)."""
    require_transaction()
    Order.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).get()


def lock_store(pk: int) -> Store:
    """The store's row, locked: capacity checks against it are then serialised."""
    require_transaction()
    return Store.objects.select_for_update().get(pk=pk)


def lock_parcel(pk: int, *, related: Sequence[str] = (), fields: Sequence[str] = ()) -> Parcel:
    """The parcel's row, locked (only its own row, not the rows `related` joins in).

    `fields` limits the columns read, for a lock taken on a hot path that needs only a few.
    """
    require_transaction()
    parcels = Parcel.objects.select_for_update(of=("self",)).select_related(*related)
    if fields:
        parcels = parcels.only(*fields)
    return parcels.get(pk=pk)


def lock_parcels(pks: Iterable[int], *, related: Sequence[str] = ()) -> list[Parcel]:
    """The parcels' rows, locked in id order and returned in it; ids that no longer exist are skipped."""
    require_transaction()
    return list(
        Parcel.objects.select_for_update(of=("self",)).select_related(*related).filter(pk__in=list(pks)).order_by("pk")
    )

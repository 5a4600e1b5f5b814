"""Row locks of the DC floor. They come before every kind in routing/locks.py and orders/locks.py:

    return consignment → (region plan → … → parcel)

A hand-over locks its consignment, then moves the consignment's parcels, locked through orders/locks.py.
Each function must be called inside `transaction.atomic()`; the lock holds until it ends.
"""

from dc.models import ReturnConsignment
from orders.locks import require_transaction


def lock_return_consignment(pk: int) -> ReturnConsignment:
    require_transaction()
    return ReturnConsignment.objects.select_for_update().get(pk=pk)

"""How long an `Idempotency-Key` is remembered, and the purge of the records past it.

A key is a retry guard, not an archive: after `PICKUP_IDEMPOTENCY_RETENTION_HOURS` the record is gone
(or ignored until the purge takes it) and the same key is treated as a new request.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from orders.models import IdempotencyRecord

PURGE_BATCH_SIZE = 1000


def idempotency_cutoff(*, now: datetime | None = None) -> datetime:
    """Records created before this instant have expired."""
    return (now or timezone.now()) - timedelta(hours=settings.PICKUP_IDEMPOTENCY_RETENTION_HOURS)


def idempotency_records_purge(*, now: datetime | None = None, batch_size: int = PURGE_BATCH_SIZE) -> int:
    """Delete the expired records, a bounded batch per statement so no delete holds locks for long; how many."""
    cutoff = idempotency_cutoff(now=now)
    expired = IdempotencyRecord.objects.filter(created_at__lt=cutoff)
    deleted = 0
    while True:
        batch = list(expired.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        # The cutoff again: a key replayed after expiry may have replaced a row since the ids were read.
        count, _per_model = expired.filter(pk__in=batch).delete()
        deleted += count
        if len(batch) < batch_size:
            return deleted

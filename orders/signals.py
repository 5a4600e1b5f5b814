from django.dispatch import Signal

# Sent inside the transaction that appends a ParcelEvent, with `event` (its `parcel` is the moved parcel,
# already carrying the new status). Webhooks and shopper notifications hang off this as an outbox: they
# write their rows in the same transaction, so a delivery or a message exists exactly when the event
# committed, and they leave sending to Celery tasks queued with transaction.on_commit.
parcel_event_recorded = Signal()

"""What a recorded ParcelEvent sets in motion: the merchant's webhook delivery and the shopper's messages.

The lifecycle gate calls `outbox_record` in the transaction that appends the event, so these rows
commit or roll back with it; each writer queues its Celery task with `transaction.on_commit`, so
nothing is sent for a change that did not commit.
"""

from orders.models import ParcelEvent
from orders.notifications import notifications_create_for_event
from orders.webhooks import webhook_create_for_event


def outbox_record(*, event: ParcelEvent) -> None:
    webhook_create_for_event(event=event)
    notifications_create_for_event(event=event)

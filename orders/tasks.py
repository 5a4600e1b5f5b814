"""Celery tasks of `orders`: thin, by id, safe to run twice (the services claim their work).

The per-event tasks keep no result: nobody reads one (the rows say what happened), and a result
kept means the sender subscribes to its channel on the result backend at every scan.
"""

from celery import shared_task

from orders.notifications import notification_send, notifications_due, notifications_remind_due
from orders.services.idempotency import idempotency_records_purge
from orders.webhooks import webhook_deliver, webhook_sweep


@shared_task(name="orders.deliver_webhook", ignore_result=True)
def deliver_webhook(delivery_id: int) -> None:
    retry_in = webhook_deliver(delivery_id=delivery_id)
    if retry_in is not None:
        deliver_webhook.apply_async((delivery_id,), countdown=retry_in)


@shared_task(name="orders.webhooks_sweep")
def webhooks_sweep() -> int:
    return len(webhook_sweep())


@shared_task(name="orders.idempotency_purge")
def idempotency_purge() -> int:
    return idempotency_records_purge()


@shared_task(name="orders.send_notification", ignore_result=True)
def send_notification(notification_id: int) -> str | None:
    return notification_send(notification_id=notification_id)


@shared_task(name="orders.notifications_remind_due")
def notifications_remind() -> int:
    return notifications_remind_due()


@shared_task(name="orders.notifications_send_due")
def notifications_send_due() -> int:
    due = notifications_due()
    for notification_id in due:
        send_notification.delay(notification_id)
    return len(due)

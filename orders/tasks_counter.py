"""Counter jobs run by Celery beat."""

from celery import shared_task

from orders.services.counter import parcels_expire_overdue


@shared_task(name="orders.expire_overdue_parcels")
def expire_overdue_parcels() -> int:
    """Hourly: parcels past their hold deadline become expired (the shopper and merchant hear of it on commit)."""
    return parcels_expire_overdue()

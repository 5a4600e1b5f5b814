from celery import shared_task

from dc.services.exceptions import exceptions_sweep


@shared_task(name="dc.exceptions_sweep")
def sweep_exceptions() -> dict:
    """Idempotent: opening is keyed by source event and one open row per parcel and kind."""
    result = exceptions_sweep()
    return {"opened": result.opened, "closed": result.closed, "lost": result.lost}

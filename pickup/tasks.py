from celery import shared_task


@shared_task(name="pickup.ping")
def ping(token: str) -> str:
    """Round-trip probe: proves a task sent through the broker is executed by a worker."""
    return f"pong:{token}"

from celery import shared_task

from insight.rollup import rollup_due


@shared_task(name="insight.rollup_due")
def rollup_yesterday() -> list[str]:
    """Hourly; idempotent: a DC's day is rolled up once its local day has turned, and a re-run upserts."""
    return [str(rollup) for rollup in rollup_due()]

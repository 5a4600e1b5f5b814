"""Celery tasks of the daily batch: thin, idempotent, safe to run twice (see services/batch.py)."""

import logging
import socket

from celery import shared_task
from celery.signals import worker_ready

from routing import engine
from routing.models import BatchRun
from routing.services.batch import batch_catch_up, region_plan_solve

log = logging.getLogger(__name__)


@shared_task(name="routing.daily_batch")
def daily_batch() -> int:
    return len(batch_catch_up(trigger=BatchRun.Trigger.BEAT))


@shared_task(name="routing.batch_catch_up")
def catch_up() -> int:
    return len(batch_catch_up())


@shared_task(name="routing.region_solve", bind=True)
def region_solve(self, region_plan_id: int) -> str:
    worker = self.request.hostname or socket.gethostname()
    return region_plan_solve(region_plan_id=region_plan_id, worker=worker, solve=solve_from_pool_process)


def solve_from_pool_process(problem, params):
    with engine.children_allowed():
        return engine.solve_isolated(problem, params)


@worker_ready.connect
def catch_up_on_worker_start(sender, **kwargs):
    """A worker that starts (after an outage, a deploy) checks at once that no day was missed."""
    try:
        catch_up.delay()
    except Exception:  # noqa: BLE001 - the periodic check will try again
        log.exception("could not send the catch-up check on worker start")

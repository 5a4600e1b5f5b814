"""Celery tasks of the daily batch: thin, idempotent, safe to run twice (see services/batch.py)."""

import logging
import multiprocessing
import socket
from contextlib import contextmanager

from celery import shared_task
from celery.signals import worker_ready

from routing import isolation
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
    with _children_allowed():
        return isolation.solve_isolated(problem, params)


@contextmanager
def _children_allowed():
    """Let `solve_isolated`'s stdlib multiprocessing start a child from a billiard pool process.

    Billiard marks pool processes daemonic, and multiprocessing refuses children of a daemonic
    process, a rule that keeps children from outliving their parent unreaped; `solve_isolated` reaps
    its child itself (and kills its process group on a timeout). Billiard also leaves its own
    AuthenticationString as the process's key, which stdlib spawn refuses to pickle; the same bytes
    in the stdlib's type are equivalent. Both are restored after the call."""
    config = multiprocessing.current_process()._config
    saved = {key: config[key] for key in ("daemon", "authkey") if key in config}
    config.pop("daemon", None)
    if "authkey" in saved:
        config["authkey"] = multiprocessing.process.AuthenticationString(bytes(saved["authkey"]))
    try:
        yield
    finally:
        config.update(saved)


@worker_ready.connect
def catch_up_on_worker_start(sender, **kwargs):
    """A worker that starts (after an outage, a deploy) checks at once that no day was missed."""
    try:
        catch_up.delay()
    except Exception:  # noqa: BLE001 - the periodic check will try again
        log.exception("could not send the catch-up check on worker start")

"""Row locks on region plans and batch runs, and the one order in which every lock is taken.

Two transactions that lock the same rows in the same order queue; in opposite orders they deadlock.
So every lock, here and in orders/locks.py, is taken in this order of kinds, within a kind by id:

    region plan → batch run → planned route → order → store → parcel

A region plan first: its lock serialises the planner's edits, approval, dispatch and the solver's
recording of one region, and each of them then writes that plan's routes and moves its parcels
(routes are locked by their conditional updates; parcels through orders/locks.py or the gate).
Locking a region plan locks its run with it (see `lock_region_plan`), so settling the run at the
end of recording a region takes no new lock.

Each function must be called inside `transaction.atomic()`; the lock holds until it ends.
"""

from orders.locks import require_transaction
from routing.models import BatchRun, RegionPlan


def lock_region_plan(pk: int) -> RegionPlan:
    """The region plan's row, locked, with the rows read alongside it (its run, DC and region) locked too.

    The run's lock is what serialises changes across the regions of one day: two planners giving the
    same vehicle to two regions queue, and the second is refused.
    """
    require_transaction()
    return RegionPlan.objects.select_for_update().select_related("run__dc", "region").get(pk=pk)


def lock_run(pk: int) -> BatchRun:
    """The batch run's row, locked; a transaction holding one of the run's region plans holds it already."""
    require_transaction()
    return BatchRun.objects.select_for_update().get(pk=pk)

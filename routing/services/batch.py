"""The daily batch: start a DC's run for a day exactly once, solve each region exactly once, finish.

Exactly once is the database's job, not the broker's:

- a run is unique per (DC, day), so a second trigger (beat twice, the catch-up, a planner's button,
  the command) finds the first run instead of making another;
- a region is claimed with a compare-and-swap (pending → running, a fresh lease token and a lease
  deadline), so a duplicated or redelivered task finds it taken or done and does nothing; the holder
  renews the lease while it works, so a lease that ran out means its worker died (or lost the
  database for a whole lease): the region can be claimed again, and only the holder of the current
  token may record;
- the region that records last, holding the run's row lock, finishes the run. There is no chord or
  result backend to wait on, so this works on the filesystem broker and on Redis alike.
"""

from __future__ import annotations

import logging
import math
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError
from orders.lifecycle import AWAITING_COLLECTION
from orders.models import Parcel
from routing import engine
from routing.locks import lock_region_plan, lock_run
from routing.models import BatchRun, HeldParcel, PlanParcel, RegionPlan
from routing.problem_builder import build_region_problem
from routing.services import intake
from routing.services.plans import plan_write
from stores.models import DistributionCenter, Vehicle

log = logging.getLogger(__name__)

# Beyond the search itself: the isolated process's start-up grace, then building the problem before
# and writing thousands of parcel events after.
RECORD_ALLOWANCE_S = 240
# Claims of one region that may end with a lost worker or a timeout before it is marked failed.
MAX_ATTEMPTS = 3
# A region still waiting this long after it was sent is sent again (its message may have been lost
# with the broker); a duplicate is harmless, the claim lets only one through.
REQUEUE_AFTER = timedelta(minutes=15)
# Kept below the broker's visibility timeout (2 h on Redis), so a long solve is never handed to a
# second worker while it runs.
MAX_TIME_LIMIT_S = 3600.0


def task_time_limits(time_limit_s: float) -> tuple[int, int]:
    """(soft, hard) Celery time limits of a region task whose search runs `time_limit_s`."""
    soft = math.ceil(time_limit_s + engine.GRACE_S + RECORD_ALLOWANCE_S)
    return soft, soft + 60


def lease_length() -> timedelta:
    """How long a claim holds unless renewed (`lease_kept` renews it while the holder is alive)."""
    return timedelta(seconds=settings.PICKUP_ROUTING_LEASE_S)


def batch_moment(dc: DistributionCenter, day: date) -> datetime:
    return datetime.combine(day, settings.PICKUP_DAILY_BATCH_TIME, tzinfo=dc.tz)


def batch_run_start(
    *,
    dc: DistributionCenter,
    day: date,
    trigger: str,
    user=None,
    time_limit_s: float | None = None,
    enqueue: bool = True,
    now: datetime | None = None,
) -> tuple[BatchRun, bool]:
    """The DC's run for `day`: created with its parcels and regions if it does not exist yet, else
    the existing one (created False). A new run's regions are sent to the workers after commit
    (unless `enqueue` is False: the caller then solves them with `region_plan_solve`)."""
    now = now or timezone.now()
    time_limit_s = settings.PICKUP_ROUTING_TIME_LIMIT_S if time_limit_s is None else time_limit_s
    if not 0.1 <= time_limit_s <= MAX_TIME_LIMIT_S:
        raise DomainError(
            _("The solver time per region must be between 0.1 and %(max)d seconds.") % {"max": MAX_TIME_LIMIT_S},
            field="time_limit_s",
        )
    existing = BatchRun.objects.filter(dc=dc, plan_date=day).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            run = BatchRun.objects.create(
                dc=dc,
                plan_date=day,
                trigger=trigger,
                started_by=user if user is not None and user.is_authenticated else None,
                cutoff=_cutoff(dc, day, trigger, now),
                time_limit_s=time_limit_s,
                started_at=now,
            )
            region_plans = _take_parcels(run)
            if not region_plans:
                run.status, run.finished_at = BatchRun.Status.DONE, now
                run.save(update_fields=["status", "finished_at"])
            elif enqueue:
                transaction.on_commit(partial(region_plans_enqueue, [rp.pk for rp in region_plans]))
    except IntegrityError:
        # A rival trigger inserted the same (dc, day) first; its run is the day's run.
        return BatchRun.objects.get(dc=dc, plan_date=day), False
    log.info("batch run %s started (%s): %d regions", run, trigger, len(region_plans))
    return run, True


def _cutoff(dc: DistributionCenter, day: date, trigger: str, now: datetime) -> datetime:
    """Scheduled runs take what was ready at the batch time, even when they start late (a catch-up
    after an outage plans what 09:00 would have); a run started by hand takes what is there now."""
    if trigger in (BatchRun.Trigger.MANUAL, BatchRun.Trigger.COMMAND):
        return now
    return min(now, batch_moment(dc, day))


def _take_parcels(run: BatchRun) -> list[RegionPlan]:
    """Snapshot the run's parcels (deliveries ready by the cutoff and due by the plan day, within the
    stores' forecast free slots and the fleet's space; expired parcels on shelves), one region plan
    per region with work, and share the DC's vehicles out between the regions. What is held back is
    recorded with the reason (see routing.services.intake)."""
    ready = Q(status_changed_at__lte=run.cutoff) | Q(status_changed_at__isnull=True)
    at_dc = intake.deliveries_at_dc(run, ready)
    deliveries, held = intake.select_deliveries(run, at_dc)
    # An expired parcel (or a shopper's return dropped off at a store) is collected from the store whose
    # shelf holds it.
    collects = list(
        Parcel.objects.filter(status__in=AWAITING_COLLECTION, order__livemode=True)
        .annotate(
            at_store=Coalesce("shelf_store_id", "order__pickup_store_id"),
            at_region=Coalesce("shelf_store__region_id", "order__pickup_store__region_id"),
        )
        .filter(Q(shelf_store__region__dc=run.dc) | Q(shelf_store__isnull=True, order__pickup_store__region__dc=run.dc))
        .values_list("pk", "at_store", "at_region", "volume_units", "weight_g")
    )
    vehicles = list(Vehicle.objects.filter(dc=run.dc, active=True))
    fleets = allocate_vehicles(_work(deliveries, collects), vehicles)
    deliveries, deferred = intake.fit_fleets(deliveries, fleets)
    held.update(dict.fromkeys((d.parcel_id for d in deferred), HeldParcel.Reason.FLEET_FULL))
    intake.held_record(run=run, held=held, deliveries=at_dc)

    rows = [
        (PlanParcel.Kind.DELIVER, d.parcel_id, d.store_id, d.region_id, d.volume_units, d.weight_g) for d in deliveries
    ]
    rows += [(PlanParcel.Kind.COLLECT, *row) for row in collects]
    region_ids = sorted({row[3] for row in rows})
    plans = RegionPlan.objects.bulk_create(
        RegionPlan(run=run, region_id=rid, queued_at=run.started_at) for rid in region_ids
    )
    plan_of = {rp.region_id: rp for rp in plans}
    PlanParcel.objects.bulk_create(
        (
            PlanParcel(
                run=run,
                region_plan=plan_of[region_id],
                parcel_id=pk,
                store_id=store_id,
                kind=kind,
                volume_units=volume,
                weight_g=weight,
            )
            for kind, pk, store_id, region_id, volume, weight in rows
        ),
        batch_size=2000,
    )
    through = RegionPlan.vehicles.through
    through.objects.bulk_create(
        through(regionplan_id=plan_of[region_id].pk, vehicle_id=v.pk)
        for region_id, fleet in fleets.items()
        if region_id in plan_of
        for v in fleet
    )
    return plans


def _work(deliveries: list[intake.Delivery], collects: list[tuple]) -> dict[int, tuple[float, int]]:
    """(volume to carry, stops to visit) per region id, before any deferral."""
    volume: dict[int, float] = {}
    stops: dict[int, set[int]] = {}
    for region_id, store_id, units in [(d.region_id, d.store_id, d.volume_units) for d in deliveries] + [
        (c[2], c[1], c[3]) for c in collects
    ]:
        volume[region_id] = volume.get(region_id, 0.0) + units
        stops.setdefault(region_id, set()).add(store_id)
    return {rid: (volume[rid], len(stops[rid])) for rid in volume}


def allocate_vehicles(work: dict[int, tuple[float, int]], vehicles: list[Vehicle]) -> dict[int, list[Vehicle]]:
    """Share the fleet out by work (volume to carry and stops to visit, half each): every region with
    work gets a vehicle while they last, then each next-largest vehicle goes to the region furthest
    below its share of the fleet's capacity."""
    if not work:
        return {}
    total_volume = sum(v for v, _ in work.values()) or 1
    total_stops = sum(s for _, s in work.values()) or 1
    capacity = sum(v.volume_capacity for v in vehicles)
    share = {
        rid: capacity * (0.5 * vol / total_volume + 0.5 * stops / total_stops) for rid, (vol, stops) in work.items()
    }
    fleet: dict[int, list[Vehicle]] = {rid: [] for rid in work}
    given: dict[int, float] = dict.fromkeys(work, 0.0)
    ordered = sorted(vehicles, key=lambda v: (-v.volume_capacity, v.name))
    # Not strict: with fewer vehicles than regions, the regions of the smallest shares get none.
    for rid, vehicle in zip(sorted(work, key=lambda r: -share[r]), ordered, strict=False):
        fleet[rid].append(vehicle)
        given[rid] += vehicle.volume_capacity
    for vehicle in ordered[len(work) :]:
        rid = max(work, key=lambda r: (share[r] - given[r], -r))
        fleet[rid].append(vehicle)
        given[rid] += vehicle.volume_capacity
    return fleet


# How long sending the region tasks may try before it gives up: a run started by hand answers at
# once that the broker is down, and the catch-up check sends the regions once it is back.
SEND_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}


def region_plans_enqueue(region_plan_ids: list[int]) -> None:
    """Send one task per region (a group: they run in parallel on whatever workers there are).

    A region sent has `queued_at` set; one whose send failed has it cleared, so the next catch-up
    check sends it (rather than waiting REQUEUE_AFTER as for a message lost after it was sent).
    """
    from celery import group

    from routing.tasks import region_solve

    plans = RegionPlan.objects.filter(pk__in=region_plan_ids).select_related("run")
    signatures = []
    for rp in plans:
        soft, hard = task_time_limits(rp.run.time_limit_s)
        signatures.append(region_solve.si(rp.pk).set(soft_time_limit=soft, time_limit=hard))
    if not signatures:
        return
    pending = RegionPlan.objects.filter(pk__in=region_plan_ids, status=RegionPlan.Status.PENDING)
    try:
        # Checked first with a short retry: sending a group also subscribes to its results, which
        # retries for about 20 s against a broker that is down.
        if not region_solve.app.conf.task_always_eager:
            with region_solve.app.connection_for_write() as connection:
                connection.ensure_connection(**SEND_RETRY_POLICY)
        group(signatures).apply_async(retry_policy=SEND_RETRY_POLICY)
    except Exception:  # a broker outage must not undo the committed run
        log.exception("could not send region tasks %s; the next catch-up check sends them", region_plan_ids)
        pending.update(queued_at=None)
        return
    pending.update(queued_at=timezone.now())


def region_plans_unsent(run: BatchRun) -> int:
    """How many of the run's regions wait for a send that failed (the catch-up check sends them)."""
    return run.region_plans.filter(status=RegionPlan.Status.PENDING, queued_at__isnull=True).count()


def region_plan_claim(
    *, region_plan_id: int, worker: str, now: datetime | None = None
) -> tuple[RegionPlan, str] | None:
    """Take the region for solving: (region plan, lease token), or None when it is not claimable
    (done, failed, or running under a live lease)."""
    now = now or timezone.now()
    rp = RegionPlan.objects.select_related("run").filter(pk=region_plan_id).first()
    if rp is None:
        return None
    token = f"{worker}/{uuid.uuid4().hex}"[-200:]
    claimable = Q(status=RegionPlan.Status.PENDING) | Q(
        status=RegionPlan.Status.RUNNING, lease_until__lt=now, attempts__lt=MAX_ATTEMPTS
    )
    changed = RegionPlan.objects.filter(claimable, pk=region_plan_id).update(
        status=RegionPlan.Status.RUNNING,
        attempts=F("attempts") + 1,
        lease_until=now + lease_length(),
        claimed_by=token,
        solve_started_at=now,
        error="",
    )
    if changed != 1:
        return None
    rp.refresh_from_db()
    return rp, token


Solve = Callable[[engine.Problem, engine.SearchParams], engine.Solution]


def region_plan_solve(*, region_plan_id: int, worker: str, solve: Solve | None = None) -> str:
    """Claim, solve and record one region; what happened, for the log: "planned", "failed" or
    "skipped" (someone else has it or it is finished). The search runs in a child process of its own
    (`solve_isolated`), so OR-Tools never runs inside a prefork worker process."""
    solve = solve or engine.solve_isolated
    claim = region_plan_claim(region_plan_id=region_plan_id, worker=worker)
    if claim is None:
        return "skipped"
    rp, token = claim
    with lease_kept(region_plan_id=rp.pk, token=token):
        try:
            region_problem = build_region_problem(rp)
            solution = solve(
                region_problem.problem,
                engine.SearchParams(
                    time_limit_s=rp.run.time_limit_s, seed=rp.region_id, engine=settings.PICKUP_ROUTING_ENGINE
                ),
            )
            if not solution.routes and any(u.reason == engine.REASON_NO_SOLUTION for u in solution.unserved):
                # Nothing planned at all is a failed region, to be run again, not a plan of unserved stops.
                raise NoPlanFound(
                    _("The search found no plan within %(seconds)g s; run the region again, perhaps with more time.")
                    % {"seconds": rp.run.time_limit_s}
                )
            recorded = region_plan_record(region_plan=rp, token=token, region_problem=region_problem, solution=solution)
        except Exception as error:  # any failure of this region is recorded on it, with the reason
            log.warning("region plan %s failed: %r", rp.pk, error)
            region_plan_fail(region_plan=rp, token=token, reason=describe_failure(error))
            return "failed"
    return "planned" if recorded else "skipped"


@contextmanager
def lease_kept(*, region_plan_id: int, token: str) -> Iterator[None]:
    """Renew the claim every third of a lease while the body runs. A thread does it, since the body
    waits minutes on a solving process or writes a plan; a worker killed with -9 stops renewing, and
    its region can be claimed again one lease later rather than after the task's whole time limit."""
    stop = threading.Event()
    renewer = threading.Thread(
        target=_renew_lease, args=(region_plan_id, token, stop), name=f"lease-{region_plan_id}", daemon=True
    )
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()


def _renew_lease(region_plan_id: int, token: str, stop: threading.Event) -> None:
    try:
        while not stop.wait(lease_length().total_seconds() / 3):
            try:
                held = RegionPlan.objects.filter(
                    pk=region_plan_id, status=RegionPlan.Status.RUNNING, claimed_by=token
                ).update(lease_until=timezone.now() + lease_length())
            except DatabaseError:
                # Two more tries before the lease runs out; past that, the record is refused anyway.
                log.warning("could not renew the lease of region plan %s", region_plan_id, exc_info=True)
                continue
            if not held:
                return  # recorded, failed or taken over: nothing left to keep
    finally:
        connection.close()  # this thread's own connection


class NoPlanFound(RuntimeError):
    pass


def describe_failure(error: BaseException) -> str:
    if isinstance(error, NoPlanFound):
        return str(error)
    if isinstance(error, engine.SolverTimedOut):
        return _("The solver overran its time limit and was stopped: %(detail)s") % {"detail": error}
    if isinstance(error, engine.SolverCrashed):
        return _("The solver process crashed: %(detail)s") % {"detail": error}
    if isinstance(error, engine.ProblemError):
        return _("The region cannot be planned as set up: %(detail)s") % {"detail": error}
    return f"{type(error).__name__}: {error}"[:2000]


def region_plan_record(
    *, region_plan: RegionPlan, token: str, region_problem, solution: engine.Solution, now: datetime | None = None
) -> bool:
    """Write the solution if this worker still holds the claim, and finish the run if it was the
    last region. False: the lease was lost (another worker reclaimed the region) and nothing changed."""
    now = now or timezone.now()
    with transaction.atomic():
        rp = lock_region_plan(region_plan.pk)
        if rp.status != RegionPlan.Status.RUNNING or rp.claimed_by != token:
            return False
        plan_write(region_plan=rp, region_problem=region_problem, solution=solution)
        RegionPlan.objects.filter(pk=rp.pk).update(
            status=RegionPlan.Status.PLANNED, solve_finished_at=now, lease_until=None
        )
        run_settle(run_id=rp.run_id, now=now)
    return True


def region_plan_fail(*, region_plan: RegionPlan, token: str, reason: str, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    with transaction.atomic():
        rp = lock_region_plan(region_plan.pk)
        if rp.status != RegionPlan.Status.RUNNING or rp.claimed_by != token:
            return False
        RegionPlan.objects.filter(pk=rp.pk).update(
            status=RegionPlan.Status.FAILED, error=reason, solve_finished_at=now, lease_until=None
        )
        run_settle(run_id=rp.run_id, now=now)
    return True


def run_settle(*, run_id: int, now: datetime) -> None:
    """Finish the run once no region is waiting or solving. Holding the run's row lock, two regions
    finishing at once settle one after the other, and the later one sees the earlier one's result."""
    run = lock_run(run_id)
    statuses = set(run.region_plans.values_list("status", flat=True))
    if statuses & {RegionPlan.Status.PENDING, RegionPlan.Status.RUNNING}:
        return
    status = BatchRun.Status.FAILED if RegionPlan.Status.FAILED in statuses else BatchRun.Status.DONE
    if run.status == BatchRun.Status.RUNNING or run.status != status:
        BatchRun.objects.filter(pk=run.pk).update(status=status, finished_at=now)


def region_plan_requeue(*, region_plan: RegionPlan, user=None) -> RegionPlan:
    """Solve the region again: a failed region re-run alone, or a planned one re-optimised with its
    current conditions, vehicles and locked routes. The other regions are left as they are."""
    with transaction.atomic():
        rp = lock_region_plan(region_plan.pk)
        if rp.status not in (RegionPlan.Status.PLANNED, RegionPlan.Status.FAILED):
            raise ConflictError(
                _("Region %(region)s is %(status)s and cannot be solved again.")
                % {"region": rp.region.code, "status": rp.get_status_display()},
                code="region_not_requeueable",
            )
        RegionPlan.objects.filter(pk=rp.pk).update(
            status=RegionPlan.Status.PENDING, attempts=0, error="", lease_until=None, queued_at=timezone.now()
        )
        if rp.status == RegionPlan.Status.FAILED:
            BatchRun.objects.filter(pk=rp.run_id).update(status=BatchRun.Status.RUNNING, finished_at=None)
        transaction.on_commit(partial(region_plans_enqueue, [rp.pk]))
    rp.refresh_from_db()
    return rp


def batch_run_here(
    *,
    dc: DistributionCenter,
    day: date,
    trigger: str,
    worker: str,
    time_limit_s: float | None = None,
    on_region: Callable[[RegionPlan, str, int, int], None] | None = None,
) -> tuple[BatchRun, bool]:
    """Start the day's run (or find it) and solve its waiting regions in this process, one by one,
    each search in a child process. A region a worker has already claimed is skipped by the claim."""
    run, created = batch_run_start(dc=dc, day=day, trigger=trigger, time_limit_s=time_limit_s, enqueue=False)
    waiting = list(
        run.region_plans.filter(status=RegionPlan.Status.PENDING).select_related("region").order_by("region__code")
    )
    for number, rp in enumerate(waiting, start=1):
        outcome = region_plan_solve(region_plan_id=rp.pk, worker=worker)
        if on_region is not None:
            rp.refresh_from_db()
            on_region(rp, outcome, number, len(waiting))
    run.refresh_from_db()
    return run, created


def batch_catch_up(*, trigger: str = BatchRun.Trigger.CATCH_UP, now: datetime | None = None) -> list[BatchRun]:
    """Start today's run of every DC whose batch time has passed and has no run yet (beat marks its
    entry done before sending, so a broker outage at 09:00 would otherwise lose the day); send again
    regions whose message may have been lost; fail regions whose workers keep dying."""
    now = now or timezone.now()
    started = []
    for dc in DistributionCenter.objects.all():
        local = now.astimezone(dc.tz)
        if local >= batch_moment(dc, local.date()):
            run, created = batch_run_start(dc=dc, day=local.date(), trigger=trigger, now=now)
            if created:
                started.append(run)
    _recover_regions(now)
    return started


def _recover_regions(now: datetime) -> None:
    stale = RegionPlan.objects.filter(status=RegionPlan.Status.RUNNING, lease_until__lt=now)
    for rp in stale.filter(attempts__gte=MAX_ATTEMPTS):
        reason = _("The solve was interrupted %(count)d times (worker lost or time limit); run the region again.") % {
            "count": rp.attempts
        }
        with transaction.atomic():
            if RegionPlan.objects.filter(pk=rp.pk, status=RegionPlan.Status.RUNNING, claimed_by=rp.claimed_by).update(
                status=RegionPlan.Status.FAILED, error=reason, lease_until=None, solve_finished_at=now
            ):
                run_settle(run_id=rp.run_id, now=now)
    lost = list(stale.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True))
    waiting = list(
        RegionPlan.objects.filter(status=RegionPlan.Status.PENDING)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - REQUEUE_AFTER))
        .values_list("pk", flat=True)
    )
    if lost or waiting:
        log.warning("catch-up sends regions again: lost leases %s, waiting %s", lost, waiting)
        region_plans_enqueue(lost + waiting)

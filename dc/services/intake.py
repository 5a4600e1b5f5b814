"""Intake at the dock: a merchant's parcel scanned in (`created → at_dc`), checked against what was
declared, and told which daily batch it makes.

A parcel measured bigger or heavier than declared is re-classed when its pickup store can still take
it; otherwise it stays out of the flow (still `created`) with an over-size exception, and the merchant
is told why and what it can do (a `parcel.exception` webhook). A lost parcel scanned here is found
again and re-enters its flow.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError
from dc.models import DockException
from dc.services import exceptions
from dc.services.scanning import DockRefusal, Reason, cancelled_refusal, dock_parcel, logger, when_and_who
from orders.lifecycle import parcel_record_event, parcel_transition
from orders.locks import lock_parcel
from orders.models import Parcel, ParcelEvent
from orders.services.ordering import DEFAULT_VOLUME_UNITS
from routing.models import BatchRun
from routing.services.batch import batch_moment
from stores.models import SIZE_ORDER, DistributionCenter, SizeClass

S = Parcel.Status
# What a dock scale and a size gauge can report: grams up to 100 kg; a class, or "over" the largest.
MAX_WEIGHT_G = 100_000
OVER_LARGEST = "over"
SIZE_CHOICES = [*SizeClass.values, OVER_LARGEST]


@dataclass(frozen=True)
class BatchCutoff:
    """The daily batch a parcel received now makes: its plan day, its moment, and the time left."""

    day: date
    at: datetime
    today: bool
    seconds_left: int


@dataclass(frozen=True)
class IntakeResult:
    parcel: Parcel
    outcome: str  # received, reclassed, held, found
    message: str
    batch: BatchCutoff | None
    event: ParcelEvent | None = None
    details: dict = field(default_factory=dict)


# (DC id, day) of runs seen started: a run once started stays, so each process asks once per DC and day.
_STARTED_RUNS: set[tuple[int, date]] = set()


def _run_started(dc_id: int, day: date) -> bool:
    if (dc_id, day) in _STARTED_RUNS:
        return True
    if BatchRun.objects.filter(dc_id=dc_id, plan_date=day).exists():
        _STARTED_RUNS.add((dc_id, day))
        return True
    return False


def batch_cutoff(*, dc: DistributionCenter, now: datetime | None = None, started: bool | None = None) -> BatchCutoff:
    """Today's batch while its moment is ahead and it has not started; else tomorrow's.

    A scheduled run takes what was at the DC at the batch time (routing's cut-off); one started early by
    hand has taken its parcels already, so a parcel arriving after it waits for the next day. `started`
    says whether today's run has started when the caller read it already (the intake reads it with the parcel).
    """
    now = now or timezone.now()
    today = now.astimezone(dc.tz).date()
    moment = batch_moment(dc, today)
    if started:
        _STARTED_RUNS.add((dc.pk, today))
    if now < moment and not (started if started is not None else _run_started(dc.pk, today)):
        return BatchCutoff(day=today, at=moment, today=True, seconds_left=int((moment - now).total_seconds()))
    day = today + timedelta(days=1)
    moment = batch_moment(dc, day)
    return BatchCutoff(day=day, at=moment, today=False, seconds_left=int((moment - now).total_seconds()))


def batch_words(cutoff: BatchCutoff) -> str:
    hours, minutes = divmod(cutoff.seconds_left // 60, 60)
    time = timezone.localtime(cutoff.at, cutoff.at.tzinfo).strftime("%H:%M")
    if cutoff.today:
        return _("Makes today's %(time)s batch (cut-off in %(h)d h %(m)02d min).") % {
            "time": time,
            "h": hours,
            "m": minutes,
        }
    return _("Goes with tomorrow's %(time)s batch (today's cut-off has passed).") % {"time": time}


def clean_measures(weight_g, size_class) -> tuple[int | None, str | None]:
    """The measured weight (whole grams) and size class, or a refusal naming the field; empty means not measured."""
    weight = None
    if weight_g not in (None, ""):
        text = str(weight_g).strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_WEIGHT_G:
            raise DockRefusal(
                _("Weight: enter whole grams between 1 and %(max)d (e.g. 1250).") % {"max": MAX_WEIGHT_G},
                code=Reason.BAD_MEASURE,
                status_code=400,
                field="weight_g",
            )
        weight = int(text)
    size = None
    if size_class not in (None, ""):
        size = str(size_class).strip()
        size = size.upper() if size.upper() in SizeClass.values else size.lower()
        if size not in SIZE_CHOICES:
            raise DockRefusal(
                _("Size class: choose S, M, L or over (bigger than L)."),
                code=Reason.BAD_MEASURE,
                status_code=400,
                field="size_class",
            )
    return weight, size


def _intake_event(parcel: Parcel) -> ParcelEvent | None:
    return (
        parcel.events.select_related("actor")
        .filter(type=ParcelEvent.Type.STATUS, from_status=S.CREATED, to_status=S.AT_DC)
        .order_by("-seq")
        .first()
    )


def _already(parcel: Parcel, dc: DistributionCenter) -> DockRefusal:
    """Why a parcel that is not waiting for intake cannot be taken in: when and by whom it was."""
    if parcel.status == S.CANCELLED:
        return cancelled_refusal()
    held = (
        DockException.objects.select_related("opened_by")
        .filter(parcel=parcel, resolved_at__isnull=True, kind__in=exceptions.INTAKE_KINDS)
        .first()
    )
    if parcel.status == S.CREATED and held is not None:
        return DockRefusal(
            _("Held in the exceptions queue since %(when)s: %(what)s.")
            % {"when": _local(held.opened_at, dc), "what": held.get_kind_display().lower()},
            code=Reason.ALREADY_RECEIVED,
        )
    if parcel.status in (S.AT_DC, S.PLANNED, S.IN_TRANSIT, S.AT_STORE, S.PICKED_UP):
        said = when_and_who(_intake_event(parcel), dc)
        message = _("Already received at %(when)s by %(who)s.") % said
        if parcel.status != S.AT_DC:
            message += " " + _("It is now: %(status)s.") % {"status": parcel.get_status_display().lower()}
        return DockRefusal(message, code=Reason.ALREADY_RECEIVED)
    return DockRefusal(
        _("Not a parcel to take in: it is %(status)s. Scan it on the returns screen.")
        % {"status": parcel.get_status_display().lower()},
        code=Reason.NOT_EXPECTED,
    )


def _intake_parcel(code: str, *, dc: DistributionCenter, user, today: date) -> Parcel:
    """The scanned parcel with what its intake checks next, in one statement: `held` (an open intake
    exception keeps it out of the flow) and, unless this process knows it already, `run_started` (today's
    batch has started, so it goes with tomorrow's)."""
    annotations = {
        "held": Exists(
            DockException.objects.filter(
                parcel_id=OuterRef("pk"), resolved_at__isnull=True, kind__in=exceptions.INTAKE_KINDS
            )
        )
    }
    if (dc.pk, today) not in _STARTED_RUNS:
        annotations["run_started"] = Exists(BatchRun.objects.filter(dc_id=dc.pk, plan_date=today))
    return dock_parcel(code, dc=dc, user=user, action="intake", annotations=annotations)


def _waiting(parcel: Parcel) -> bool:
    """Waiting for intake: created, and not already held in the exceptions queue."""
    return (
        parcel.status == S.CREATED
        and not DockException.objects.filter(
            parcel_id=parcel.pk, resolved_at__isnull=True, kind__in=exceptions.INTAKE_KINDS
        ).exists()
    )


def _local(moment: datetime, dc: DistributionCenter) -> str:
    return formats.date_format(timezone.localtime(moment, dc.tz), "DATETIME_FORMAT")


def parcel_intake(
    *,
    parcel_code: str,
    dc: DistributionCenter,
    user,
    weight_g=None,
    size_class=None,
    damaged: bool = False,
    now: datetime | None = None,
) -> IntakeResult:
    """Take a merchant's parcel in at the dock. Refusals change nothing; a repeat is a 409 saying when and by whom."""
    weight, size = clean_measures(weight_g, size_class)
    now = now or timezone.now()
    parcel = _intake_parcel(parcel_code, dc=dc, user=user, today=now.astimezone(dc.tz).date())
    if parcel.status == S.LOST:
        return _found(parcel, dc=dc, user=user)
    if parcel.status != S.CREATED or parcel.held:
        raise _already(parcel, dc)
    measured = {key: value for key, value in (("weight_g", weight), ("size_class", size)) if value is not None}
    store = parcel.order.pickup_store
    if damaged:
        return _hold(parcel, dc=dc, user=user, kind=DockException.Kind.DAMAGED, measured=measured, reason="damaged")
    bigger = size is not None and (size == OVER_LARGEST or SIZE_ORDER.index(size) > SIZE_ORDER.index(parcel.size_class))
    heavier = weight is not None and weight > parcel.weight_g
    changes: dict = {}
    outcome = "received"
    if bigger or heavier:
        new_size = size if bigger else parcel.size_class
        new_weight = weight if heavier else parcel.weight_g
        if new_size == OVER_LARGEST:
            reason = "over_legal_maximum"
        elif not store.accepts_size(new_size):
            reason = "too_big_for_store"
        elif new_weight > store.max_weight_g:
            reason = "too_heavy_for_store"
        else:
            reason = None
        if reason is not None:
            # A box over the legal maximum has no class to write; any other keeps its measures (see _hold).
            measures = None if new_size == OVER_LARGEST else {"size_class": new_size, "weight_g": new_weight}
            return _hold(
                parcel,
                dc=dc,
                user=user,
                kind=DockException.Kind.OVERSIZE,
                measured=measured,
                reason=reason,
                changes=measures,
            )
        changes = {
            "size_class": new_size,
            "weight_g": new_weight,
            "volume_units": max(parcel.volume_units, DEFAULT_VOLUME_UNITS[SizeClass(new_size)]),
        }
        outcome = "reclassed"
    details = {"dc": dc.code, **({"measured": measured} if measured else {})}
    if changes:
        details["declared"] = {"size_class": parcel.size_class, "weight_g": parcel.weight_g}
    try:
        event = parcel_transition(parcel=parcel, to=S.AT_DC, actor=user, details=details, changes=changes, at=now)
    except ConflictError:
        # A second dock scan of the same parcel won the compare-and-swap: say when and by whom.
        parcel.refresh_from_db(fields=["status"])
        raise _already(parcel, dc) from None
    cutoff = batch_cutoff(dc=dc, now=now, started=getattr(parcel, "run_started", None))
    message = (
        _("Received.")
        if outcome == "received"
        else _("Received and re-classed to %(size)s, %(weight)s g.")
        % {
            "size": parcel.size_class,
            "weight": parcel.weight_g,
        }
    )
    logger.info("dock intake: parcel %s at %s by %s (%s)", parcel.pk, dc.code, user.pk, outcome)
    return IntakeResult(
        parcel=parcel, outcome=outcome, message=f"{message} {batch_words(cutoff)}", batch=cutoff, event=event
    )


def _hold(parcel, *, dc, user, kind, measured, reason, changes=None) -> IntakeResult:
    """Keep the parcel out of the flow with an open exception; the merchant hears why and what it can do."""
    store = parcel.order.pickup_store
    texts = {
        "damaged": _("Damaged at intake: the DC holds it and will contact you."),
        "over_legal_maximum": _(
            "Bigger than the largest size any store takes: cancel the order and ship it otherwise."
        ),
        "too_big_for_store": _(
            "Measured size %(size)s is bigger than store %(store)s takes: change the pickup store through the API "
            "(POST /api/v1/orders/%(order)s/pickup-store/) to one that takes it, or cancel the order."
        ),
        "too_heavy_for_store": _(
            "Measured %(weight)s g is heavier than store %(store)s takes: change the pickup store through the API "
            "(POST /api/v1/orders/%(order)s/pickup-store/) to one that takes it, or cancel the order."
        ),
    }
    values = {**(changes or {}), "store": store.code, "order": parcel.order_id}
    values.setdefault("size", (changes or {}).get("size_class", ""))
    values.setdefault("weight", (changes or {}).get("weight_g", ""))
    text = texts[reason] % values
    with transaction.atomic():
        locked = lock_parcel(parcel.pk)
        if not _waiting(locked):
            raise _already(locked, dc)
        if changes:
            # The parcel's declared measures become the measured ones, so a change of pickup store is checked
            # against what the box really is.
            Parcel.objects.filter(pk=parcel.pk).update(**changes)
            for name, value in changes.items():
                setattr(parcel, name, value)
        event = parcel_record_event(
            parcel=parcel,
            type=ParcelEvent.Type.DC_EXCEPTION,
            actor=user,
            details={"dc": dc.code, "kind": kind, "reason": reason, "text": text, "measured": measured},
        )
        exceptions.exception_open(
            dc=dc,
            parcel=parcel,
            kind=kind,
            user=user,
            note=text,
            details={"reason": reason, "measured": measured},
            source_event=event,
        )
    logger.info("dock intake held: parcel %s at %s (%s)", parcel.pk, dc.code, reason)
    return IntakeResult(
        parcel=parcel,
        outcome="held",
        message=_("Held: put it in the exceptions cage. %(text)s") % {"text": text},
        batch=None,
        event=event,
        details={"reason": reason},
    )


def _found(parcel: Parcel, *, dc, user) -> IntakeResult:
    event = exceptions.parcel_found(parcel=parcel, dc=dc, user=user)
    cutoff = batch_cutoff(dc=dc)
    return IntakeResult(
        parcel=parcel,
        outcome="found",
        message=_("Found: it was lost and is back in the delivery flow.") + " " + batch_words(cutoff),
        batch=cutoff,
        event=event,
    )

"""The DC's exceptions queue: what needs a person, and the actions that resolve it.

Rows are opened where the DC sees the problem itself (intake) and by `exceptions_sweep`, a periodic and
idempotent pass that turns what happened elsewhere into rows: a store's report of a missing or damaged
parcel, a dispatch that left a parcel behind (routing records it on the parcel's event), a parcel in
transit too long without a store's scan-in. The sweep also closes rows the world has resolved (the
store scanned the parcel in after all) and declares lost what stays missing past PICKUP_LOST_AFTER_DAYS.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ConflictError, DomainError
from dc.models import DockException
from dc.services.scanning import logger
from orders.lifecycle import parcel_transition
from orders.locks import lock_parcel
from orders.models import Parcel, ParcelEvent
from stores.models import DistributionCenter, Store

S = Parcel.Status
K = DockException.Kind
R = DockException.Resolution
INTAKE_KINDS = (K.OVERSIZE, K.DAMAGED)
# Kinds about a parcel nobody can find: past the setting it becomes lost.
MISSING_KINDS = (K.MISSING, K.OVERDUE)
SYSTEM = "DC exceptions sweep"

# The actions each kind offers, in the order the queue shows them.
ACTIONS: dict[str, tuple[str, ...]] = {
    K.OVERSIZE: ("take_in", "close"),
    K.DAMAGED: ("take_in", "close"),
    K.NOT_LOADED: ("done", "lost"),
    K.MISSING: ("found", "lost"),
    K.OVERDUE: ("found", "lost"),
    K.STORE_DAMAGED: ("done",),
}
ACTION_LABELS = {
    "take_in": gettext_lazy("Take in"),
    "close": gettext_lazy("Close (order cancelled)"),
    "done": gettext_lazy("Dealt with"),
    "found": gettext_lazy("Found at the DC"),
    "lost": gettext_lazy("Declare lost"),
}


@dataclass(frozen=True)
class SweepResult:
    opened: int
    closed: int
    lost: int


def exception_open(
    *,
    dc: DistributionCenter,
    parcel: Parcel,
    kind: str,
    user=None,
    store=None,
    note: str = "",
    details: dict | None = None,
    source_event: ParcelEvent | None = None,
    at: datetime | None = None,
) -> DockException:
    """Open a row, or return the one already open for this parcel and kind (one open row each)."""
    try:
        with transaction.atomic():
            return DockException.objects.create(
                dc=dc,
                parcel=parcel,
                kind=kind,
                store=store,
                note=note[:500],
                details=details or {},
                source_event=source_event,
                opened_at=at or timezone.now(),
                opened_by=user if user is not None and user.is_authenticated else None,
            )
    except IntegrityError:
        return DockException.objects.get(parcel=parcel, kind=kind, resolved_at__isnull=True)


def _close(exception: DockException, *, resolution: str, user=None, at: datetime | None = None) -> bool:
    """Resolve an open row (compare-and-swap on `resolved_at`); False when someone resolved it first."""
    changed = DockException.objects.filter(pk=exception.pk, resolved_at__isnull=True).update(
        resolved_at=at or timezone.now(),
        resolved_by=user if user is not None and user.is_authenticated else None,
        resolution=resolution,
    )
    return changed == 1


def parcel_declare_lost(*, parcel: Parcel, user=None, note: str = "") -> ParcelEvent:
    """Move a missing parcel to LOST through the gate (the merchant gets the webhook).

    A parcel still in transit is first counted back at the DC (the table's only way out of transit
    besides the store), since the truck has come home without it.
    """
    actor = {"actor": user} if user is not None else {"actor_label": SYSTEM}
    if parcel.status == S.IN_TRANSIT:
        parcel_transition(parcel=parcel, to=S.AT_DC, details={"reason": "missing", "note": note}, **actor)
    return parcel_transition(parcel=parcel, to=S.LOST, details={"reason": "missing", "note": note}, **actor)


def parcel_found(*, parcel: Parcel, dc: DistributionCenter, user) -> ParcelEvent:
    """A lost parcel turned up at the DC: back to AT_DC, planned again by the next batch, and its open
    rows are closed as found."""
    with transaction.atomic():
        event = parcel_transition(parcel=parcel, to=S.AT_DC, actor=user, details={"reason": "found", "dc": dc.code})
        for row in DockException.objects.filter(parcel=parcel, resolved_at__isnull=True):
            _close(row, resolution=R.FOUND, user=user)
    return event


def exception_resolve(*, exception: DockException, action: str, user) -> DockException:
    """Apply one of the row's actions; a refusal says why and changes nothing."""
    if action not in ACTIONS.get(exception.kind, ()):
        raise DomainError(_("That action does not apply to this exception."), code="bad_action", field="action")
    if not exception.is_open:
        raise ConflictError(_("Already resolved."), code="resolved")
    parcel = Parcel.objects.select_related("order__merchant", "order__pickup_store").get(pk=exception.parcel_id)
    with transaction.atomic():
        if action == "take_in":
            resolution = _take_in(exception, parcel=parcel, user=user)
        elif action == "close":
            if parcel.status != S.CANCELLED:
                raise ConflictError(
                    _("The order is not cancelled: take the parcel in once it fits, or wait for the merchant."),
                    code="not_cancelled",
                )
            resolution = R.CANCELLED
        elif action == "found":
            if parcel.status == S.IN_TRANSIT:
                parcel_transition(parcel=parcel, to=S.AT_DC, actor=user, details={"reason": "found at the DC"})
            elif parcel.status == S.LOST:
                parcel_found(parcel=parcel, dc=exception.dc, user=user)
            resolution = R.FOUND
        elif action == "lost":
            if parcel.status not in (S.IN_TRANSIT, S.AT_DC, S.PLANNED):
                raise ConflictError(
                    _("Not missing: it is %(status)s.") % {"status": parcel.get_status_display().lower()},
                    code="not_missing",
                )
            parcel_declare_lost(parcel=parcel, user=user, note=exception.get_kind_display())
            resolution = R.LOST
        else:
            resolution = R.DONE
        if not _close(exception, resolution=resolution, user=user):
            raise ConflictError(_("Already resolved."), code="resolved")
    exception.refresh_from_db()
    return exception


def _take_in(exception: DockException, *, parcel: Parcel, user) -> str:
    """Receive a held parcel after all: a damaged one the dock judges fit, an over-size one once its
    (possibly changed) pickup store takes its measures."""
    if parcel.status == S.CANCELLED:
        raise ConflictError(_("Cancelled by the merchant: set it aside for return."), code="cancelled")
    store = parcel.order.pickup_store
    if exception.kind == K.OVERSIZE and (
        not store.accepts_size(parcel.size_class) or parcel.weight_g > store.max_weight_g
    ):
        raise ConflictError(
            _("Store %(store)s still cannot take it (%(size)s, %(weight)s g): the merchant must change the store.")
            % {"store": store.code, "size": parcel.size_class, "weight": parcel.weight_g},
            code="still_oversize",
        )
    parcel_transition(
        parcel=parcel, to=S.AT_DC, actor=user, details={"dc": exception.dc.code, "exception": exception.kind}
    )
    return R.TAKEN_IN


def _dc_of(parcel_ids) -> dict[int, int]:
    return dict(Parcel.objects.filter(pk__in=list(parcel_ids)).values_list("pk", "order__pickup_store__region__dc_id"))


def exceptions_sweep(*, now: datetime | None = None) -> SweepResult:
    """Open rows for what happened elsewhere, close what resolved itself, declare lost what stayed missing.

    Safe to run twice: each source event opens one row (`source_event` is unique), each parcel has one
    open row per kind, and closing is a compare-and-swap.
    """
    now = now or timezone.now()
    window = now - timedelta(days=settings.PICKUP_LOST_AFTER_DAYS + 7)
    opened = closed = lost = 0
    seen = DockException.objects.filter(source_event__isnull=False).values("source_event_id")
    reports = (
        ParcelEvent.objects.filter(
            created_at__gte=window, type__in=(ParcelEvent.Type.REPORTED_MISSING, ParcelEvent.Type.REPORTED_DAMAGED)
        )
        | ParcelEvent.objects.filter(
            created_at__gte=window,
            type=ParcelEvent.Type.STATUS,
            from_status=S.PLANNED,
            to_status=S.AT_DC,
            details__reason="not_loaded",
        )
    ).exclude(pk__in=seen)
    reports = list(reports.order_by("pk"))
    dcs = _dc_of(e.parcel_id for e in reports)
    for event in reports:
        if event.type == ParcelEvent.Type.REPORTED_MISSING:
            kind = K.MISSING
        elif event.type == ParcelEvent.Type.REPORTED_DAMAGED:
            kind = K.STORE_DAMAGED
        else:
            kind = K.NOT_LOADED
        if DockException.objects.filter(parcel_id=event.parcel_id, kind=kind, resolved_at__isnull=True).exists():
            continue
        exception_open(
            dc=DistributionCenter(pk=dcs[event.parcel_id]),
            parcel=Parcel(pk=event.parcel_id),
            kind=kind,
            store=event.store,
            note=(event.details or {}).get("note", "") or (event.details or {}).get("text", ""),
            details={"event": event.pk, **({"route": event.details["route"]} if "route" in event.details else {})},
            source_event=event,
            at=event.created_at,
        )
        opened += 1

    overdue = now - timedelta(hours=settings.PICKUP_IN_TRANSIT_OVERDUE_HOURS)
    stale = list(
        Parcel.objects.filter(status=S.IN_TRANSIT, status_changed_at__lt=overdue, order__livemode=True)
        .exclude(pk__in=DockException.objects.filter(kind=K.OVERDUE, resolved_at__isnull=True).values("parcel_id"))
        .values_list("pk", "order__pickup_store_id", "order__pickup_store__region__dc_id")
    )
    for pk, store_id, dc_id in stale:
        exception_open(
            dc=DistributionCenter(pk=dc_id), parcel=Parcel(pk=pk), kind=K.OVERDUE, store=Store(pk=store_id), at=now
        )
        opened += 1

    for row in DockException.objects.filter(resolved_at__isnull=True).select_related("parcel"):
        status = row.parcel.status
        resolution = None
        if row.kind in MISSING_KINDS and status not in (S.IN_TRANSIT, S.AT_DC, S.PLANNED):
            resolution = R.DELIVERED if status in (S.AT_STORE, S.PICKED_UP, S.EXPIRED) else R.DONE
        elif row.kind == K.NOT_LOADED and status != S.AT_DC:
            resolution = R.DONE  # planned again and on its way, or gone otherwise
        elif row.kind in INTAKE_KINDS and status == S.CANCELLED:
            resolution = R.CANCELLED
        if resolution:
            closed += _close(row, resolution=resolution, at=now)
            continue
        if row.kind in MISSING_KINDS and row.opened_at < now - timedelta(days=settings.PICKUP_LOST_AFTER_DAYS):
            with transaction.atomic():
                parcel = lock_parcel(row.parcel_id, related=["order__merchant", "order__pickup_store"])
                if parcel.status in (S.IN_TRANSIT, S.AT_DC, S.PLANNED) and _close(row, resolution=R.LOST, at=now):
                    parcel_declare_lost(parcel=parcel, note=row.get_kind_display())
                    lost += 1
    if opened or closed or lost:
        logger.info("dc exceptions sweep: %d opened, %d closed, %d lost", opened, closed, lost)
    return SweepResult(opened=opened, closed=closed, lost=lost)

"""Returns home: expired parcels the trucks bring back are scanned in at the DC (`return_in_transit →
at_dc_return`), gathered per merchant into a return consignment, and handed to the merchant together
(`→ returned`, which sends each parcel's `returned` webhook)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError
from dc.locks import lock_return_consignment
from dc.models import ReturnConsignment, ReturnItem
from dc.services.scanning import DockRefusal, Reason, cancelled_refusal, dock_parcel, logger, when_and_who
from orders.lifecycle import parcel_transition
from orders.locks import lock_parcels
from orders.models import Parcel, ParcelEvent
from stores.models import DistributionCenter

S = Parcel.Status
HANDED_TO_MAX = ReturnConsignment._meta.get_field("handed_to").max_length


@dataclass(frozen=True)
class ReturnScan:
    parcel: Parcel
    consignment: ReturnConsignment
    event: ParcelEvent
    message: str


def consignment_add(*, parcel: Parcel, dc: DistributionCenter, user) -> ReturnItem:
    """Put a parcel back at the DC into its merchant's open return consignment (opened on first use)."""
    merchant_id = parcel.order.merchant_id
    consignment = ReturnConsignment.objects.filter(dc=dc, merchant_id=merchant_id, handed_over_at__isnull=True).first()
    if consignment is None:
        try:
            with transaction.atomic():
                consignment = ReturnConsignment.objects.create(dc=dc, merchant_id=merchant_id, opened_at=timezone.now())
        except IntegrityError:  # a rival scan opened it first
            consignment = ReturnConsignment.objects.get(dc=dc, merchant_id=merchant_id, handed_over_at__isnull=True)
    return ReturnItem.objects.create(
        consignment=consignment,
        parcel=parcel,
        scanned_at=timezone.now(),
        scanned_by=user if user is not None and user.is_authenticated else None,
    )


def _return_event(parcel: Parcel) -> ParcelEvent | None:
    return (
        parcel.events.select_related("actor")
        .filter(type=ParcelEvent.Type.STATUS, to_status=S.AT_DC_FOR_RETURN)
        .order_by("-seq")
        .first()
    )


def _already(parcel: Parcel, dc: DistributionCenter) -> DockRefusal:
    if parcel.status == S.AT_DC_FOR_RETURN:
        return DockRefusal(
            _("Already back at %(when)s by %(who)s.") % when_and_who(_return_event(parcel), dc),
            code=Reason.ALREADY_BACK,
        )
    if parcel.status == S.RETURNED:
        return DockRefusal(_("Already handed back to the merchant."), code=Reason.ALREADY_BACK)
    if parcel.status == S.CANCELLED:
        return cancelled_refusal()
    if parcel.status == S.EXPIRED:
        return DockRefusal(
            _("Expired but never scanned out at the store: ask the store to scan it out, then scan it here."),
            code=Reason.NOT_RETURNING,
        )
    if parcel.status == S.RETURN_AT_STORE:
        return DockRefusal(
            _("A return never scanned out at its drop-off store: ask the store to scan it out, then scan it here."),
            code=Reason.NOT_RETURNING,
        )
    return DockRefusal(
        _("Not a return: it is %(status)s. Take it to intake or to the exceptions desk.")
        % {"status": parcel.get_status_display().lower()},
        code=Reason.NOT_RETURNING,
    )


def parcel_return_intake(*, parcel_code: str, dc: DistributionCenter, user) -> ReturnScan:
    """Scan a returning parcel in at the DC into its merchant's return consignment."""
    parcel = dock_parcel(parcel_code, dc=dc, user=user, action="return")
    if parcel.status != S.RETURN_IN_TRANSIT:
        raise _already(parcel, dc)
    try:
        with transaction.atomic():
            event = parcel_transition(parcel=parcel, to=S.AT_DC_FOR_RETURN, actor=user, details={"dc": dc.code})
            consignment_add(parcel=parcel, dc=dc, user=user)
    except ConflictError:
        parcel.refresh_from_db(fields=["status"])
        raise _already(parcel, dc) from None
    item = ReturnItem.objects.select_related("consignment").get(parcel=parcel)
    count = item.consignment.items.count()
    logger.info("dock return: parcel %s at %s by %s", parcel.pk, dc.code, user.pk)
    return ReturnScan(
        parcel=parcel,
        consignment=item.consignment,
        event=event,
        message=_("Back for return: put it in the %(merchant)s return cage (%(count)d parcels).")
        % {"merchant": parcel.order.merchant.name, "count": count},
    )


def consignment_hand_over(
    *, consignment: ReturnConsignment, handed_to: str, user, at: datetime | None = None
) -> list[ParcelEvent]:
    """Hand a return consignment to the merchant's courier: every parcel in it becomes `returned`."""
    name = " ".join((handed_to or "").split())
    if not name:
        raise DomainError(_("Name the person who took the parcels."), code="invalid", field="handed_to")
    if len(name) > HANDED_TO_MAX:
        raise DomainError(
            _("The name is too long (at most %(max)d characters).") % {"max": HANDED_TO_MAX},
            code="invalid",
            field="handed_to",
        )
    now = timezone.now()
    at = at or now
    if at > now + timedelta(minutes=5):
        raise DomainError(_("The hand-over time cannot be in the future."), code="invalid", field="handed_over_at")
    events = []
    with transaction.atomic():
        locked = lock_return_consignment(consignment.pk)
        if locked.handed_over_at is not None:
            raise ConflictError(
                _("Already handed over to %(name)s.") % {"name": locked.handed_to}, code="already_handed_over"
            )
        parcel_ids = Parcel.objects.filter(return_item__consignment=locked, status=S.AT_DC_FOR_RETURN).values_list(
            "pk", flat=True
        )
        for parcel in lock_parcels(parcel_ids, related=["order__merchant", "order__pickup_store"]):
            if parcel.status != S.AT_DC_FOR_RETURN:
                continue
            events.append(
                parcel_transition(
                    parcel=parcel,
                    to=S.RETURNED,
                    actor=user,
                    at=at,
                    details={"consignment": locked.pk, "handed_to": name},
                )
            )
        if not events:
            raise ConflictError(_("The consignment holds no parcel to hand over."), code="empty")
        ReturnConsignment.objects.filter(pk=locked.pk).update(handed_over_at=at, handed_to=name, handed_over_by=user)
    consignment.refresh_from_db()
    logger.info("dock return consignment %s handed over: %d parcels", consignment.pk, len(events))
    return events

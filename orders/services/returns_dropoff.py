"""Returns dropped off at a store: a picked-up parcel goes back to its merchant through any store.

The shopper (tracking page) or the merchant (API) starts a return within the merchant's return window
(`picked_up → return_requested`); the shopper gets a return code and chooses a store; the clerk's
drop-off scan of the code puts the parcel on a shelf slot (`→ return_at_store`); the next route that
passes collects it like an expired parcel (the clerk's return scan-out, `→ return_in_transit`), and the
DC's return scan puts it into the merchant's return consignment. Every move goes through the lifecycle
gate, so the merchant's webhook follows each one.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError
from orders.lifecycle import parcel_transition
from orders.models import Parcel, ReturnRequest
from orders.pickup_codes import pickup_code_hash, return_code_for
from orders.services.counter import CounterRefusal, ScanResult, shelf_slot_free
from stores.models import Store

logger = logging.getLogger("orders.returns")

S = Parcel.Status
REASON_MAX_LENGTH = ReturnRequest._meta.get_field("reason").max_length


class DropoffReason:
    UNKNOWN = "unknown_return_code"
    ALREADY_DROPPED_OFF = "already_dropped_off"
    CANNOT_TAKE = "store_cannot_take"
    STORE_FULL = "store_full"


@dataclass(frozen=True)
class ReturnStart:
    return_request: ReturnRequest
    code: str


def return_window_end(parcel: Parcel) -> datetime | None:
    """When the shopper's return window closes: the merchant's days counted from the pickup."""
    if parcel.status != S.PICKED_UP or parcel.status_changed_at is None:
        return None
    return parcel.status_changed_at + timedelta(days=parcel.order.merchant.return_window_days)


def store_refuses_return(*, store: Store, parcel: Parcel) -> str:
    """Why `store` cannot take `parcel` back (its size, weight or temperature class), or ''."""
    if not store.active:
        return _("Store %(code)s is not taking parcels at the moment.") % {"code": store.code}
    if not store.accepts_size(parcel.size_class):
        return _("Store %(code)s takes parcels up to size %(max)s; this one is %(size)s.") % {
            "code": store.code,
            "max": store.max_size_class,
            "size": parcel.size_class,
        }
    if parcel.weight_g > store.max_weight_g:
        return _("Store %(code)s takes parcels up to %(max)s g; this one weighs %(weight)s g.") % {
            "code": store.code,
            "max": store.max_weight_g,
            "weight": parcel.weight_g,
        }
    if not store.accepts_temperature(parcel.temperature_class):
        return _("Store %(code)s has no %(class)s shelf for this parcel.") % {
            "code": store.code,
            "class": str(parcel.get_temperature_class_display()).lower(),
        }
    return ""


def _check_store(store: Store | None, parcel: Parcel) -> None:
    if store is not None and (refusal := store_refuses_return(store=store, parcel=parcel)):
        raise DomainError(refusal, code="invalid", field="store")


def return_request_start(
    *,
    parcel: Parcel,
    source: str,
    actor=None,
    actor_label: str = "",
    store: Store | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> ReturnStart:
    """Start the return of a picked-up parcel within its merchant's return window; its return code."""
    now = now or timezone.now()
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(
            _("The reason is too long (at most %(max)d characters).") % {"max": REASON_MAX_LENGTH},
            code="invalid",
            field="reason",
        )
    if parcel.status != S.PICKED_UP:
        if ReturnRequest.objects.filter(parcel=parcel).exists():
            raise ConflictError(
                _("A return of parcel %(tracking)s has already been started.") % {"tracking": parcel.tracking_number},
                code="return_exists",
            )
        raise ConflictError(
            _("Parcel %(tracking)s is %(status)s: only a parcel that was picked up can be returned.")
            % {"tracking": parcel.tracking_number, "status": parcel.get_status_display().lower()},
            code="not_picked_up",
        )
    window_end = return_window_end(parcel)
    if now > window_end:
        days = parcel.order.merchant.return_window_days
        raise ConflictError(
            _("The return window closed on %(end)s: %(merchant)s takes returns for %(days)d days after pickup.")
            % {
                "end": formats.date_format(timezone.localtime(window_end, parcel.store.tz), "DATETIME_FORMAT"),
                "merchant": parcel.order.merchant.name,
                "days": days,
            },
            code="outside_return_window",
        )
    _check_store(store, parcel)
    return_request = ReturnRequest(parcel=parcel, source=source, reason=reason, store=store)
    code = return_code_for(return_request)
    return_request.code_hash = pickup_code_hash(code)
    details = {"source": source, "store": store.code if store else None}
    try:
        with transaction.atomic():
            parcel_transition(
                parcel=parcel, to=S.RETURN_REQUESTED, actor=actor, actor_label=actor_label, details=details, at=now
            )
            return_request.save()
    except ConflictError:
        raise ConflictError(
            _("A return of parcel %(tracking)s has already been started.") % {"tracking": parcel.tracking_number},
            code="return_exists",
        ) from None
    logger.info("return requested: parcel %s by %s", parcel.pk, source)
    return ReturnStart(return_request=return_request, code=code)


def return_choose_store(*, return_request: ReturnRequest, store: Store) -> ReturnRequest:
    """Set (or change) the store the shopper will drop the return at, while it is not dropped off yet."""
    parcel = return_request.parcel
    if parcel.status != S.RETURN_REQUESTED:
        raise ConflictError(_("The parcel has already been dropped off."), code="already_dropped_off")
    _check_store(store, parcel)
    ReturnRequest.objects.filter(pk=return_request.pk).update(store=store)
    return_request.store = store
    return return_request


def _return_by_code(code: str) -> ReturnRequest | None:
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    if not digits:
        raise DomainError(_("Scan or type the shopper's return code."), code="empty", field="code")
    return (
        ReturnRequest.objects.select_related("parcel__order__merchant", "dropped_off_store")
        .filter(code_hash=pickup_code_hash(digits))
        .first()
    )


def _used(return_request: ReturnRequest, store: Store) -> CounterRefusal:
    """A second scan of a code already dropped off: where and when, and the slot if it is on this shelf."""
    return_request.refresh_from_db(fields=["dropped_off_at", "dropped_off_store"])
    return_request.parcel.refresh_from_db(fields=["status", "shelf_store", "shelf_slot"])
    parcel = return_request.parcel
    if return_request.dropped_off_at is None:
        return CounterRefusal(
            _("Return code already used: the parcel is %(status)s.") % {"status": parcel.get_status_display().lower()},
            code=DropoffReason.ALREADY_DROPPED_OFF,
        )
    slot = parcel.shelf_slot if parcel.shelf_store_id == store.pk else None
    return CounterRefusal(
        _("Return code already used: dropped off at %(store)s on %(when)s.")
        % {
            "store": return_request.dropped_off_store.name,
            "when": formats.date_format(timezone.localtime(return_request.dropped_off_at, store.tz), "DATETIME_FORMAT"),
        },
        code=DropoffReason.ALREADY_DROPPED_OFF,
        slot=slot,
    )


def return_dropoff(*, code: str, store: Store, clerk) -> ScanResult:
    """The clerk scans a shopper's return code: the parcel goes onto the lowest free slot, to be collected.

    Slots are taken as at scan-in (the unique slot index arbitrates, a lost slot is tried again with the
    next); the gate's compare-and-swap lets one of two concurrent scans of a code win, and the other is
    told the code is used.
    """
    return_request = _return_by_code(code)
    if return_request is None:
        logger.info("counter drop-off refused: unknown code (clerk=%s store=%s)", clerk.pk, store.pk)
        raise CounterRefusal(
            _("Unknown return code: check the digits on the shopper's tracking page."),
            code=DropoffReason.UNKNOWN,
            status_code=404,
        )
    parcel = return_request.parcel
    if parcel.status != S.RETURN_REQUESTED:
        raise _used(return_request, store)
    if refusal := store_refuses_return(store=store, parcel=parcel):
        raise CounterRefusal(
            refusal + " " + _("Ask the shopper to take it to another store."), code=DropoffReason.CANNOT_TAKE
        )
    tried: set[int] = set()
    while True:
        slot = shelf_slot_free(store=store, parcel=parcel)
        if slot is None:
            raise CounterRefusal(
                _("No free slot for this parcel: ask the shopper to take it to another store."),
                code=DropoffReason.STORE_FULL,
            )
        if slot in tried:
            raise RuntimeError(f"shelf slot {slot} of store {store.pk} refused twice")
        now = timezone.now()
        try:
            with transaction.atomic():
                event = parcel_transition(
                    parcel=parcel,
                    to=S.RETURN_AT_STORE,
                    actor=clerk,
                    store=store,
                    details={"slot": slot, "store": store.code},
                    changes={"shelf_store": store, "shelf_slot": slot},
                    at=now,
                )
                ReturnRequest.objects.filter(pk=return_request.pk).update(dropped_off_at=now, dropped_off_store=store)
        except IntegrityError:
            tried.add(slot)
            continue
        except ConflictError:
            raise _used(return_request, store) from None
        logger.info("counter drop-off: parcel %s at store %s slot %s", parcel.pk, store.pk, slot)
        return ScanResult(parcel=parcel, slot=slot, event=event)

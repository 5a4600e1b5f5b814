"""The sandbox: a test key's parcels, moved through their life on the merchant's request.

A sandbox parcel takes the real lifecycle gate (`parcel_transition`), so each move records the same event
and sends the same webhook a real one would; it never meets a dock, a truck or a counter (those screens and
the daily batch leave sandbox orders out), and its shopper is never messaged.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError
from orders.counter_selectors import counter_cash_due
from orders.lifecycle import parcel_record_event, parcel_transition
from orders.locks import lock_order, lock_parcel
from orders.models import Parcel, ParcelEvent

S = Parcel.Status
ACTOR = "sandbox"
# The next status of the usual life; another legal one (expired, cancelled, lost…) can be asked for by name.
NEXT: dict[str, str] = {
    S.CREATED: S.AT_DC,
    S.AT_DC: S.PLANNED,
    S.PLANNED: S.IN_TRANSIT,
    S.IN_TRANSIT: S.AT_STORE,
    S.AT_STORE: S.PICKED_UP,
    S.EXPIRED: S.RETURN_IN_TRANSIT,
    S.RETURN_IN_TRANSIT: S.AT_DC_FOR_RETURN,
    S.AT_DC_FOR_RETURN: S.RETURNED,
    S.LOST: S.AT_DC,
}


def _arrival_tomorrow(parcel: Parcel, now: datetime) -> datetime:
    store = parcel.order.pickup_store
    day = now.astimezone(store.tz).date() + timedelta(days=1)
    return datetime.combine(day, store.receiving_start, tzinfo=store.tz)


def sandbox_parcel_advance(*, parcel: Parcel, to: str | None = None) -> list[ParcelEvent]:
    """Move a sandbox parcel to `to`, or to its next status; the events recorded (a handover of a parcel
    with cash on pickup also records the cash collected, as the counter does)."""
    if parcel.order.livemode:
        raise DomainError(_("Only a parcel of a test order can be advanced."), code="live_parcel")
    with transaction.atomic():
        # The order first, as the counter's handover takes it: two parcels of one order handed over at once
        # collect its cash once.
        lock_order(parcel.order_id)
        current = lock_parcel(parcel.pk, related=["order__merchant", "order__pickup_store"])
        target = to or NEXT.get(current.status)
        if target is None:
            raise ConflictError(
                _("Parcel %(tracking)s is %(status)s: its life is over.")
                % {"tracking": current.tracking_number, "status": current.get_status_display().lower()},
                code="final_status",
            )
        now = timezone.now()
        changes = {}
        if target == S.PLANNED:
            changes["expected_arrival"] = _arrival_tomorrow(current, now)
        elif target == S.AT_DC:
            changes["expected_arrival"] = None
        events = [parcel_transition(parcel=current, to=target, actor_label=ACTOR, changes=changes, at=now)]
        cash_due = counter_cash_due(current.order) if target == S.PICKED_UP else 0
        if cash_due:
            events.append(
                parcel_record_event(
                    parcel=current,
                    type=ParcelEvent.Type.CASH_COLLECTED,
                    actor_label=ACTOR,
                    details={"amount": cash_due, "currency": "TWD"},
                )
            )
    parcel.refresh_from_db()
    return events

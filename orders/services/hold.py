"""A longer hold: the shopper adds PICKUP_HOLD_EXTENSION_DAYS to a parcel's hold, once, from the tracking page.

Only while the parcel waits on the shelf, and only when the store can spare its slot for the added
days: the shelf forecast (`orders.capacity`) counts a parcel as staying until its deadline, so past
the old deadline it counts the slot free; each added day must have a free slot left for it to stay.
A chilled or frozen parcel keeps its cold slot, which the forecast does not cover: no cold parcel may
be on its way to a store whose cold slots are already all taken.

The new deadline is the parcel's `hold_deadline` itself, so the counter, the expiry job and the
reminders (`orders.notifications`) follow it without knowing of the extension.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError
from orders.capacity import cold_slots_free, store_free_capacity
from orders.holds import hold_deadline_for
from orders.lifecycle import parcel_record_event
from orders.locks import lock_parcel
from orders.models import Parcel, ParcelEvent
from stores.models import TemperatureClass


class HoldRefused(DomainError):
    status_code = 409


def hold_extension_deadline(parcel: Parcel) -> datetime:
    """The deadline an extension would give: PICKUP_HOLD_EXTENSION_DAYS whole days after the current one."""
    store = parcel.shelf_store or parcel.store
    return hold_deadline_for(parcel.hold_deadline, store.tz, settings.PICKUP_HOLD_EXTENSION_DAYS)


def hold_extension_problem(parcel: Parcel) -> str | None:
    """Why the hold of `parcel` cannot be extended now, in the shopper's words, or None."""
    if parcel.status != Parcel.Status.AT_STORE or parcel.hold_deadline is None:
        return _("Only a parcel waiting at the store can be held longer.")
    if parcel.hold_extended_at is not None:
        return _("The hold was extended once already; it cannot be extended again.")
    store = parcel.shelf_store
    if parcel.temperature_class != TemperatureClass.AMBIENT:
        if cold_slots_free(store=store, temperature_class=parcel.temperature_class) < 0:
            return _("The store has no room to keep it longer.")
        return None
    first_day = parcel.hold_deadline.astimezone(store.tz).date() + timedelta(days=1)
    for offset in range(settings.PICKUP_HOLD_EXTENSION_DAYS):
        day = first_day + timedelta(days=offset)
        if store_free_capacity(stores=[store], day=day)[store.pk] < 1:
            return _("The store has no room to keep it longer: its shelf is fully booked on %(day)s.") % {
                "day": day.isoformat()
            }
    return None


def parcel_extend_hold(*, parcel: Parcel, actor_label: str = "shopper") -> ParcelEvent:
    """Extend the hold of a parcel on the shelf once; the HOLD_EXTENDED event carries both deadlines.

    The parcel row is locked while the rules are checked and the deadline moved, so a second
    extension, a handover or the expiry job cannot slip in between; the event's outbox sends the
    merchant's webhook with the new deadline.
    """
    with transaction.atomic():
        current = lock_parcel(parcel.pk, related=["shelf_store", "order__pickup_store"])
        problem = hold_extension_problem(current)
        if problem:
            raise HoldRefused(problem, code="hold_not_extendable", field="extend")
        old = current.hold_deadline
        new = hold_extension_deadline(current)
        now = timezone.now()
        changed = Parcel.objects.filter(
            pk=current.pk, status=Parcel.Status.AT_STORE, hold_extended_at__isnull=True
        ).update(hold_deadline=new, hold_extended_at=now)
        if changed != 1:  # the row is locked: only a bug could get here
            raise ConflictError(_("The parcel changed meanwhile; reload the page."), code="stale_status")
        event = parcel_record_event(
            parcel=current,
            type=ParcelEvent.Type.HOLD_EXTENDED,
            actor_label=actor_label,
            store=current.shelf_store,
            details={
                "from": old.astimezone(UTC).isoformat(),
                "to": new.astimezone(UTC).isoformat(),
                "days": settings.PICKUP_HOLD_EXTENSION_DAYS,
            },
            at=now,
        )
    parcel.hold_deadline, parcel.hold_extended_at = new, now
    parcel.last_event_seq = event.seq
    return event

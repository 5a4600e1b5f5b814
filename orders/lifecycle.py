"""The parcel lifecycle gate: the one place that changes `Parcel.status`.

`TRANSITIONS` is the table of legal moves. `parcel_transition` checks a move against it, writes it
with a conditional update (so two clerks or two workers cannot both make it), appends the
ParcelEvent and records it in the outbox (`orders.outbox`: webhook deliveries, shopper
notifications), all in one transaction, so those rows commit or roll back with the move.

Events are numbered 1, 2, 3… per parcel. The parcel row keeps the newest number
(`last_event_seq`), and every writer bumps it in a conditional update of that row: the update that
wins is the one whose number the event takes, so concurrent events on a parcel cannot share one.
"""

import copy
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError
from orders.holds import hold_days_for, hold_deadline_for
from orders.locks import lock_parcel
from orders.models import Parcel, ParcelEvent
from orders.outbox import outbox_record
from stores.models import Store

S = Parcel.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.CREATED: frozenset({S.AT_DC, S.CANCELLED}),
    # LOST: a parcel on its way out that stayed missing past PICKUP_LOST_AFTER_DAYS (the DC's exceptions
    # queue declares it). Only from the DC's own states: a parcel no store scanned in is first counted back
    # at the DC (below). Nothing after the shelf can be lost, so no found parcel arrives at a store twice.
    S.AT_DC: frozenset({S.PLANNED, S.CANCELLED, S.LOST}),
    # A plan can be discarded before dispatch, and a parcel not loaded onto its truck stays behind: both
    # put the parcel back at the DC, to be planned again.
    S.PLANNED: frozenset({S.IN_TRANSIT, S.AT_DC, S.CANCELLED, S.LOST}),
    # A stop the driver cannot serve (closed, refused) brings its parcels back to the DC, and so does a
    # parcel no store scanned in (the exceptions queue holds it as missing): the truck has come home.
    S.IN_TRANSIT: frozenset({S.AT_STORE, S.AT_DC}),
    S.AT_STORE: frozenset({S.PICKED_UP, S.EXPIRED}),
    S.EXPIRED: frozenset({S.RETURN_IN_TRANSIT}),
    # Returns are scanned in at the DC, then handed to the merchant in a return consignment.
    S.RETURN_IN_TRANSIT: frozenset({S.AT_DC_FOR_RETURN}),
    S.AT_DC_FOR_RETURN: frozenset({S.RETURNED}),
    # A shopper's return (from the tracking page or the merchant's API, within the return window): the
    # shopper drops it at a store (onto a shelf slot), the next route passing collects it, and it comes
    # home through the DC's return scan like an expired parcel.
    S.PICKED_UP: frozenset({S.RETURN_REQUESTED}),
    S.RETURN_REQUESTED: frozenset({S.RETURN_AT_STORE}),
    S.RETURN_AT_STORE: frozenset({S.RETURN_IN_TRANSIT}),
    S.RETURNED: frozenset(),
    S.CANCELLED: frozenset(),
    # Found again (scanned at the dock), a lost parcel re-enters its flow at the DC and is planned again.
    S.LOST: frozenset({S.AT_DC}),
}

ON_SHELF = frozenset({S.AT_STORE, S.EXPIRED, S.RETURN_AT_STORE})
# On a store's shelf waiting for a route to collect it back to the DC.
AWAITING_COLLECTION = frozenset({S.EXPIRED, S.RETURN_AT_STORE})
FINAL = frozenset(status for status, targets in TRANSITIONS.items() if not targets)


class IllegalTransition(ConflictError):
    code = "illegal_transition"


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS[from_status]


def _label(status: str) -> str:
    return str(S(status).label)


def parcel_transition(
    *,
    parcel: Parcel,
    to: str,
    actor=None,
    actor_label: str = "",
    store: Store | None = None,
    details: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> ParcelEvent:
    """Move `parcel` from the status it was read with to `to`, or raise a ConflictError.

    `changes` are further Parcel fields written in the same conditional update (e.g. the shelf slot).
    Arriving at a store starts the hold clock; leaving the shelf frees the slot; leaving the store
    clears the deadline, so a deadline is set exactly while the parcel waits at the store.
    """
    from_status = parcel.status
    if not can_transition(from_status, to):
        raise IllegalTransition(
            _("Parcel %(tracking)s is %(current)s and cannot become %(target)s.")
            % {"tracking": parcel.tracking_number, "current": _label(from_status), "target": _label(to)}
        )
    at = at or timezone.now()
    fields: dict[str, Any] = {"status": to, "status_changed_at": at, "updated_at": at, **(changes or {})}
    if to == S.AT_STORE:
        arrival_store = store or parcel.store
        fields.setdefault("arrived_at", at)
        fields["hold_deadline"] = hold_deadline_for(
            fields["arrived_at"], arrival_store.tz, hold_days_for(parcel.temperature_class)
        )
    elif from_status == S.AT_STORE:
        fields["hold_deadline"] = None
    if from_status in ON_SHELF and to not in ON_SHELF:
        fields.update(shelf_store=None, shelf_slot=None)

    with transaction.atomic():
        seq = _claim_status_change(parcel, from_status, fields)
        # The outbox sees the parcel as it now is; the caller's object changes only once this block succeeds.
        moved = copy.copy(parcel)
        for name, value in fields.items():
            setattr(moved, name, value)
        moved.last_event_seq = seq
        event = _append_event(
            parcel=moved,
            seq=seq,
            type=ParcelEvent.Type.STATUS,
            from_status=from_status,
            to_status=to,
            actor=actor,
            actor_label=actor_label,
            store=store,
            details=details,
            at=at,
        )
    for name, value in fields.items():
        setattr(parcel, name, value)
    parcel.last_event_seq = seq
    event.parcel = parcel
    return event


def _claim_status_change(parcel: Parcel, from_status: str, fields: dict[str, Any]) -> int:
    """Write `fields` if the parcel still has `from_status` (the compare-and-swap); the new event's number.

    The update also names the event number the caller's copy last saw. When only that has moved (an
    event that changed no status, such as a wrong pickup code, came in between), the move is still
    legal: it is made again with the current number.
    """
    known_seq = parcel.last_event_seq
    while True:
        changed = Parcel.objects.filter(pk=parcel.pk, status=from_status, last_event_seq=known_seq).update(
            **fields, last_event_seq=known_seq + 1
        )
        if changed == 1:
            return known_seq + 1
        current = Parcel.objects.filter(pk=parcel.pk).values_list("status", "last_event_seq").first()
        if current is None or current[0] != from_status:
            raise ConflictError(
                _("Parcel %(tracking)s is already %(current)s.")
                % {"tracking": parcel.tracking_number, "current": _label(current[0]) if current else _("gone")},
                code="stale_status",
            )
        known_seq = current[1]


def parcel_record_creation(
    *, parcel: Parcel, actor=None, actor_label: str = "", details: dict[str, Any] | None = None
) -> ParcelEvent:
    """The first event of a newly saved parcel (status CREATED), so every history starts at seq 1."""
    if parcel.status != S.CREATED:
        raise ValueError("Only a newly created parcel gets a creation event.")
    with transaction.atomic():
        if Parcel.objects.filter(pk=parcel.pk, last_event_seq=0).update(last_event_seq=1) != 1:
            raise ValueError("The parcel has a history already.")
        parcel.last_event_seq = 1
        return _append_event(
            parcel=parcel,
            seq=1,
            type=ParcelEvent.Type.STATUS,
            to_status=S.CREATED,
            actor=actor,
            actor_label=actor_label,
            store=None,
            details=details,
            at=timezone.now(),
        )


def parcel_record_event(
    *,
    parcel: Parcel,
    type: str,
    actor=None,
    actor_label: str = "",
    store: Store | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> ParcelEvent:
    """Append an event that is not a status change (a refused scan, a wrong code, a damage report)."""
    if type == ParcelEvent.Type.STATUS:
        raise ValueError("Status events are written only by parcel_transition.")
    with transaction.atomic():
        # Locked, so the number read is the one to follow; the outbox sees the parcel as it is now,
        # whatever the caller's copy says.
        current = lock_parcel(parcel.pk, related=["order__merchant"])
        current.last_event_seq += 1
        Parcel.objects.filter(pk=current.pk).update(last_event_seq=current.last_event_seq, updated_at=timezone.now())
        event = _append_event(
            parcel=current,
            seq=current.last_event_seq,
            type=type,
            actor=actor,
            actor_label=actor_label,
            store=store,
            details=details,
            at=at or timezone.now(),
        )
    parcel.last_event_seq = current.last_event_seq
    return event


def _append_event(
    *, parcel, seq, type, actor, actor_label, store, details, at, from_status="", to_status=""
) -> ParcelEvent:
    event = ParcelEvent.objects.create(
        parcel=parcel,
        seq=seq,
        type=type,
        from_status=from_status,
        to_status=to_status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor_label,
        store=store,
        created_at=at,
        details=details or {},
    )
    outbox_record(event=event)
    return event


def path_to(target: str) -> list[str]:
    """The shortest legal sequence of statuses from CREATED to `target` (both included).

    It never passes through LOST: a found parcel re-entering at the DC is a detour, not a way there."""
    paths = {S.CREATED.value: [S.CREATED.value]}
    frontier = [S.CREATED.value]
    while frontier:
        current = frontier.pop(0)
        if current == S.LOST:
            continue
        for nxt in sorted(TRANSITIONS[current]):
            if nxt not in paths:
                paths[nxt] = [*paths[current], nxt]
                frontier.append(nxt)
    return paths[target]

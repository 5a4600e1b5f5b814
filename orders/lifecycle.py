"""The parcel lifecycle gate: the one place that changes `Parcel.status`.

`TRANSITIONS` is the table of legal moves. `parcel_transition` checks a move against it, writes it
with a compare-and-swap update (so two clerks or two workers cannot both make it) and appends the
ParcelEvent in the same transaction, announcing it there to the outbox receivers (webhooks,
notifications), whose rows commit or roll back with it.
"""

import copy
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError
from orders.holds import hold_days_for, hold_deadline_for
from orders.models import Parcel, ParcelEvent
from orders.signals import parcel_event_recorded
from stores.models import Store

S = Parcel.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.CREATED: frozenset({S.AT_DC, S.CANCELLED}),
    # LOST from any state in which the parcel is in our hands but not yet with the shopper or the merchant:
    # a parcel reported missing (or not scanned in after its day in transit) past PICKUP_LOST_AFTER_DAYS.
    S.AT_DC: frozenset({S.PLANNED, S.CANCELLED, S.LOST}),
    # A plan can be discarded before dispatch, and a parcel not loaded onto its truck stays behind: both
    # put the parcel back at the DC, to be planned again.
    S.PLANNED: frozenset({S.IN_TRANSIT, S.AT_DC, S.CANCELLED, S.LOST}),
    # A stop the driver cannot serve (closed, refused) brings its parcels back to the DC. A parcel no store
    # scanned in is counted back at the DC too (the exceptions queue holds it as missing), and only from
    # there can it be declared lost: the truck has come home, so the DC answers for it.
    S.IN_TRANSIT: frozenset({S.AT_STORE, S.AT_DC}),
    S.AT_STORE: frozenset({S.PICKED_UP, S.EXPIRED, S.LOST}),
    S.EXPIRED: frozenset({S.RETURN_IN_TRANSIT, S.LOST}),
    # Returns are scanned in at the DC, then handed to the merchant in a return consignment.
    S.RETURN_IN_TRANSIT: frozenset({S.AT_DC_FOR_RETURN, S.LOST}),
    S.AT_DC_FOR_RETURN: frozenset({S.RETURNED, S.LOST}),
    S.PICKED_UP: frozenset(),
    S.RETURNED: frozenset(),
    S.CANCELLED: frozenset(),
    # Lost is where the flow ends unless the parcel turns up. A found parcel is brought to the DC and
    # re-enters its flow there: one that was on its way out goes back to AT_DC (planned again by the next
    # batch), one that was coming back (or has passed its hold, or was cancelled) to AT_DC_FOR_RETURN.
    S.LOST: frozenset({S.AT_DC, S.AT_DC_FOR_RETURN}),
}

ON_SHELF = frozenset({S.AT_STORE, S.EXPIRED})
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
    fields: dict[str, Any] = {"status": to, "status_changed_at": at, **(changes or {})}
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
        if _update_if_status(parcel.pk, from_status, fields) != 1:
            current = Parcel.objects.filter(pk=parcel.pk).values_list("status", flat=True).first()
            raise ConflictError(
                _("Parcel %(tracking)s is already %(current)s.")
                % {"tracking": parcel.tracking_number, "current": _label(current) if current else _("gone")},
                code="stale_status",
            )
        # The outbox receivers see the parcel as it now is; the caller's object changes only once this block succeeds.
        moved = copy.copy(parcel)
        for name, value in fields.items():
            setattr(moved, name, value)
        event = _append_event(
            parcel=moved,
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
    event.parcel = parcel
    return event


def parcel_record_creation(
    *, parcel: Parcel, actor=None, actor_label: str = "", details: dict[str, Any] | None = None
) -> ParcelEvent:
    """The first event of a newly saved parcel (status CREATED), so every history starts at seq 1."""
    if parcel.status != S.CREATED:
        raise ValueError("Only a newly created parcel gets a creation event.")
    with transaction.atomic():
        return _append_event(
            parcel=parcel,
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
        # Lock the parcel so concurrent events on it get distinct, gap-free sequence numbers; the outbox
        # receivers see the parcel as it is now, whatever the caller's copy says.
        current = Parcel.objects.select_for_update(of=("self",)).select_related("order__merchant").get(pk=parcel.pk)
        return _append_event(
            parcel=current,
            type=type,
            actor=actor,
            actor_label=actor_label,
            store=store,
            details=details,
            at=at or timezone.now(),
        )


# The status update and the event insert are written out rather than built by the ORM, which spends
# several times longer compiling them than the database spends running them (0.35 against 0.05 ms
# for the update), on every move of every parcel. Each value still goes through its field's own
# conversion to the database, as the ORM would write it.


def _db_values(model, values: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """Quoted columns and database values of `values`, keyed by field name or attname."""
    columns, params = [], []
    for name, value in values.items():
        field = model._meta.get_field(name)
        if isinstance(value, models.Model):
            value = value.pk
        columns.append(connection.ops.quote_name(field.column))
        params.append(field.get_db_prep_save(value, connection))
    return columns, params


def _update_if_status(pk: int, status: str, fields: dict[str, Any]) -> int:
    """Write `fields` to the parcel if it still has `status` (the compare-and-swap); rows changed."""
    columns, params = _db_values(Parcel, fields)
    quote = connection.ops.quote_name
    sql = "UPDATE {table} SET {sets} WHERE {pk} = %s AND {status} = %s".format(
        table=quote(Parcel._meta.db_table),
        sets=", ".join(f"{column} = %s" for column in columns),
        pk=quote(Parcel._meta.pk.column),
        status=quote(Parcel._meta.get_field("status").column),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pk, status])
        return cursor.rowcount


def _event_insert_sql(columns: list[str]) -> str:
    # The next sequence number is read in the insert itself; concurrent events on one parcel are
    # serialised by the parcel's row lock, which every caller holds.
    quote = connection.ops.quote_name
    table, seq, parcel = (
        quote(ParcelEvent._meta.db_table),
        quote("seq"),
        quote(ParcelEvent._meta.get_field("parcel").column),
    )
    return (
        f"INSERT INTO {table} ({', '.join(columns)}, {seq}) VALUES ({', '.join(['%s'] * len(columns))}, "
        f"(SELECT COALESCE(MAX({seq}), 0) + 1 FROM {table} WHERE {parcel} = %s)) "
        f"RETURNING {quote(ParcelEvent._meta.pk.column)}, {seq}"
    )


def _append_event(*, parcel, type, actor, actor_label, store, details, at, from_status="", to_status="") -> ParcelEvent:
    values = {
        "parcel_id": parcel.pk,
        "type": type,
        "from_status": from_status,
        "to_status": to_status,
        "actor_id": actor.pk if actor is not None and actor.is_authenticated else None,
        "actor_label": actor_label,
        "store_id": store.pk if store is not None else None,
        "created_at": at,
        "details": details or {},
    }
    columns, params = _db_values(ParcelEvent, values)
    with connection.cursor() as cursor:
        cursor.execute(_event_insert_sql(columns), [*params, parcel.pk])
        values["id"], values["seq"] = cursor.fetchone()
    # Every field must be named above: one added to the model and forgotten there fails here, loudly.
    names = [field.attname for field in ParcelEvent._meta.concrete_fields]
    event = ParcelEvent.from_db(connection.alias, names, [values[name] for name in names])
    event.parcel = parcel
    if values["actor_id"] is not None:
        event.actor = actor
    if store is not None:
        event.store = store
    parcel_event_recorded.send(sender=ParcelEvent, event=event)
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

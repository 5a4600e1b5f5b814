"""The driver's run: the signed link to a route, and the taps at each stop (arrived, left, not served).

A tap is recorded once: the conditional update writes the time only while it is empty, so a second
tap (a double press, a retry on a weak connection) finds it set and answers with the first time.
A stop the driver cannot serve sends its deliveries still on board back to the DC through the gate;
the next day's batch takes them in again like any parcel at the DC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError, PermissionDeniedError
from orders.lifecycle import parcel_transition
from orders.locks import lock_parcels
from orders.models import Parcel
from routing.models import PlannedRoute, PlannedStop, PlanParcel

LINK_SALT = "routing.driver-run"
REASON_MAX_LENGTH = PlannedStop._meta.get_field("not_served_reason").max_length


class LinkRefused(PermissionDeniedError):
    code = "bad_link"


def route_link_expires(route: PlannedRoute) -> datetime:
    """The end of the route's day in the DC's zone, or its planned return when it runs past midnight."""
    run = route.region_plan.run
    return run.at(max(86_400, route.end_s))


def route_link_token(*, route: PlannedRoute) -> str:
    """A token naming the route and when it stops opening the driver's page; signed with SECRET_KEY."""
    expires = int(route_link_expires(route).timestamp())
    return signing.dumps({"route": route.pk, "until": expires}, salt=LINK_SALT, compress=False)


def route_for_token(token: str, *, now: datetime | None = None) -> PlannedRoute:
    """The route a token names, or LinkRefused when it was altered, or its day is over."""
    try:
        payload = signing.loads(token, salt=LINK_SALT)
        route_id, until = int(payload["route"]), int(payload["until"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkRefused(_("This link is not valid. Scan the code on today's manifest again.")) from None
    if (now or timezone.now()).timestamp() > until:
        raise LinkRefused(_("This link has expired: it opened the route for its own day only."), code="link_expired")
    route = PlannedRoute.objects.select_related("region_plan__run__dc", "vehicle").filter(pk=route_id).first()
    if route is None:
        raise LinkRefused(_("This route is no longer planned. Ask the DC for today's manifest."))
    return route


@dataclass(frozen=True)
class Tap:
    stop: PlannedStop
    recorded: bool  # False: it had been tapped before, and `stop` shows the first time
    sent_back: tuple[str, ...] = ()  # tracking numbers returned to the DC (not served)


def _stop_for_update(stop: PlannedStop) -> PlannedStop:
    """The stop re-read (its route dispatched, else ConflictError)."""
    current = PlannedStop.objects.select_related("route", "store").get(pk=stop.pk)
    if current.route.dispatched_at is None:
        raise ConflictError(_("This route has not left the DC yet."), code="not_dispatched")
    return current


def _set_once(stop: PlannedStop, field: str, at: datetime, **extra) -> bool:
    return PlannedStop.objects.filter(pk=stop.pk, **{f"{field}__isnull": True}).update(**{field: at}, **extra) == 1


def stop_arrive(*, stop: PlannedStop, at: datetime | None = None) -> Tap:
    current = _stop_for_update(stop)
    recorded = _set_once(current, "arrived_at", at or timezone.now())
    current.refresh_from_db(fields=["arrived_at"])
    return Tap(stop=current, recorded=recorded)


def stop_leave(*, stop: PlannedStop, at: datetime | None = None) -> Tap:
    current = _stop_for_update(stop)
    if current.arrived_at is None and current.left_at is None:
        raise ConflictError(_("Tap “Arrived” at the store before “Left”."), code="not_arrived")
    recorded = _set_once(current, "left_at", at or timezone.now())
    current.refresh_from_db(fields=["left_at"])
    return Tap(stop=current, recorded=recorded)


def stop_not_served(*, stop: PlannedStop, reason: str, actor=None, actor_label: str = "") -> Tap:
    """Record why the stop was not served and send its deliveries still in transit back to the DC
    (in_transit → at_dc, the reason on each event). Parcels the store scanned in already stay there."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Say why the stop cannot be served."), code="reason_required", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(
            _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX_LENGTH},
            code="reason_too_long",
            field="reason",
        )
    with transaction.atomic():
        current = _stop_for_update(stop)
        if current.left_at is not None and current.not_served_at is None:
            raise ConflictError(_("You left this stop already; it counts as served."), code="already_left")
        at = timezone.now()
        if not _set_once(current, "not_served_at", at, not_served_reason=reason):
            current.refresh_from_db(fields=["not_served_at", "not_served_reason"])
            return Tap(stop=current, recorded=False)
        route = current.route
        parcel_ids = PlanParcel.objects.filter(stop=current, kind=PlanParcel.Kind.DELIVER).values_list(
            "parcel_id", flat=True
        )
        sent_back = []
        for parcel in lock_parcels(parcel_ids, related=["order__merchant", "order__pickup_store"]):
            if parcel.status != Parcel.Status.IN_TRANSIT:
                continue  # scanned in by the store already: it stays there
            parcel_transition(
                parcel=parcel,
                to=Parcel.Status.AT_DC,
                actor=actor,
                actor_label=actor_label,
                changes={"expected_arrival": None},
                details={
                    "reason": "stop_not_served",
                    "note": reason,
                    "route": route.number,
                    "stop": current.position,
                    "store": current.store.code,
                },
                at=at,
            )
            sent_back.append(parcel.tracking_number)
    current.refresh_from_db(fields=["not_served_at", "not_served_reason"])
    return Tap(stop=current, recorded=True, sent_back=tuple(sent_back))


def stop_minutes_late(stop: PlannedStop, run) -> int | None:
    """Minutes the driver arrived after the planned arrival (negative: early), once tapped."""
    if stop.arrived_at is None:
        return None
    return round((stop.arrived_at - run.at(stop.arrival_s)) / timedelta(minutes=1))

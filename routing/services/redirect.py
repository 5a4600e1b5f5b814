"""A full or closed store at the driver's drop: take its parcels to the nearest store on the same route.

The driver's page offers, for the stop the driver is at, the nearest store further along the route
(a stop not left yet and not given up) that is open, within PICKUP_REDIRECT_MAX_KM in a straight line,
and has a free slot of the right temperature class for every parcel still on board for this stop.
With none, the parcels ride back to the DC by the stop's not-served tap, as before.

Redirecting moves the deliveries onto that store's stop of the plan (so the driver's page lists
them there, and its scan-in counts as that stop's proof) and leaves the rest to
`orders.services.redirect`: the order's new pickup store, the event, the webhook, the shopper's message.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError
from orders.capacity import cold_slots_free
from orders.locks import lock_order, lock_store
from orders.models import Parcel
from orders.services.redirect import parcels_redirect
from routing.models import PlannedStop, PlanParcel
from stores.locator import haversine_m


@dataclass(frozen=True)
class Redirected:
    to_stop: PlannedStop
    parcels: list[str]  # tracking numbers


@dataclass(frozen=True)
class RedirectOption:
    stop: PlannedStop
    km: float


def _drops_on_board(stop: PlannedStop) -> list[Parcel]:
    entries = PlanParcel.objects.filter(
        stop=stop, kind=PlanParcel.Kind.DELIVER, parcel__status=Parcel.Status.IN_TRANSIT
    ).select_related("parcel")
    return [entry.parcel for entry in entries]


def _km(a, b) -> float:
    return haversine_m(float(a.latitude), float(a.longitude), float(b.latitude), float(b.longitude)) / 1000


def _refusal(candidate: PlannedStop, here: PlannedStop, drops: list[Parcel]) -> str | None:
    """Why `candidate` cannot take the drops of `here`, or None."""
    store = candidate.store
    if candidate.route_id != here.route_id or candidate.pk == here.pk or store.pk == here.store_id:
        return _("%(store)s is not a later stop of this route.") % {"store": store.code}
    if candidate.left_at is not None or candidate.not_served_at is not None:
        return _("%(store)s is not a later stop of this route.") % {"store": store.code}
    km = _km(here.store, store)
    if km > settings.PICKUP_REDIRECT_MAX_KM:
        return _("%(store)s is %(km).1f km away, farther than %(max)s km.") % {
            "store": store.code,
            "km": km,
            "max": f"{settings.PICKUP_REDIRECT_MAX_KM:g}",
        }
    if not store.active or not store.is_open_at(timezone.now()):
        return _("%(store)s is closed now.") % {"store": store.code}
    needed = Counter(p.temperature_class for p in drops)
    for temperature_class, n in needed.items():
        if (
            not store.accepts_temperature(temperature_class)
            or cold_slots_free(store=store, temperature_class=temperature_class) < n
        ):
            return _("%(store)s has no room for these parcels.") % {"store": store.code}
    if any(not store.accepts_size(p.size_class) or p.weight_g > store.max_weight_g for p in drops):
        return _("%(store)s cannot take parcels of this size or weight.") % {"store": store.code}
    return None


def stop_redirect_options(*, stop: PlannedStop) -> list[RedirectOption]:
    """The later stops of the route that can take this stop's parcels still on board, nearest first."""
    drops = _drops_on_board(stop)
    if not drops:
        return []
    candidates = (
        PlannedStop.objects.filter(route_id=stop.route_id, left_at__isnull=True, not_served_at__isnull=True)
        .exclude(pk=stop.pk)
        .select_related("store")
        .prefetch_related("store__hours")
    )
    options = [
        RedirectOption(stop=candidate, km=_km(stop.store, candidate.store))
        for candidate in candidates
        if _refusal(candidate, stop, drops) is None
    ]
    return sorted(options, key=lambda option: option.km)


def stop_redirect(*, stop: PlannedStop, to_stop_id, actor=None, actor_label: str = "") -> Redirected:
    """Take this stop's parcels still on board to the store of `to_stop_id`.

    Refused, with a message naming the reason and nothing changed, when that stop is not a later one
    of this route, is too far, closed, or has no room.
    """
    if stop.route.dispatched_at is None:
        raise ConflictError(_("This route has not left the DC yet."), code="not_dispatched")
    if stop.left_at is not None or stop.not_served_at is not None:
        raise ConflictError(_("This stop is done; nothing to redirect from it."), code="stop_done")
    target = (
        PlannedStop.objects.select_related("store")
        .prefetch_related("store__hours")
        .filter(pk=to_stop_id if str(to_stop_id).isdigit() else None)
        .first()
    )
    if target is None or target.route_id != stop.route_id:
        raise DomainError(_("Choose a store of this route."), code="not_on_route", field="to_stop")
    with transaction.atomic():
        drops = _drops_on_board(stop)
        if not drops:
            raise ConflictError(_("No parcel for this stop is on board any more."), code="nothing_on_board")
        # The room checked below must still be free when this commits: an order placed at that store,
        # or moved to it, meanwhile takes the store's lock too and waits (orders.locks: orders first).
        for order_id in sorted({parcel.order_id for parcel in drops}):
            lock_order(order_id)
        lock_store(target.store_id)
        refusal = _refusal(target, stop, drops)
        if refusal:
            raise DomainError(refusal, code="redirect_refused", field="to_stop")
        events = parcels_redirect(
            parcels=drops,
            to_store=target.store,
            actor=actor,
            actor_label=actor_label,
            details={"reason": "store_cannot_take", "route": stop.route.number, "stop": stop.position},
        )
        moved = [event.parcel_id for event in events]
        PlanParcel.objects.filter(stop=stop, kind=PlanParcel.Kind.DELIVER, parcel_id__in=moved).update(
            stop=target, store=target.store
        )
    return Redirected(
        to_stop=target, parcels=sorted(Parcel.objects.filter(pk__in=moved).values_list("tracking_number", flat=True))
    )

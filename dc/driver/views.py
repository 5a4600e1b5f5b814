"""The driver's run on a phone. Thin: find the route (a driver's account or the manifest's signed link),
call one service or selector, render or answer JSON.

Each screen exists twice, under /routes/<id>/ for a signed-in driver of the route's DC and under
/link/<token>/ for whoever scanned the QR code on the printed manifest: the token is the key, so a
link is refused once altered or once the route's day is over.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from dc.driver.forms import NotServedForm
from orders.counter.views import wants_json
from orders.models import Parcel
from routing import selectors
from routing.models import PlannedRoute, PlannedStop
from routing.services import driver as service
from routing.services.redirect import stop_redirect, stop_redirect_options
from stores.roles import driver_dcs, is_driver_of

logger = logging.getLogger("dc.driver")

# How often the page asks whether the stores have scanned in (seconds): fresh enough for a driver
# standing at the counter, light enough for a phone on a mobile connection.
POLL_SECONDS = 15


def _refuse(request, message: str, *, reason: str, status: int):
    if wants_json(request):
        return JsonResponse({"ok": False, "reason": reason, "message": message}, status=status)
    return render(request, "dc/driver/refused.html", {"message": message}, status=status)


def run_view(view):
    """Resolve the route from the URL (`route_id` for an account, `token` for a signed link), check who
    may see it and call `view(request, route)` with `request.run_urls` naming this route's screens."""

    @never_cache
    @wraps(view)
    def wrapper(request, *args, route_id: int | None = None, token: str | None = None, **kwargs):
        if token is not None:
            try:
                route = service.route_for_token(token)
            except DomainError as refusal:
                logger.warning("driver link refused: %s", refusal.code)
                return _refuse(request, refusal.message, reason=refusal.code, status=refusal.status_code)
            request.run_actor = {"actor_label": _("driver (manifest link, route %(n)d)") % {"n": route.number}}
            key, name = [token], "link"
        else:
            if not request.user.is_authenticated:
                if wants_json(request):
                    return JsonResponse(
                        {"ok": False, "reason": "not_signed_in", "message": _("Sign in first.")}, status=401
                    )
                return redirect_to_login(request.get_full_path())
            route = get_object_or_404(
                PlannedRoute.objects.select_related("region_plan__run__dc", "vehicle"), pk=route_id
            )
            if not is_driver_of(request.user, route.region_plan.run.dc):
                logger.warning("driver page refused: user %s is no driver of route %s", request.user.pk, route.pk)
                return _refuse(
                    request,
                    _("Only drivers of this distribution centre can open its routes."),
                    reason="not_a_driver",
                    status=403,
                )
            request.run_actor = {"actor": request.user}
            key, name = [route.pk], "route"
        if route.dispatched_at is None:
            return _refuse(
                request,
                _("Route %(n)d has not been dispatched yet. Open it again once the truck is loaded.")
                % {"n": route.number},
                reason="not_dispatched",
                status=404,
            )
        request.run_urls = {
            "page": reverse(f"dc:driver:{name}", args=key),
            "status": reverse(f"dc:driver:{name}_status", args=key),
            "tap": lambda stop, action: reverse(f"dc:driver:{name}_tap", args=[*key, stop.pk, action]),
        }
        return view(request, route, *args, **kwargs)

    return wrapper


def _clock(moment, tz) -> str:
    return time_format(timezone.localtime(moment, tz), "H:i") if moment else ""


def _stop_json(item: selectors.DriverStop) -> dict:
    stop, tz = item.stop, item.stop.store.tz
    return {
        "id": stop.pk,
        "position": stop.position,
        "store": stop.store.code,
        "state": item.state,
        "eta": _clock(item.eta, tz),
        "arrived_at": _clock(stop.arrived_at, tz),
        "minutes_late": service.stop_minutes_late(stop, item.stop.route.region_plan.run),
        "left_at": _clock(stop.left_at, tz),
        "not_served_reason": stop.not_served_reason,
        "drops": len(item.drops),
        "scanned_in": item.scanned_in,
        "sent_back": item.sent_back,
        "collects": len(item.collects),
        "handed_over": item.handed_over,
        "proof": _proof(item),
    }


def _proof(item: selectors.DriverStop) -> str:
    if not item.drops:
        return ""
    if item.sent_back:
        return _("%(back)d of %(n)d sent back to the DC") % {"back": item.sent_back, "n": len(item.drops)}
    return _("%(done)d of %(n)d scanned in by the store") % {"done": item.scanned_in, "n": len(item.drops)}


def _summary(stops: list[selectors.DriverStop]) -> str:
    return _("%(done)d of %(n)d parcels scanned in by the stores") % {
        "done": sum(s.scanned_in for s in stops),
        "n": sum(len(s.drops) for s in stops),
    }


def _status_json(route: PlannedRoute, stops: list[selectors.DriverStop]) -> dict:
    return {
        "ok": True,
        "route": route.number,
        "drops": sum(len(s.drops) for s in stops),
        "scanned_in": sum(s.scanned_in for s in stops),
        "summary": _summary(stops),
        "stops": [_stop_json(s) for s in stops],
    }


@login_required
@require_GET
def home(request):
    """A driver's dispatched routes of today, to open theirs."""
    dcs = list(driver_dcs(request.user))
    if not dcs:
        return _refuse(
            request, _("This page is for drivers of a distribution centre."), reason="not_a_driver", status=403
        )
    routes = [route for dc in dcs for route in selectors.driver_routes([dc], timezone.localdate(timezone=dc.tz))]
    return render(request, "dc/driver/home.html", {"routes": routes, "dcs": dcs})


@run_view
@require_GET
def run(request, route):
    stops = selectors.driver_stops(route)
    if wants_json(request):
        return JsonResponse(_status_json(route, stops))
    for item in stops:
        tap_url = request.run_urls["tap"]
        item.urls = {
            "arrive": tap_url(item.stop, "arrive"),
            "leave": tap_url(item.stop, "leave"),
            "not_served": tap_url(item.stop, NOT_SERVED),
            "redirect": tap_url(item.stop, REDIRECT),
        }
        # At the drop, with parcels still on board: where they can go if the store cannot take them.
        item.redirect_offer = None
        if item.state == "arrived" and any(p.status == Parcel.Status.IN_TRANSIT for p in item.drops):
            item.redirect_offer = stop_redirect_options(stop=item.stop)[:1]
        item.proof = _proof(item)
        item.arrived_clock = _clock(item.stop.arrived_at, item.stop.store.tz)
        item.minutes_late = service.stop_minutes_late(item.stop, route.region_plan.run)
        item.left_clock = _clock(item.stop.left_at, item.stop.store.tz)
    return render(
        request,
        "dc/driver/run.html",
        {
            "route": route,
            "run": route.region_plan.run,
            "stops": stops,
            "urls": request.run_urls,
            "poll_seconds": POLL_SECONDS,
            "not_served_form": NotServedForm(),
            "summary": _summary(stops),
            "redirect_max_km": f"{settings.PICKUP_REDIRECT_MAX_KM:g}",
        },
    )


@run_view
@require_GET
def status(request, route):
    """The page's polling: what the stores have scanned in and what was tapped, as JSON."""
    return JsonResponse(_status_json(route, selectors.driver_stops(route)))


NOT_SERVED = "not-served"
REDIRECT = "redirect"
# A time tap: the service, the time it records, and what the driver is told the first time and after.
TIME_TAPS = {
    "arrive": (
        service.stop_arrive,
        "arrived_at",
        gettext_lazy("Arrived at %(store)s at %(time)s."),
        gettext_lazy("Arrival at %(store)s was recorded at %(time)s already."),
    ),
    "leave": (
        service.stop_leave,
        "left_at",
        gettext_lazy("Left %(store)s at %(time)s."),
        gettext_lazy("Leaving %(store)s was recorded at %(time)s already."),
    ),
}


@run_view
@require_POST
def tap(request, route, stop_id: int, action: str):
    if action not in (*TIME_TAPS, NOT_SERVED, REDIRECT):
        raise Http404(_("A stop has no such tap."))
    stop = get_object_or_404(PlannedStop.objects.select_related("store"), pk=stop_id, route=route)
    names = {"store": f"{stop.store.code} {stop.store.name}"}
    try:
        if action in TIME_TAPS:
            do, field, said_now, said_before = TIME_TAPS[action]
            result = do(stop=stop)
            names["time"] = _clock(getattr(result.stop, field), stop.store.tz)
            message = (said_now if result.recorded else said_before) % names
        elif action == REDIRECT:
            moved = stop_redirect(stop=stop, to_stop_id=request.POST.get("to_stop", ""), **request.run_actor)
            target = moved.to_stop
            names.update(n=len(moved.parcels), to=f"{target.store.code} {target.store.name}", position=target.position)
            message = _("%(n)d parcels of %(store)s go to stop %(position)d, %(to)s: its clerk scans them in.") % names
            result = service.Tap(stop=stop, recorded=True)
        else:
            form = NotServedForm(request.POST)
            if not form.is_valid():
                raise DomainError(form.error_text(), code="reason_required", field="reason")
            result = service.stop_not_served(stop=stop, reason=form.reason_text(), **request.run_actor)
            names.update(time=_clock(result.stop.not_served_at, stop.store.tz), n=len(result.sent_back))
            names["reason"] = result.stop.not_served_reason
            message = (
                _("%(store)s not served (%(reason)s): %(n)d parcels go back to the DC.")
                if result.recorded
                else _("%(store)s was reported not served at %(time)s already (%(reason)s).")
            ) % names
    except DomainError as refusal:
        if wants_json(request):
            return JsonResponse(
                {"ok": False, "reason": refusal.code, "field": refusal.field, "message": refusal.message},
                status=refusal.status_code,
            )
        messages.error(request, refusal.message)
        return redirect(f"{request.run_urls['page']}#stop-{stop.position}")
    if wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "recorded": result.recorded,
                "message": message,
                "sent_back": list(result.sent_back),
                "stop": _stop_json(next(s for s in selectors.driver_stops(route) if s.stop.pk == stop.pk)),
            }
        )
    # A repeat tap, or a stop given up, is worth the driver's second look: amber, not green.
    (messages.success if result.recorded and action != NOT_SERVED else messages.warning)(request, message)
    return redirect(f"{request.run_urls['page']}#stop-{stop.position}")

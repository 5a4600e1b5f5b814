"""The planner console. Views parse, call one service, render; only planners of the DC get in."""

from __future__ import annotations

from datetime import date
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.input import parse_day
from routing import selectors
from routing.forms import ConditionsForm, MoveForm, VehiclesForm
from routing.manifest import barcode_svg, driver_qr_svg, manifest_pdf, plan_csv
from routing.models import BatchRun, PlannedRoute, RegionPlan
from routing.services import adjust, batch, dispatch, wording
from routing.services.driver import route_link_token
from stores.models import DistributionCenter
from stores.roles import is_planner_of, planner_dcs


def planner_view(view):
    """Load the DC named in the URL and let only its planners through (403 for everyone else)."""

    @login_required
    @wraps(view)
    def wrapper(request, dc, *args, **kwargs):
        centre = get_object_or_404(DistributionCenter, code=dc)
        if not is_planner_of(request.user, centre):
            raise PermissionDenied(_("Only planners of this distribution centre can use its console."))
        return view(request, centre, *args, **kwargs)

    return wrapper


def _day(raw: str) -> date:
    try:
        return parse_day(raw)
    except ValueError:
        raise Http404(_("Not a date: %(day)s") % {"day": raw}) from None


def _today(dc: DistributionCenter) -> date:
    return timezone.now().astimezone(dc.tz).date()


def _run_or_404(dc, day) -> BatchRun:
    run = selectors.run_for(dc, day)
    if run is None:
        raise Http404(_("No batch run for this day."))
    return run


def _region_or_404(run, region) -> RegionPlan:
    rp = selectors.region_plan_for(run, region)
    if rp is None:
        raise Http404(_("No plan for this region on this day."))
    return rp


def _route_or_404(region_plan, number) -> PlannedRoute:
    return get_object_or_404(
        PlannedRoute.objects.select_related("vehicle", "region_plan"), region_plan=region_plan, number=number
    )


def _act(request, action, success: str, back: str):
    """Run a service from a POST and go back to the page, with its message or its refusal."""
    try:
        result = action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success if not callable(success) else success(result))
    return redirect(back)


@login_required
@require_GET
def console(request):
    dcs = list(planner_dcs(request.user))
    if not dcs:
        raise PermissionDenied(_("The planner console is for DC planners."))
    if len(dcs) == 1:
        return redirect("routing:today", dc=dcs[0].code)
    return render(request, "routing/choose_dc.html", {"dcs": dcs})


@planner_view
@require_GET
def today(request, dc):
    return redirect("routing:day", dc=dc.code, day=_today(dc).isoformat())


@planner_view
@require_GET
def day_view(request, dc, day):
    plan_day = _day(day)
    overview = selectors.day_overview(dc, plan_day)
    run = overview.run
    return render(
        request,
        "routing/day.html",
        {
            "dc": dc,
            "day": plan_day,
            "overview": overview,
            "run": run,
            "held_counts": selectors.held_counts(run) if run else [],
            "conditions_form": ConditionsForm.for_conditions(
                run.condition if run else "", run.condition_factor if run else None, day_level=True
            ),
            "refresh": run is not None and run.status == BatchRun.Status.RUNNING,
            "map_data": selectors.day_map_data(run) if run else None,
            "tile_url": settings.PICKUP_MAP_TILE_URL,
        },
    )


@planner_view
@require_GET
def runs_view(request, dc):
    page = Paginator(selectors.runs_for(dc), 20).get_page(request.GET.get("page"))
    for run in page.object_list:
        run.solving_seconds = selectors.run_solving_seconds(run)
    return render(request, "routing/runs.html", {"dc": dc, "page": page})


@planner_view
@require_POST
def run_start(request, dc, day):
    plan_day = _day(day)
    back = reverse("routing:day", args=[dc.code, day])

    def start():
        run, created = batch.batch_run_start(dc=dc, day=plan_day, trigger=BatchRun.Trigger.MANUAL, user=request.user)
        if not created:
            raise DomainError(
                _("The batch for %(day)s has run already; re-run or re-optimise a region instead.") % {"day": day}
            )
        return run

    return _act(request, start, _("The batch has started; regions are being solved."), back)


@planner_view
@require_POST
def run_conditions(request, dc, day):
    run = _run_or_404(dc, _day(day))
    form = ConditionsForm(request.POST, day_level=True)
    back = reverse("routing:day", args=[dc.code, day])
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect(back)
    return _act(
        request,
        lambda: adjust.run_set_conditions(
            run=run, condition=form.cleaned_data["condition"], factor=form.cleaned_data["factor"]
        ),
        lambda saved: (
            _("Conditions for the day saved: %(condition)s × %(factor)s; re-optimise a region to apply them.")
            % {"condition": saved.get_condition_display(), "factor": saved.condition_factor}
        ),
        back,
    )


@planner_view
@require_GET
def run_csv(request, dc, day):
    run = _run_or_404(dc, _day(day))
    return _csv_response(plan_csv(selectors.plan_rows(run), run), f"plan-{dc.code}-{day}.csv")


def _csv_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@planner_view
@require_GET
def region_view(request, dc, day, region):
    run = _run_or_404(dc, _day(day))
    rp = _region_or_404(run, region)
    routes = selectors.region_routes(rp)
    move_form = MoveForm(request.GET or None, routes=routes)
    preview = None
    if request.GET and move_form.is_valid():
        try:
            preview = adjust.stop_move_preview(**move_form.move_args())
        except DomainError as error:
            move_form.add_error(None, error.message)
    unserved = list(rp.unserved.select_related("store"))
    for stop in unserved:
        stop.reason_text = wording.reason_text(stop.reason, wording.NO_NAMES)
    failed = rp.status == RegionPlan.Status.FAILED
    blocking = wording.locked_vehicle(rp) if failed else None
    return render(
        request,
        "routing/region.html",
        {
            "dc": dc,
            "day": run.plan_date,
            "run": run,
            "rp": rp,
            "adjustable": adjust.region_plan_adjustable(rp),
            "failed": failed,
            "failure": wording.failure_text(rp) if rp.error else "",
            "locked_routes": [
                {"route": r, "label": wording.route_label(r), "blocking": r.vehicle_id == blocking}
                for r in routes
                if r.locked
            ],
            "routes": routes,
            "unserved": unserved,
            "held_counts": selectors.held_counts(run, rp.region_id),
            "held": Paginator(selectors.held_parcels(run, rp.region_id), 25).get_page(request.GET.get("held_page")),
            "map_data": selectors.map_data(rp, routes),
            "tile_url": settings.PICKUP_MAP_TILE_URL,
            "move_form": move_form,
            "preview": preview,
            "preview_routes": _preview_rows(preview, routes) if preview else [],
            "conditions_form": ConditionsForm.for_conditions(rp.condition, rp.condition_factor),
            "vehicles_form": VehiclesForm(region_plan=rp),
        },
    )


def _preview_rows(preview, routes):
    """Before and after, for each route the move touches."""
    rows = []
    for route in routes:
        if route.pk not in (preview.stop.route_id, preview.target.pk):
            continue
        after = preview.routes.get(route.pk)
        rows.append(
            {
                "route": route,
                "after": after,
                "after_peak": max([after.start_load_volume, *(v.load_volume for v in after.visits)]) if after else None,
            }
        )
    return rows


def _region_url(dc, day, region) -> str:
    return reverse("routing:region", args=[dc.code, day, region])


@planner_view
@require_POST
def region_conditions(request, dc, day, region):
    rp = _region_or_404(_run_or_404(dc, _day(day)), region)
    form = ConditionsForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect(_region_url(dc, day, region))
    return _act(
        request,
        lambda: adjust.region_plan_set_conditions(
            region_plan=rp, condition=form.cleaned_data["condition"], factor=form.cleaned_data["factor"]
        ),
        lambda saved: (
            _("Conditions saved: %(condition)s × %(factor)s; solve the region again to apply them.")
            % {
                "condition": saved.get_condition_display() or saved.run.get_condition_display(),
                "factor": saved.effective_condition_factor,
            }
        ),
        _region_url(dc, day, region),
    )


@planner_view
@require_POST
def region_vehicles(request, dc, day, region):
    rp = _region_or_404(_run_or_404(dc, _day(day)), region)
    form = VehiclesForm(request.POST, region_plan=rp)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect(_region_url(dc, day, region))
    return _act(
        request,
        lambda: adjust.region_plan_set_vehicles(region_plan=rp, vehicles=list(form.cleaned_data["vehicles"])),
        _("Vehicles saved; re-optimise the region to use them."),
        _region_url(dc, day, region),
    )


@planner_view
@require_POST
def region_solve(request, dc, day, region):
    rp = _region_or_404(_run_or_404(dc, _day(day)), region)
    return _act(
        request,
        lambda: batch.region_plan_requeue(region_plan=rp, user=request.user),
        _("The region is being solved again."),
        _region_url(dc, day, region),
    )


@planner_view
@require_POST
def region_move(request, dc, day, region):
    rp = _region_or_404(_run_or_404(dc, _day(day)), region)
    form = MoveForm(request.POST, routes=selectors.region_routes(rp))
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect(_region_url(dc, day, region))
    return _act(request, lambda: adjust.stop_move(**form.move_args()), _moved, _region_url(dc, day, region))


def _moved(preview) -> str:
    """The move's message says that it locked the routes it touched (unlocked on the same page)."""
    kept = sorted((r for r in {preview.stop.route, preview.target} if r.pk in preview.routes), key=lambda r: r.number)
    return ngettext(
        "The stop was moved. %(routes)s is now locked: re-optimising keeps it as it is until you unlock it.",
        "The stop was moved. %(routes)s are now locked: re-optimising keeps them as they are until you unlock them.",
        len(kept),
    ) % {"routes": _(" and ").join(wording.route_label(r) for r in kept)}


@planner_view
@require_POST
def region_approve(request, dc, day, region):
    rp = _region_or_404(_run_or_404(dc, _day(day)), region)
    return _act(
        request,
        lambda: dispatch.region_plan_approve(region_plan=rp, user=request.user),
        _("The plan is approved and frozen; its routes can be dispatched."),
        _region_url(dc, day, region),
    )


@planner_view
@require_POST
def route_lock(request, dc, day, region, number):
    route = _route_or_404(_region_or_404(_run_or_404(dc, _day(day)), region), number)
    locked = request.POST.get("locked") == "1"
    label = wording.route_label(route)
    return _act(
        request,
        lambda: adjust.route_set_locked(route=route, locked=locked),
        _("%(route)s locked: re-optimising keeps it as it is.") % {"route": label}
        if locked
        else _("%(route)s unlocked: re-optimising may change it.") % {"route": label},
        _region_url(dc, day, region),
    )


@planner_view
@require_POST
def route_dispatch(request, dc, day, region, number):
    route = _route_or_404(_region_or_404(_run_or_404(dc, _day(day)), region), number)

    def said(result):
        text = _("%(route)s dispatched: %(count)d parcels in transit.") % {
            "route": wording.route_label(route),
            "count": len(result.moved),
        }
        if result.left:
            text += " " + _("Not loaded (no longer planned): %(list)s.") % {"list": ", ".join(result.left)}
        if result.not_loaded:
            text += " " + _("Back to the DC, not loaded: %(list)s.") % {"list": ", ".join(result.not_loaded)}
        return text

    confirm = request.POST.get("confirm_not_loaded") == "1"
    return _act(
        request,
        lambda: dispatch.route_dispatch(route=route, user=request.user, confirm_not_loaded=confirm),
        said,
        _region_url(dc, day, region),
    )


@planner_view
@require_GET
def route_manifest(request, dc, day, region, number):
    run = _run_or_404(dc, _day(day))
    route = _route_or_404(_region_or_404(run, region), number)
    stops = selectors.manifest_stops(route)
    for item in stops:
        item.drop_codes = [(p, barcode_svg(p.tracking_number)) for p in item.drops]
        item.collect_codes = [(p, barcode_svg(p.tracking_number)) for p in item.collects]
    driver_url = _driver_url(request, route)
    return render(
        request,
        "routing/manifest.html",
        {
            "dc": dc,
            "run": run,
            "route": route,
            "region": region,
            "stops": stops,
            "driver_url": driver_url,
            "driver_qr": driver_qr_svg(driver_url),
        },
    )


def _driver_url(request, route: PlannedRoute) -> str:
    """The signed link that opens the route's page on the driver's phone (the DC floor's app serves it)."""
    return request.build_absolute_uri(reverse("dc:driver:link", args=[route_link_token(route=route)]))


@planner_view
@require_GET
def route_manifest_pdf(request, dc, day, region, number):
    run = _run_or_404(dc, _day(day))
    route = _route_or_404(_region_or_404(run, region), number)
    response = HttpResponse(
        manifest_pdf(route, selectors.manifest_stops(route), run, driver_url=_driver_url(request, route)),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="manifest-{dc.code}-{day}-{region}-{number}.pdf"'
    return response


@planner_view
@require_GET
def region_csv(request, dc, day, region):
    run = _run_or_404(dc, _day(day))
    rp = _region_or_404(run, region)
    return _csv_response(plan_csv(selectors.plan_rows(run, rp), run), f"plan-{dc.code}-{day}-{region}.csv")

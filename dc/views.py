"""The DC floor's screens. Thin: parse, call one service or selector, render (or answer JSON).

Every screen runs for the DC named in the URL and only for its dock staff or planners; a parcel of
another DC is answered as unknown.
"""

from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.input import UnrepresentableInput, json_body, parse_day
from dc import selectors
from dc.forms import DayForm, HandOverForm, IntakeForm
from dc.models import DockException, ReturnConsignment
from dc.services import exceptions, intake, loading, returns
from orders.counter.forms import ScanForm
from orders.counter.views import wants_json
from routing.models import PlannedRoute
from stores.models import DistributionCenter
from stores.roles import dock_dc, dock_dcs

LAST_SCAN_SESSION_KEY = "dock_last_scan"
# Repeats of a scan that already happened, and parcels held for a person: amber, not red.
WARN_REASONS = {"already_received", "already_loaded", "already_back"}
WARN_OUTCOMES = {"reclassed", "held", "found"}


def dock_view(view):
    """Signed in, dock staff or a planner of the DC in the URL: sets `request.dc` or answers why not."""

    @wraps(view)
    def wrapper(request, dc, *args, **kwargs):
        json_reply = wants_json(request)
        if not request.user.is_authenticated:
            if json_reply:
                return JsonResponse(
                    {"ok": False, "reason": "not_signed_in", "message": _("Sign in first.")}, status=401
                )
            return redirect_to_login(request.get_full_path())
        centre = dock_dc(request.user, dc)
        if centre is None:
            get_object_or_404(DistributionCenter, code=dc)  # an unknown DC is a 404, someone else's a 403
            if json_reply:
                return JsonResponse(
                    {"ok": False, "reason": "not_dock", "message": _("You do not work at this DC's dock.")}, status=403
                )
            raise PermissionDenied(_("Only dock staff and planners of this distribution centre can use its floor."))
        request.dc = centre
        with timezone.override(centre.tz):  # times on dock screens are the DC's wall clock
            return view(request, *args, **kwargs)

    return wrapper


def _render(request, template: str, context: dict | None = None, status: int = 200):
    return render(request, template, {"dc": request.dc, **(context or {})}, status=status)


def _today(dc: DistributionCenter) -> date:
    return timezone.now().astimezone(dc.tz).date()


def _day(request) -> tuple[DayForm, date]:
    form = DayForm(request.GET or None)
    day = form.cleaned_data["day"] if form.is_valid() and form.cleaned_data["day"] else _today(request.dc)
    return form, day


def _request_data(request):
    """The posted form, or the JSON object a script sent; None when the JSON is not an object.

    UnrepresentableInput (core/input.py) when the JSON is not valid or holds what cannot be stored."""
    if request.content_type == "application/json":
        data = json_body(request.body or b"{}")
        return data if isinstance(data, dict) else None
    return request.POST


def _scan(request, *, form_class, call, template: str, context=None):
    """A scan screen: POST answers JSON to `Accept: application/json`, else posts, redirects and shows."""
    if request.method == "POST":
        body, status = _scan_answer(request, form_class, call)
        if wants_json(request):
            return JsonResponse(body, status=status)
        request.session[LAST_SCAN_SESSION_KEY] = body
        return redirect(request.path)
    last = request.session.pop(LAST_SCAN_SESSION_KEY, None)
    return _render(request, template, {"form": form_class(), "last": last, **(context or {})})


def _scan_answer(request, form_class, call) -> tuple[dict, int]:
    try:
        data = _request_data(request)
    except UnrepresentableInput as refusal:
        return {"ok": False, "reason": "invalid", "tone": "bad", "message": refusal.message}, 400
    if data is None:
        message = _("The request body must be a JSON object with the scanned code.")
        return {"ok": False, "reason": "invalid", "tone": "bad", "message": message}, 400
    form = form_class(data)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        return {"ok": False, "reason": "invalid", "tone": "bad", "field": field, "message": errors[0]}, 400
    code = form.cleaned_data["code"]
    try:
        body = call(form.cleaned_data)
    except DomainError as refusal:
        tone = "warn" if refusal.code in WARN_REASONS else "bad"
        body = {"ok": False, "reason": refusal.code, "tone": tone, "message": refusal.message, "code": code}
        if refusal.field:
            body["field"] = refusal.field
        return body, refusal.status_code
    return {"ok": True, "code": code, **body}, 200


@require_GET
def home(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    dcs = list(dock_dcs(request.user))
    if len(dcs) == 1:
        return redirect("dc:floor", dc=dcs[0].code)
    if not dcs:
        return render(request, "dc/not_dock.html", status=403)
    return render(request, "dc/choose_dc.html", {"dcs": dcs})


@dock_view
@require_GET
def floor(request):
    dc = request.dc
    return _render(
        request,
        "dc/floor.html",
        {
            "cutoff_text": intake.batch_words(intake.batch_cutoff(dc=dc)),
            "open_exceptions": selectors.exception_queue(dc=dc).count(),
            "consignments": selectors.open_consignments(dc=dc),
            "routes": selectors.loading_routes(dc=dc, day=_today(dc)),
        },
    )


# --- 1. Intake -----------------------------------------------------------------------------------------


@dock_view
@require_http_methods(["GET", "POST"])
def intake_scan(request):
    dc = request.dc

    def call(data):
        result = intake.parcel_intake(
            parcel_code=data["code"],
            dc=dc,
            user=request.user,
            weight_g=data.get("weight_g"),
            size_class=data.get("size_class"),
            damaged=bool(data.get("damaged")),
        )
        tone = "warn" if result.outcome in WARN_OUTCOMES else "ok"
        body = {"reason": result.outcome, "tone": tone, "message": result.message, **result.details}
        if result.batch is not None:
            body["batch"] = {
                "day": result.batch.day.isoformat(),
                "today": result.batch.today,
                "seconds_left": result.batch.seconds_left,
            }
        return body

    return _scan(
        request,
        form_class=IntakeForm,
        call=call,
        template="dc/intake.html",
        context={} if request.method == "POST" else {"cutoff_text": intake.batch_words(intake.batch_cutoff(dc=dc))},
    )


@dock_view
@require_GET
def consignments(request):
    dc = request.dc
    form, day = _day(request)
    summary = selectors.consignment_summary(dc=dc, day=day)
    merchant_id = request.GET.get("merchant", "")
    chosen = next((row for row in summary if str(row["merchant_id"]) == merchant_id), None)
    shortage = selectors.consignment_shortage(dc=dc, day=day, merchant_id=chosen["merchant_id"]) if chosen else None
    if wants_json(request):
        return JsonResponse(
            {
                "day": day.isoformat(),
                "merchants": summary,
                "shortage": [p.tracking_number for p in shortage] if shortage is not None else None,
            }
        )
    return _render(
        request,
        "dc/consignments.html",
        {"form": form, "day": day, "summary": summary, "chosen": chosen, "shortage": shortage},
        status=400 if form.errors else 200,
    )


# --- 2. Sort and load ----------------------------------------------------------------------------------


def _route_or_404(dc, day: str, region: str, number: int) -> PlannedRoute:
    try:
        plan_day = parse_day(day)
    except ValueError:
        raise Http404(_("Not a date: %(day)s") % {"day": day}) from None
    return get_object_or_404(
        PlannedRoute.objects.select_related("region_plan__region", "region_plan__run", "vehicle"),
        region_plan__run__dc=dc,
        region_plan__run__plan_date=plan_day,
        region_plan__region__code=region,
        number=number,
    )


@dock_view
@require_GET
def loading_index(request):
    form, day = _day(request)
    return _render(
        request,
        "dc/loading_index.html",
        {"form": form, "day": day, "routes": selectors.loading_routes(dc=request.dc, day=day)},
    )


@dock_view
@require_http_methods(["GET", "POST"])
def loading_scan(request, day, region, number):
    dc = request.dc
    route = _route_or_404(dc, day, region, number)

    def call(data):
        result = loading.parcel_load(parcel_code=data["code"], route=route, dc=dc, user=request.user)
        return {
            "reason": "loaded",
            "tone": "ok",
            "message": result.message,
            "loaded": result.loaded,
            "total": result.total,
            "big": f"{result.loaded} / {result.total}",
        }

    context = {"route": route}
    if request.method == "GET":
        loaded, total = loading.route_load_counts(route=route)
        context.update(lines=loading.route_load_list(route=route), loaded=loaded, total=total)
    return _scan(request, form_class=ScanForm, call=call, template="dc/loading.html", context=context)


@dock_view
@require_GET
def loading_sheet(request, day, region, number):
    route = _route_or_404(request.dc, day, region, number)
    lines = list(loading.route_load_list(route=route))
    stops = []
    for line in lines:
        if not stops or stops[-1]["stop"].pk != line.stop_id:
            stops.append({"stop": line.stop, "lines": []})
        stops[-1]["lines"].append(line)
    return _render(
        request,
        "dc/loading_sheet.html",
        {"route": route, "stops": stops, "count": len(lines), "printed_at": timezone.localtime()},
    )


# --- 4. Returns home -----------------------------------------------------------------------------------


@dock_view
@require_http_methods(["GET", "POST"])
def returns_scan(request):
    dc = request.dc

    def call(data):
        result = returns.parcel_return_intake(parcel_code=data["code"], dc=dc, user=request.user)
        return {"reason": "back", "tone": "ok", "message": result.message, "consignment": result.consignment.pk}

    context = {} if request.method == "POST" else {"consignments": selectors.open_consignments(dc=dc)}
    return _scan(request, form_class=ScanForm, call=call, template="dc/returns.html", context=context)


@dock_view
@require_http_methods(["GET", "POST"])
def return_consignment(request, pk: int):
    dc = request.dc
    consignment = get_object_or_404(
        ReturnConsignment.objects.select_related("merchant", "handed_over_by"), dc=dc, pk=pk
    )
    form = HandOverForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                events = returns.consignment_hand_over(
                    consignment=consignment,
                    handed_to=form.cleaned_data["handed_to"],
                    at=form.cleaned_data["handed_over_at"],
                    user=request.user,
                )
            except DomainError as refusal:
                form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
                status = refusal.status_code
            else:
                messages.success(
                    request,
                    _("Handed %(count)d parcels to %(name)s; the merchant is told.")
                    % {"count": len(events), "name": consignment.handed_to},
                )
                return redirect("dc:return_consignment", dc=dc.code, pk=consignment.pk)
        else:
            status = 400
    items = consignment.items.select_related("parcel__order", "scanned_by").order_by("parcel__order__reference")
    return _render(
        request,
        "dc/return_manifest.html",
        {"consignment": consignment, "items": items, "form": form, "printed_at": timezone.localtime()},
        status=status,
    )


# --- 5. Exceptions -------------------------------------------------------------------------------------


@dock_view
@require_GET
def exception_list(request):
    resolved = request.GET.get("resolved") == "1"
    page = Paginator(selectors.exception_queue(dc=request.dc, resolved=resolved), 50).get_page(request.GET.get("page"))
    rows = [(row, [(a, exceptions.ACTION_LABELS[a]) for a in exceptions.ACTIONS[row.kind]]) for row in page]
    return _render(request, "dc/exceptions.html", {"page": page, "rows": rows, "resolved": resolved})


@dock_view
@require_POST
def exception_resolve(request, pk: int):
    row = get_object_or_404(DockException, dc=request.dc, pk=pk)
    try:
        exceptions.exception_resolve(exception=row, action=request.POST.get("action", ""), user=request.user)
    except DomainError as refusal:
        if wants_json(request):
            return JsonResponse(
                {"ok": False, "reason": refusal.code, "message": refusal.message}, status=refusal.status_code
            )
        messages.error(request, refusal.message)
    else:
        if wants_json(request):
            return JsonResponse({"ok": True, "resolution": row.resolution})
        messages.success(
            request,
            _("%(tracking)s: %(resolution)s.")
            % {"tracking": row.parcel.tracking_number, "resolution": row.get_resolution_display()},
        )
    return redirect("dc:exceptions", dc=request.dc.code)
